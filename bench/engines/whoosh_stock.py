"""Stock Whoosh (whoosh-reloaded) used the way its tutorial shows: the baseline Morgue grew from.

A simple schema (StemmingAnalyzer TEXT title and body, stored; ID id and
source; comma KEYWORD people, places, organizations; sortable DATETIME
published), one `ix.writer()` and one commit. Per query: a new searcher and
a new MultifieldParser (title boosted 2x, AND of the words), filters as a
`filter=` query, `sortedby="published"` for newest, `search_page` for deep
pages, `groupedby` facets (FieldFacet, allow_overlap for the multi-valued
actors, a monthly DateRangeFacet), `len(results)` for the total and the
default `hit.highlights("body")` for every snippet. Run at x1 only: stock
groupedby facets are too slow to be worth waiting for beyond that.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from bench.corpus import iter_documents
from bench.engines import Answer
from bench.queries import PAGE_SIZE, Query

SCALES = ("x1",)
NOTES = ("new searcher + MultifieldParser per query, len(results) total, "
         "hit.highlights('body') on 10 hits, groupedby facets, search_page for deep")
ACTORS = {"person": "people", "place": "places", "organization": "organizations"}
RANGE_FILE = "bench-dates.json"  # first and last publication date, for the month facet


def _schema():
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema

    return Schema(
        id=ID(stored=True, unique=True), source=ID(stored=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        people=KEYWORD(stored=True, commas=True), places=KEYWORD(stored=True, commas=True),
        organizations=KEYWORD(stored=True, commas=True),
        published=DATETIME(stored=True, sortable=True))


def _keywords(names: tuple[str, ...]) -> str:
    # A comma separates keywords, so one inside a name ("Boca Raton, Fla.") becomes ";".
    return ",".join(_keyword(name) for name in names)


def _keyword(name: str) -> str:
    return name.replace(",", ";")


def build(files: list[Path], index_dir: Path, workers: int) -> int:
    from whoosh import index

    ix = index.create_in(str(index_dir), _schema())
    writer = ix.writer()
    count, first, last = 0, None, None
    for document in iter_documents(files):
        fields = {"id": document.id, "source": document.source, "title": document.title,
                  "body": document.body, "people": _keywords(document.people),
                  "places": _keywords(document.places),
                  "organizations": _keywords(document.organizations)}
        if document.published:
            fields["published"] = document.published
            first = min(first or document.published, document.published)
            last = max(last or document.published, document.published)
        writer.add_document(**fields)
        count += 1
    writer.commit()
    (index_dir / RANGE_FILE).write_text(json.dumps(
        {"first": first.isoformat() if first else None,
         "last": last.isoformat() if last else None}), "utf-8")
    return count


class WhooshSession:
    def __init__(self, index_dir: Path) -> None:
        from whoosh import index

        self.ix = index.open_dir(str(index_dir))
        dates = json.loads((index_dir / RANGE_FILE).read_text("utf-8"))
        first = datetime.fromisoformat(dates["first"] or "1987-01-01")
        self.first_month = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        self.after_last = datetime.fromisoformat(dates["last"] or "1987-12-31") + \
            timedelta(days=1)

    def _filter(self, query: Query):
        from whoosh import query as q

        terms = [q.Term(ACTORS.get(name, name),
                        _keyword(value) if name in ACTORS else value)
                 for name, value in query.filters]
        if query.date_from or query.date_to:
            start = datetime.fromisoformat(query.date_from) if query.date_from else None
            end = (datetime.fromisoformat(query.date_to) + timedelta(days=1)
                   - timedelta(microseconds=1)) if query.date_to else None
            terms.append(q.DateRange("published", start, end))
        return q.And(terms) if terms else None

    def _facets(self) -> dict:
        from whoosh import sorting
        from whoosh.support.relativedelta import relativedelta

        return {"source": sorting.FieldFacet("source"),
                "person": sorting.FieldFacet("people", allow_overlap=True),
                "place": sorting.FieldFacet("places", allow_overlap=True),
                "published": sorting.DateRangeFacet("published", self.first_month,
                                                    self.after_last, relativedelta(months=1))}

    def search(self, query: Query, token: object = None) -> Answer:
        from whoosh import sorting
        from whoosh.qparser import MultifieldParser

        page = int(token or 1)
        with self.ix.searcher() as searcher:
            parser = MultifieldParser(["title", "body"], self.ix.schema,
                                      fieldboosts={"title": 2.0})
            parsed = parser.parse(query.text)
            options = {"filter": self._filter(query)}
            if query.sort == "newest":
                options.update(sortedby="published", reverse=True)
            if query.facets:
                options.update(groupedby=self._facets(), maptype=sorting.Count)
            results = searcher.search_page(parsed, page, pagelen=PAGE_SIZE, **options)
            total = len(results)
            hits = [(hit["id"], hit["title"], hit.highlights("body")) for hit in results]
            facets = {}
            if query.facets:
                for name in ("source", "person", "place"):
                    counts = [kv for kv in results.results.groups(name).items() if kv[0]]
                    facets[name] = sorted(counts, key=lambda kv: (-kv[1], kv[0]))[:10]
                months = results.results.groups("published")
                facets["published"] = sorted(  # undated articles fall in no bucket (None)
                    (bucket[0].strftime("%Y-%m"), count) for bucket, count in months.items()
                    if bucket is not None)
        more = page * PAGE_SIZE < total
        return Answer(total=total, ids=[h[0] for h in hits], titles=[h[1] for h in hits],
                      snippets=[h[2] for h in hits], facets=facets,
                      next_token=page + 1 if more else None)

    def close(self) -> None:
        self.ix.close()


def open_session(index_dir: Path) -> WhooshSession:
    return WhooshSession(index_dir)
