"""Morgue's query language -> Sphinx 2.2 extended syntax (search/sphinxql/translate.py).

Tables of query strings and the Sphinx expression each becomes, then what is
refused and why; then the trees a caller may bring (this module's parse_query,
or the Whoosh path's parser over a real index's default fields); and one run
against a real searchd, which proves the expressions are Sphinx's syntax and
match the articles they should.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time

import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from whoosh import query

from index import schema
from index.errors import BadRequest
from index.sphinxql import cluster, config
from index.sphinxql import schema as sphinx_schema
from search import docsets, expansion, parsing, ranking
from search.sphinxql.translate import AttributeFilter, parse_query, translate
from tests.conftest import ARTICLES, build_index
from tests.hostile_queries import query_language

WORDS = "@(title,body,actors)"  # where a bare word is searched

TRANSLATED = [
    # words, groups, AND / OR / NOT
    ("oil", f"{WORDS} oil"),
    ("Oil Prices", f"{WORDS} oil prices"),
    ("running", f"{WORDS} running"),  # stemmed by Sphinx, not by Whoosh first
    ("oil OR gas", f"{WORDS} (oil | gas)"),
    ("oil AND gas", f"{WORDS} oil gas"),
    ("oil NOT gas", f"{WORDS} oil -gas"),
    ("oil -gas", f"{WORDS} oil -gas"),
    ("oil ANDNOT gas", f"{WORDS} oil -gas"),
    ("oil (NOT gas)", f"{WORDS} oil -gas"),
    ("(oil OR gas) AND kursk", f"{WORDS} (oil | gas) kursk"),
    ("(oil gas) OR kursk", f"{WORDS} ((oil gas) | kursk)"),
    ("oil -(gas OR person:putin)", f"{WORDS} oil -({WORDS} gas | @people =putin)"),
    ("+oil gas", f"{WORDS} (oil MAYBE gas)"),
    ("oil ANDMAYBE gas", f"{WORDS} (oil MAYBE gas)"),
    ("+oil +kursk gas", f"{WORDS} ((oil kursk) MAYBE gas)"),
    ("oil *", f"{WORDS} oil"),  # `*` beside words is every article (search/query.py)
    # phrases, hyphenated words, prefixes, exact words
    ('"oil prices"', f'{WORDS} "oil prices"'),
    ('"oil prices"~1', f'{WORDS} "oil prices"'),  # slop 1: adjacent, in order
    ('"bank of england"', f'{WORDS} "bank of england"'),  # stop words kept: Sphinx has them
    ("four-power", f'{WORDS} "four power"'),
    ("four-power OR two-party", f'{WORDS} ("four power" | "two party")'),
    ("title:four-power OR body:two-party", '(@title "four power" | @body "two party")'),
    ("title:four-power OR body:four-power", '@(title,body) "four power"'),
    ("U.S.", f'{WORDS} "u s"'),
    ("putin*", f"{WORDS} putin*"),
    ("O'Brien*", f'{WORDS} "o brien*"'),
    ("MAYBE*", f"{WORDS} maybe*"),
    ("=running", "@(title,actors,quote) =running"),
    ("exact:oil", "@(title,actors,quote) =oil"),
    ('="oil prices"', '@(title,actors,quote) "=oil =prices"'),
    ("=putin*", "@(title,actors,quote) =putin*"),
    # scopes
    ("title:running", "@title running"),
    ('title:"oil prices"', '@title "oil prices"'),
    ("title:(oil gas)", "@title oil gas"),
    ("title:(oil OR gas)", "@title (oil | gas)"),
    ("body:oil", "@body oil"),
    ("title:oil OR body:gas", "(@title oil | @body gas)"),
    ("oil (gas OR title:kursk)", f"{WORDS} oil ({WORDS} gas | @title kursk)"),
    ("person:putin", "@people =putin"),
    ("people:putin", "@people =putin"),
    ('person:"Vladimir Putin"', '@people "=vladimir =putin"'),
    ('organization:"Bank of England"', '@organizations "=bank =of =england"'),
    ("place:moscow", "@places =moscow"),
    ("actor:putin", "@actors =putin"),
    ("speaker:leavitt", "@speaker =leavitt"),
    ("quote:listening", "@quote =listening"),
    ("source:reuters", '@source "=^reuters$"'),  # the whole value, as Whoosh's ID field
    ('source:"New York Times"', '@source "=^new =york =times$"'),
    ("source:reut*", '@source "=^reut*"'),
    ("section:business", '@section "=^business$"'),
    ("language:en", '@language "=^en$"'),
    ("dateline:moscow", '@dateline "=^moscow$"'),
    ("tag:grain", "@tags =grain"),
    ("person:putin OR oil", f"(@people =putin | {WORDS} oil)"),
    ("cocoa -futures title:(oil OR gas) person:putin",
     f"{WORDS} cocoa @title (oil | gas) @people =putin {WORDS} -futures"),
    # a pasted sentence: any word, Sphinx's BM25 ranking those matching more of them higher
    ("what did the president say about oil prices",
     f"{WORDS} (what | did | the | president | say | about | oil | prices)"),
    ("the four-power talks on berlin ended today",
     f'{WORDS} (the | "four power" | talks | on | berlin | ended | today)'),
    # every article
    ("*", ""),
    ("title:*", ""),
    ("oil OR *", ""),
    # hostile and unusual text: only letters and digits reach Sphinx
    ('"a) | @title (b"', f'{WORDS} "a title b"'),
    ('source:"a) | @title (b"', '@source "=^a =title =b$"'),
    ("SENTENCE paragraph NEAR/3 ZONE:h1", f'{WORDS} (sentence | paragraph | "near 3" | "zone h1")'),
    ('"x\\ | @body y"', f'{WORDS} "x body y"'),
    ("Zürich МОСКВА", f"{WORDS} zürich МОСКВА"),  # Sphinx folds case and accents itself
    ("İstanbul", f"{WORDS} İstanbul"),
    ("source:İstanbul", '@source "=^istanbul$"'),  # Whoosh's lower-casing made i and a dot
    ("=a", "@(title,actors,quote) =a"),
]


def sphinx(text: str) -> str:
    return translate(parse_query(text)).match


@pytest.mark.parametrize("text, expected", TRANSLATED, ids=[t for t, _ in TRANSLATED])
def test_translates(text, expected):
    assert sphinx(text) == expected


REFUSED = [
    ("kursk~1", "fuzzy terms (kursk~1) are not supported by the sphinxql backend"),
    ("kursk~", "fuzzy terms (kursk~1)"),
    ("*a*", "wildcards other than a * ending a word (*a*)"),
    ("a?c", "wildcards other than a * ending a word (a?c)"),
    ("ku*sk", "wildcards other than a * ending a word (ku*sk)"),
    ("p*", "a prefix search needs at least 2 letters before the *"),
    ('"oil prices"~5', 'proximity searches ("oil prices"~5) are not supported'),
    ("oil^2", "boosts (^2) are not supported"),
    ("title:oil^2", "boosts (^2)"),
    ("person:putin^3", "boosts (^3)"),
    ("(oil gas)^2", "boosts (^2)"),
    ("oil^2 OR gas", "boosts (^2)"),  # Whoosh puts the boost on the whole OR
    ("NOT gas", "a query or group of only excluded words (NOT, -)"),
    ("published:2024 -oil", "only excluded words"),
    ("id:a1 -oil", "only excluded words"),
    ("oil OR NOT gas", "excluding words inside an OR (a OR NOT b)"),
    ("oil -*", "excluding every article (-*)"),
    ("NOT *", "excluding every article (-*)"),
    ("oil OR published:2024", "a date clause (published:2024) under OR or NOT"),
    ("oil -published:2024", "a date clause (published:2024) under OR or NOT"),
    ("oil -(gas published:2024)", "a date clause (published:2024) under OR or NOT"),
    ("+published:2024 oil", "optional words (ANDMAYBE, or words beside +word) need a required"),
    ("id:a1 OR oil", "id: and cluster: (id:a1) select articles by attribute"),
    ("id:a1 OR cluster:c1", "id: and cluster: (id:a1)"),
    ("oil -(gas id:a1)", "id: and cluster:"),
    ("id:a*", "id: and cluster: (id:a*)"),
    ("title:[a TO c]", "ranges ([a TO c]) are not supported"),
    ("id:[a TO c]", "ranges ([a TO c])"),
    ("oil REQUIRE gas", "REQUIRE is not supported by the sphinxql backend; use AND"),
    ('source:"!!!"', "!!! has no letters or digits the sphinxql backend could search for"),
    ("東京", "東京 has characters the sphinxql backend does not index"),
    ("oil x²", "x² has characters the sphinxql backend does not index"),
    ("NOT published:(bank) oil", "a part of the query has no searchable words"),
]


@pytest.mark.parametrize("text, message", REFUSED, ids=[t for t, _ in REFUSED])
def test_refuses_what_sphinx_answers_differently(text, message):
    with pytest.raises(BadRequest) as refused:
        sphinx(text)
    assert message in refused.value.message
    assert refused.value.param == "q" and refused.value.status == 400


def test_the_message_says_where_the_word_is():
    with pytest.raises(BadRequest) as refused:
        sphinx("oil kursk~1")
    assert refused.value.position == 4


def test_dates_come_back_apart_for_attribute_filters():
    found = translate(parse_query('oil published:>=2024-01 published:<"last week"'))
    assert found.match == f"{WORDS} oil"
    assert [clause.text for clause in found.dates] == ["published:>=2024-01",
                                                       'published:<"last week"']
    assert all(isinstance(clause, parsing.DateClause) for clause in found.dates)
    assert translate(parse_query("published:[2024-01-01 TO 2024-02-01]")).match == ""
    # a date beside a required word of a +/ANDMAYBE query is still ANDed
    maybe = translate(parse_query("+oil +published:2024 gas"))
    assert maybe.match == f"{WORDS} (oil MAYBE gas)" and len(maybe.dates) == 1


def test_id_and_cluster_become_attribute_filters():
    assert translate(parse_query("id:A.b1")).filters == (AttributeFilter(schema.ID, ("A.b1",)),)
    found = translate(parse_query("oil (id:a1 OR id:a2) -cluster:c9"))
    assert found.match == f"{WORDS} oil"
    assert found.filters == (AttributeFilter(schema.ID, ("a1", "a2")),
                             AttributeFilter(schema.CLUSTER, ("c9",), exclude=True))


def test_a_long_query_is_one_clause_per_word():
    words = [f"word{n}" for n in range(300)]
    found = sphinx(" ".join(words))  # a sentence: an OR group
    assert found == f"{WORDS} (" + " | ".join(words) + ")"
    assert sphinx(" AND ".join(words[:60])) == f"{WORDS} " + " ".join(words[:60])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(query_language())
def test_any_query_is_refused_or_written_in_safe_syntax(text):
    """Escaped by construction: whatever is typed, the MATCH text holds only words and the
    translation's own operators, with balanced quotes and parentheses."""
    try:
        match = sphinx(text)
    except BadRequest:
        return
    assert re.fullmatch(r'[\w \-@(),|"=^$*]*', match), match
    assert match.count('"') % 2 == 0
    depth = 0
    for char in re.sub(r'"[^"]*"', "", match):
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth >= 0, match
    assert depth == 0, match


def test_node_types_it_does_not_know_are_refused_by_name():
    a, b = query.Term("title_xx", "a"), query.Term("title_xx", "b")
    for node in (query.Ordered([a, b]), query.Sequence([a, b]), query.Regex("title_xx", "a.*"),
                 query.Variations("title_xx", "run"), query.ConstantScoreQuery(a)):
        with pytest.raises(BadRequest) as refused:
            translate(node)
        assert f"{type(node).__name__} queries" in refused.value.message
    # DisjunctionMax matches what Or matches; only the scores differ, and Sphinx ranks its way
    assert translate(query.DisjunctionMax([a, b])).match == "@title (a | b)"


def test_trees_already_resolved_for_whoosh_are_a_programming_error():
    prefix = query.Prefix("title_xx", "pu")
    for node in (expansion.Expanded(prefix, (b"putin",)), docsets.DocSet(set(), label="x")):
        with pytest.raises(ValueError, match="translate the parsed query"):
            translate(node)


@pytest.fixture(scope="module")
def whoosh_reader(tmp_path_factory):
    """A real Whoosh index of the hand-written articles, for the Whoosh path's parser."""
    from search import Archive
    index_dir = tmp_path_factory.mktemp("translate") / "index"
    build_index(index_dir, [str(ARTICLES)])
    with Archive(index_dir).searcher() as searcher:
        yield searcher.reader()


WHOOSH_PATH = [
    ("oil prices", f"{WORDS} oil prices"),
    ('"oil prices"', f'{WORDS} "oil prices"'),
    ("putin*", f"{WORDS} putin*"),
    ("running", f"{WORDS} running"),
    ("title:running", "@title running"),
    ("person:putin", "@people =putin"),
    ("four-power OR two-party", f'{WORDS} ("four power" | "two party")'),
    # Whoosh's analysers drop stop words: from sentences, and from phrases in names
    ("what did the president say", f"{WORDS} (what | did | president | say)"),
    ('organization:"Bank of England"', '@organizations "=bank =england"'),
]


@pytest.mark.parametrize("text, expected", WHOOSH_PATH, ids=[t for t, _ in WHOOSH_PATH])
def test_a_tree_from_the_whoosh_paths_parser(whoosh_reader, text, expected):
    """search/service.py's way: the reader's default fields and their weights (which are not
    a user's boost). Its copies of a word are stemmed per language; the copy kept as typed
    (actors, title_xx) is the one translated, so words mostly come out as parse_query's."""
    qp = parsing.parser(ranking.default_fields(whoosh_reader),
                        tuple(ranking.field_boosts().items()), parsing.is_natural_language(text))
    assert translate(parsing.parse(parsing.as_typed(text), qp)).match == expected


def test_a_word_only_whoosh_stemmed_cannot_be_translated():
    stemmed = query.Or([query.Term("title_en", "runn"), query.Term("body_en", "runn")])
    with pytest.raises(ValueError, match="parse_query"):
        translate(stemmed)


# One run against a real searchd, with the cluster's own shard configuration.
DOCUMENTS = {
    "a1": dict(title="Oil prices rise", body="The running of the bulls in Москва.",
               actors="Vladimir Putin", people="Vladimir Putin", source="Reuters"),
    "a2": dict(title="Gas prices fall", body="Prices of oil and gas.", actors="Donald Trump",
               people="Donald Trump", source="New York Times"),
    "a3": dict(title="Kursk submarine", body="Prices oil, the Times reported. U.S. officials",
               actors="Bank of England", organizations="Bank of England",
               source="Reuters Business", tags="grain"),
    "a4": dict(title="Maybe sentence paragraph", body="near zone a) | @title (b in Zurich",
               source="AP", quote="a listening exercise"),
    "a5": dict(title="Run for the border", body="bank england oil", source="Reuters"),
    "a6": dict(title="İstanbul talks", body="", source="İstanbul"),
}
FOUND = [
    ("oil prices", {"a1", "a2", "a3"}),
    ('"oil prices"', {"a1"}),  # in that order only
    ("run", {"a1", "a5"}),  # Sphinx stems: running
    ("=run", {"a5"}),  # exact, in headlines, names and quotations
    ("person:putin", {"a1"}),
    ("putin*", {"a1"}),
    ("source:reuters", {"a1", "a5"}),  # not "Reuters Business": the whole value
    ('source:"new york times"', {"a2"}),
    ("source:times", set()),  # `=^times$`: Sphinx 2.2.11 ignores the ^ of `^=times$`
    ("oil -gas", {"a1", "a3", "a5"}),
    ("title:oil OR title:gas", {"a1", "a2"}),
    ('organization:"Bank of England"', {"a3"}),
    ("+oil gas", {"a1", "a2", "a3", "a5"}),
    ('"a) | @title (b"', {"a4"}),
    ("SENTENCE paragraph NEAR", {"a4"}),
    ("москва", {"a1"}),
    ("МОСКВА", {"a1"}),
    ("istanbul", {"a6"}),
    ("source:İstanbul", {"a6"}),
    ("zürich", {"a4"}),
    ("u.s.", {"a3"}),
    ("tag:grain", {"a3"}),
    ("quote:listening", {"a4"}),
    ("prices (id:a2 OR id:a3)", {"a2", "a3"}),
    ("-id:a1 oil", {"a2", "a3", "a5"}),
    ("who ran with the bulls in Москва", {"a1", "a3", "a4", "a5"}),
    (" ".join(f"filler{n}" for n in range(200)) + " kursk", {"a3"}),
]


@pytest.fixture(scope="module")
def searchd(tmp_path_factory):
    """A throwaway searchd with the cluster's shard configuration, holding DOCUMENTS;
    stopped (by its process id) when the module ends."""
    node_dir = tmp_path_factory.mktemp("searchd")
    for sub in ("data", "binlog"):
        (node_dir / sub).mkdir()
    sql_port, api_port = cluster.free_ports(2)
    conf = node_dir / "searchd.conf"
    conf.write_text(config.shard_config(node_dir, sql_port, api_port))
    with open(node_dir / "searchd.out", "w") as out:
        process = subprocess.Popen([shutil.which("searchd"), "--config", str(conf),
                                    "--nodetach"], stdout=out, stderr=subprocess.STDOUT)
    try:
        conn = _connect(sql_port, process, node_dir)
        with conn.cursor() as cursor:
            for article_id, fields in DOCUMENTS.items():
                columns = ["id", *fields]
                cursor.execute(f"INSERT INTO {sphinx_schema.ARTICLES} ({', '.join(columns)}) "
                               f"VALUES ({', '.join(['%s'] * len(columns))})",
                               [sphinx_schema.doc_id(article_id), *fields.values()])
        yield conn
        conn.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _connect(port: int, process: subprocess.Popen, node_dir) -> pymysql.Connection:
    deadline = time.monotonic() + 20
    while True:
        try:
            return pymysql.connect(host=config.HOST, port=port, autocommit=True)
        except pymysql.err.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (node_dir / "searchd.out").read_text(errors="replace")
                pytest.fail(f"searchd did not start:\n{log[-2000:]}")
            time.sleep(0.05)


def matching(conn, text: str) -> list[str]:
    """Article ids matching `text`, best first, as a caller would ask: MATCH as a parameter."""
    found = translate(parse_query(text))
    where, args = (["MATCH(%s)"], [found.match]) if found.match else ([], [])
    for wanted in found.filters:
        assert wanted.scope == schema.ID  # the only filter these tests use
        numbers = ", ".join(str(sphinx_schema.doc_id(value)) for value in wanted.values)
        where.append(f"id {'NOT IN' if wanted.exclude else 'IN'} ({numbers})")
    by_number = {sphinx_schema.doc_id(article_id): article_id for article_id in DOCUMENTS}
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {sphinx_schema.ARTICLES} WHERE {' AND '.join(where)} "
                       "ORDER BY WEIGHT() DESC, id ASC", args)
        return [by_number[number] for number, in cursor.fetchall()]


@pytest.mark.skipif(shutil.which("searchd") is None, reason="Sphinx's searchd is not installed")
def test_translations_are_sphinx_syntax_and_match_the_right_articles(searchd):
    for text, expected in FOUND:
        assert set(matching(searchd, text)) == expected, text
    # the story matching more of a sentence's words ranks first
    assert matching(searchd, "who ran with the bulls in Москва")[0] == "a1"
    # every expression of the table above is accepted by Sphinx (a syntax error would raise)
    with searchd.cursor() as cursor:
        for _text, expression in TRANSLATED:
            if expression:
                cursor.execute(f"SELECT id FROM {sphinx_schema.ARTICLES} WHERE MATCH(%s)",
                               (expression,))
