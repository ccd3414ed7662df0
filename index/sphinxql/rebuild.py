"""A full reindex into the SphinxQL tier, from the same extracted articles as the Whoosh path.

The pipeline's records (index.pipeline.iter_records) are clustered by the
same Clusterer and their people resolved by the same rule
(index.resolution.person_aliases), so both backends hold the same articles
with the same names, clusters and facet values. Unlike a Whoosh rebuild, this
one writes in place: every article is replaced on its shard, then the
articles the sources no longer hold are deleted, so the cluster never answers
from an empty index meanwhile (but does answer from a mix of old and new
while the run lasts).
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

from index import clusters
from index.article import Problem, Record, Tally
from index.resolution import person_aliases
from index.sphinxql import rows, schema
from index.sphinxql.writer import Shard, ShardWriter
from index.writer import NothingIndexed, count_problem

PAGE = 1000  # ids per scan of a shard
Progress = Callable[[int], None]


def _scan(shard: Shard, columns: str, where: str = "") -> Iterator[tuple]:
    """Every row of the shard's first node, in id order, `PAGE` at a time."""
    last = 0
    while True:
        condition = f"id > {last}" + (f" AND {where}" if where else "")
        found = shard.query(f"SELECT {columns} FROM {schema.ARTICLES} WHERE {condition} "
                            f"ORDER BY id ASC LIMIT {PAGE} OPTION max_matches={PAGE}")
        yield from found
        if len(found) < PAGE:
            return
        last = found[-1][0]


def _resolve_people(writer: ShardWriter, aliases: dict[str, str]) -> int:
    """Rewrite the articles that name a person by a resolvable surname; how many."""
    if not aliases:
        return 0
    wanted = ",".join(str(schema.value_id("person", name)) for name in aliases)
    rewritten = 0
    for shard in writer.shards:
        found = list(_scan(shard, "id, stored", f"people_values IN ({wanted})"))
        for _doc, stored in found:
            article, indexed = rows.article_from_json(stored)
            people = tuple(dict.fromkeys(aliases.get(name, name) for name in article.people))
            writer.put(dataclasses.replace(article, people=people), indexed or rows.now())
            rewritten += 1
    writer.flush()
    return rewritten


def _delete_stale(writer: ShardWriter, expected: Sequence[set[int]]) -> int:
    """Delete from each shard what this run did not write there; how many."""
    deleted = 0
    for shard, keep in zip(writer.shards, expected):
        stale = [doc for doc, in _scan(shard, "id") if doc not in keep]
        for start in range(0, len(stale), PAGE):
            chunk = ",".join(map(str, stale[start:start + PAGE]))
            shard.execute(f"DELETE FROM {schema.ARTICLES} WHERE id IN ({chunk})")
        deleted += len(stale)
    return deleted


def rebuild(shard_addresses: Sequence[Sequence[str]], records: Iterable[Record], *,
            progress: Progress | None = None, strict: bool = False) -> Tally:
    """Write every article to its shard, resolve people, delete what is gone."""
    tally = Tally()
    writer = ShardWriter(shard_addresses)
    try:
        clusterer = clusters.Clusterer()
        indexed = rows.now()
        placed: dict[str, int] = {}  # article id -> shard
        people: Counter = Counter()
        written: dict[str, tuple[str, ...]] = {}  # article id -> its people, as written
        for record in records:
            if isinstance(record, Problem):
                count_problem(tally, record, strict)
                continue
            article = dataclasses.replace(record, cluster=clusterer.add(record.id,
                                                                         record.sketch))
            previous = written.get(article.id)
            if previous is not None:  # a later record with the same id wins, as in Whoosh
                people.subtract(previous)
                if placed[article.id] != writer.shard_index(article):
                    writer.delete([article.id])
            people.update(article.people)
            written[article.id] = article.people
            placed[article.id] = writer.shard_index(article)
            writer.put(article, indexed)
            tally.undated += previous is None and article.published is None
            if progress and len(written) % 100 == 0:
                progress(len(written))
        writer.flush()
        if not written:
            raise NothingIndexed("No article could be read from the sources; "
                                 "the cluster was left unchanged.")
        _resolve_people(writer, person_aliases(+people))
        expected: list[set[int]] = [set() for _ in writer.shards]
        for article_id, number in placed.items():
            expected[number].add(schema.doc_id(article_id))
        tally.deleted = _delete_stale(writer, expected)
        tally.indexed = len(written)
        if progress:
            progress(len(written))
    finally:
        writer.close()
    return tally
