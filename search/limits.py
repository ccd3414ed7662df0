"""What bounds the cost of one search: the number of query terms and a time budget.

A query may hold at most MAX_QUERY_TERMS terms after parsing (a word searched
in several fields counts once); more is a 400, since the query itself is at
fault. Then a search spends its budget in stages: counting the matches, collecting the
page, counting the facets. Each stage on Whoosh's path looks at the clock after
every document (a look costs well under a microsecond; one document of an OR
over a wildcard's thousand words costs milliseconds, so a batch of them could
run for seconds past the budget) and stops where it got once the budget is
spent; the response then says `"partial": true` and which parts were cut.
The clock is read in-line: no timer thread and no SIGALRM (Whoosh's own
TimeLimitCollector uses the signal by default, which fails off the main
thread of a threaded server).
"""
from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from whoosh import query
from whoosh.collectors import TimeLimit, WrappingCollector
from whoosh.searching import Results, Searcher

from index.errors import BadRequest
from search.docsets import DocSet
from search.query import build_query
from search.request import MAX_QUERY_TERMS, SearchRequest

PAGE_SHARE = 0.25  # the page may run this share of the budget past an earlier stage's overrun


@dataclass(frozen=True)
class Limits:
    max_wildcard_terms: int = 1000
    time_budget_ms: int | None = None  # None: no budget (scripts, tests); the web app sets one


def checked_query(searcher: Searcher, request: SearchRequest, limits: Limits,
                  now: datetime, budget: Budget | None = None) -> query.Query:
    """The request's query, parsed and checked, with at most MAX_QUERY_TERMS terms; its
    wildcards and fuzzy words looked up within the `budget` (else BadRequest)."""
    q = build_query(request, searcher, limits.max_wildcard_terms, now, budget)
    count = count_terms(q)
    if count > MAX_QUERY_TERMS:
        raise BadRequest(f"q has {count} terms after parsing; at most {MAX_QUERY_TERMS} are "
                         "allowed (each word, phrase word, wildcard and date clause counts "
                         "once, however many fields it searches)", param="q")
    return q


def count_terms(q: query.Query) -> int:
    """The query's terms as the user wrote them: a word searched in several fields counts once."""
    keys: set[tuple] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, query.Phrase):
            ranges = getattr(node, "char_ranges", None)  # where the parser saw each word
            keys.update((("at", start) for start, _end in ranges) if ranges
                        else (("word", word) for word in node.words))
        elif isinstance(node, DocSet):
            keys.add(("dates", node.label))
        elif not node.is_leaf():
            stack.extend(node.children())
        elif node is not query.NullQuery and not isinstance(node, query.Every):
            start = getattr(node, "startchar", None)
            keys.add(("at", start) if start is not None else ("term", str(node)))
    return len(keys)


class Budget:
    """A deadline, and the parts of the response it cut short."""

    def __init__(self, milliseconds: float | None) -> None:
        self.seconds = None if milliseconds is None else milliseconds / 1000
        self.deadline = None if self.seconds is None else time.perf_counter() + self.seconds
        self.cut: list[str] = []  # "total", "results", "facets", in the order it happened

    def expired(self, deadline: float | None = None) -> bool:
        deadline = self.deadline if deadline is None else deadline
        return deadline is not None and time.perf_counter() > deadline

    def page_deadline(self) -> float | None:
        """The budget's deadline, but at least PAGE_SHARE of the budget from now: when
        counting used it all, the page is still collected from what was counted."""
        if self.seconds is None:
            return None
        return max(self.deadline, time.perf_counter() + self.seconds * PAGE_SHARE)

    def mark(self, part: str) -> None:
        if part not in self.cut:
            self.cut.append(part)

    @property
    def partial(self) -> bool:
        return bool(self.cut)


def matching_within(searcher: Searcher, q: query.Query, budget: Budget) -> set[int]:
    """The documents `q` matches, or those found before the budget ran out (one at least)."""
    docs: set[int] = set()
    for docnum in searcher.docs_for_query(q):
        docs.add(docnum)
        if budget.expired():
            budget.mark("total")
            break
    return docs


class _DeadlineCollector(WrappingCollector):
    """Keeps only `allowed` documents and raises TimeLimit between batches after the deadline.

    It filters itself (rather than wrapping Whoosh's FilterCollector, whose loop
    would never return to this one). After TimeLimit, `results()` holds the
    best of what was collected.
    """

    def __init__(self, child, allowed: Collection[int] | None, deadline: float | None) -> None:
        super().__init__(child)
        self.allowed, self.deadline = allowed, deadline

    def collect_matches(self) -> None:
        child, allowed, deadline = self.child, self.allowed, self.deadline
        clock = time.perf_counter
        for sub_docnum in child.matches():
            if allowed is None or self.offset + sub_docnum in allowed:
                child.collect(sub_docnum)
            if deadline is not None and clock() > deadline:
                raise TimeLimit


def search_within(searcher: Searcher, q: query.Query, budget: Budget, *, limit: int | None,
                  allowed: Collection[int] | None, sortedby=None) -> Results:
    """`searcher.search(q, limit=..., filter=allowed, sortedby=..., terms=True)` within the
    page's deadline; when it runs out the results are the best found so far ("results" cut)."""
    collector = _DeadlineCollector(searcher.collector(limit=limit, sortedby=sortedby, terms=True),
                                   allowed, budget.page_deadline())
    try:
        searcher.search_with_collector(q, collector)
    except TimeLimit:
        collector.finish()  # what a completed run does; results() needs it
        budget.mark("results")
    return collector.results()
