"""The one table of settings, shared by the web app and the scripts.

Each setting has a default, a `MORGUE_<NAME>` environment variable and a line
of help; README lists them all (a test checks it). Values are read from the
defaults, then the environment, then explicit overrides (test config or
command-line flags), in that order.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("whoosh", "sphinxql")


def _path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path)


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"must be at least 1 (got {number})")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"must be more than 0 (got {value})")
    return number


def _origins(value: str) -> tuple[str, ...]:
    """`*`, or origins such as https://news.example.org separated by commas; empty for none."""
    origins = tuple(dict.fromkeys(o.strip().rstrip("/") for o in value.split(",") if o.strip()))
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ValueError(f"{origin!r} is not an origin such as https://news.example.org")
    if "*" in origins and len(origins) > 1:
        raise ValueError("* already allows every origin; give it alone")
    return origins


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"must be 0 or more (got {number})")
    return number


def _backend(value: str) -> str:
    if value not in BACKENDS:
        raise ValueError(f"must be one of {', '.join(BACKENDS)}")
    return value


def _optional_address(value: str) -> str:
    """HOST:PORT of a SphinxQL head node, or empty."""
    value = value.strip()
    host, _, port = value.rpartition(":")
    if value and (not host or not port.isdigit() or not 0 < int(port) < 65536):
        raise ValueError("give HOST:PORT, such as 127.0.0.1:9306")
    return value


def _optional_path(value: str) -> Path | None:
    return _path(value) if value.strip() else None


@dataclass(frozen=True)
class Rate:
    """A rate limit: at most `count` requests per `seconds`, e.g. 30/minute."""

    count: int
    seconds: float

    def __str__(self) -> str:
        unit = next((name for name, length in RATE_UNITS.items() if length == self.seconds), None)
        return f"{self.count}/{unit}" if unit else f"{self.count}/{self.seconds:g}s"


RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600}
_RATE = re.compile(r"(\d+)\s*/\s*(?:(second|minute|hour)|(\d+(?:\.\d+)?)\s*s)",
                   re.IGNORECASE)


def _rate(value: str) -> Rate | None:
    """`N/second`, `N/minute`, `N/hour` or `N/Ss` (N requests per S seconds); empty for none."""
    if not value.strip():
        return None
    match = _RATE.fullmatch(value.strip())
    if not match:
        raise ValueError("give requests per period, such as 30/minute, 500/hour or 10/15s")
    count, unit, seconds = match.groups()
    rate = Rate(int(count), float(RATE_UNITS[unit.lower()] if unit else seconds))
    if rate.count < 1 or rate.seconds <= 0:
        raise ValueError("both the number of requests and the period must be more than 0")
    return rate


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    convert: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return f"MORGUE_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting("INDEX_DIR", str(REPO_ROOT / "instance" / "index"),
            "Directory holding the whole index (generations, live pointer); "
            "relative paths are taken from the current directory.", _path),
    Setting("HOST", "127.0.0.1", "Address scripts/serve.py listens on."),
    Setting("PORT", "5000", "Port scripts/serve.py listens on.", _positive_int),
    Setting("WORKERS", "2", "Server worker processes for scripts/serve.py.", _positive_int),
    Setting("THREADS", "4", "Threads per server worker process.", _positive_int),
    Setting("MAX_QUERY_LENGTH", "1000",
            "Longest query (characters) a search accepts.", _positive_int),
    Setting("MAX_WILDCARD_TERMS", "1000",
            "Most index terms one wildcard such as putin* may expand to.", _positive_int),
    Setting("SEARCH_TIME_BUDGET_MS", "3000",
            "Milliseconds one API or page search may spend counting, ranking and faceting; "
            "past it the answer is partial (\"partial\": true).", _positive_int),
    Setting("CORS_ORIGINS", "",
            "Origins whose web pages may read the GET API from a browser: * for any, or a "
            "comma-separated list; empty (the default) sends no CORS headers.", _origins),
    Setting("API_TOKEN", "",
            "Bearer token that POST and DELETE on /api/v1/articles require; "
            "empty (the default) refuses every write with 403."),
    Setting("MAX_POST_BYTES", "10000000",
            "Largest body POST /api/v1/articles accepts, in bytes (larger: 413).", _positive_int),
    Setting("APPLY_INTERVAL", "0.2",
            "Seconds between the journal applier's looks for API writes to apply "
            "(the most an acknowledged write waits before it is applied).", _positive_float),
    Setting("READ_TOKEN", "",
            "Token every read needs when set (pages, static files and the whole API, health "
            "included), for private archives: `Authorization: Bearer <token>`, or HTTP Basic "
            "with any user name and the token as password (browsers ask for it); "
            "MORGUE_API_TOKEN is accepted too. Empty (the default): reading is open."),
    Setting("RATE_LIMIT", "",
            "Per-client limit on expensive requests (exports, deep pages, facet- or "
            "wildcard-heavy searches), such as 30/minute, 500/hour or 10/15s; past it, 429 "
            "with Retry-After. Shared by all worker processes. Empty (the default): no limit, "
            "as suits a local archive; set it for a public deployment.", _rate),
    Setting("RATE_LIMIT_DB", "",
            "SQLite file in which every worker process keeps the rate-limit state; empty (the "
            "default): ratelimit.sqlite3 beside the index directory (in its parent).",
            _optional_path),
    Setting("TRUSTED_PROXIES", "0",
            "Reverse proxies in front of the server whose X-Forwarded-For entries are trusted "
            "as the client address that rate limits count by; 0 (the default) trusts none "
            "and counts by the connection's address.", _non_negative_int),
    Setting("BACKEND", "whoosh",
            "Where searches and writes go: whoosh (the embedded index in MORGUE_INDEX_DIR, the "
            "default) or sphinxql (a Sphinx or Manticore cluster, see MORGUE_SPHINXQL_*).",
            _backend),
    Setting("SPHINXQL_ADDRESS", "",
            "HOST:PORT of the SphinxQL head node the sphinxql backend searches; empty: the "
            "head of the cluster in MORGUE_SPHINXQL_CLUSTER_DIR.", _optional_address),
    Setting("SPHINXQL_CLUSTER_DIR", "",
            "Directory of the cluster scripts/cluster.py manages (its shard addresses, "
            "configs and global IDF file), which the sphinxql backend writes to.",
            _optional_path),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return every setting by name, converted to its type."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env_var, setting.default)
        try:
            values[setting.name] = setting.convert(raw)
        except ValueError as exc:
            raise SystemExit(f"{setting.env_var}={raw!r} is not valid: {exc}") from None
    for name, value in (overrides or {}).items():
        if name not in _BY_NAME:
            raise KeyError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _BY_NAME[name].convert(value) if isinstance(value, str) else value
    return values
