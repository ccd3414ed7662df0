"""The load trials' figures from the raw outcomes, and the tables scripts/load.py prints.

Throughput counts every request of the run over the time until the last
answer came (requests in flight at the deadline are let finish). Latency
percentiles come from bench.stats (raw timings only) and leave out the
requests started in the first 10 % of the run: each worker has been warmed
with one request of each kind (bench/load_warmup.py), but the first of many
other queries still reads postings no request has read before.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bench import stats
from bench.load_clients import Outcome
from bench.load_mix import WEIGHTS

WARMUP_SHARE = 0.1


def error_key(outcome: Outcome) -> str:
    return str(outcome.status) if outcome.status is not None else (outcome.error or "no answer")


def summarise(outcomes: Sequence[Outcome], duration: float,
              expected: Sequence[Outcome] = ()) -> dict:
    """Requests, throughput, errors by status or exception, latency.

    `expected` failures are not errors: the 404s of articles a generation lacks, or the
    requests in flight on a worker the kill trial killed. They are counted apart.
    """
    skip = {id(o) for o in expected}
    errors = [o for o in outcomes if o.failed and id(o) not in skip]
    warm = [o for o in outcomes if o.started >= WARMUP_SHARE * duration]
    kinds = [k for k in WEIGHTS if any(o.kind == k for o in outcomes)]
    latency = {kind: stats.summary([o.seconds for o in warm if o.kind == kind])
               for kind in kinds}
    latency["all"] = stats.summary([o.seconds for o in warm])
    return {"requests": len(outcomes), "seconds": round(duration, 1),
            "throughput_rps": round(len(outcomes) / duration, 1) if duration else None,
            "ok": sum(1 for o in outcomes if not o.failed),
            "errors": len(errors), "errors_by": dict(Counter(error_key(o) for o in errors)),
            "expected_failures": len(expected),
            "partial": sum(1 for o in outcomes if o.partial),
            "megabytes_received": round(sum(o.bytes for o in outcomes) / 1e6, 1),
            "latency_ms": latency}


def _row(cells: Sequence[object], widths: Sequence[int]) -> str:
    return "  ".join(str(c).rjust(w) if n else str(c).ljust(w)
                     for n, (c, w) in enumerate(zip(cells, widths, strict=True)))


def tables(result: dict) -> str:
    """The plain-text report: totals, latency by kind, errors, memory, and the mode's checks."""
    load, lines = result["load"], []
    lines.append(f"{result['mode']}: {result['clients']} clients, {result['workers']} workers x "
                 f"{result['threads']} threads, {load['window_s']} s of load (the last answer "
                 f"at {load['seconds']} s), {load['requests']:,} "
                 f"requests, {load['throughput_rps']} req/s, {load['errors']} errors "
                 f"(+{load['expected_failures']} expected), {load['partial']} partial")
    if result.get("warmup"):
        warm = result["warmup"]
        lines.append(f"warm-up (untimed): {warm['requests']} requests, {warm['failed']} failed, "
                     f"{warm['seconds']} s; each worker warm after (s): "
                     f"{list(warm['per_worker_s'].values())}")
    widths = (13, 7, 9, 9, 9, 9)
    lines.append(_row(("kind", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"), widths))
    for kind, s in load["latency_ms"].items():
        lines.append(_row((kind, s["n"], s["p50_ms"], s["p95_ms"], s["p99_ms"], s["max_ms"]),
                          widths))
    if load["errors_by"]:
        lines.append("errors: " + ", ".join(f"{k}: {v}" for k, v in load["errors_by"].items()))
    memory = result["memory"]
    lines.append(f"worker memory (VmRSS MB; growth = median of the last 10 % - median of "
                 f"10-20 %; bound {memory['bound_mb']} MB): max growth "
                 f"{memory['max_growth_mb']}, within bound: {memory['within_bound']}")
    widths = (8, 8, 9, 9, 9, 9, 6)
    lines.append(_row(("pid", "samples", "start", "end", "max", "growth", "whole"), widths))
    for w in memory["workers"]:
        lines.append(_row((w["pid"], w["samples"], w["start_mb"], w["end_mb"], w["max_mb"],
                           w["growth_mb"], "yes" if w["spans_run"] else "no"), widths))
    for name in ("reindex", "kill"):
        if name in result:
            lines.append(f"{name}: {_flat(result[name])}")
    lines.append("verdict: " + ("PASS" if not result["failures"]
                                else "FAIL: " + "; ".join(result["failures"])))
    return "\n".join(lines)


def _flat(data: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in data.items())
