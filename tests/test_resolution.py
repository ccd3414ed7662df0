"""Archive-wide names: a surname alone becomes the full name the archive knows it by."""
from __future__ import annotations

import json
from collections import Counter

from index.resolution import person_aliases
from search import Archive, get_article, parse_request, run_search
from tests.conftest import build_index, run_script


def test_a_dominant_full_name_takes_the_surname():
    counts = Counter({"Reagan": 475, "Ronald Reagan": 24, "Nancy Reagan": 1, "Blasts Reagan": 1,
                      "James Baker": 251, "Howard Baker": 128, "Baker": 3,
                      "Paul Volcker": 103, "Volcker": 18, "Mubarak": 4})
    assert person_aliases(counts) == {"Reagan": "Ronald Reagan", "Volcker": "Paul Volcker"}


def test_articles_are_rewritten_and_stay_unchanged_for_incremental_runs(tmp_path):
    source = tmp_path / "reagan.jsonl"
    rows = [{"id": f"r{n}", "title": f"Story {n}",
             "body": f"President Reagan said budget {n} would pass." if n < 3 else
             f"President Ronald Reagan met Congress leaders on day {n}."} for n in range(5)]
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    build_index(tmp_path / "index", [str(source)])
    archive = Archive(tmp_path / "index")
    assert all(get_article(archive, f"r{n}")["people"] == ["Ronald Reagan"] for n in range(5))
    response = run_search(archive, parse_request({"q": ["reagan"], "facets": ["person"]}))
    assert response["facets"]["person"] == [
        {"value": "Ronald Reagan", "label": "Ronald Reagan", "count": 5, "selected": False}]
    filtered = run_search(archive, parse_request({"q": ["*"], "person": ["Ronald Reagan"]}))
    assert filtered["total"] == 5
    again = run_script("reindex", str(source), "--incremental", "--index-dir",
                       str(tmp_path / "index"))
    assert again.stdout.startswith("indexed 0, updated 0, unchanged 5"), again.stdout
