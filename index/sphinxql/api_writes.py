"""POST and DELETE /api/v1/articles on the SphinxQL tier: written to the shards at once.

On the Whoosh path the API journals a write and an applier commits it; a
real-time index takes a write directly, so here the articles (extracted by
the same checks, index/posted.py) go straight to their shards and are
searchable when the answer leaves. An article already in the cluster keeps
its story cluster (so it stays on its shard); a new one is a story of its
own: the near-duplicate clustering of a reindex is not run for API writes.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from index.article import Article
from index.sphinxql import cluster, rows, schema
from index.sphinxql.writer import ShardWriter


def _present(writer: ShardWriter, article_ids: Sequence[str]) -> dict[str, Article]:
    """The stored articles among these ids, from whichever shard holds each."""
    if not article_ids:
        return {}
    numbers = ",".join(str(schema.doc_id(article_id)) for article_id in article_ids)
    found: dict[str, Article] = {}
    for shard in writer.shards:
        for _doc, stored in shard.query(f"SELECT id, stored FROM {schema.ARTICLES} WHERE id IN "
                                        f"({numbers}) LIMIT {len(article_ids)}"):
            article, _indexed = rows.article_from_json(stored)
            found[article.id] = article
    return found


def put(cluster_dir: Path, articles: Sequence[Article]) -> set[str]:
    """Write the articles (a later copy of an id wins); the ids that were there already."""
    latest = {article.id: article for article in articles}  # one row per id per statement
    writer = ShardWriter(cluster.load(cluster_dir).write_addresses())
    try:
        present = _present(writer, list(latest))
        indexed = rows.now()
        for article in latest.values():
            old = present.get(article.id)
            cluster_id = old.cluster if old is not None and old.cluster else article.id
            writer.put(dataclasses.replace(article, cluster=cluster_id), indexed)
    finally:
        writer.close()
    return set(present)


def delete(cluster_dir: Path, article_id: str) -> bool:
    """Delete the article from every shard that has it; False when none did."""
    writer = ShardWriter(cluster.load(cluster_dir).write_addresses())
    try:
        if article_id not in _present(writer, [article_id]):
            return False
        writer.delete([article_id])
    finally:
        writer.close()
    return True
