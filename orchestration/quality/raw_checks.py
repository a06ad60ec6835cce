"""Per-feed checks on this run's files from the audit trail of ingestion (all `error`, blocking):

- `quarantine_rate`: no loaded file quarantined more than `run_params.quarantine_max_share` of its rows;
- `rows_reconcile`: per file, rows_read = rows_loaded + rows_quarantined, the Parquet file holds
  rows_loaded rows and `audit.quarantine` holds rows_quarantined rows ("nothing lost").
"""


from pathlib import Path

import dagster as dg
import duckdb

from orchestration.feeds import FEEDS, FeedSpec
from orchestration.quality.batches import resolve_raw_path, sql_list
from orchestration.quality.check_steps import CheckDef, CheckRun
from orchestration.quality.results import CheckOutcome

FILE_SAMPLE = 5


def _files_of_run(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec) -> list[tuple]:
    return con.execute(
        """
        select path, sha256, raw_path, coalesce(rows_read, 0), coalesce(rows_loaded, 0), coalesce(rows_quarantined, 0)
        from audit.load_log
        where run_id = ? and status = 'loaded' and feed = ?
        order by export_date, path
        """,
        [run_id, spec.name],
    ).fetchall()


def quarantine_rate(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, max_share: float) -> CheckOutcome:
    files = _files_of_run(con, run_id, spec)
    shares = [(path, quarantined / read if read else 0.0) for path, _, _, read, _, quarantined in files]
    over = [(path, share) for path, share in shares if share > max_share]
    worst = max((share for _, share in shares), default=0.0)
    if over:
        listed = ", ".join(f"{path} ({share:.1%})" for path, share in over[:FILE_SAMPLE])
        observed = f"{len(over)} of {len(files)} file(s) quarantined more than {max_share:.1%}: {listed}"
    else:
        observed = f"{len(files)} file(s), highest quarantined share {worst:.2%} (limit {max_share:.1%})"
    paths = [path for path, _ in over] or [path for path, _ in shares]
    evidence = (f"select * from audit.quarantine where run_id = '{run_id}' and file in {sql_list(paths)}"
                if paths else f"audit.load_log: no {spec.folder} file loaded in run {run_id}")
    return CheckOutcome(passed=not over, observed=observed, evidence=evidence,
                        metadata={"files": len(files), "files_over_limit": len(over), "max_share": max_share,
                                  "highest_share": round(worst, 6)})


def _quarantine_counts(con: duckdb.DuckDBPyConnection, run_id: str, files: list[tuple]) -> dict[str, int]:
    rows = con.execute(
        """
        select log.path, count(q.reason)
        from (select unnest(?::varchar[]) as path, unnest(?::varchar[]) as sha256) as log
        left join audit.quarantine as q
            on q.run_id = ? and (q.file_sha256 = log.sha256 or (q.file_sha256 is null and q.file = log.path))
        group by log.path
        """,
        [[f[0] for f in files], [f[1] for f in files], run_id],
    ).fetchall()
    return dict(rows)


def _parquet_rows(con: duckdb.DuckDBPyConnection, raw_paths: list[str]) -> dict[str, int]:
    if not raw_paths:
        return {}
    rows = con.execute(f"select file_name, num_rows from parquet_file_metadata({sql_list(raw_paths)})").fetchall()
    counts: dict[str, int] = {}
    for name, n in rows:  # one row per row group
        counts[name] = counts.get(name, 0) + n
    return counts


def rows_reconcile(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, warehouse_root: Path) -> CheckOutcome:
    files = _files_of_run(con, run_id, spec)
    quarantined = _quarantine_counts(con, run_id, files) if files else {}
    parquet = _parquet_rows(con, [resolve_raw_path(warehouse_root, f[2]) for f in files if f[2]])
    problems = []
    for path, _, stored_raw_path, read, loaded, n_quarantined in files:
        raw_path = resolve_raw_path(warehouse_root, stored_raw_path) if stored_raw_path else None
        if read != loaded + n_quarantined:
            problems.append(f"{path}: read {read} != loaded {loaded} + quarantined {n_quarantined}")
        if quarantined.get(path, 0) != n_quarantined:
            problems.append(f"{path}: {quarantined.get(path, 0)} audit.quarantine rows, load_log says {n_quarantined}")
        if raw_path and parquet.get(raw_path, 0) != loaded:
            problems.append(f"{path}: {parquet.get(raw_path, 0)} rows in {raw_path}, load_log says {loaded}")
    observed = ("; ".join(problems[:FILE_SAMPLE]) if problems else
                f"{len(files)} file(s): rows read = loaded + quarantined, Parquet and quarantine counts agree")
    evidence = (f"select * from audit.load_log where run_id = '{run_id}' and status = 'loaded' "
                f"and feed = '{spec.name}'")
    return CheckOutcome(passed=not problems, observed=observed, evidence=evidence,
                        metadata={"files": len(files), "problems": len(problems),
                                  "rows_read": sum(f[3] for f in files), "rows_loaded": sum(f[4] for f in files),
                                  "rows_quarantined": sum(f[5] for f in files)})


def feed_check_defs(spec: FeedSpec) -> list[CheckDef]:
    asset_key = dg.AssetKey(["raw", spec.system, spec.name])

    def _quarantine_rate(run: CheckRun) -> CheckOutcome:
        return quarantine_rate(run.con, run.run_id, spec, run.run_params.quarantine_max_share)

    def _rows_reconcile(run: CheckRun) -> CheckOutcome:
        return rows_reconcile(run.con, run.run_id, spec, run.warehouse.root)

    return [
        CheckDef(asset_key, "quarantine_rate", "No file of this run quarantined more than "
                 "run_params.quarantine_max_share of its rows.", _quarantine_rate),
        CheckDef(asset_key, "rows_reconcile", "Per file of this run: rows read = loaded + quarantined, and the raw "
                 "Parquet file and audit.quarantine hold exactly those rows.", _rows_reconcile),
    ]


def raw_check_defs() -> list[CheckDef]:
    return [check for spec in FEEDS.values() for check in feed_check_defs(spec)]
