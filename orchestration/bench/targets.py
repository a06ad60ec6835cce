"""The issue's targets judged against the figures (PASS / MISS / n/a), and the compact table."""

from __future__ import annotations

GIB = 1024 ** 3
MIB = 1024 ** 2
RUNS = ("full", "incremental", "nothing_new")


def _run(results: dict, scale: str, run: str) -> dict | None:
    return results.get("scales", {}).get(scale, {}).get("runs", {}).get(run)


def _judge(name: str, observed: float | None, limit: float, unit: str, valid: bool = True) -> dict:
    if observed is None:
        status = "n/a"
    elif not valid:
        status = "INVALID"  # the run failed: its figure does not describe a good run
    else:
        status = "PASS" if observed <= limit else "MISS"
    return {"target": name, "limit": limit, "unit": unit,
            "observed": None if observed is None else round(observed, 3), "status": status}


def _ok(*runs: dict | None) -> bool:
    return all(r is not None and r.get("exit_code") == 0 for r in runs)


def evaluate(results: dict) -> list[dict]:
    """Every target of the issue that the measured scales allow judging; unmeasured ones say n/a."""
    out = []
    for scale, limit in (("L", 120.0), ("M", 30.0)):
        full = _run(results, scale, "full")
        out.append(_judge(f"{scale} full run <= {limit:.0f} s", full and full["stages"]["total"], limit, "s",
                          _ok(full)))
    full, inc = _run(results, "L", "full"), _run(results, "L", "incremental")
    share = inc["stages"]["total"] / full["stages"]["total"] if full and inc else None
    out.append(_judge("L incremental <= 15% of L full", share, 0.15, "share", _ok(full, inc)))
    runs = [r for s in results.get("scales", {}).values() for r in s.get("runs", {}).values()]
    peak = max((r["peak_memory_bytes"] for r in runs), default=None)
    out.append(_judge("peak memory of any run <= 4 GiB", peak and peak / GIB, 4.0, "GiB", _ok(*runs)))
    for scale in results.get("scales", {}):
        nothing = _run(results, scale, "nothing_new")
        out.append(_judge(f"{scale} nothing-new run <= 15 s", nothing and nothing["stages"]["total"], 15.0, "s",
                          _ok(nothing)))
        for run in ("full", "incremental"):
            r = _run(results, scale, run)
            ratio = r and r["order_lines"]["ratio"]
            out.append(_judge(f"{scale} {run}: order-lines ingestion <= 1.5x DuckDB read", ratio, 1.5, "x",
                              _ok(r)))
    return out


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def table(results: dict) -> str:
    """One line per scale and run, then one line per target."""
    head = (f"{'scale':<5} {'run':<12} {'exit':>4} {'total':>7} {'ingest':>7} {'dbt':>7} {'checks':>7} "
            f"{'publish':>7} {'other':>6} {'rows':>10} {'rows/s':>9} {'peakMiB':>8} {'OL/duck':>7}")
    lines = [head, "-" * len(head)]
    for scale, data in results.get("scales", {}).items():
        for run in RUNS:
            r = data.get("runs", {}).get(run)
            if r is None:
                continue
            s = r["stages"]
            lines.append(
                f"{scale:<5} {run:<12} {r['exit_code']:>4} {s['total']:>7.1f} {s['ingest']:>7.1f} {s['dbt']:>7.1f} "
                f"{s['checks']:>7.1f} {s['publish']:>7.1f} {s['other']:>6.1f} {r['rows_loaded']:>10,} "
                f"{_num(r['ingest_rows_per_second'], ',.0f'):>9} {r['peak_memory_bytes'] / MIB:>8.0f} "
                f"{_num(r['order_lines']['ratio'], '.2f'):>7}")
    lines.append("")
    for t in results.get("targets", []):
        observed = _num(t["observed"], ".3g")
        lines.append(f"  {t['status']:<7} {t['target']:<52} observed {observed} {t['unit']}")
    return "\n".join(lines)
