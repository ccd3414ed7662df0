"""Search from a terminal, exactly as the API does: python scripts/query.py QUERY [options]

Any API parameter can be given as --name value (repeatable), e.g.
    python scripts/query.py coffee --from 1987-03-01 --to 1987-03-31 --sort newest
--json prints the API's JSON response; otherwise a short listing.
MORGUE_BACKEND=sphinxql (with MORGUE_SPHINXQL_CLUSTER_DIR or _ADDRESS) searches the cluster.
Exit status: 0 results printed (even none), 1 the index is unavailable, 2 bad arguments.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.errors import BadRequest, IndexUnavailable  # noqa: E402
from index.settings import load_settings  # noqa: E402
from search import Limits, parse_request, run_search  # noqa: E402
from search.backends import open_archive  # noqa: E402

USAGE = "usage: query.py QUERY [--index-dir DIR] [--json] [--NAME VALUE ...]"


def parse_argv(argv: list[str]) -> tuple[dict[str, list[str]], str | None, bool]:
    """Split argv into API parameters, the index directory and the --json flag."""
    params: dict[str, list[str]] = {}
    index_dir, as_json, words = None, False, []
    items = iter(argv)
    for item in items:
        if item == "--json":
            as_json = True
        elif item in ("-h", "--help"):
            print(f"{USAGE}\n\n{__doc__}")
            raise SystemExit(0)
        elif item.startswith("--"):
            name, _, value = item[2:].partition("=")
            if not value:
                value = next(items, None)
                if value is None:
                    raise BadRequest(f"--{name} needs a value", param=name)
            if name == "index-dir":
                index_dir = value
            else:
                params.setdefault(name.replace("-", "_"), []).append(value)
        else:
            words.append(item)
    if words:
        params.setdefault("q", []).append(" ".join(words))
    return params, index_dir, as_json


def print_listing(response: dict) -> None:
    print(f"{response['total']:,} results ({response['took_ms']} ms), "
          f"page {response['page']} of {max(response['pages'], 1):,}")
    for number, hit in enumerate(response["results"], response["page_size"] *
                                 (response["page"] - 1) + 1):
        date = (hit.get("published") or "undated")[:10]
        print(f"{number:>4}. {hit.get('title', '')}  [{hit.get('source') or '-'}, {date}]  "
              f"id={hit.get('id', '')}")


def main(argv: list[str] | None = None) -> int:
    try:
        params, index_dir, as_json = parse_argv(sys.argv[1:] if argv is None else argv)
        settings = load_settings({"INDEX_DIR": index_dir})
        request = parse_request(params, max_query_length=settings["MAX_QUERY_LENGTH"])
        response = run_search(open_archive(settings), request,
                              Limits(max_wildcard_terms=settings["MAX_WILDCARD_TERMS"]))
    except BadRequest as exc:
        print(f"query.py: {exc.message}\n{USAGE}", file=sys.stderr)
        return 2
    except IndexUnavailable as exc:
        print(f"query.py: {exc.message} {exc.hint or ''}".strip(), file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(response, indent=2, ensure_ascii=False))
    else:
        print_listing(response)
    return 0


if __name__ == "__main__":
    sys.exit(main())
