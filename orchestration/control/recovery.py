"""What the next run does about an earlier run that was killed (OOM killer, reboot, `kill -9`).

Runs start under the warehouse lock, so any run still `started` or `publishing` in `audit.runs` is
dead. Its row is settled against what serving actually holds (a run killed after the swap did
publish; one killed before did not), its Dagster run is marked failed when it is still `STARTED`,
and what it left behind is removed: temporary serving files (every role's), work folders, DuckDB's spill folders,
half-written raw files, and raw-zone Parquet files without a `load_log` row (written, then killed
before the row committed: the landed file is loaded again). A staged archive of published files is
finished when its run's files are live, removed otherwise.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from orchestration import audit
from orchestration.control import archive
from orchestration.control.serving_state import read_publication
from orchestration.spill import SPILL_GLOB

LIVE_STATUSES = ("started", "publishing")


@dataclass
class Recovery:
    runs: list[str] = field(default_factory=list)  # what was settled, one line per interrupted run
    removed: list[str] = field(default_factory=list)  # leftover files and folders removed

    def lines(self) -> list[str]:
        return self.runs + [f"removed leftover {path}" for path in self.removed]


def recover(con: duckdb.DuckDBPyConnection, *, run_id: str, warehouse_root: Path, serving_path: Path,
            instance: dg.DagsterInstance | None = None) -> Recovery:
    found = Recovery()
    publication = read_publication(serving_path)
    rows = con.execute(
        f"select run_id, status from audit.runs where status in {LIVE_STATUSES} and run_id <> ? order by started_at",
        [run_id]).fetchall()
    for dead, status in rows:
        if publication is not None and publication.run_id == dead:
            audit.record_run(con, dead, status="success", published=True,
                             message="recovered: the run was killed after serving.duckdb was swapped in; it published")
            found.runs.append(f"run {dead} was killed after publishing: recorded as published")
        else:
            audit.record_run(con, dead, status="interrupted", published=False,
                             message=f"the run's process ended while it was {status} (killed?); serving.duckdb was "
                                     f"left as it was; recovered by run {run_id}")
            found.runs.append(f"run {dead} was interrupted while {status}: serving.duckdb was not changed by it")
        _fail_dagster_run(instance, dead, run_id)
    found.removed += _remove_leftovers(con, Path(warehouse_root), Path(serving_path))
    found.runs += archive.settle_staged(Path(serving_path).parent, publication.run_id if publication else None)
    return found


def _fail_dagster_run(instance: dg.DagsterInstance | None, dead: str, by: str) -> None:
    if instance is None:
        return
    run = instance.get_run_by_id(dead)
    if run is not None and run.status in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING):
        instance.report_run_failed(run, f"The run's process ended without finishing (killed?); run {by} "
                                        "found it under the warehouse lock and recovered the warehouse.")


def _remove_leftovers(con: duckdb.DuckDBPyConnection, root: Path, serving_path: Path) -> list[str]:
    removed: list[str] = []
    for tmp in serving_path.parent.glob(".*.duckdb.*.tmp"):  # the publish step's (publish/serving.py `_tmp_name`)
        tmp.unlink(missing_ok=True)
        removed.append(str(tmp))
    for tmp in root.glob(".report*.tmp"):
        tmp.unlink(missing_ok=True)
        removed.append(str(tmp))
    for spill in root.glob(SPILL_GLOB):  # an in-memory DuckDB's spill folder (spill.py)
        shutil.rmtree(spill, ignore_errors=True)
        removed.append(str(spill))
    work = root / "tmp"
    if work.is_dir():
        for entry in work.iterdir():
            if entry.name.startswith("ingest-"):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(str(entry))
    raw = root / "raw"
    if raw.is_dir():
        loaded = {p for (p,) in con.execute(
            "select raw_path from audit.load_log where status = 'loaded' and raw_path is not null").fetchall()}
        for path in raw.glob("*/*/*"):  # <system>/<feed>/<sha256>/ (or <sha256>.parquet of older warehouses)
            half_written = path.name.startswith(".") and path.name.endswith(".tmp")
            orphan = path.name != "_schema.parquet" and path.relative_to(root).as_posix() not in loaded
            if half_written or orphan:
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
                removed.append(str(path))
    return removed
