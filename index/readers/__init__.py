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
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.article import Draft, Problem
from index.readers.csv_reader import looks_like_csv, read_csv
from index.readers.feeds import looks_like_feed, read_feed
from index.readers.html import looks_like_html, read_html
from index.readers.json_reader import read_json
from index.readers.jsonl import read_jsonl
from index.readers.plaintext import read_text
from index.readers.reuters import read_reuters
from index.readers.warc import looks_like_warc, read_warc

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
    # For .xml the content decides: only a feed root (<rss>, <feed>, <rdf:RDF>) is read.
    **dict.fromkeys((".rss", ".atom", ".rdf", ".xml"),
                    Format("an RSS, Atom or RDF feed", read_feed, True, looks_like_feed)),
    ".json": Format("JSON", read_json, False, _starts_with(b"{", b"[")),
    ".csv": Format("CSV", read_csv, False, looks_like_csv),
    **dict.fromkeys((".html", ".htm"), Format("an HTML page", read_html, True, looks_like_html)),
    ".warc": Format("a WARC archive", read_warc, True, looks_like_warc),
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


def gunzip(data: bytes, chunk: int = 1 << 16) -> tuple[bytes, str | None]:
    """Decompress every gzip member; on damage, keep what came before it and say where.

    Fed in chunks, so the output up to a truncation or a corrupt block survives
    (gzip.decompress would throw it all away).
    """
    out = bytearray()
    position = 0
    try:
        while data[position:].strip(b"\x00"):  # members follow each other; padding may trail
            member = zlib.decompressobj(wbits=31)
            while not member.eof:
                if position >= len(data):
                    raise EOFError("the data ends inside a gzip member")
                piece = data[position:position + chunk]
                position += len(piece)
                out += member.decompress(piece)
            position -= len(member.unused_data)
    except (zlib.error, EOFError) as exc:
        return bytes(out), f"corrupt gzip data after {len(out):,} bytes ({exc})"
    return bytes(out), None


def read_path(path: Path) -> Iterator[Draft | Problem]:
    """Every record in one file; unreadable files become a Problem instead."""
    origin = path.as_posix()
    fmt = format_of(path)
    if fmt is None:
        yield Problem(origin, "unsupported file type")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(origin, f"cannot read file: {exc.strerror or exc}")
        return
    if data[:2] == b"\x1f\x8b":
        data, damage = gunzip(data)
        if damage and not data:
            yield Problem(origin, damage)
            return
        if damage:  # a truncated archive: the records before the damage still count
            yield Problem(origin, f"{damage}; read what came before", skipped=False)
    if not fmt.looks_right(data[:4096]):
        yield Problem(origin, f"content does not look like {fmt.name}")
        return
    if fmt.takes_bytes:
        yield from fmt.read(data, origin)
        return
    text, notes = _decode(data, origin)
    yield from notes
    yield from fmt.read(text, origin)
