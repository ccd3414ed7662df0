"""Print how well search ranks on the TIME test collection: nDCG@10, MAP, P@10, cross-validated.

    python scripts/relevance.py [--grid] [--vary NAME=V1,V2] [--queries N] [--data DIR]
                                [--index-dir DIR]

The 423 TIME articles (../shared/data/relevance-time/) are indexed in a temporary
directory through the real pipeline (index.pipeline, index.writer); each development
query goes through the real `run_search` (sort=relevance, collapse=none), as a user's
pasted sentence would, paged down to DEPTH results. Figures follow trec_eval, with
binary relevance: nDCG@10 (gain 1 / log2(rank + 1), ideal = all relevant first),
MAP (average precision over the ranking down to DEPTH, unretrieved relevant stories
counting as zero) and P@10, each averaged over the queries.

Cross-validation: the queries are split into two fixed halves (odd and even positions in
the file). For each half, the grid point with the best mean nDCG@10 on that half is
chosen and scored on the other; the held-out figure is the mean over all queries of
those out-of-half scores. It says what the tuning is worth on queries it never saw.
The default grid varies the levers that matter (field weights, feedback); `--grid`
runs the full grid (BM25 K1 and B as well) and prints every point; `--vary
NAME=V1,V2` tries other values of any setting. The settings in search/ranking.py
are printed first and are what the main figures use.

--queries N keeps the first N queries (a quick check); --index-dir DIR keeps the
built index there and reuses it on the next run (delete it after changing index/).
"""
from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import store, writer  # noqa: E402
from index.pipeline import iter_records  # noqa: E402
from index.readers import expand_sources  # noqa: E402
from index.settings import REPO_ROOT  # noqa: E402
from search import Archive, parse_request, parsing, ranking, run_search  # noqa: E402

DATA = REPO_ROOT.parent / "shared" / "data" / "relevance-time"
ARTICLES, QUERIES, QRELS = "time-articles.jsonl", "dev-queries.tsv", "dev.qrels"
DEPTH = 1000  # MAP's depth, as trec_eval's default
PAGE_SIZE = 100  # the API's largest page
CUTOFF = 10
# The settings varied, each with the values tried, the chosen one (search/ranking.py) first.
# The default grid varies the levers that moved the figures most: the headline's weight and
# feedback (9 points, a minute); --grid adds BM25's K1 and B and more feedback depths
# (135 points, 15 minutes).
GRID = {"TITLE_BOOST": (1.5, 1.0, 3.0), "FEEDBACK_DOCS": (3, 0),
        "FEEDBACK_WEIGHT": (0.5, 0.3)}
FULL_GRID = {"K1": (1.2, 0.9, 1.6), "B": (0.75, 0.5, 0.9), "TITLE_BOOST": (1.5, 1.0, 3.0),
             "FEEDBACK_DOCS": (3, 0, 5), "FEEDBACK_WEIGHT": (0.5, 0.3)}
SETTINGS = ("K1", "B", "TITLE_BOOST", "LEDE_BOOST", "BODY_BOOST", "ACTORS_BOOST",
            "NATURAL_LANGUAGE_WORDS", "COORDINATION", "FEEDBACK_DOCS", "FEEDBACK_TERMS",
            "FEEDBACK_WEIGHT")


# --- metrics (trec_eval definitions, binary relevance) ------------------------------------

def precision_at(ranking: Sequence[str], relevant: set[str], k: int = CUTOFF) -> float:
    """Relevant stories among the first k, over k (a short list still divides by k)."""
    return sum(1 for doc in ranking[:k] if doc in relevant) / k


def average_precision(ranking: Sequence[str], relevant: set[str]) -> float:
    """Mean of the precision at each relevant story's rank; unretrieved ones count 0."""
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, doc in enumerate(ranking, start=1):
        if doc in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def ndcg_at(ranking: Sequence[str], relevant: set[str], k: int = CUTOFF) -> float:
    """DCG of the first k over the DCG of a ranking with every relevant story first."""
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    if not ideal:
        return 0.0
    gained = sum(1 / math.log2(rank + 1)
                 for rank, doc in enumerate(ranking[:k], start=1) if doc in relevant)
    return gained / ideal


@dataclass(frozen=True)
class Scores:
    ndcg: float
    ap: float
    p10: float


def score(ranking: Sequence[str], relevant: set[str]) -> Scores:
    return Scores(ndcg_at(ranking, relevant), average_precision(ranking, relevant),
                  precision_at(ranking, relevant))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


# --- the collection -----------------------------------------------------------------------

def read_queries(path: Path) -> list[tuple[str, str]]:
    """(number, text) pairs from `number<TAB>text` lines, in file order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            number, text = line.split("\t", 1)
            out.append((number.strip(), text.strip()))
    return out


def read_qrels(path: Path) -> dict[str, set[str]]:
    """Query number -> ids judged relevant (TREC qrels: `query 0 doc relevance`)."""
    out: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            number, _, doc, relevance = line.split()
            if int(relevance) > 0:
                out.setdefault(number, set()).add(doc)
    return out


def build_index(index_dir: Path, articles: Path) -> int:
    """Index the articles through the real pipeline; returns how many were indexed."""
    files, problems = expand_sources([str(articles)])
    tally, _ = writer.rebuild(index_dir, iter_records(files), sources=[str(articles)])
    if problems or tally.problems:
        print(f"warning: {len(problems) + len(tally.problems)} record(s) skipped or repaired",
              file=sys.stderr)
    return tally.indexed


# --- searching ----------------------------------------------------------------------------

@contextmanager
def settings(values: dict) -> Iterator[None]:
    """search/ranking.py with these values for the duration (parsers are rebuilt for them)."""
    saved = {name: getattr(ranking, name) for name in values}
    try:
        for name, value in values.items():
            setattr(ranking, name, value)
        parsing.parser.cache_clear()  # parsers are cached, and COORDINATION is read in them
        yield
    finally:
        for name, value in saved.items():
            setattr(ranking, name, value)
        parsing.parser.cache_clear()


def ranked_ids(archive: Archive, text: str, depth: int,
               relevant: set[str] = frozenset()) -> list[str]:
    """The ids run_search returns for a query, best first, down to `depth`.

    Paging stops early once every relevant story has been seen: what follows cannot
    change any of the figures (and each page is a whole new search).
    """
    page_size = min(depth, PAGE_SIZE)
    ids: list[str] = []
    for page in range(1, -(-depth // page_size) + 1):
        request = parse_request({"q": [text], "sort": ["relevance"], "collapse": ["none"],
                                 "page": [str(page)], "page_size": [str(page_size)],
                                 "facets": [""], "fields": ["id"]})
        results = run_search(archive, request)["results"]
        ids.extend(hit["id"] for hit in results)
        if len(results) < page_size or (relevant and relevant <= set(ids)):
            break
    return ids[:depth]


def evaluate(index_dir: Path, queries: list[tuple[str, str]], qrels: dict[str, set[str]],
             depth: int, values: dict | None = None) -> dict[str, Scores]:
    """Per-query scores with these settings (a fresh Archive, so the weighting is rebuilt)."""
    with settings(values or {}):
        archive = Archive(index_dir)
        return {number: score(ranked_ids(archive, text, depth, qrels.get(number, set())),
                              qrels.get(number, set()))
                for number, text in queries}


# --- tuning -------------------------------------------------------------------------------

def grid_points(grid: dict[str, Sequence]) -> list[dict]:
    """Every distinct combination of the grid's values; the all-first (baseline) point first.

    With feedback off (FEEDBACK_DOCS=0) the other feedback settings change nothing, so
    such points keep their first values and are tried once.
    """
    names = list(grid)
    points: list[dict] = []
    for combo in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, combo))
        if point.get("FEEDBACK_DOCS") == 0:
            point.update({n: grid[n][0] for n in names if n.startswith("FEEDBACK_")
                          and n != "FEEDBACK_DOCS"})
        if point not in points:
            points.append(point)
    return points


def halves(numbers: Sequence[str]) -> tuple[list[str], list[str]]:
    """The fixed two-way split: odd and even positions in the query file."""
    return list(numbers[0::2]), list(numbers[1::2])


def best_point(results: list[tuple[dict, dict[str, float]]], numbers: Sequence[str]) -> int:
    """Index of the point with the best mean on these queries (the earlier one on a tie)."""
    means = [mean(per_query[n] for n in numbers) for _, per_query in results]
    return max(range(len(means)), key=lambda i: (round(means[i], 6), -i))


def cross_validate(results: list[tuple[dict, dict[str, float]]],
                   numbers: Sequence[str]) -> tuple[float, list[tuple[int, float, float]]]:
    """Held-out mean over all queries, and per fold (chosen point, tuned mean, held-out mean)."""
    first, second = halves(numbers)
    held_out: dict[str, float] = {}
    folds = []
    for tune, test in ((first, second), (second, first)):
        chosen = best_point(results, tune)
        per_query = results[chosen][1]
        held_out.update({n: per_query[n] for n in test})
        folds.append((chosen, mean(per_query[n] for n in tune), mean(per_query[n] for n in test)))
    return mean(held_out[n] for n in numbers), folds


def grid_from(args: argparse.Namespace) -> dict[str, tuple]:
    """The grid to tune over: the default or full one, with --vary axes replaced or added."""
    grid = dict(FULL_GRID if args.grid else GRID)
    for item in args.vary:
        name, _, raw = item.partition("=")
        if name not in SETTINGS or not raw:
            raise ValueError(f"--vary takes NAME=V1,V2 with NAME one of {', '.join(SETTINGS)} "
                             f"(got {item!r})")
        kind = type(getattr(ranking, name))
        grid[name] = tuple(kind(value) for value in raw.split(","))
    return grid


def describe(values: dict) -> str:
    return " ".join(f"{name}={value}" for name, value in values.items())


# --- the command --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true",
                        help="tune over the full grid (K1, B too) and print every point")
    parser.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2",
                        help="try these values of a setting of search/ranking.py in the grid "
                             "(replaces or adds that axis; repeatable)")
    parser.add_argument("--queries", type=int, default=0, help="only the first N queries")
    parser.add_argument("--data", type=Path, default=DATA, help="the collection's directory")
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="build the index here once and reuse it (default: a temp dir)")
    parser.add_argument("--depth", type=int, default=DEPTH, help="results read per query")
    args = parser.parse_args(argv)
    try:
        queries = read_queries(args.data / QUERIES)
        qrels = read_qrels(args.data / QRELS)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the collection in {args.data}: {exc} "
              "(give its directory with --data)", file=sys.stderr)
        return 1
    if args.queries:
        queries = queries[:args.queries]
    try:
        args.grid_values = grid_from(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="morgue-relevance-") as tmp:
        index_dir = args.index_dir or Path(tmp) / "index"
        started = time.perf_counter()
        if args.index_dir is None or not (index_dir / store.CURRENT).exists():
            count = build_index(index_dir, args.data / ARTICLES)
            print(f"indexed {count} articles in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
        report(index_dir, queries, qrels, args)
    return 0


def report(index_dir: Path, queries: list[tuple[str, str]], qrels: dict[str, set[str]],
           args: argparse.Namespace) -> None:
    started = time.perf_counter()
    current = {name: getattr(ranking, name) for name in SETTINGS}
    print(f"{len(queries)} queries; settings of search/ranking.py: {describe(current)}")
    final = evaluate(index_dir, queries, qrels, args.depth)
    print(f"nDCG@10 {mean(s.ndcg for s in final.values()):.4f}   "
          f"MAP {mean(s.ap for s in final.values()):.4f}   "
          f"P@10 {mean(s.p10 for s in final.values()):.4f}")
    results = []
    for values in grid_points(args.grid_values):
        per_query = {n: s.ndcg for n, s in
                     evaluate(index_dir, queries, qrels, CUTOFF, values).items()}
        results.append((values, per_query))
        if args.grid or args.vary:
            print(f"  grid nDCG@10 {mean(per_query.values()):.4f}  {describe(values)}",
                  flush=True)
    numbers = [number for number, _ in queries]
    if len(numbers) >= 2:
        held_out, folds = cross_validate(results, numbers)
        print(f"cross-validated nDCG@10 {held_out:.4f} (two halves of the queries, "
              f"{len(results)} grid points: tuned on one half, scored on the other)")
        for fold, (chosen, tuned, tested) in enumerate(folds, start=1):
            print(f"  fold {fold}: chose {describe(results[chosen][0])}: "
                  f"{tuned:.4f} on its half, {tested:.4f} held out")
    best = best_point(results, numbers)
    print(f"best grid point on all queries: nDCG@10 {mean(results[best][1].values()):.4f} "
          f"with {describe(results[best][0])}")
    command = " ".join(["python scripts/relevance.py"] + (["--grid"] if args.grid else [])
                       + [f"--vary {item}" for item in args.vary]
                       + ([f"--queries {args.queries}"] if args.queries else []))
    print(f"command: {command}   ({time.perf_counter() - started:.0f} s of searching)")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
