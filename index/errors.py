"""Domain errors shared by every layer.

Each error carries the HTTP status a web client should see and a stable
machine-readable code, so the web app renders all of them through one handler
(JSON under /api/, a friendly page elsewhere) and the scripts print the same
message with a non-zero exit.
"""
from __future__ import annotations

import errno

# A write failed for want of room: the disk or the quota is full, or a file-size limit
# (ulimit -f, with SIGXFSZ ignored) was reached. Each is reported the same way.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class MorgueError(Exception):
    """Base class: a message meant for the person or program that caused it."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, param: str | None = None,
                 position: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.position = position
        self.hint = hint

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.param is not None:
            body["param"] = self.param
        if self.position is not None:
            body["position"] = self.position
        if self.hint:
            body["hint"] = self.hint
        return body


class BadRequest(MorgueError):
    """A parameter or query the client sent cannot be used as it is."""

    status = 400
    code = "bad_request"


class NotFound(MorgueError):
    status = 404
    code = "not_found"


class IndexUnavailable(MorgueError):
    """The index is missing, damaged or from another schema version."""

    status = 503
    code = "index_unavailable"

    def __init__(self, message: str, *, state: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.state = state  # "missing" or "damaged", as /api/v1/health reports it
        self.code = f"index_{state}"


class DiskFull(MorgueError):
    """A write found no room: nothing half-written is kept, and the message says what was."""

    status = 507
    code = "insufficient_storage"


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` is a write that failed for want of room (see DISK_FULL_ERRNOS)."""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS
