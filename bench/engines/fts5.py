"""SQLite FTS5 from the standard library: the "just use SQLite" alternative.

One database file: an FTS5 table of title and body (porter stemming over
unicode61), a plain `docs` table with the id, source, publication time and
month, and an `actors` table (doc, kind, name) with indexes for filters and
facet counts. Per query: the top 10 by bm25 with the title weighted 2x (or by
date for newest, OFFSET for deep pages), a count(*) of all matches for the
total, then `snippet()` for those 10 rows only. Facets fill a temp table with
the matching rowids once and count them with GROUP BY (source, person, place,
month). The build ends with FTS5's 'optimize' (one b-tree), as a static
archive would.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.corpus import iter_documents
from bench.engines import Answer, offset_token
from bench.queries import PAGE_SIZE, Query

SCALES = ("x1", "x10", "x50")
NOTES = ("bm25(2,1) top 10 + count(*) + snippet() for the 10, facets by GROUP BY over a temp "
         "table of matches, OFFSET for deep")
DATABASE = "bench.sqlite"
ACTORS = {"person": "people", "place": "places", "organization": "organizations"}
SCHEMA = """
CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, source TEXT,
                  published REAL, month TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, tokenize='porter unicode61');
CREATE TABLE actors(doc INTEGER, kind TEXT, name TEXT);
"""
INDEXES = """
CREATE INDEX actors_by_name ON actors(kind, name, doc);
CREATE INDEX actors_by_doc ON actors(doc, kind, name);
CREATE INDEX docs_by_published ON docs(published);
"""
BATCH = 2_000


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def build(files: list[Path], index_dir: Path, workers: int) -> int:
    db = sqlite3.connect(index_dir / DATABASE)
    db.executescript(SCHEMA)
    count = 0
    docs, texts, actors = [], [], []

    def flush() -> None:
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", docs)
        db.executemany("INSERT INTO docs_fts(rowid, title, body) VALUES (?, ?, ?)", texts)
        db.executemany("INSERT INTO actors VALUES (?, ?, ?)", actors)
        docs.clear(), texts.clear(), actors.clear()

    with db:
        for count, document in enumerate(iter_documents(files), 1):
            published = document.published
            docs.append((count, document.id, document.title, document.source,
                         _epoch(published) if published else None,
                         published.strftime("%Y-%m") if published else None))
            texts.append((count, document.title, document.body))
            for kind, attribute in ACTORS.items():
                actors.extend((count, kind, name) for name in getattr(document, attribute))
            if len(docs) >= BATCH:
                flush()
        flush()
        db.executescript(INDEXES)
        db.execute("INSERT INTO docs_fts(docs_fts) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.close()
    return count


def match_expression(query: Query) -> str:
    """FTS5 query syntax: quoted words (implicitly AND-ed), or one quoted phrase."""
    if query.phrase:
        return '"' + " ".join(query.words) + '"'
    return " ".join(f'"{word}"' for word in query.words)


class Fts5Session:
    def __init__(self, index_dir: Path) -> None:
        self.db = sqlite3.connect(index_dir / DATABASE, check_same_thread=False)
        self.db.execute("CREATE TEMP TABLE hits(rowid INTEGER PRIMARY KEY)")
        self.db.execute("SELECT count(*) FROM docs").fetchone()  # read the schema now

    def _matches(self, query: Query) -> tuple[str, list]:
        """FROM ... WHERE ... for the query's matches, joining `docs` only when it is needed
        (a source or date filter, or newest first): the join costs even when unused."""
        clauses, params = ["docs_fts MATCH ?"], [match_expression(query)]
        needs_docs = query.sort == "newest"
        for name, value in query.filters:
            if name in ACTORS:
                # EXISTS, not rowid IN (...): SQLite hands an IN list to FTS5 as one rowid
                # lookup per listed document (0.3 s for "United States"), measured.
                clauses.append("EXISTS (SELECT 1 FROM actors a WHERE a.doc = f.rowid "
                               "AND a.kind = ? AND a.name = ?)")
                params += [name, value]
            else:
                clauses.append(f"d.{name} = ?")
                params.append(value)
                needs_docs = True
        if query.date_from:
            clauses.append("d.published >= ?")
            params.append(_epoch(datetime.fromisoformat(query.date_from)))
        if query.date_to:
            clauses.append("d.published < ?")
            params.append(_epoch(datetime.fromisoformat(query.date_to) + timedelta(days=1)))
        needs_docs = needs_docs or bool(query.date_from or query.date_to)
        join = " JOIN docs d ON d.rowid = f.rowid" if needs_docs else ""
        return f"FROM docs_fts f{join} WHERE {' AND '.join(clauses)}", params

    def search(self, query: Query, token: object = None) -> Answer:
        offset = int(token or 0)
        source, params = self._matches(query)
        order = "d.published DESC" if query.sort == "newest" else "bm25(docs_fts, 2.0, 1.0)"
        top = [row[0] for row in self.db.execute(
            f"SELECT f.rowid {source} ORDER BY {order} LIMIT ? OFFSET ?",
            params + [PAGE_SIZE, offset])]
        facets = {}
        if query.facets:
            total, facets = self._facets(source, params)
        else:
            total = self.db.execute(f"SELECT count(*) {source}", params).fetchone()[0]
        rows = {}
        if top:
            marks = ",".join("?" * len(top))
            for rowid, doc_id, title, snippet in self.db.execute(
                    "SELECT f.rowid, d.id, d.title, "
                    "snippet(docs_fts, 1, '<mark>', '</mark>', '…', 24) "
                    f"FROM docs_fts f JOIN docs d ON d.rowid = f.rowid "
                    f"WHERE docs_fts MATCH ? AND f.rowid IN ({marks})",
                    [match_expression(query)] + top):
                rows[rowid] = (doc_id, title, snippet)
        page = [rows[rowid] for rowid in top]
        return Answer(total=total, ids=[r[0] for r in page], titles=[r[1] for r in page],
                      snippets=[r[2] for r in page], facets=facets,
                      next_token=offset_token(offset, total, PAGE_SIZE))

    def _facets(self, source: str, params: list) -> tuple[int, dict]:
        db = self.db
        db.execute("DELETE FROM temp.hits")
        db.execute(f"INSERT INTO temp.hits SELECT f.rowid {source}", params)
        total = db.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
        facets = {"source": db.execute(
            "SELECT d.source, count(*) AS n FROM temp.hits h JOIN docs d ON d.rowid = h.rowid "
            "WHERE d.source != '' GROUP BY d.source ORDER BY n DESC, d.source LIMIT 10"
        ).fetchall()}
        for name in ("person", "place"):
            facets[name] = db.execute(
                "SELECT a.name, count(*) AS n FROM temp.hits h JOIN actors a "
                "ON a.doc = h.rowid AND a.kind = ? GROUP BY a.name ORDER BY n DESC, a.name "
                "LIMIT 10", (name,)).fetchall()
        facets["published"] = db.execute(
            "SELECT d.month, count(*) FROM temp.hits h JOIN docs d ON d.rowid = h.rowid "
            "WHERE d.month IS NOT NULL GROUP BY d.month ORDER BY d.month").fetchall()
        return total, facets

    def close(self) -> None:
        self.db.close()


def open_session(index_dir: Path) -> Fts5Session:
    return Fts5Session(index_dir)
