"""Regenerate index/data/reuters_codes.tsv from the Reuters-21578 distribution's own files.

Run after changing the overrides in index/reuters_codes.py:
    python scripts/build_reuters_codes.py [DISTRIBUTION_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.reuters_codes import TABLE_PATH, build_table, format_table  # noqa: E402
from index.settings import REPO_ROOT  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else REPO_ROOT / "sample-corpus" / "reuters21578"
    rows = build_table(source)
    TABLE_PATH.parent.mkdir(exist_ok=True)
    TABLE_PATH.write_text(format_table(rows), "utf-8")
    print(f"wrote {len(rows)} codes to {TABLE_PATH.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
