"""Serve the web UI and the JSON API with gunicorn: python scripts/serve.py [options]

Pre-fork workers (a crashed worker is replaced), each with a few threads
sharing one index handle. A missing index does not stop the server: every
page and /api/v1/health say how to build it.
"""
from __future__ import annotations

import argparse
import resource
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gunicorn.app.base import BaseApplication  # noqa: E402

from index.settings import load_settings  # noqa: E402
from webui import create_app  # noqa: E402
from webui.writes import start_applier  # noqa: E402


def _worker_booted(worker) -> None:
    """Each worker starts applying journaled API writes at once, not at its first write,
    so entries acknowledged before a restart are applied right after it."""
    start_applier(worker.wsgi)


REQUEST_LINE_LIMIT = 8190  # bytes: the largest gunicorn allows
REQUEST_FIELDS_LIMIT = 100
REQUEST_FIELD_SIZE_LIMIT = 8190  # bytes per header field


class MorgueServer(BaseApplication):
    def __init__(self, settings: dict) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings['HOST']}:{self.settings['PORT']}")
        self.cfg.set("workers", self.settings["WORKERS"])
        self.cfg.set("threads", self.settings["THREADS"])
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("timeout", 60)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        self.cfg.set("errorlog", "-")
        self.cfg.set("loglevel", "warning")
        self.cfg.set("proc_name", "morgue")
        # Refuse oversized requests before they reach the app: 414 for a request line past
        # gunicorn's ceiling (room for a 1,000-character query, percent-encoded, and its
        # filters), 431 for too many or too large header fields.
        self.cfg.set("limit_request_line", REQUEST_LINE_LIMIT)
        self.cfg.set("limit_request_fields", REQUEST_FIELDS_LIMIT)
        self.cfg.set("limit_request_field_size", REQUEST_FIELD_SIZE_LIMIT)
        self.cfg.set("post_worker_init", _worker_booted)

    def load(self):
        return create_app(self.settings)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="serve.py", description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", help="index directory (default: MORGUE_INDEX_DIR)")
    parser.add_argument("--host", help="address to listen on (default: MORGUE_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: MORGUE_PORT, 5000)")
    parser.add_argument("--workers", type=int, help="worker processes (default: MORGUE_WORKERS)")
    return parser.parse_args(argv)


def raise_open_files_limit() -> None:
    """Each request thread's searcher holds the index's files open (some 40 per segment):
    lift the soft limit to the hard one so many threads never run out."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    raise_open_files_limit()
    # A file-size limit (ulimit -f) then fails a write with EFBIG, answered like a full disk,
    # instead of killing the worker with SIGXFSZ at each attempt of the journal applier.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if args.workers is not None and args.workers < 1:
        print(f"serve.py: --workers must be at least 1 (got {args.workers})", file=sys.stderr)
        return 2
    settings = load_settings({"INDEX_DIR": args.index_dir, "HOST": args.host,
                              "PORT": args.port, "WORKERS": args.workers})
    archive = create_app(settings).extensions["morgue.archive"]
    health = archive.health()
    if health["status"] != "ok":
        print(f"warning: {health['message']}", file=sys.stderr)
    serving = (f"the SphinxQL cluster at {archive.address}" if settings["BACKEND"] == "sphinxql"
               else settings["INDEX_DIR"])
    print(f"Morgue serving {serving} on "
          f"http://{settings['HOST']}:{settings['PORT']}/ ({health['documents']:,} articles)",
          file=sys.stderr, flush=True)
    MorgueServer(settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
