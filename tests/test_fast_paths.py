"""Every fast path gives exactly what the slow path it replaces gives.

search/vectorized.py against Whoosh's matchers (match sets, scores, order),
search/vector_pages.py against search/ordering.py (pages, cursors, stories),
index/analysis_replay.py against Whoosh's analyzer chains, and search/sanitize.py's
shortcut against bleach. The slow path is reached by making `evaluate` say
"unsupported", which is what it says for any query it does not handle.
"""
from __future__ import annotations

import json
import random

import bleach
import pytest
from hypothesis import given, settings, strategies as st

from index import writer
from index.pipeline import iter_records
from index.readers import expand_sources
from search import Archive, postings, vectorized
from search.limits import Limits, checked_query
from search.marks import tokens_of
from search.request import parse_request
from search.sanitize import ALLOWED_TAGS, clean_highlight
from search.service import request_now, run_search
from index.analysis_replay import fast_tokens
from tests.conftest import build_index

QUERIES = ["oil", "coffee prices brazil", "oil -gas", "*", "zinc OR copper",
           "bank AND NOT rates", "reagan", "opec oil output", "title:crude", "person:reagan",
           "(wheat OR corn) AND export", "tonnes NOT sugar", "sugar^3 cocoa", "qzxv",
           '"interest rates"', '"interest rates"~4 bank', 'title:"oil prices"', "U.S.-Soviet",
           '"new york new"', '"said the company"', '"rates interest"~3', '"oil" -"crude oil"',
           "coff*", "cofee~", "cofee~2", "reag* oil", "oil -gas*", "title:[cocoa TO coffee]",
           "cocoa~2/2 OR zinc", "NOT oil", "NOT oil*",
           "what did the soviet union say about oil prices in europe",
           "how are coffee prices set in brazil and colombia?"]


@pytest.mark.parametrize("text", QUERIES[-2:])
def test_feedback_queries_score_as_whoosh_does(archive, text):
    """A sentence's OR with coordination, then RM3's AndMaybe over a preloaded OR."""
    from search import feedback
    with archive.searcher() as searcher:
        request = parse_request({"q": [text]})
        q = checked_query(searcher, request, Limits(), request_now(request))
        expanded = feedback.expand(searcher, q, request)
        assert expanded is not q
        got = _vector_order(vectorized.evaluate(searcher, expanded))
        want = _whoosh_order(searcher, expanded)
        assert [doc for doc, _ in got] == [doc for doc, _ in want]
        assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(got, want))


def _parsed(searcher, text: str):
    request = parse_request({"q": [text]})
    return checked_query(searcher, request, Limits(), request_now(request))


def _whoosh_order(searcher, q) -> list[tuple[int, float]]:
    results = searcher.search(q, limit=None)
    return sorted(((hit.docnum, hit.score) for hit in results), key=lambda p: (-p[1], p[0]))


def _vector_order(evaluation) -> list[tuple[int, float]]:
    pairs = zip(evaluation.scored.docs.tolist(), evaluation.scored.scores.tolist())
    return sorted(pairs, key=lambda p: (-p[1], p[0]))


@pytest.mark.parametrize("text", QUERIES)
def test_vectorized_scores_equal_whooshs(archive, text):
    with archive.searcher() as searcher:
        q = _parsed(searcher, text)
        evaluation = vectorized.evaluate(searcher, q)
        assert evaluation is not None, f"{q!r} should be vectorized"
        want, got = _whoosh_order(searcher, q), _vector_order(evaluation)
        assert [doc for doc, _ in got] == [doc for doc, _ in want]
        assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(got, want))


@pytest.mark.parametrize("text", ["oil OR NOT gas", "oil OR (NOT gas)"])
def test_other_queries_are_left_to_whoosh(archive, text):
    with archive.searcher() as searcher:
        assert vectorized.evaluate(searcher, _parsed(searcher, text)) is None


@pytest.fixture(scope="module")
def updated_index(tmp_path_factory):
    """Two segments and deleted documents: the first articles rewritten in place."""
    root = tmp_path_factory.mktemp("updated")
    lines = [json.dumps({"id": f"u-{n}", "title": f"Grain report {n}",
                         "body": f"wheat exports {'rose' if n % 2 else 'fell'} in week {n}.",
                         "published": f"2024-03-{1 + n % 28:02d}T08:00:00Z", "source": "Wire"})
             for n in range(60)]
    first = root / "first.jsonl"
    first.write_text("\n".join(lines) + "\n", "utf-8")
    build_index(root / "index", [str(first)])
    changed = root / "changed.jsonl"
    changed.write_text("\n".join(line.replace("wheat", "wheat maize") for line in lines[:20])
                       + "\n", "utf-8")
    files, _ = expand_sources([str(changed)])
    writer.update_in_place(root / "index", iter_records(files))
    return root / "index"


def test_deleted_documents_and_segments(updated_index):
    with Archive(updated_index).searcher() as searcher:
        assert not searcher.is_atomic() and searcher.reader().has_deletions()
        for text in ("wheat", "maize", "wheat -rose", "*"):
            q = _parsed(searcher, text)
            got = _vector_order(vectorized.evaluate(searcher, q))
            want = _whoosh_order(searcher, q)
            assert [d for d, _ in got] == [d for d, _ in want], text
            assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(got, want))


def _search(archive, params: dict) -> dict:
    return run_search(archive, parse_request({k: [v] for k, v in params.items()}))


def _both(archive, monkeypatch, params: dict) -> tuple[dict, dict]:
    fast = _search(archive, params)
    with monkeypatch.context() as patched:
        patched.setattr(vectorized, "evaluate", lambda searcher, q, budget=None: None)
        slow = _search(archive, params)
    return fast, slow


def _comparable(response: dict) -> dict:
    """All but the time taken and the cursor, whose score may differ in the last bit:
    the sums are the same but added in another order (shown scores are rounded)."""
    out = {k: v for k, v in response.items() if k not in ("took_ms", "next_cursor")}
    out["more"] = bool(response["next_cursor"])
    return json.loads(json.dumps(out))


@pytest.mark.parametrize("params", [
    {"q": "oil"}, {"q": "oil", "collapse": "none"}, {"q": "oil", "sort": "newest"},
    {"q": "oil", "sort": "oldest", "collapse": "none"}, {"q": "*", "sort": "indexed"},
    {"q": "coffee OR cocoa", "page": "3"}, {"q": "*", "page_size": "50", "page": "4"},
    {"q": "wheat", "from": "1987-02-27", "to": "1987-03-02"},
    {"q": "prices", "source": "Reuters", "facets": "source,person,place,organization,published"},
    {"q": "trade", "count": "copies", "facets": "person,published", "interval": "day"},
    {"q": "oil", "fields": "id,title,snippet,title_html,cluster,score", "explain": "true"},
    {"q": "what did the soviet union say about oil prices in europe", "explain": "true"},
    {"q": "how are coffee prices set in brazil and colombia?", "source": "Reuters"},
    {"q": "coff* OR expor*", "fields": "id,title,snippet,title_html,score", "explain": "true"},
    {"q": "cofee~ -brazil", "sort": "newest"},
    {"q": "oil", "recency": "0.5", "fields": "id,title,score"},
    {"q": "coff* OR prices", "recency": "0.3", "page": "2", "collapse": "none"},
])
def test_pages_equal_the_whoosh_path(archive, monkeypatch, params):
    fast, slow = _both(archive, monkeypatch, params)
    assert _comparable(fast) == _comparable(slow)


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("collapse", ["cluster", "none"])
def test_cursor_walks_equal_the_whoosh_path(archive, monkeypatch, sort, collapse):
    params = {"q": "oil OR prices", "sort": sort, "collapse": collapse, "page_size": "7"}
    fast_params, slow_params = dict(params), dict(params)
    for _ in range(4):
        fast = _search(archive, fast_params)
        with monkeypatch.context() as patched:
            patched.setattr(vectorized, "evaluate", lambda searcher, q, budget=None: None)
            slow = _search(archive, slow_params)
        assert _comparable(fast) == _comparable(slow)
        if not fast["next_cursor"]:
            break
        fast_params["cursor"], slow_params["cursor"] = fast["next_cursor"], slow["next_cursor"]


# -- analysis -------------------------------------------------------------------------------

HOSTILE = ["Zürich, Häuser; the the OIL, U.S.-Soviet  talks,,, a.b.c 3.5% ", "", " , ,the, of ,",
           "Bank of England, Vladimir Putin", "x" * 300, "İstanbul ǅemal ﬁnance ß STRASSE"]


def test_fast_tokens_equal_whooshs_on_real_text(archive):
    with archive.searcher() as searcher:
        reader = searcher.reader()
        texts = [searcher.stored_fields(doc).get("body", "")
                 for doc in random.Random(3).sample(range(reader.doc_count_all()), 120)] + HOSTILE
        analyzers = {id(field.analyzer): field.analyzer for _, field in searcher.schema.items()
                     if field.analyzer is not None}
        covered = 0
        for analyzer in analyzers.values():
            for text in texts:
                fast = fast_tokens(analyzer, text, 7)
                if fast is None:
                    break
                assert fast == tokens_of_whoosh(analyzer, text, 7)
                keep = frozenset(word for _, word, _, _ in fast[::3])
                assert fast_tokens(analyzer, text, 7, keep) == [t for t in fast if t[1] in keep]
            else:
                covered += 1
        assert covered >= 4  # the text, names and words analyzers all have a fast path


def tokens_of_whoosh(analyzer, text: str, start_char: int) -> list:
    return [(t.pos, t.text, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True, mode="index",
                              start_char=start_char)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aAéÉ ,.-'’İı0ßthe\n\tofOF"), max_size=60))
def test_fast_tokens_equal_whooshs_on_generated_text(text):
    from index.analysis import names_analyzer, text_analyzer, words_analyzer
    for analyzer in (text_analyzer(), text_analyzer("de"), names_analyzer(), words_analyzer()):
        fast = fast_tokens(analyzer, text, 0)
        assert fast is not None and fast == tokens_of_whoosh(analyzer, text, 0)
    assert tokens_of(text_analyzer(), text, 0, len(text)) == \
        tokens_of_whoosh(text_analyzer(), text, 0)
    keep = frozenset({"the", "of", "a", "0", "ß", "aa", "oa"})
    for analyzer in (text_analyzer(), text_analyzer("de"), names_analyzer(), words_analyzer()):
        assert fast_tokens(analyzer, text, 3, keep) == \
            [t for t in tokens_of_whoosh(analyzer, text, 3) if t[1] in keep]


# -- sanitising -----------------------------------------------------------------------------

_PIECES = st.one_of(st.text(max_size=12), st.sampled_from(
    ["<mark>", "</mark>", "&amp;", "&lt;", "&gt;", "&", "<", ">", "<mark class=x>", "<b>",
     "<script>alert(1)</script>", "&quot;", "\r\n", "\x00", "\ufffe", '"', "<!--", "-->",
     "<mark><mark>", "</mark></mark>", "&#60;", "<MARK>", "<mark/>", "<<mark>>"]))


def _bleach(html: str) -> str:
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes={}, protocols=(), strip=True)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_sanitiser_shortcut_always_equals_bleach(html):
    assert clean_highlight(html) == _bleach(html)


def test_sanitiser_shortcut_is_taken_for_our_own_snippets():
    from search.sanitize import _ALREADY_CLEAN
    assert _ALREADY_CLEAN.fullmatch("… prices &amp; <mark>oil</mark> “rose” — <mark>5%</mark> …")
    assert not _ALREADY_CLEAN.fullmatch("<mark>oil")


TRICKY_ASCII = ("\n\nU.S.-Soviet talks, e.g. 3.5% of a.b.c; x_y *star* O'Neill's oil-gas "
                "OIL.Gas ...gas 1987.Oil countries' countri country. Bank,of,England")


def test_word_marks_equal_tokenized_marks_on_real_articles(archive):
    """Substring candidates confirmed by analysis find exactly the tokens a full tokenization
    finds, for every word of every sampled article, in the body and names analyzers."""
    from search.marks import Wanted, marks_in
    from search.word_marks import word_marks
    with archive.searcher() as searcher:
        reader = searcher.reader()
        docs = random.Random(11).sample(range(reader.doc_count_all()), 100)
        analyzers = [searcher.schema["body_en"].analyzer, searcher.schema["actors"].analyzer,
                     searcher.schema["title_exact"].analyzer]
        checked = 0
        for doc in docs:
            text = searcher.stored_fields(doc).get("body", "") + TRICKY_ASCII
            for analyzer in analyzers:
                every = tokens_of(analyzer, text, 0, len(text))
                words = frozenset(word for _, word, _, _ in every)
                for chosen in (words, frozenset(list(words)[:3])):
                    quick = word_marks(text, len(text), analyzer, chosen)
                    if quick is None:
                        continue
                    want = Wanted(analyzer, chosen, frozenset())
                    slow = [(m.start, m.end, next(iter(m.keys))) for m in marks_in(every, want)]
                    assert quick == slow, (doc, analyzer)
                    checked += 1
        assert checked > 300


def test_lengths_read_in_one_piece_equal_the_column(archive, updated_index):
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    import numpy as np
    checked = 0
    for source in (archive, Archive(updated_index)):
        with source.searcher() as searcher:
            for leaf, _ in postings.leaves(searcher):
                for field in searcher.schema.scorable_names():
                    column = leaf.reader()._perdoc._cached_reader(_lenfield(field),
                                                                  LENGTHS_COLUMN)
                    if column is None:
                        continue
                    count = leaf.doc_count_all()
                    assert (postings._length_bytes(column, count)
                            == np.fromiter(iter(column), dtype=np.uint8, count=count)).all()
                    checked += 1
    assert checked >= 10
