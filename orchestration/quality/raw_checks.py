"""Per-feed checks from the audit trail of ingestion, over the files of the run's scope (this run's and those held
by earlier runs that did not publish: batches.loads_in_scope):

- `quarantine_rate` (error): no file quarantined more than the gate's
  `quarantine_max_share` of its rows and at least its `quarantine_min_rows` rows (a broken export, not a stray
  line or two of a small file);
- `rows_reconcile` (error): per file, rows_read = rows_loaded + rows_quarantined, the
  Parquet file holds rows_loaded rows and `audit.quarantine` holds rows_quarantined rows ("nothing lost");
- `files_not_rejected` (warn): no file of this run was rejected (a rejected file never fails a run —
  its bytes are reported and kept — but it is never silent either);
- `snapshot_not_shrunk` (error, snapshot feeds): the current snapshot holds at least the gate's
  `snapshot_min_share` of the rows of the one before it, or the drop was accepted by an operator
  (`run --accept-snapshot-shrink`, recorded in `audit.accepted_shrinks` and `audit.runs`).
The thresholds are fixed by the code location's settings (`Gates`), not by run config.
"""


from pathlib import Path
from typing import NamedTuple

import dagster as dg
import duckdb

from orchestration import audit
from orchestration.feeds import FEEDS, FeedSpec
from orchestration.quality.batches import loads_in_scope, resolve_raw_path, sql_list
from orchestration.quality.check_steps import CheckDef, CheckRun
from orchestration.quality.results import CheckOutcome
from orchestration.settings import Gates

FILE_SAMPLE = 5


class ScopedFile(NamedTuple):
    path: str
    sha256: str
    raw_path: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    run_id: str  # the run that loaded it (this run, or an earlier one that did not publish)


def _files_in_scope(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, held: bool) -> list[ScopedFile]:
    """The loaded files of the run's scope (batches.loads_in_scope), with the run that loaded each."""
    rows = con.execute(
        f"""
        select path, sha256, raw_path, coalesce(rows_read, 0), coalesce(rows_loaded, 0), coalesce(rows_quarantined, 0),
            run_id
        from audit.load_log
        where {loads_in_scope(held=held, spec=spec)} and status = 'loaded' and feed = ?
        order by export_date, path
        """,
        [run_id, spec.name],
    ).fetchall()
    return [ScopedFile(*row) for row in rows]


def _held_note(run_id: str, files: list[ScopedFile]) -> str:
    held = sorted({f.path for f in files if f.run_id != run_id})
    return (f"; {len(held)} file(s) held from earlier runs that did not publish: {', '.join(held[:FILE_SAMPLE])} "
            "(a file that fails holds publishing until it passes; `run --accept-held-files` publishes its loaded rows "
            "as they are)" if held else "")


def quarantine_rate(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, max_share: float,
                    *, min_rows: int, held: bool = True) -> CheckOutcome:
    """A file fails when it quarantined more than `max_share` of its rows and at least `min_rows` rows: one or
    two bad lines in a small file (a day's 14 engagements) are stray lines, quarantined and reported, not a
    broken export; an export that breaks, breaks many rows."""
    files = _files_in_scope(con, run_id, spec, held)
    shares = [(f.path, f.rows_quarantined, f.rows_read, f.rows_quarantined / f.rows_read if f.rows_read else 0.0)
              for f in files]
    above = [(path, quarantined, read, share) for path, quarantined, read, share in shares if share > max_share]
    over = [(path, share) for path, quarantined, _, share in above if quarantined >= min_rows]
    stray = [(path, quarantined, read) for path, quarantined, read, _ in above if quarantined < min_rows]
    worst = max((share for *_, share in shares), default=0.0)
    if over:
        listed = ", ".join(f"{path} ({share:.1%})" for path, share in over[:FILE_SAMPLE])
        observed = (f"{len(over)} of {len(files)} file(s) quarantined more than {max_share:.1%} of their rows "
                    f"(and at least {min_rows}): {listed}")
    else:
        observed = f"{len(files)} file(s), highest quarantined share {worst:.2%} (limit {max_share:.1%})"
    if stray:
        listed = ", ".join(f"{path} ({quarantined} of {read} rows)" for path, quarantined, read in stray[:FILE_SAMPLE])
        observed += (f"; {len(stray)} file(s) above the share with fewer than {min_rows} quarantined rows "
                     f"(stray lines, not counted): {listed}")
    observed += _held_note(run_id, files)
    paths = [path for path, _ in over] or [path for path, *_ in shares]
    evidence = (f"select * from audit.quarantine where file in {sql_list(paths)}"
                if paths else f"audit.load_log: no {spec.folder} file loaded in run {run_id}")
    return CheckOutcome(passed=not over, observed=observed, evidence=evidence,
                        metadata={"files": len(files), "files_over_limit": len(over), "max_share": max_share,
                                  "min_rows": min_rows, "files_with_stray_lines": len(stray),
                                  "highest_share": round(worst, 6)})


def _quarantine_counts(con: duckdb.DuckDBPyConnection, files: list[ScopedFile]) -> dict[str, int]:
    rows = con.execute(
        """
        select log.path, count(q.reason)
        from (select unnest(?::varchar[]) as path, unnest(?::varchar[]) as sha256,
                     unnest(?::varchar[]) as run_id) as log
        left join audit.quarantine as q
            on q.run_id = log.run_id and (q.file_sha256 = log.sha256 or (q.file_sha256 is null and q.file = log.path))
        group by log.path
        """,
        [[f.path for f in files], [f.sha256 for f in files], [f.run_id for f in files]],
    ).fetchall()
    return dict(rows)


def _parquet_rows(con: duckdb.DuckDBPyConnection, raw_paths: list[str]) -> dict[str, int]:
    """Rows per raw path (the glob of a loaded file's parts), from the Parquet footers."""
    counts: dict[str, int] = {}
    for raw_path in raw_paths:
        rows = con.execute(f"select sum(num_rows) from parquet_file_metadata({sql_list([raw_path])})").fetchone()
        counts[raw_path] = int(rows[0] or 0)
    return counts


def rows_reconcile(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, warehouse_root: Path,
                   *, held: bool = True) -> CheckOutcome:
    files = _files_in_scope(con, run_id, spec, held)
    quarantined = _quarantine_counts(con, files) if files else {}
    parquet = _parquet_rows(con, [resolve_raw_path(warehouse_root, f.raw_path) for f in files if f.raw_path])
    problems = []
    for f in files:
        path, read, loaded, n_quarantined = f.path, f.rows_read, f.rows_loaded, f.rows_quarantined
        raw_path = resolve_raw_path(warehouse_root, f.raw_path) if f.raw_path else None
        if read != loaded + n_quarantined:
            problems.append(f"{path}: read {read} != loaded {loaded} + quarantined {n_quarantined}")
        if quarantined.get(path, 0) != n_quarantined:
            problems.append(f"{path}: {quarantined.get(path, 0)} audit.quarantine rows, load_log says {n_quarantined}")
        if raw_path and parquet.get(raw_path, 0) != loaded:
            problems.append(f"{path}: {parquet.get(raw_path, 0)} rows in {raw_path}, load_log says {loaded}")
    observed = ("; ".join(problems[:FILE_SAMPLE]) if problems else
                f"{len(files)} file(s): rows read = loaded + quarantined, Parquet and quarantine counts agree")
    scope = loads_in_scope(held=held, spec=spec).replace("?", f"'{run_id}'")
    evidence = (f"select * from audit.load_log where {scope} "
                f"and status = 'loaded' and feed = '{spec.name}'")
    return CheckOutcome(passed=not problems, observed=observed, evidence=evidence,
                        metadata={"files": len(files), "problems": len(problems),
                                  "rows_read": sum(f.rows_read for f in files),
                                  "rows_loaded": sum(f.rows_loaded for f in files),
                                  "rows_quarantined": sum(f.rows_quarantined for f in files)})


def files_not_rejected(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec) -> CheckOutcome:
    rejected = con.execute(
        "select path, reason from audit.load_log where run_id = ? and feed = ? and status = 'rejected' order by path",
        [run_id, spec.name]).fetchall()
    listed = "; ".join(f"{path}: {reason}" for path, reason in rejected[:FILE_SAMPLE])
    observed = (f"{len(rejected)} file(s) rejected in this run: {listed}" if rejected
                else "no file of this feed was rejected in this run")
    return CheckOutcome(passed=not rejected, observed=observed,
                        evidence=f"select * from audit.load_log where run_id = '{run_id}' and status = 'rejected' "
                                 f"and feed = '{spec.name}'",
                        metadata={"files_rejected": len(rejected)})


def snapshot_not_shrunk(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, min_share: float,
                        accept: bool) -> CheckOutcome:
    """The current snapshot (the loaded file ranked first as dbt's `snapshot_current_file` ranks them)
    against the one before it."""
    rows = con.execute(
        """
        select path, sha256, coalesce(rows_loaded, 0)
        from audit.load_log
        where feed = ? and status = 'loaded'
        order by export_date desc, path desc, loaded_at desc, sha256 desc
        limit 2
        """, [spec.name]).fetchall()
    evidence = (f"select path, export_date, rows_loaded, run_id from audit.load_log where feed = '{spec.name}' "
                "and status = 'loaded' order by export_date desc")
    if len(rows) < 2:
        return CheckOutcome(True, "no earlier snapshot to compare with", evidence)
    (path, sha, after), (before_path, _, before) = rows
    share = after / before if before else 1.0
    facts = (f"the current snapshot {path} has {after:,} rows, {share:.0%} of the {before:,} rows of "
             f"{before_path}")
    metadata = {"rows_current": after, "rows_previous": before, "share": round(share, 4), "min_share": min_share}
    if after >= min_share * before:
        return CheckOutcome(True, f"{facts} (at least {min_share:.0%})", evidence, metadata)
    accepted = con.execute("select run_id from audit.accepted_shrinks where feed = ? and sha256 = ? limit 1",
                           [spec.name, sha]).fetchone()
    if accepted:
        return CheckOutcome(True, f"{facts}; the drop was accepted by run {accepted[0]}", evidence, metadata)
    if accept:
        audit.record_accepted_shrink(con, feed=spec.name, sha256=sha, path=path, rows_before=before, rows_after=after,
                                     run_id=run_id)
        return CheckOutcome(True, f"{facts}; the drop is accepted by this run (--accept-snapshot-shrink)", evidence,
                            metadata)
    return CheckOutcome(False, f"{facts}: below CW_SNAPSHOT_MIN_SHARE={min_share:g}, most likely a truncated export. "
                               "Ask for a complete export; if the drop is real, run again with "
                               "--accept-snapshot-shrink", evidence, metadata)


def feed_check_defs(spec: FeedSpec, gates: Gates) -> list[CheckDef]:
    asset_key = dg.AssetKey(["raw", spec.system, spec.name])

    def _quarantine_rate(run: CheckRun) -> CheckOutcome:
        return quarantine_rate(run.con, run.run_id, spec, gates.quarantine_max_share,
                               min_rows=gates.quarantine_min_rows, held=not run.plan.accept_held_files)

    def _rows_reconcile(run: CheckRun) -> CheckOutcome:
        return rows_reconcile(run.con, run.run_id, spec, run.warehouse.root, held=not run.plan.accept_held_files)

    def _files_not_rejected(run: CheckRun) -> CheckOutcome:
        return files_not_rejected(run.con, run.run_id, spec)

    def _snapshot_not_shrunk(run: CheckRun) -> CheckOutcome:
        return snapshot_not_shrunk(run.con, run.run_id, spec, gates.snapshot_min_share, run.plan.accept_snapshot_shrink)

    checks = [
        CheckDef(asset_key, "quarantine_rate", f"No file of this run quarantined more than "
                 f"{gates.quarantine_max_share:.0%} of its rows (CW_QUARANTINE_MAX_SHARE) and at least "
                 f"{gates.quarantine_min_rows} rows (CW_QUARANTINE_MIN_ROWS: fewer are stray lines).",
                 _quarantine_rate),
        CheckDef(asset_key, "rows_reconcile", "Per file of this run: rows read = loaded + quarantined, and the raw "
                 "Parquet file and audit.quarantine hold exactly those rows.", _rows_reconcile),
        CheckDef(asset_key, "files_not_rejected", "No file of this run was rejected (warn: a rejected file is "
                 "reported and kept, it does not block publishing).", _files_not_rejected, severity="warn"),
    ]
    if spec.kind == "snapshot":
        checks.append(CheckDef(asset_key, "snapshot_not_shrunk", f"The current snapshot holds at least "
                               f"{gates.snapshot_min_share:.0%} of the rows of the one before it "
                               "(CW_SNAPSHOT_MIN_SHARE), or the drop was accepted (--accept-snapshot-shrink).",
                               _snapshot_not_shrunk))
    return checks


def raw_check_defs(gates: Gates) -> list[CheckDef]:
    return [check for spec in FEEDS.values() for check in feed_check_defs(spec, gates)]
