"""The issue's targets (#13) judged against the figures (PASS / MISS / INVALID / n/a), and the table."""

from __future__ import annotations

from orchestration.bench.figures import night_runs
from orchestration.bench.landing import NIGHTS

GIB = 1024 ** 3
MIB = 1024 ** 2
RUNS = ("full", "nightly", "nothing_new", *night_runs(NIGHTS)[1:], "period_history", "period")
#: Runs whose order-lines ingestion is held against DuckDB's own read.
RATIO_RUNS = ("full", "nightly", "period")


def _run(results: dict, scale: str, run: str) -> dict | None:
    return results.get("scales", {}).get(scale, {}).get("runs", {}).get(run)


def _total(run: dict | None) -> float | None:
    return run["stages"]["total"] if run else None


def _judge(name: str, observed: float | None, limit: float, unit: str, valid: bool = True,
           low: float | None = None) -> dict:
    """PASS when observed <= limit (and >= low, when given); INVALID when a run it rests on failed."""
    if observed is None:
        status = "n/a"
    elif not valid:
        status = "INVALID"  # a run failed: its figure does not describe a good run
    else:
        status = "PASS" if observed <= limit and (low is None or observed >= low) else "MISS"
    return {"target": name, "limit": limit if low is None else [low, limit], "unit": unit,
            "observed": None if observed is None else round(observed, 3), "status": status}


def _ok(*runs: dict | None) -> bool:
    return all(r is not None and r.get("exit_code") == 0 for r in runs)


def evaluate(results: dict) -> list[dict]:
    """Every target of the issue that the measured scales allow judging; unmeasured ones say n/a."""
    out = []
    full, nightly = _run(results, "L", "full"), _run(results, "L", "nightly")
    out.append(_judge("L full run <= 90 s", _total(full), 90.0, "s", _ok(full)))
    share = _total(nightly) / _total(full) if full and nightly else None
    out.append(_judge("L nightly (one day) <= 15% of L full", share, 0.15, "share", _ok(full, nightly)))
    out.append(_judge("L nightly (one day) <= 20 s", _total(nightly), 20.0, "s", _ok(nightly)))
    week = results.get("scales", {}).get("L", {}).get("week", {})
    nights = [_run(results, "L", n) for n in week.get("runs", [])]
    out.append(_judge("L week of nights: last night within 10% of the first", week.get("last_vs_first"), 1.10,
                      "ratio", _ok(*nights), low=0.90))
    m_full = _run(results, "M", "full")
    out.append(_judge("M full run <= 25 s", _total(m_full), 25.0, "s", _ok(m_full)))
    l_runs = list(results.get("scales", {}).get("L", {}).get("runs", {}).values())
    peak = max((r["peak_memory_bytes"] for r in l_runs), default=None)
    out.append(_judge("L peak memory of the process tree <= 3 GiB", peak and peak / GIB, 3.0, "GiB", _ok(*l_runs)))
    for scale in results.get("scales", {}):
        nothing = _run(results, scale, "nothing_new")
        out.append(_judge(f"{scale} nothing-new run <= 6 s", _total(nothing), 6.0, "s", _ok(nothing)))
        for run in RATIO_RUNS:
            r = _run(results, scale, run)
            out.append(_judge(f"{scale} {run}: order-lines ingestion <= 1.5x DuckDB read",
                              r and r["order_lines"]["ratio"], 1.5, "x", _ok(r)))
    return out


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def table(results: dict) -> str:
    """One line per scale and run, one line per scale for its week of nights, then one per target."""
    head = (f"{'scale':<5} {'run':<14} {'as of':<10} {'exit':>4} {'total':>7} {'ingest':>7} {'dbt':>7} "
            f"{'checks':>7} {'publish':>7} {'other':>6} {'rows':>10} {'rows/s':>9} {'peakMiB':>8} {'OL/duck':>7}")
    lines = [head, "-" * len(head)]
    for scale, data in results.get("scales", {}).items():
        for run in RUNS:
            r = data.get("runs", {}).get(run)
            if r is None:
                continue
            s = r["stages"]
            lines.append(
                f"{scale:<5} {run:<14} {r['as_of']:<10} {r['exit_code']:>4} {s['total']:>7.1f} {s['ingest']:>7.1f} "
                f"{s['dbt']:>7.1f} {s['checks']:>7.1f} {s['publish']:>7.1f} {s['other']:>6.1f} "
                f"{r['rows_loaded']:>10,} {_num(r['ingest_rows_per_second'], ',.0f'):>9} "
                f"{r['peak_memory_bytes'] / MIB:>8.0f} {_num(r['order_lines']['ratio'], '.2f'):>7}")
    lines.append("")
    for scale, data in results.get("scales", {}).items():
        week = data.get("week")
        if week:
            nights = " ".join(_num(s, ".1f") for s in week["seconds"])
            lines.append(f"{scale} week of nights (s): {nights}; last/first {_num(week['last_vs_first'], '.2f')}")
    lines.append("")
    for t in results.get("targets", []):
        observed = _num(t["observed"], ".3g")
        lines.append(f"  {t['status']:<7} {t['target']:<56} observed {observed} {t['unit']}")
    return "\n".join(lines)
