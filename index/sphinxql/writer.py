"""Writing articles to the SphinxQL tier: each to its shard's real-time index, batched.

An article goes to shard `crc32(cluster) % shards` (schema.shard_of) and to
every node of that shard (its primary and, when the cluster has one, its
mirror: Sphinx 2.2 does not replicate real-time indexes). Writes go to the
shards, never through the head's distributed index, which refuses them.
The names of facet values go to the same shard's NAMES index, once each.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import pymysql

from index.article import Article
from index.errors import IndexUnavailable
from index.sphinxql import connection, rows, schema

BATCH = 200  # rows per REPLACE statement


def _literal(value: object, escape) -> str:
    if isinstance(value, list):  # a multi-value attribute: numbers we made ourselves
        return "(" + ",".join(str(int(v)) for v in value) + ")"
    if isinstance(value, int):
        return str(value)
    return escape(value)


def replace_sql(index: str, batch: Sequence[dict[str, object]], escape) -> str:
    """REPLACE INTO `index` for rows with the same columns; `escape` quotes a string."""
    columns = list(batch[0])
    values = ",".join("(" + ",".join(_literal(row[c], escape) for c in columns) + ")"
                      for row in batch)
    return f"REPLACE INTO {index} ({','.join(columns)}) VALUES {values}"


class Shard:
    """Connections to every node of one shard; a statement is run on each of them."""

    def __init__(self, addresses: Sequence[str]) -> None:
        self.addresses = list(addresses)
        self._connections = [connection.connect(address) for address in self.addresses]

    def execute(self, sql: str) -> None:
        for address, conn in zip(self.addresses, self._connections):
            try:
                with conn.cursor() as cursor:
                    cursor.execute(sql)
            except pymysql.err.MySQLError as exc:
                raise IndexUnavailable(f"Writing to the SphinxQL node at {address} failed: "
                                       f"{exc.args[-1]}", state="unavailable") from exc

    def query(self, sql: str) -> list[tuple]:
        """Rows from the shard's first node (every node holds the same articles)."""
        try:
            with self._connections[0].cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        except pymysql.err.MySQLError as exc:
            raise IndexUnavailable(f"Reading from the SphinxQL node at {self.addresses[0]} "
                                   f"failed: {exc.args[-1]}", state="unavailable") from exc

    def escape(self, text: str) -> str:
        return self._connections[0].escape(text)

    def close(self) -> None:
        for conn in self._connections:
            conn.close()


class ShardWriter:
    """Buffers rows per shard and sends them in batches; `close()` sends the rest."""

    def __init__(self, shard_addresses: Sequence[Sequence[str]], batch: int = BATCH) -> None:
        self.shards = [Shard(addresses) for addresses in shard_addresses]
        self.batch = batch
        self._articles: list[list[dict]] = [[] for _ in self.shards]
        self._names: list[dict[int, dict]] = [{} for _ in self.shards]
        self._named: list[set[int]] = [set() for _ in self.shards]
        self.written = 0

    def shard_index(self, article: Article) -> int:
        return schema.shard_of(article.cluster or article.id, len(self.shards))

    def put(self, article: Article, indexed: datetime) -> None:
        number = self.shard_index(article)
        self._articles[number].append(rows.article_row(article, indexed))
        for value, kind, name in rows.names_of(article):
            if value not in self._named[number]:
                self._named[number].add(value)
                self._names[number][value] = {"id": value, "name": name, "kind": kind,
                                              "label": name}
        if len(self._articles[number]) >= self.batch:
            self._flush(number)

    def delete(self, article_ids: Iterable[str]) -> None:
        """Delete on every shard (an id alone does not say which shard holds it)."""
        self.flush()
        numbers = [schema.doc_id(article_id) for article_id in article_ids]
        for start in range(0, len(numbers), self.batch):
            chunk = ",".join(map(str, numbers[start:start + self.batch]))
            for shard in self.shards:
                shard.execute(f"DELETE FROM {schema.ARTICLES} WHERE id IN ({chunk})")

    def _flush(self, number: int) -> None:
        shard = self.shards[number]
        if self._names[number]:
            shard.execute(replace_sql(schema.NAMES, list(self._names[number].values()),
                                      shard.escape))
            self._names[number].clear()
        if self._articles[number]:
            shard.execute(replace_sql(schema.ARTICLES, self._articles[number], shard.escape))
            self.written += len(self._articles[number])
            self._articles[number].clear()

    def flush(self) -> None:
        for number in range(len(self.shards)):
            self._flush(number)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            for shard in self.shards:
                shard.close()
