"""Building and updating real indexes in temp dirs: generations, counts, safety."""
from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest

from index import schema, store, writer
from index.article import Article, Problem
from index.errors import IndexUnavailable, MorgueError
from search import Archive, get_article, parse_request, run_search
from tests.conftest import ARTICLES, build_index


def article(n: int, body: str = "Body text about cocoa.") -> Article:
    return Article(id=f"a{n}", title=f"Story number {n}", body=body, source="Wire")


def test_rebuild_counts_and_later_duplicate_wins(tmp_path):
    tally = build_index(tmp_path, [str(ARTICLES)])
    assert (tally.indexed, tally.updated, tally.unchanged, tally.skipped) == (11, 0, 0, 2)
    archive = Archive(tmp_path)
    assert archive.health()["documents"] == 11
    assert get_article(archive, "t-dup")["title"] == "Corrected version of a story"


def test_second_rebuild_reports_unchanged_and_keeps_the_count(tmp_path):
    build_index(tmp_path, [str(ARTICLES)])
    first = store.live_name(tmp_path)
    tally = build_index(tmp_path, [str(ARTICLES)])
    assert (tally.indexed, tally.updated, tally.unchanged, tally.deleted) == (0, 0, 11, 0)
    assert Archive(tmp_path).health()["documents"] == 11
    assert store.live_name(tmp_path) != first
    generations = sorted(p.name for p in (tmp_path / store.GENERATIONS).iterdir())
    assert generations == sorted([first, store.live_name(tmp_path)])


def test_rebuild_counts_deletions_and_changes(tmp_path):
    writer.rebuild(tmp_path, [article(1), article(2), article(3)], sources=["x"])
    tally, _ = writer.rebuild(tmp_path, [article(1), article(2, "Changed body.")], sources=["x"])
    assert (tally.indexed, tally.updated, tally.unchanged, tally.deleted) == (0, 1, 1, 1)


def test_nothing_read_leaves_live_index_untouched(tmp_path):
    writer.rebuild(tmp_path, [article(1)], sources=["x"])
    live = store.live_name(tmp_path)
    with pytest.raises(writer.NothingIndexed):
        writer.rebuild(tmp_path, [Problem("bad.jsonl", "broken")], sources=["x"])
    assert store.live_name(tmp_path) == live
    assert [p.name for p in (tmp_path / store.GENERATIONS).iterdir()] == [live]
    assert Archive(tmp_path).health()["documents"] == 1


def test_failure_midway_leaves_live_index_untouched(tmp_path):
    writer.rebuild(tmp_path, [article(1)], sources=["x"])
    live = store.live_name(tmp_path)

    def exploding():
        yield article(2)
        raise OSError("disk full")

    with pytest.raises(OSError):
        writer.rebuild(tmp_path, exploding(), sources=["x"])
    assert store.live_name(tmp_path) == live
    assert len(list((tmp_path / store.GENERATIONS).iterdir())) == 1


def test_incremental_adds_updates_and_leaves_the_rest(tmp_path):
    writer.rebuild(tmp_path, [article(1), article(2)], sources=["x"])
    archive = Archive(tmp_path)
    assert archive.health()["documents"] == 2  # a searcher is now open on the live index
    tally, _ = writer.update_in_place(
        tmp_path, [article(1), article(2, "A new body about coffee."), article(3)])
    assert (tally.indexed, tally.updated, tally.unchanged) == (1, 1, 1)
    assert archive.health()["documents"] == 3  # the open searcher was refreshed
    hits = run_search(archive, parse_request({"q": ["coffee"]}))["results"]
    assert [h["id"] for h in hits] == ["a2"]
    hits = run_search(archive, parse_request({"q": ["cocoa"]}))["results"]
    assert sorted(h["id"] for h in hits) == ["a1", "a3"]  # the replaced a2 is gone


def test_another_writer_is_refused_not_waited_for(tmp_path):
    with store.reindex_lock(tmp_path):
        with pytest.raises(MorgueError, match="Another reindex"):
            writer.rebuild(tmp_path, [article(1)], sources=["x"])


def test_schema_version_mismatch_is_explained(tmp_path):
    writer.rebuild(tmp_path, [article(1)], sources=["x"])
    generation = store.live_generation(tmp_path)
    manifest = json.loads((generation.path / store.MANIFEST).read_text())
    manifest["schema_version"] = schema.SCHEMA_VERSION - 1
    (generation.path / store.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match="schema version") as caught:
        store.live_generation(tmp_path)
    assert caught.value.state == "damaged"
    health = Archive(tmp_path).health()
    assert health["status"] == "damaged" and "reindex.py" in health["message"]


def test_missing_and_dangling_index(tmp_path):
    assert Archive(tmp_path / "none").health()["status"] == "missing"
    writer.rebuild(tmp_path, [article(1)], sources=["x"])
    shutil.rmtree(store.live_generation(tmp_path).path)
    assert Archive(tmp_path).health()["status"] == "damaged"


def test_moved_index_directory_serves_the_same(tmp_path):
    original = tmp_path / "original"
    build_index(original, [str(ARTICLES)])
    moved = tmp_path / "moved"
    shutil.copytree(original, moved)
    shutil.rmtree(original)
    response = run_search(Archive(moved), parse_request({"q": ["cocoa"]}))
    assert response["total"] == 4


def test_documents_keep_empty_fields_out():
    document = schema.to_document(Article(id="x", title="T", body=""), indexed=None)
    assert schema.BODY not in document and schema.PUBLISHED not in document
    assert schema.from_stored({schema.ID: "x", schema.TITLE: "T"}).body == ""


def test_columns_stay_aligned_when_a_segment_lacks_them(tmp_path):
    from index.columns import column

    undated = [Article(id=f"u{n}", title=f"Undated {n}", body="x") for n in range(3)]
    writer.rebuild(tmp_path, undated, sources=["x"])  # a segment without a published column
    dated = Article(id="d1", title="Dated", body="y", source="Wire",
                    published=datetime(2025, 8, 1, 12))
    writer.update_in_place(tmp_path, [dated])
    ix = store.open_generation(store.live_generation(tmp_path))
    with ix.reader() as reader:
        assert len(reader.leaf_readers()) == 2
        ids, sources = column(reader, schema.ID), column(reader, schema.SOURCE)
        values = {ids[doc]: sources[doc] for doc in reader.all_doc_ids()}
    assert values == {"u0": "", "u1": "", "u2": "", "d1": "Wire"}
    archive = Archive(tmp_path)
    response = run_search(archive, parse_request({"q": ["*"], "from": ["2025-08-01T11:00:00Z"]}))
    assert [hit["id"] for hit in response["results"]] == ["d1"]


def _index_contents(path) -> dict:
    """Everything plain Whoosh reads back from an index: postings, lengths, stored, columns."""
    from whoosh import index as whoosh_index
    ix = whoosh_index.open_dir(str(path))
    out = {}
    with ix.reader() as reader:
        for field, text in reader.all_terms():
            postings = reader.postings(field, text)
            items = []
            while postings.is_active():
                items.append((postings.id(), postings.weight(), postings.value()))
                postings.next()
            out[("postings", field, text)] = items
        for doc in reader.all_doc_ids():
            out[("stored", doc)] = reader.stored_fields(doc)
            for field in reader.schema.scorable_names():
                out[("length", doc, field)] = reader.doc_field_length(doc, field)
        for field in reader.schema.names():
            if reader.has_column(field):
                out[("column", field)] = list(reader.column_reader(field, translate=False))
    from whoosh.qparser import MultifieldParser
    with ix.searcher() as searcher:  # and plain Whoosh searches it, BM25F and phrases
        parser = MultifieldParser(["title_en", "body_en"], ix.schema)
        for text in ("oil", "coffee prices", '"interest rates"', "people:reagan"):
            hits = searcher.search(parser.parse(text), limit=20)
            out[("search", text)] = [(hit.docnum, round(hit.score, 9)) for hit in hits]
    return out


def test_fast_segment_writer_writes_what_whoosh_writes(tmp_path):
    """Same postings, lengths, stored fields and columns as Whoosh's own writer, read back
    by unmodified Whoosh (index/segment_writer.py)."""
    from index import segment_writer
    from index.pipeline import iter_records
    from index.readers import expand_sources
    from tests.conftest import MORE, REUTERS_000
    files, _ = expand_sources([str(ARTICLES), str(MORE), str(REUTERS_000)])
    indexed = datetime(2026, 1, 2, 3, 4, 5)
    documents = [schema.to_document(r, indexed) for r in iter_records(files)
                 if isinstance(r, Article)][:400]
    contents = []
    for name, open_writer in (("whoosh", lambda ix: ix.writer()),
                              ("fast", segment_writer.writer)):
        path = store.new_generation(tmp_path / name)
        from whoosh import index as whoosh_index
        w = open_writer(whoosh_index.open_dir(str(path)))
        for document in documents:
            w.add_document(**document)
        w.commit()
        contents.append(_index_contents(path))
    assert len(contents[0]) > 10_000
    assert contents[0][("search", "oil")], "the plain Whoosh searches found nothing"
    assert contents[0] == contents[1]


def test_a_searcher_still_reads_segments_later_commits_merged_away(tmp_path):
    """Whoosh opens column and stored-field files lazily: a request's searcher opened before
    in-place commits that merge small segments must still read them (found by the load trial
    as 500s on CSV export and dates read as defaults)."""
    from index.columns import column
    from index.pipeline import iter_records
    from index.readers import expand_sources

    def add(prefix: str, count: int, full: bool = False) -> None:
        path = tmp_path / f"{prefix}.jsonl"
        path.write_text("".join(json.dumps({
            "id": f"{prefix}-{n}", "title": f"probe {prefix} {n}", "body": f"zqx{prefix}{n} text.",
            "published": f"2024-05-0{n % 9 + 1}T00:00:00Z"}) + "\n" for n in range(count)))
        files, _ = expand_sources([str(path)])
        if full:
            writer.rebuild(tmp_path / "index", iter_records(files, 1), sources=[str(path)])
        else:
            writer.update_in_place(tmp_path / "index", iter_records(files, 1))

    add("base", 30, full=True)
    for i in range(3):
        add(f"a{i}", 3)
    old = store.open_generation(store.live_generation(tmp_path / "index")).searcher()
    for i in range(12):
        add(f"b{i}", 3)  # Whoosh merges the small segments the old searcher still reads
    try:
        for leaf, offset in old.reader().leaf_readers():
            assert old.stored_fields(offset)["id"]
            assert all(column(leaf, schema.DAY))  # no date read as the default
    finally:
        old.close()
