"""Where the benchmark keeps its corpora and indexes, and when a cached one may be reused.

Layout under the work dir (default instance/bench/, never committed):
    corpus/<fingerprint>/base/         the sample corpus as JSONL (x1), manifest.json last
    corpus/<fingerprint>/x10/          ten shifted copies, manifest.json last
    indexes/<fingerprint>/<scale>/<engine>/   one index each, build.json beside it
A manifest is written only after its files are complete, so an interrupted
run is redone, never half-reused. Corpora are deterministic inputs and are
reused whenever complete; indexes are measurements and are reused only when
asked (--reuse), with the build figures recorded when they were built.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from bench import corpus


@dataclass(frozen=True)
class Corpus:
    scale: str
    files: list[Path]
    documents: int
    seconds: float  # time it took to make (0 when reused)
    reused: bool


class Workspace:
    def __init__(self, root: Path, sources: list[str], limit: int | None = None) -> None:
        self.root = Path(root)
        self.sources = sources
        self.limit = limit
        self.fingerprint = corpus.fingerprint(sources, limit)

    def corpus_dir(self, scale: str) -> Path:
        name = "base" if scale == "x1" else scale
        return self.root / "corpus" / self.fingerprint / name

    def index_dir(self, scale: str, engine: str) -> Path:
        return self.root / "indexes" / self.fingerprint / scale / engine

    def base(self, workers: int) -> Corpus:
        """The x1 corpus: the sources read through Morgue's pipeline once, then cached."""
        directory = self.corpus_dir("x1")
        cached = _load_manifest(directory)
        if cached:
            return Corpus("x1", [directory / f for f in cached["files"]],
                          cached["documents"], 0.0, True)
        started = time.perf_counter()
        _clear(directory)
        files = corpus.write_jsonl(corpus.read_base(self.sources, workers, self.limit),
                                   directory, "base")
        documents = _count_lines(files)
        _save_manifest(directory, files, documents)
        return Corpus("x1", files, documents, time.perf_counter() - started, False)

    def scaled(self, scale: str, base: Corpus) -> Corpus:
        """`scale` copies of the base corpus, copy k with new ids and dates k years on."""
        factor = corpus.SCALES[scale]
        if factor == 1:
            return base
        directory = self.corpus_dir(scale)
        cached = _load_manifest(directory)
        if cached:
            return Corpus(scale, [directory / f for f in cached["files"]],
                          cached["documents"], 0.0, True)
        started = time.perf_counter()
        _clear(directory)
        documents = (corpus.shifted(document, copy) for copy in range(factor)
                     for document in corpus.iter_documents(base.files))
        files = corpus.write_jsonl(documents, directory, scale)
        count = _count_lines(files)
        _save_manifest(directory, files, count)
        return Corpus(scale, files, count, time.perf_counter() - started, False)

    def built(self, scale: str, engine: str) -> dict | None:
        """The build record of a complete cached index, or None."""
        record = self.index_dir(scale, engine).with_suffix(".build.json")
        if record.is_file() and self.index_dir(scale, engine).exists():
            return json.loads(record.read_text("utf-8"))
        return None

    def fresh_index_dir(self, scale: str, engine: str) -> Path:
        """An empty directory for a new index (any earlier one and its record removed)."""
        path = self.index_dir(scale, engine)
        path.with_suffix(".build.json").unlink(missing_ok=True)
        _clear(path)
        path.mkdir(parents=True)
        return path

    def record_build(self, scale: str, engine: str, figures: dict) -> None:
        path = self.index_dir(scale, engine).with_suffix(".build.json")
        path.write_text(json.dumps(figures, indent=2), "utf-8")


def dir_size(path: Path) -> int:
    """Bytes on disk of every file under `path` (or of the file itself)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _clear(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _count_lines(files: list[Path]) -> int:
    total = 0
    for path in files:
        with open(path, "rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def _load_manifest(directory: Path) -> dict | None:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text("utf-8"))
    if all((directory / name).is_file() for name in data["files"]):
        return data
    return None


def _save_manifest(directory: Path, files: list[Path], documents: int) -> None:
    data = {"files": [f.name for f in files], "documents": documents,
            "created": corpus.utc_now(), "version": corpus.CORPUS_VERSION}
    (directory / "manifest.json").write_text(json.dumps(data, indent=2), "utf-8")
