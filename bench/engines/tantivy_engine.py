"""Tantivy through its Python binding (the `tantivy` package): the compiled-engine yardstick.

Schema: title and body with the `en_stem` tokenizer (stored), id and the
metadata with the `raw` tokenizer; source, actors and a "YYYY-MM" month as
fast fields; published as an indexed fast date. The binding has no facet
collector, so facet counts use `Searcher.aggregate` (terms aggregations on the
fast fields; its date_histogram accepts only fixed intervals, so months are a
terms aggregation on the month field). Per query: `parse_query` over title
(boost 2) and body with conjunction_by_default (Morgue's AND of words), filters
as zero-score clauses, `order_by_field="published"` for newest, `offset` for
deep pages, the total from `count=True`, and a SnippetGenerator over the body
for each of the 10 hits. One searcher serves the whole run.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import tantivy

from bench.corpus import iter_documents
from bench.engines import Answer, offset_token
from bench.queries import PAGE_SIZE, Query

SCALES = ("x1", "x10")
NOTES = ("parse_query AND, count=True total, SnippetGenerator on 10 hits, "
         "aggregate() terms for facets (month as a keyword), offset for deep")
ACTORS = {"person": "people", "place": "places", "organization": "organizations"}
WRITER_HEAP = 128_000_000  # the binding's default


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("source", stored=True, fast=True, tokenizer_name="raw")
    for field in ACTORS.values():
        builder.add_text_field(field, stored=True, fast=True, tokenizer_name="raw")
    builder.add_text_field("month", fast=True, tokenizer_name="raw")
    builder.add_date_field("published", stored=True, indexed=True, fast=True)
    return builder.build()


def build(files: list[Path], index_dir: Path, workers: int) -> int:
    index = tantivy.Index(_schema(), path=str(index_dir))
    writer = index.writer(heap_size=WRITER_HEAP)
    count = 0
    for document in iter_documents(files):
        count += 1
        doc = tantivy.Document()
        doc.add_text("id", document.id)
        doc.add_text("title", document.title)
        doc.add_text("body", document.body)
        if document.source:
            doc.add_text("source", document.source)
        for field in ACTORS.values():
            for name in getattr(document, field):
                doc.add_text(field, name)
        if document.published:
            doc.add_date("published", document.published)
            doc.add_text("month", document.published.strftime("%Y-%m"))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    return count


class TantivySession:
    def __init__(self, index_dir: Path) -> None:
        self.index = tantivy.Index.open(str(index_dir))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def _queries(self, query: Query) -> tuple[tantivy.Query, tantivy.Query]:
        """(the words alone, for snippets; the words with the filters, for results)."""
        words = self.index.parse_query(query.text, ["title", "body"], {"title": 2.0},
                                       conjunction_by_default=True)
        clauses = [(tantivy.Occur.Must, words)]
        for name, value in query.filters:
            term = tantivy.Query.term_query(self.schema, ACTORS.get(name, name), value)
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(term, 0.0)))
        if query.date_from or query.date_to:
            start = datetime.fromisoformat(query.date_from) if query.date_from else None
            end = (datetime.fromisoformat(query.date_to) + timedelta(days=1)) \
                if query.date_to else None
            dates = tantivy.Query.range_query(self.schema, "published", tantivy.FieldType.Date,
                                              start, end, include_upper=end is None)
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(dates, 0.0)))
        combined = words if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
        return words, combined

    def search(self, query: Query, token: object = None) -> Answer:
        offset = int(token or 0)
        words, combined = self._queries(query)
        options = {"offset": offset}
        if query.sort == "newest":
            options.update(order_by_field="published", order=tantivy.Order.Desc)
        result = self.searcher.search(combined, PAGE_SIZE, count=True, **options)
        snippets = tantivy.SnippetGenerator.create(self.searcher, words, self.schema, "body")
        ids, titles, texts = [], [], []
        for _key, address in result.hits:
            doc = self.searcher.doc(address)
            ids.append(doc.get_first("id"))
            titles.append(doc.get_first("title"))
            texts.append(snippets.snippet_from_doc(doc).to_html())
        facets = self._facets(combined) if query.facets else {}
        return Answer(total=result.count, ids=ids, titles=titles, snippets=texts,
                      facets=facets,
                      next_token=offset_token(offset, result.count, PAGE_SIZE))

    def _facets(self, combined: tantivy.Query) -> dict:
        found = self.searcher.aggregate(combined, {
            "source": {"terms": {"field": "source", "size": 10}},
            "person": {"terms": {"field": "people", "size": 10}},
            "place": {"terms": {"field": "places", "size": 10}},
            "published": {"terms": {"field": "month", "size": 10_000}},
        })
        facets = {name: [(b["key"], b["doc_count"]) for b in found[name]["buckets"]]
                  for name in ("source", "person", "place", "published")}
        facets["published"].sort()
        return facets

    def close(self) -> None:
        self.searcher = None


def open_session(index_dir: Path) -> TantivySession:
    return TantivySession(index_dir)
