"""The benchmark's results as plain text tables (stdout) and JSON, with Morgue's ratios.

A ratio is Morgue's figure divided by the other engine's, the same way for
every row: for times, sizes and memory above 1x means Morgue is slower or
larger; for articles/s above 1x means Morgue is faster. Each scale gets one
table of figures and one of what the engines returned (median total matches
per class, and how many of Morgue's top 10 each engine also returned), since
a fast answer to a different question is no win.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from bench import stats

LEGEND = ("ratios = Morgue / other engine: for ms, MB and s, >1x means Morgue is slower or "
          "larger; for articles/s, >1x means Morgue is faster")


def _number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, str):
        return value
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def figure_rows(scale: dict) -> list[tuple[str, str, dict]]:
    """(row label, key, {engine: value}) for every figure shown."""
    engines = scale["engines"]
    rows = []

    def add(label: str, key: str, pick) -> None:
        rows.append((label, key, {name: pick(e) for name, e in engines.items()}))

    add("index: articles/s", "build.articles_per_s", lambda e: e["build"]["articles_per_s"])
    add("index: build s", "build.seconds", lambda e: e["build"]["seconds"])
    add("index: size MB", "build.index_mb", lambda e: e["build"]["index_bytes"] / 1e6)
    add("open ms", "open_ms", lambda e: e["open_ms"])
    add("first query ms (cold)", "first_query_ms", lambda e: e["first_query_ms"])
    add("query process peak RSS MB", "rss_mb.peak", lambda e: e["rss_mb"]["peak"])
    classes = next(iter(engines.values()))["classes"] if engines else {}
    for cls in classes:
        for p in stats.PERCENTILES:
            add(f"{cls} p{p} ms", f"classes.{cls}.p{p}_ms",
                lambda e, c=cls, q=p: e["classes"].get(c, {}).get(f"p{q}_ms"))
    return rows


def ratios(scale: dict) -> dict[str, dict[str, float | None]]:
    """{other engine: {figure key: morgue / other}}."""
    if "morgue" not in scale["engines"]:
        return {}
    out: dict[str, dict] = {}
    for _label, key, values in figure_rows(scale):
        for name, value in values.items():
            if name != "morgue":
                out.setdefault(name, {})[key] = _rounded(stats.ratio(values["morgue"], value))
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def format_scale(name: str, scale: dict) -> str:
    engines = list(scale["engines"])
    others = [e for e in engines if e != "morgue"] if "morgue" in engines else []
    corpus = scale["corpus"]
    mix = scale["mix"]
    made = "reused" if corpus["reused"] else f"made in {corpus['seconds']:.1f} s"
    title = (f"== {name}: {corpus['documents']:,} articles (corpus {made}); "
             f"{mix['count']} queries, seed {mix['seed']}, mix {mix['digest']} ==")
    header = ["", *engines, *[f"morgue/{o}" for o in others]]
    ratio_values = scale.get("ratios", {})
    rows = []
    for label, key, values in figure_rows(scale):
        cells = [label] + [_number(values[e]) for e in engines]
        cells += [_ratio(ratio_values.get(o, {}).get(key)) for o in others]
        rows.append(cells)
    reused = [e for e in engines if scale["engines"][e]["build"].get("reused")]
    notes = [f"(build figures of {', '.join(reused)} are from the run that built the index)"] \
        if reused else []
    return "\n".join([title, _table(header, rows), *notes, format_answers(scale)])


def format_answers(scale: dict) -> str:
    """Median total matches per class, and the share of Morgue's top 10 each engine returned."""
    engines = list(scale["engines"])
    overlap = scale.get("overlap_with_morgue", {})
    header = ["median matches" + (" (top-10 overlap with morgue)" if overlap else ""),
              *engines]
    classes = next(iter(scale["engines"].values()))["classes"] if engines else {}
    rows, unanswered = [], []
    for cls in classes:
        cells = [cls]
        for engine in engines:
            found = scale["engines"][engine]["classes"].get(cls, {})
            cell = _number(found.get("median_total"))
            share = overlap.get(engine, {}).get(cls)
            if share is not None:
                cell += f" ({share:.0%})"
            for kind in ("refused", "failed"):  # runner.UNANSWERED
                if found.get(kind):
                    cell += f" [{found[kind]} {kind}]"
                    unanswered.append(f"{engine}: {found[kind]} {cls} "
                                      f"quer{'y' if found[kind] == 1 else 'ies'} {kind}, e.g. "
                                      f"{found[f'{kind}_reason']}")
            cells.append(cell)
        rows.append(cells)
    return "\n".join([_table(header, rows), *unanswered])


def format_http(http: dict) -> str:
    latency = http["latency"]
    server = http["server"]
    memory = server["peak_rss_mb"]
    rss = (f"peak RSS master {_number(memory['master'])} MB, workers "
           f"{' + '.join(_number(w) for w in memory['workers'])} MB") if memory else "RSS unknown"
    return (f"http /api/v1/search, morgue, {http['clients']} clients, {http['seconds']} s "
            f"(gunicorn {server['workers']} workers x {server['threads']} threads, {rss}): "
            f"{http['requests_per_s']:,.1f} requests/s, "
            f"p50 {_number(latency['p50_ms'])} ms, p95 {_number(latency['p95_ms'])} ms, "
            f"p99 {_number(latency['p99_ms'])} ms, {http['errors']} errors of "
            f"{http['requests']:,} requests")


def format_machine(machine: dict) -> str:
    start, end = machine["load_start"], machine["load_end"]
    return (f"machine: {machine['cores']} cores, load average {start[0]:.2f} {start[1]:.2f} "
            f"{start[2]:.2f} at start, {end[0]:.2f} {end[1]:.2f} {end[2]:.2f} at end; "
            f"python {machine['python']}, {machine['platform']}")


def format_phases(phases: list[dict]) -> str:
    parts = [f"{p['name']} {p['seconds']:.1f} s" for p in phases]
    return "phases: " + ", ".join(parts)


def write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str), "utf-8")
