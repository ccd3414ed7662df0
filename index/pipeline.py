"""Drafts -> finished Articles: extraction and enrichment, in worker processes.

The main process reads files into Drafts (cheap: decompressing, splitting
records); batches of Drafts go to a pool of worker processes that do the
expensive part (HTML extraction, boilerplate removal, language, actors,
quotes, ids, near-duplicate sketches); the finished records come back in
input order to the one process that writes the index. A worker dies with that
process, even when it is killed with SIGKILL (Linux: PR_SET_PDEATHSIG), so a
killed reindex leaves no worker running on.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import signal
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from index import clusters, ids
from index.actors import Actors, extract_actors
from index.article import Article, Draft, Problem, Record
from index.boilerplate import remove_boilerplate
from index.errors import is_disk_full
from index.html import extract_page
from index.language import detect_language
from index.quotes import extract_quotes
from index.readers import read_path
from index.sources import normalise_source
from index.text import clean_value, derive_title, join_paragraphs

MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 5_000_000  # a 50 MB "body" is a dump, not an article: the rest is cut and reported
MAX_VALUE_CHARS = 300
MAX_LIST_ITEMS = 200
# Actors, quotes and language come from the opening of a body this long (some 15,000
# words: far more than any news story), and boilerplate is looked for in this many
# paragraphs, so a huge dump costs a bounded time to enrich.
ANALYSED_CHARS = 100_000
CLEANED_PARAGRAPHS = 2_000
BATCH = 32


def _bounded(value: str, limit: int, what: str, notes: list[Problem], origin: str) -> str:
    """At most `limit` characters, cut between words, with a note when anything was cut."""
    if len(value) <= limit:
        return value
    cut = value.rfind(" ", max(0, limit - 100), limit)
    notes.append(Problem(origin, f"{what} of {len(value):,} characters cut to {limit:,}",
                         skipped=False))
    return value[:cut if cut > 0 else limit].rstrip()


def _names(values: Iterable[str]) -> tuple[str, ...]:
    cleaned = (clean_value(v)[:MAX_VALUE_CHARS] for v in values)
    return tuple(dict.fromkeys(v for v in cleaned if v))[:MAX_LIST_ITEMS]


def _language_code(tag: str) -> str:
    """The primary subtag of a language tag: `pt-BR` -> pt, `fil` -> fil; '' if it is not one."""
    primary = re.split(r"[-_]", clean_value(tag).lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def _apply_page(draft: Draft) -> Problem | None:
    """Fill the draft's blanks from its HTML page; what the source gave explicitly wins."""
    page = extract_page(draft.html, draft.url)
    if not page.body and not page.title:
        return Problem(draft.origin, "page has no article text")
    draft.title = draft.title or page.title
    draft.body = draft.body or page.body
    draft.url = draft.url or page.url
    draft.published = draft.published or page.published
    draft.source = draft.source or page.source
    draft.authors = draft.authors or page.authors
    draft.section = draft.section or page.section
    draft.tags = draft.tags or page.tags
    draft.language = draft.language or page.language
    draft.html = None
    return None


def _article_id(draft: Draft, title: str, body: str) -> tuple[str, str]:
    """Own id, else namespaced native id, else URL hash, else content hash (contract, s. 2)."""
    if draft.own_id:
        return ids.own_id(draft.own_id)
    if draft.native_id:
        return draft.native_id, ""
    if draft.url:
        return ids.url_id(draft.url), ""
    return ids.content_id(title, body), ""


def finish(draft: Draft) -> list[Record]:
    """The finished Article for a Draft, preceded by any repairs; or the Problem that stops it."""
    notes = list(draft.notes)
    if draft.html is not None:
        problem = _apply_page(draft)
        if problem:
            return notes + [problem]
    paragraphs = draft.body.split("\n\n")
    paragraphs = (remove_boilerplate(paragraphs[:CLEANED_PARAGRAPHS], draft.title)
                  + paragraphs[CLEANED_PARAGRAPHS:])
    body = _bounded(join_paragraphs(paragraphs), MAX_BODY_CHARS, "body", notes, draft.origin)
    title = _bounded(clean_value(draft.title), MAX_TITLE_CHARS, "title", notes, draft.origin)
    title_derived = draft.title_derived
    if not title:
        title, title_derived = derive_title(body), True
    if not title and not body:
        return notes + [Problem(draft.origin, "record has neither a title nor a body")]
    published = draft.published
    if published is None and draft.published_fallback:
        published, what = draft.published_fallback
        notes.append(Problem(draft.origin, f"no publication date; used {what}", skipped=False))
    head = body[:ANALYSED_CHARS]
    language = _language_code(draft.language) or detect_language(f"{title}\n\n{head}")
    actors = extract_actors(title, head, Actors(_names(draft.people),
                                                _names(draft.organizations),
                                                _names(draft.places)), dateline=draft.dateline)
    article_id, source_id = _article_id(draft, title, body)
    url = _bounded(clean_value(draft.url), 2_000, "url", notes, draft.origin)
    return notes + [Article(
        id=article_id, source_id=source_id, title=title, title_derived=title_derived,
        body=body, url=url, source=normalise_source(clean_value(draft.source), url),
        published=published, authors=_names(draft.authors), people=actors.people,
        organizations=actors.organizations, places=actors.places, tags=_names(draft.tags),
        section=clean_value(draft.section)[:MAX_VALUE_CHARS], language=language,
        dateline=clean_value(draft.dateline)[:MAX_VALUE_CHARS],
        quotes=extract_quotes(head, actors.people), origin=draft.origin,
        sketch=clusters.sketch(body))]


def finish_all(items: list[Draft | Problem]) -> list[Record]:
    out: list[Record] = []
    for item in items:
        if isinstance(item, Problem):
            out.append(item)
            continue
        try:
            out.extend(finish(item))
        except Exception as exc:  # one bad record must never stop a run ...
            if is_disk_full(exc):  # ... but a full disk is no record's fault: it stops it
                raise
            out.append(Problem(item.origin, f"could not be processed: "
                                            f"{type(exc).__name__}: {exc}"))
    return out


def iter_drafts(files: list[Path]) -> Iterator[Draft | Problem]:
    for path in files:
        yield from read_path(path)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(items, size)):
        yield batch


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Pool initializer: have the kernel kill this worker when its parent dies.

    Without it a worker outlives a parent killed with SIGKILL until it finishes the
    batch in hand and finds the pipe closed (seconds, for a huge record).
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the closed pipe still ends the worker
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def iter_records(files: list[Path], workers: int = 1) -> Iterator[Record]:
    """Finished records in input order; extraction runs in `workers` processes when > 1."""
    drafts = iter_drafts(files)
    if workers <= 1:
        for batch in _batches(drafts, BATCH):
            yield from finish_all(batch)
        return
    with multiprocessing.get_context("fork").Pool(workers, initializer=_die_with_parent,
                                                  initargs=(os.getpid(),)) as pool:
        for records in pool.imap(finish_all, _batches(drafts, BATCH), chunksize=1):
            yield from records
