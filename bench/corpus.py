"""The benchmark's documents: the sample corpus read once by Morgue, then scaled copies as JSONL.

The base documents come out of Morgue's own readers and pipeline
(`expand_sources` + `iter_records`), so every engine gets the same titles,
bodies, dates and actor lists that Morgue itself would extract. Each scale is
written as JSON Lines in Morgue's input format (CONTRACT section 2): Morgue
indexes those files through its whole pipeline, the other engines load the
same lines with `iter_documents`. Copy k of a larger scale gets new ids and
dates shifted by k whole years, so a copy is a new article, not a duplicate id.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

# Bump when the documents written change shape, so a cached corpus is not reused by mistake.
CORPUS_VERSION = 1
SCALES: dict[str, int] = {"x1": 1, "x10": 10, "x50": 50}
LINES_PER_FILE = 25_000  # several files per scale, so Morgue's reader has a directory to walk


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    body: str
    published: datetime | None  # naive UTC
    source: str = ""
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    url: str = ""
    title_derived: bool = False


def read_base(sources: list[str], workers: int, limit: int | None = None
              ) -> Iterator[Document]:
    """The sources as plain documents, through Morgue's readers and extraction pipeline."""
    from index.article import Article
    from index.pipeline import iter_records
    from index.readers import expand_sources

    files, _problems = expand_sources(sources)
    count = 0
    for record in iter_records(files, workers):
        if not isinstance(record, Article):
            continue  # a skipped record (e.g. Reuters NEWID 12793, which is empty)
        yield Document(id=record.id, title=record.title, body=record.body,
                       published=record.published, source=record.source,
                       people=record.people, organizations=record.organizations,
                       places=record.places, url=record.url,
                       title_derived=record.title_derived)
        count += 1
        if limit is not None and count >= limit:
            return


def shifted(document: Document, copy: int) -> Document:
    """Copy number `copy` of a document: a new id, the date moved `copy` years on."""
    if copy == 0:
        return document
    published = document.published
    if published is not None:
        try:
            published = published.replace(year=published.year + copy)
        except ValueError:  # 29 February in a year that has none
            published = published.replace(year=published.year + copy, day=28)
    fields = {**asdict(document), "id": f"{document.id}~c{copy}", "published": published}
    return Document(**fields)


def to_line(document: Document) -> str:
    """One JSONL line in Morgue's input format (keys of index/records.py)."""
    record = {
        "id": document.id, "title": document.title, "body": document.body,
        # Wire text, not HTML: "<Texaco Canada Inc>" must survive (index/records.py).
        "body_format": "text",
        "published": (document.published.isoformat(timespec="microseconds") + "Z"
                      if document.published else None),
        "source": document.source, "people": list(document.people),
        "organizations": list(document.organizations), "places": list(document.places),
        "url": document.url,
    }
    if document.title_derived:
        record["title_derived"] = True
    return json.dumps(record, ensure_ascii=False)


def from_line(line: str) -> Document:
    obj = json.loads(line)
    published = obj.get("published")
    return Document(
        id=obj["id"], title=obj.get("title") or "", body=obj.get("body") or "",
        published=(datetime.fromisoformat(published.rstrip("Z")) if published else None),
        source=obj.get("source") or "", people=tuple(obj.get("people") or ()),
        organizations=tuple(obj.get("organizations") or ()),
        places=tuple(obj.get("places") or ()), url=obj.get("url") or "",
        title_derived=bool(obj.get("title_derived")))


def iter_documents(files: Iterable[Path]) -> Iterator[Document]:
    for path in files:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield from_line(line)


def write_jsonl(documents: Iterable[Document], directory: Path, stem: str) -> list[Path]:
    """Write documents as numbered JSONL files of LINES_PER_FILE lines; return the files."""
    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    out = None
    try:
        for number, document in enumerate(documents):
            if number % LINES_PER_FILE == 0:
                if out:
                    out.close()
                files.append(directory / f"{stem}-{len(files):03d}.jsonl")
                out = open(files[-1], "w", encoding="utf-8")
            out.write(to_line(document) + "\n")
    finally:
        if out:
            out.close()
    return files


def fingerprint(sources: list[str], limit: int | None) -> str:
    """Identifies the base corpus: the source files' names, sizes and times, and the limit."""
    from index.readers import expand_sources

    files, _ = expand_sources(sources)
    parts = [f"v{CORPUS_VERSION}", f"limit={limit}"]
    for path in files:
        stat = path.stat()
        parts.append(f"{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
