"""From command-line sources to article records.

A source is a file, a directory (walked recursively, in name order) or a glob.
The format is chosen by extension (a `.gz` suffix means gzip) and confirmed by
content; whatever cannot be read becomes a `Problem` with its origin, so one
bad file never stops a run. A `.morgueignore` file in a directory lists
glob patterns (one per line, relative to that directory) that a walk skips,
for the documentation and metadata files that live beside an archive's data.
"""
from __future__ import annotations

import codecs
import fnmatch
import glob
import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.article import Draft, Problem
from index.readers.jsonl import read_jsonl
from index.readers.plaintext import read_text
from index.readers.reuters import read_reuters

IGNORE_FILE = ".morgueignore"


@dataclass(frozen=True)
class Format:
    name: str
    read: Callable[..., Iterator[Draft | Problem]]
    takes_bytes: bool
    looks_right: Callable[[bytes], bool]


def _starts_with(*prefixes: bytes) -> Callable[[bytes], bool]:
    def check(head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(prefixes)
    return check


_JSONL = Format("JSON Lines", read_jsonl, False, _starts_with(b"{"))
FORMATS: dict[str, Format] = {
    ".sgm": Format("Reuters-21578 SGML", read_reuters, True,
                   lambda head: b"<REUTERS" in head or b"<!DOCTYPE lewis" in head),
    ".jsonl": _JSONL,
    ".ndjson": _JSONL,
    ".txt": Format("plain text", read_text, False, lambda head: True),
}


def format_of(path: Path) -> Format | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return FORMATS.get(suffixes[-1]) if suffixes else None


def _ignored_patterns(directory: Path) -> list[str]:
    ignore = directory / IGNORE_FILE
    if not ignore.is_file():
        return []
    lines = ignore.read_text("utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _walk(directory: Path, problems: list[Problem]) -> Iterator[Path]:
    patterns = _ignored_patterns(directory)
    try:
        entries = sorted(directory.rglob("*"))
    except OSError as exc:
        problems.append(Problem(str(directory), f"cannot list directory: {exc.strerror}"))
        return
    for path in entries:
        relative = path.relative_to(directory).as_posix()
        if any(part.startswith(".") for part in path.relative_to(directory).parts):
            continue
        if any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(path.name, p) for p in patterns):
            continue
        if path.is_file() and format_of(path):
            yield path


def expand_sources(sources: list[str]) -> tuple[list[Path], list[Problem]]:
    """Resolve files, directories and globs to the files to read, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files.extend(_walk(path, problems))
        elif path.is_file():
            if format_of(path):
                files.append(path)
            else:
                problems.append(Problem(source, "unsupported file type (see README: input formats)"))
        elif glob.has_magic(source):
            matches = sorted(Path(p) for p in glob.glob(source, recursive=True))
            matched = [p for p in matches if p.is_file() and format_of(p)]
            for directory in (p for p in matches if p.is_dir()):
                matched.extend(_walk(directory, problems))
            if not matched:
                problems.append(Problem(source, "pattern matches no readable files"))
            files.extend(matched)
        else:
            problems.append(Problem(source, "no such file or directory"))
    return list(dict.fromkeys(files)), problems


class _Fallbacks:
    """Counts the byte runs that were not UTF-8 in the text being decoded."""

    count = 0


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    _Fallbacks.count += 1
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("morgue-cp1252", _cp1252_fallback)


def _decode(data: bytes, origin: str) -> tuple[str, list[Problem]]:
    """UTF-8, with any run that is not UTF-8 read as Windows-1252 (files mix encodings)."""
    _Fallbacks.count = 0
    text = data.decode("utf-8-sig", errors="morgue-cp1252")
    if not _Fallbacks.count:
        return text, []
    return text, [Problem(origin, f"not valid UTF-8 in {_Fallbacks.count:,} place(s); "
                                  "those bytes were read as Windows-1252", skipped=False)]


def read_path(path: Path) -> Iterator[Draft | Problem]:
    """Every record in one file; unreadable files become a Problem instead."""
    origin = path.as_posix()
    fmt = format_of(path)
    if fmt is None:
        yield Problem(origin, "unsupported file type")
        return
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except OSError as exc:  # includes gzip.BadGzipFile and unreadable files
        yield Problem(origin, f"cannot read file: {exc.strerror or exc}")
        return
    except (EOFError, zlib.error) as exc:
        yield Problem(origin, f"corrupt gzip data: {exc}")
        return
    if not fmt.looks_right(data[:4096]):
        yield Problem(origin, f"content does not look like {fmt.name}")
        return
    if fmt.takes_bytes:
        yield from fmt.read(data, origin)
        return
    text, notes = _decode(data, origin)
    yield from notes
    yield from fmt.read(text, origin)

