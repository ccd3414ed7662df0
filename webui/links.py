"""Where a results page links: this search with one thing changed, its twins, its copies.

Every filter, date, page and sort is a plain link or GET form built here, so
the pages work without JavaScript. The helpers read the current request and
are given to the templates as globals by webui.ui.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote, urlencode, urlsplit

from dateutil.relativedelta import relativedelta
from flask import request, url_for

from search.filters import FILTERS
from webui import timeline

FILTER_NAMES = {"source": "Source", "person": "Person", "organization": "Organisation",
                "place": "Place", "tag": "Topic", "section": "Section", "language": "Language",
                "actor": "Anyone named"}
DATE_PRESETS = (("Past week", relativedelta(weeks=1)), ("Past month", relativedelta(months=1)),
                ("Past year", relativedelta(years=1)))


def url_with(changes: dict | None = None, drop: tuple[str, ...] = ("page", "cursor")) -> str:
    """This page's URL with some parameters replaced (a None value removes one).

    Changing what is searched sends the reader back to page 1, so `page` and
    `cursor` are dropped unless the change sets them.
    """
    changes = changes or {}
    args = [(k, v) for k, v in request.args.items(multi=True)
            if k not in changes and k not in drop]
    for key, value in changes.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None:
                args.append((key, str(item)))
    return this_path() + ("?" + urlencode(args) if args else "")


def this_path() -> str:
    """This page's path as a URL (an actor's name may hold spaces, ? or #)."""
    return quote(request.path)


def toggle_filter(name: str, value: str) -> str:
    """The URL that adds this filter value, or removes it if it is already set.

    Filters match values in any case, so "wire desk" set by hand is removed by
    a click on "Wire Desk".
    """
    current = request.args.getlist(name)
    kept = [v for v in current if v.strip().casefold() != value.casefold()]
    return url_with({name: kept if len(kept) < len(current) else current + [value]})


def visible_filters(response: dict, actor: dict | None = None) -> list[dict]:
    """The filters shown as removable chips: all but the actor page's own actor."""
    own = (actor["kind"], actor["name"].casefold()) if actor else None
    return [f for f in response["query"]["filters"] if (f["name"], f["value"].casefold()) != own]


def without_filters() -> str:
    """This page's URL with every filter and the date range removed: the query stays."""
    return url_with(dict.fromkeys((*FILTERS, "from", "to")))


def date_presets() -> list[dict]:
    """Links that set `from` to a week, a month or a year ago (open-ended, so today counts)."""
    today = datetime.now(timezone.utc).date()
    chosen = (request.args.get("from"), request.args.get("to") or None)
    presets = []
    for label, span in DATE_PRESETS:
        start = (today - span).isoformat()
        presets.append({"label": label, "url": url_with({"from": start, "to": None}),
                        "current": chosen == (start, None)})
    return presets


def twins(args: dict[str, list[str]]) -> dict[str, str]:
    """The API URLs that answer the same search as this page, as JSON, Atom and CSV."""
    same = {name: values for name, values in args.items() if name != "format"}
    base = url_for("api.search") + "?"
    return {"JSON": base + urlencode(same, doseq=True),
            "Atom": base + urlencode({**same, "format": "atom"}, doseq=True),
            "CSV": base + urlencode({**same, "format": "csv"}, doseq=True)}


def timeline_for(response: dict) -> dict | None:
    """The response's date histogram as SVG bars, each linking to its own dates."""
    unit = ("story", "stories") if response["query"]["count"] == "stories" \
        else ("article", "articles")
    return timeline.layout(response["facets"].get("published") or [],
                           response["query"]["interval"], unit,
                           lambda start, end: url_with({"from": start, "to": end}))


def copies_url(cluster_id: str, source: str | None = None) -> str:
    """The search for every copy of one syndicated story (or one outlet's copy)."""
    return url_for("ui.search", q=f'cluster:"{cluster_id}"', collapse="none", source=source)


def web_url(url: str | None) -> str | None:
    """The article's own URL when it is a web address; never javascript: or data:."""
    return url if url and urlsplit(url.strip()).scheme.lower() in ("http", "https") else None
