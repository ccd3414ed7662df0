"""Counting the writers trial: is every acknowledged article there, and every deleted one gone?

The same count runs over HTTP against the server and directly on the index
directory through the read path (`search.run_search`, `search.get_article`),
each a *probe* with two questions: which ids a query finds, and the article
with a given id. An article counts as found only when its marker finds it
and GET /api/v1/articles/<id> gives it with the body of its last
acknowledged version; a revision word of a replaced version that still
finds it makes it *stale* (counted as lost too). A deleted article found by
its marker, an old revision word or its id is *resurrected*.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.writers_ledger import Client, Expected, Traffic
from index import store
from index.errors import IndexUnavailable, NotFound
from index.journal import Journal
from search import Archive, get_article, parse_request, run_search

GROUP = 40  # words OR'ed in one query: 40 x 11 characters stays under MAX_QUERY_LENGTH
LISTED = 20  # ids listed per kind of problem; the rest are counted


class ProbeError(Exception):
    """The probe got no usable answer (a 5xx, a partial search): the count is not trusted."""


PARTIAL_RETRIES = 3  # a search past its time budget (a cold or busy server) is asked again


def search_params(q: str) -> dict[str, list[str]]:
    """Ids only, no facets: the count needs nothing else, and facets cost time."""
    return {"q": [q], "collapse": ["none"], "page_size": ["100"], "fields": ["id"],
            "facets": [""]}


def _complete(search, q: str) -> list[str]:
    """The ids a search finds, asked again while its answer is partial."""
    for _ in range(PARTIAL_RETRIES):
        response = search(q)
        if not response.get("partial"):
            return [result["id"] for result in response["results"]]
        time.sleep(0.5)
    raise ProbeError(f"search {q[:60]!r} was partial {PARTIAL_RETRIES} times: "
                     f"{response.get('partial_parts')}")


class HttpProbe:
    """The server's answers, one keep-alive connection per counting thread."""

    def __init__(self, port: int, traffic: Traffic) -> None:
        self.port, self.traffic = port, traffic
        self._local = threading.local()

    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(self.port, self.traffic, "count")
        return client

    def search(self, q: str) -> list[str]:
        return _complete(self._search, q)

    def _search(self, q: str) -> dict:
        params = [(k, v[0]) for k, v in search_params(q).items()]
        answer = self._client().call("GET", "/api/v1/search?" + urlencode(params))
        if answer.status != 200 or not isinstance(answer.data, dict):
            raise ProbeError(f"search {q[:60]!r}: {answer.status} {answer.text[:200]}")
        return answer.data

    def article(self, article_id: str) -> dict | None:
        answer = self._client().call("GET", "/api/v1/articles/" + quote(article_id))
        if answer.status == 404:
            return None
        if answer.status != 200 or not isinstance(answer.data, dict):
            raise ProbeError(f"article {article_id}: {answer.status} {answer.text[:200]}")
        return answer.data


class DirectProbe:
    """The index directory read in this process, as scripts/query.py reads it."""

    def __init__(self, index_dir: Path) -> None:
        self.archive = Archive(index_dir)

    def search(self, q: str) -> list[str]:
        return _complete(lambda text: run_search(self.archive,
                                                 parse_request(search_params(text))), q)

    def article(self, article_id: str) -> dict | None:
        try:
            return get_article(self.archive, article_id)
        except NotFound:
            return None


def _groups(words: list[str]) -> Iterator[str]:
    for start in range(0, len(words), GROUP):
        yield " OR ".join(words[start:start + GROUP])


def _found(probe, words: Iterable[str], pool: ThreadPoolExecutor) -> set[str]:
    return {found for ids in pool.map(probe.search, _groups(sorted(set(words))))
            for found in ids}


def count(probe, expected: list[Expected], threads: int = 4) -> dict:
    """Found, lost, stale and resurrected articles among `expected`, by `probe`'s answers."""
    present = [e for e in expected if not e.deleted]
    gone = [e for e in expected if e.deleted]
    with ThreadPoolExecutor(threads) as pool:
        by_marker = _found(probe, (e.marker for e in present if e.marker), pool)
        by_gone_marker = _found(probe, (e.marker for e in gone if e.marker), pool)
        by_old_word = _found(probe, (w for e in expected for w in e.old_words), pool)
        articles = dict(zip([e.id for e in expected],
                            pool.map(probe.article, [e.id for e in expected])))
    missing_search = {e.id for e in present if e.marker and e.id not in by_marker}
    missing_get = {e.id for e in present if articles[e.id] is None}
    stale = {e.id for e in present if e.id in by_old_word
             or (articles[e.id] is not None and articles[e.id].get("body") != e.body)}
    resurrected = {e.id for e in gone if e.id in by_gone_marker | by_old_word
                   or articles[e.id] is not None}
    lost = missing_search | missing_get | stale
    return {"expected": len(present), "found": len(present) - len(lost),
            "deleted_expected_gone": len(gone), "lost": len(lost),
            "resurrected": len(resurrected), "stale": len(stale),
            "missing_by_marker": sorted(missing_search)[:LISTED],
            "missing_by_id": sorted(missing_get)[:LISTED], "stale_ids": sorted(stale)[:LISTED],
            "resurrected_ids": sorted(resurrected)[:LISTED]}


def applied_seq(index_dir: Path) -> tuple[int, int]:
    """(last journal entry, last entry the live generation includes)."""
    try:
        live = store.live_generation(index_dir).journal_seq
    except IndexUnavailable:
        live = -1
    return Journal(index_dir).last_seq(), live


def wait_applied(index_dir: Path, timeout: float) -> float | None:
    """Seconds until the live generation includes the whole journal; None past `timeout`."""
    started = time.monotonic()
    while True:
        last, live = applied_seq(index_dir)
        if live >= last:
            return round(time.monotonic() - started, 2)
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.1)
