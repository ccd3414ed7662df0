"""The whole archive as JSON Lines that scripts/reindex.py reads back into the same index.

The index must never be the only copy of what was posted through the API, so
an export carries every stored field a re-import needs: the keys of the
input formats (contract, section 2) plus `dateline`, `title_derived` and
`"body_format": "text"`, which has the body read back exactly as stored (not
cleaned up again, nor taken for HTML when it quotes markup).
An article whose own id had to be hashed is exported with the id it came
with, so the re-import hashes it to the same id and keeps `source_id`.
Articles stream from the live generation one stored document at a time.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from index import schema, store
from index.article import Article
from index.columns import column
from index.dates import format_utc


def export_record(article: Article) -> dict:
    """The JSON object for one article; empty values are left out."""
    record = {
        "id": article.source_id or article.id, "url": article.url, "title": article.title,
        "title_derived": article.title_derived or None, "body": article.body,
        "body_format": "text" if article.body else None,
        "published": format_utc(article.published), "source": article.source,
        "authors": list(article.authors), "section": article.section,
        "tags": list(article.tags), "language": article.language,
        "dateline": article.dateline, "people": list(article.people),
        "organizations": list(article.organizations), "places": list(article.places),
        "origin": article.origin,
    }
    return {key: value for key, value in record.items() if value not in (None, "", [])}


def _export_order(ids, cluster_ids, docs: list[int]) -> list[int]:
    """Document order, except that each syndicated story starts where its first copy was,
    with the copy that names the cluster first: a re-import then gives the same cluster ids
    (an update in place moves a document to the end of the index)."""
    first: dict[str, int] = {}
    for position, doc in enumerate(docs):
        first.setdefault(cluster_ids[doc] or ids[doc], position)
    return sorted(docs, key=lambda doc: (first[cluster_ids[doc] or ids[doc]],
                                         (cluster_ids[doc] or ids[doc]) != ids[doc]))


def iter_export(index_dir: Path) -> Iterator[dict]:
    """Every article of the live index as an export record (IndexUnavailable when there is none)."""
    ix = store.open_generation(store.live_generation(index_dir))
    with ix.reader() as reader:
        docs = list(reader.all_doc_ids())
        order = _export_order(column(reader, schema.ID), column(reader, schema.CLUSTER), docs)
        for doc in order:
            yield export_record(schema.from_stored(reader.stored_fields(doc)))
