"""Raw query-string values -> a validated, frozen SearchRequest.

This is the one place that reads user input for a search, for the JSON API,
the HTML pages and the command line alike. Nothing is clamped silently: a
value out of range is a BadRequest that names the parameter and says what
would be accepted.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from index.dates import parse_bound
from index.errors import BadRequest
from search.facets import FACETS, INTERVALS
from search.filters import FILTERS
from search.results import DEFAULT_FIELDS, EXPORT_FIELDS, RESULT_FIELDS

SORTS = ("relevance", "newest", "oldest", "indexed")
MAX_PAGE_SIZE = 100
MAX_RESULT_DEPTH = 10_000  # page * page_size: deeper pages cost more than they are worth
MAX_FACET_SIZE = 100
MAX_CURSOR_LENGTH = 1_000
DEFAULT_FACETS = ("source", "published")
COLLAPSES = ("cluster", "none")
COUNTS = ("stories", "copies")
FORMATS = ("json", "atom", "csv", "jsonl")
EXPORT_FORMATS = ("csv", "jsonl")  # every result of the query, streamed, not one page
MAX_QUERY_TERMS = 64  # checked after parsing, in search/limits.py

# Every parameter a search accepts, for the API, the HTML pages and scripts/query.py alike;
# anything else is refused, so a typo (`pagesize=50`) never silently changes the results.
SEARCH_PARAMETERS: tuple[str, ...] = (
    "q", "from", "to", *FILTERS, "sort", "recency", "page", "page_size", "cursor",
    "collapse", "count", "facets", "facet_size", "interval", "fields", "explain", "format")
# The other GET endpoints of /api/v1, by the same rule.
ARTICLE_PARAMETERS: tuple[str, ...] = ("q",)
RELATED_PARAMETERS: tuple[str, ...] = ("limit",)
SUGGEST_PARAMETERS: tuple[str, ...] = ("q", "limit")
HEALTH_PARAMETERS: tuple[str, ...] = ()
# Relative dates in the query (`published:>"last week"`) make the answer depend on the clock.
_RELATIVE_DATE = re.compile(r"published:.*\b(?:now|today|yesterday|ago|last|past)\b",
                            re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SearchRequest:
    q: str
    page: int = 1
    page_size: int = 10
    sort: str = "relevance"
    date_from: datetime | None = None
    date_to: datetime | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (filter name, value), AND-ed together
    facets: tuple[str, ...] = DEFAULT_FACETS
    facet_size: int = 10
    fields: tuple[str, ...] = DEFAULT_FIELDS
    collapse: str = "cluster"
    count: str = "stories"
    interval: str = "auto"
    cursor: str | None = None
    explain: bool = False
    recency: float = 0.0
    format: str = "json"
    now: datetime | None = field(default=None, compare=False)  # fixed in tests; else the clock
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def depends_on_clock(q: str) -> bool:
    """True when a query's answer can change with time alone (a relative date), the index not."""
    return bool(_RELATIVE_DATE.search(q))


def check_length(value: str, name: str, max_length: int) -> str:
    """`value` itself, or BadRequest when it is longer than `max_length` characters."""
    if len(value) > max_length:
        raise BadRequest(f"{name} must be at most {max_length} characters (got {len(value)})",
                         param=name)
    return value


def check_parameters(args: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> None:
    """BadRequest naming the first parameter that is not in `allowed`, with a likely fix."""
    for name in args:
        if name in allowed:
            continue
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        accepted = ", ".join(allowed) if allowed else "no parameters"
        raise BadRequest(f"unknown parameter {name!r}{hint}; this endpoint accepts "
                         f"{accepted}", param=name)


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name) or []
    if len(values) > 1:
        raise BadRequest(f"{name} may be given only once (got {len(values)} values)", param=name)
    return values[0] if values else None


def _integer(args: Mapping[str, Sequence[str]], name: str, default: int,
             low: int, high: int | None = None) -> int:
    raw = _one(args, name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number (got {raw!r})", param=name) from None
    if value < low or (high is not None and value > high):
        allowed = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"{name} must be {allowed} (got {value})", param=name)
    return value


def _date(args: Mapping[str, Sequence[str]], name: str, end_of_day: bool) -> datetime | None:
    raw = _one(args, name)
    if raw is None or not raw.strip():
        return None
    try:
        return parse_bound(raw, end_of_day=end_of_day)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name} must be an ISO 8601 date or datetime such as 1987-03-31 "
                         f"or 1987-03-31T12:00:00Z (got {raw!r})", param=name) from None


def _choices(args: Mapping[str, Sequence[str]], name: str, allowed: Sequence[str],
             default: tuple[str, ...]) -> tuple[str, ...]:
    raw = _one(args, name)
    if raw is None:
        return default
    chosen = tuple(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise BadRequest(f"{name} has unknown value {unknown[0]!r}; choose from "
                         f"{', '.join(allowed)}", param=name)
    return chosen


def _choice(args: Mapping[str, Sequence[str]], name: str, allowed: Sequence[str],
            default: str) -> str:
    raw = _one(args, name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)} (got {raw!r})", param=name)
    return raw


def _boolean(args: Mapping[str, Sequence[str]], name: str) -> bool:
    raw = (_one(args, name) or "false").lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise BadRequest(f"{name} must be true or false (got {raw!r})", param=name)
    return raw in ("true", "1", "yes")


def _fraction(args: Mapping[str, Sequence[str]], name: str) -> float:
    raw = _one(args, name)
    if raw is None or raw.strip() == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise BadRequest(f"{name} must be a number from 0 (relevance only) to 1 (newest first) "
                         f"(got {raw!r})", param=name)
    return value


def parse_request(args: Mapping[str, Sequence[str]], *, max_query_length: int = 1000,
                  require_query: bool = True, now: datetime | None = None) -> SearchRequest:
    """Validate raw parameters (name -> list of values) into a SearchRequest."""
    check_parameters(args, SEARCH_PARAMETERS)
    q = (_one(args, "q") or "").strip()
    if not q and require_query:
        raise BadRequest("q is required: give a query, or q=* to browse every article",
                         param="q")
    if len(q) > max_query_length:
        raise BadRequest(f"q must be at most {max_query_length} characters (got {len(q)})",
                         param="q")
    page_size = _integer(args, "page_size", 10, 1, MAX_PAGE_SIZE)
    page = _integer(args, "page", 1, 1)
    if page * page_size > MAX_RESULT_DEPTH:
        raise BadRequest(f"page * page_size must be at most {MAX_RESULT_DEPTH:,} "
                         f"(got {page:,} * {page_size}); to walk deeper, follow next_cursor "
                         "from page 1 instead of asking for page numbers", param="page")
    cursor = _one(args, "cursor") or None
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        raise BadRequest("cursor is not one this server gave out", param="cursor")
    if cursor is not None and _one(args, "page") not in (None, "", "1"):
        raise BadRequest("give either page or cursor, not both", param="cursor")
    sort = _one(args, "sort") or "relevance"
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)} (got {sort!r})", param="sort")
    date_from = _date(args, "from", end_of_day=False)
    date_to = _date(args, "to", end_of_day=True)
    if date_from and date_to and date_from > date_to:
        raise BadRequest("from must not be later than to", param="from")
    filters = []
    for name in FILTERS:
        for value in args.get(name) or []:
            if value.strip():
                filters.append((name, value.strip()))
    collapse = _choice(args, "collapse", COLLAPSES, "cluster")
    count = _choice(args, "count", COUNTS, "stories" if collapse == "cluster" else "copies")
    recency = _fraction(args, "recency")
    if recency and sort != "relevance":
        raise BadRequest("recency blends relevance with freshness, so it needs "
                         f"sort=relevance (got sort={sort})", param="recency")
    params = tuple((name, value) for name, values in args.items() for value in values)
    output = _choice(args, "format", FORMATS, "json")
    _check_format(args, output)
    return SearchRequest(
        q=q, page=page, page_size=page_size, sort=sort, date_from=date_from, date_to=date_to,
        filters=tuple(filters), facets=_choices(args, "facets", tuple(FACETS), DEFAULT_FACETS),
        facet_size=_integer(args, "facet_size", 10, 1, MAX_FACET_SIZE),
        fields=_fields(args, EXPORT_FIELDS if output in EXPORT_FORMATS else DEFAULT_FIELDS),
        collapse=collapse, count=count,
        interval=_choice(args, "interval", INTERVALS, "auto"), cursor=cursor,
        explain=_boolean(args, "explain"), recency=recency,
        format=output, now=now, params=params)


def _fields(args: Mapping[str, Sequence[str]], default: tuple[str, ...]) -> tuple[str, ...]:
    chosen = _choices(args, "fields", ("all",) + RESULT_FIELDS, default)
    if "all" in chosen:
        return RESULT_FIELDS
    return chosen


def _check_format(args: Mapping[str, Sequence[str]], output: str) -> None:
    """Parameters that cannot apply to the chosen format are refused, not ignored.

    page, page_size and cursor are the exception: an export lists every result
    whatever page the same URL shows as JSON (so a page's "CSV of this search"
    link can keep them); they are still validated.
    """
    if output != "json" and _boolean(args, "explain"):
        raise BadRequest(f"explain is given only with format=json (got format={output})",
                         param="explain")
