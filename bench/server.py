"""scripts/serve.py in a child process on 127.0.0.1: for the benchmark's HTTP load and the tests.

The server is started exactly as a user starts it, on a free port. Its output
goes to a temporary file, never a pipe: a pipe nobody reads blocks the server
once it is full. `stop()` ends it (SIGTERM, then SIGKILL).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, index_dir: Path, workers: int | None = None, env: dict | None = None,
                 require_index: bool = True, timeout: float = 60) -> None:
        """`require_index`: wait for a 200 from /api/v1/health; otherwise any answer will do
        (a server without an index answers 503 and says how to build one)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")
        command = [sys.executable, "scripts/serve.py", "--index-dir", str(index_dir),
                   "--host", "127.0.0.1", "--port", str(self.port)]
        if workers is not None:
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log,
                                        stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, **(env or {})})
        self._wait_until_up(require_index, timeout)

    def _wait_until_up(self, require_index: bool, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve.py exited: {self.output()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError:
                if not require_index:
                    return  # it answered
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("serve.py did not answer /api/v1/health in time")

    def output(self) -> str:
        """Everything the server has printed so far (stdout and stderr)."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def peak_rss_mb(self) -> dict | None:
        """VmHWM of the gunicorn master and of each worker (Linux /proc only).

        Pages a worker shares with the master (forked) count in both, so the
        sum overstates the machine's memory use; the largest worker is the
        figure to compare with an engine's query process.
        """
        def hwm(pid: int) -> float:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
            return 0.0

        pid = self.process.pid
        try:
            workers = [int(p) for p in
                       Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            return {"master": hwm(pid), "workers": [hwm(w) for w in workers]}
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
