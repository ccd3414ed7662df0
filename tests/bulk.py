"""A generated archive big enough for exports and time budgets, built once per session.

2,150 short articles in JSON Lines; 2,000 of them contain the word
"lighthouse", each a story of its own (random words, so no two are
syndicated copies). A few carry what an export must survive: a title a
spreadsheet would run as a formula, markup, a comma and quotes, and a
control character that XML cannot carry. Test modules share it through
`bulk_index(tmp_path_factory)`, memoised here because a fixture imported
into two modules would be built twice.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import build_index

MATCHING = 2_000
TOTAL = 2_150
WORD = "lighthouse"
ODD_TITLES = {  # article number -> title
    7: "=HYPERLINK(\"http://evil.example\", \"click\")",
    8: "<b>Bold</b> & \"quoted\", with a comma",
    9: "Wire copy ends with a control character\x03",
}
_built: dict[str, Path] = {}


def articles() -> list[dict]:
    rng = random.Random(5)
    vocabulary = [f"w{n}x" for n in range(3000)]
    out = []
    for n in range(TOTAL):
        words = rng.sample(vocabulary, 12)
        if n < MATCHING:
            words.insert(rng.randrange(12), WORD)
        out.append({"id": f"g-{n:04d}", "title": ODD_TITLES.get(n, f"Harbour note {n}"),
                    "body": " ".join(words) + ".", "language": "en",
                    "published": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z",
                    "source": ("North Wire", "South Post", "East Desk")[n % 3],
                    "tags": ["shipping", "coast"] if n % 2 else ["shipping"]})
    return out


def bulk_index(tmp_path_factory) -> Path:
    if "index" not in _built:
        root = tmp_path_factory.mktemp("bulk")
        source = root / "bulk.jsonl"
        source.write_text("".join(json.dumps(a) + "\n" for a in articles()), "utf-8")
        build_index(root / "index", [str(source)])
        _built["index"] = root / "index"
    return _built["index"]
