"""Set up and run Morgue on a fresh machine with nothing but Python 3.11.

    python3 scripts/bootstrap.py serve   # venv, packages, sample index if stale, then serve
    python3 scripts/bootstrap.py test    # venv, test packages, Chromium, axe-core, Sphinx, then
                                         # the suite
    python3 scripts/bootstrap.py bench   # venv, benchmark packages, then scripts/bench.py

Runs with the system Python and the standard library only. The virtual
environment lives in .venv; packages are reinstalled only when a requirements
file changes. pip is upgraded first because the pip that ships with Python
3.11 cannot resolve python-dateutil 4. Extra arguments go to serve.py, pytest or
bench.py.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
SAMPLE_CORPUS = "sample-corpus"
CHROMIUM = ("chromium", "chromium-browser")
# axe-core, the accessibility checker the browser tests inject, from the npm registry.
AXE_CORE = "axe-core@4.14.1"
NPM_PREFIX = ROOT / ".cache" / "npm"
AXE_SCRIPT = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"


def run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), file=sys.stderr, flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"bootstrap: the step above failed (exit status {result.returncode})")


def ensure_venv(requirements: str) -> None:
    """Create .venv and install `requirements` unless that exact set is installed already."""
    if sys.version_info < (3, 11):
        sys.exit(f"Morgue needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        run(sys.executable, "-m", "venv", VENV)
    wanted = hashlib.sha256()
    for name in sorted(p.name for p in ROOT.glob("requirements*.txt")):
        wanted.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{Path(requirements).stem}"
    if stamp.exists() and stamp.read_text() == wanted.hexdigest():
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=24.1")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-r", ROOT / requirements)
    stamp.write_text(wanted.hexdigest())


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM) if path), None)


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when it is missing."""
    if find_chromium():
        return
    apt_install("chromium")
    if not find_chromium():
        sys.exit("Chromium was installed but is not on PATH")


def ensure_sphinx() -> None:
    """The SphinxQL backend's tests run a real Sphinx cluster: Debian's sphinxsearch."""
    if shutil.which("searchd") and shutil.which("indextool"):
        return
    apt_install("sphinxsearch")
    if not shutil.which("searchd"):
        sys.exit("sphinxsearch was installed but searchd is not on PATH")


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"The tests need {', '.join(packages)}: install Debian's package "
                 f"(sudo apt-get install {' '.join(packages)}) and run this again.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]):
        print("+", " ".join(command), file=sys.stderr, flush=True)
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_axe() -> None:
    """axe-core for the accessibility test, pinned, in .cache/npm (git ignores it)."""
    version = AXE_CORE.rpartition("@")[2]
    package = AXE_SCRIPT.parent / "package.json"
    if AXE_SCRIPT.exists() and f'"version": "{version}"' in package.read_text():
        return
    if not shutil.which("npm"):
        apt_install("npm")
    run("npm", "install", "--prefix", NPM_PREFIX, "--no-save", "--no-audit", "--no-fund",
        "--loglevel=error", AXE_CORE)


def serve(extra: list[str]) -> None:
    ensure_venv("requirements.txt")
    run(PYTHON, "scripts/reindex.py", SAMPLE_CORPUS, "--if-stale")
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "scripts/serve.py", *extra])


def test(extra: list[str]) -> None:
    ensure_venv("requirements-dev.txt")
    ensure_chromium()
    ensure_axe()
    ensure_sphinx()
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *extra])


def bench(extra: list[str]) -> None:
    ensure_venv("requirements-bench.txt")
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "scripts/bench.py", *extra])


COMMANDS = {"serve": serve, "test": test, "bench": bench}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
