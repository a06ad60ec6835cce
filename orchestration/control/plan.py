"""The run plan: fixed once at the start of every run, recorded before any work, read by every step.

It says for which as-of date D the run builds, what triggered it, how long a landing file must have
been quiet to be read, what the run's inputs are (their fingerprint) and so what the run does:

- `skip`: the inputs equal those of the marts serving holds: nothing is rebuilt; the publish step
  refreshes serving's audit schema only;
- `incremental`: the incremental dbt models build on what the last successful build left;
- `full`: everything is rebuilt from the raw zone (first build, a changed dbt project, `--rebuild`);
- `ingest_only`: the run has no as-of date (a subset of landing assets picked in the UI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb

from orchestration.control.fingerprint import (
    code_fingerprint,
    code_version,
    dbt_code_fingerprint,
    inputs_fingerprint,
    landing_fingerprint,
)
from orchestration.control.serving_state import Publication, live_publication
from orchestration.feeds import FEEDS
from orchestration.landing import list_feed

Trigger = Literal["cli", "schedule", "sensor", "backfill", "ui"]
Mode = Literal["skip", "incremental", "full", "ingest_only"]

TRIGGER_TAG = "cw/trigger"
#: The publish step's asset (publish/assets.py), the only writer of serving.duckdb.
PUBLISH_ASSET_PATH = ("publish", "serving_database")
#: Seconds a landing file must have been quiet, by trigger, when CW_SETTLE_SECONDS is not set.
SETTLE_BY_TRIGGER = {"schedule": 60, "sensor": 60}
#: Seconds a run waits for the warehouse lock, by trigger, when CW_LOCK_WAIT_SECONDS is not set.
LOCK_WAIT_BY_TRIGGER = {"schedule": 1800, "sensor": 1800, "backfill": 1800, "ui": 1800}


def trigger_of(tags: Mapping[str, str]) -> Trigger:
    """What started a run, from its Dagster tags."""
    if tags.get(TRIGGER_TAG) == "cli":
        return "cli"
    if "dagster/schedule_name" in tags:
        return "schedule"
    if "dagster/sensor_name" in tags:
        return "sensor"
    if "dagster/backfill" in tags:
        return "backfill"
    return "ui"


def settle_seconds_for(trigger: Trigger, configured: float | None) -> float:
    return float(configured) if configured is not None else float(SETTLE_BY_TRIGGER.get(trigger, 0))


def lock_wait_for(trigger: Trigger, configured: float | None) -> float:
    return float(configured) if configured is not None else float(LOCK_WAIT_BY_TRIGGER.get(trigger, 0))


@dataclass(frozen=True)
class RunPlan:
    run_id: str
    trigger: Trigger
    as_of: date | None
    settle_seconds: float
    rebuild: bool
    accept_snapshot_shrink: bool
    landing_files: int
    landing_fingerprint: str
    code_fingerprint: str
    dbt_fingerprint: str
    inputs_fingerprint: str
    raw_files: int
    mode: Mode
    mode_reason: str
    serving: Publication | None  # what serving held when the run started
    code_version: str = ""  # git:<commit>[+dirty] or fingerprint:<code fingerprint> (audit.runs)
    #: An incremental run: the run whose successful dbt build it builds on. Its tests passed, so this run's
    #: gate tests need only look at rows written since (dbt_project/macros/testing/verified_scope.sql).
    verified_build: str | None = None
    #: `run --accept-held-files`: the files held by earlier runs that failed their checks are published as they
    #: are; this run checks only its own (quality/batches.loads_in_scope).
    accept_held_files: bool = False
    #: Why the run may not build on the live serving files (changed after their publish: control/serving_state.
    #: live_publication): no skip, and the publish writes them whole. None when it may.
    serving_distrusted: str | None = None

    @property
    def builds_marts(self) -> bool:
        return self.mode in ("incremental", "full")

    @property
    def gate_overrides(self) -> str | None:
        overrides = [name for name, on in (("accept_snapshot_shrink", self.accept_snapshot_shrink),
                                           ("accept_held_files", self.accept_held_files)) if on]
        return ",".join(overrides) or None

    def describe(self) -> str:
        d = self.as_of.isoformat() if self.as_of else "none"
        return f"as-of {d}, {self.trigger} run, mode {self.mode} ({self.mode_reason})"


PLAN_COLUMNS = ("run_id", "trigger", "as_of_date", "settle_seconds", "landing_files", "landing_fingerprint",
                "code_fingerprint", "dbt_fingerprint", "inputs_fingerprint", "raw_files", "mode", "mode_reason")


def recorded_plan(con: duckdb.DuckDBPyConnection, run_id: str, serving_path: Path) -> RunPlan | None:
    """The plan recorded for `run_id` before the run was launched (the CLI fixes its runs' plans itself,
    under its lock, to choose what the run executes); None when there is none."""
    row = con.execute(f"select {', '.join(PLAN_COLUMNS)} from audit.run_inputs where run_id = ?", [run_id]).fetchone()
    if row is None:
        return None
    values = dict(zip(PLAN_COLUMNS, row, strict=True))
    overrides = con.execute("select gate_overrides from audit.runs where run_id = ?", [run_id]).fetchone()
    reason = values["mode_reason"] or ""
    last = last_successful_build(con, run_id) if values["mode"] == "incremental" else None
    serving, distrusted = live_publication(con, serving_path)
    if values["mode"] == "skip":  # decided on the files as they were a moment ago; the next run sees a change since
        distrusted = None
    return RunPlan(run_id=run_id, trigger=values["trigger"], as_of=values["as_of_date"],
                   settle_seconds=float(values["settle_seconds"] or 0), rebuild="rebuild" in reason,
                   accept_snapshot_shrink="accept_snapshot_shrink" in ((overrides or [None])[0] or ""),
                   landing_files=values["landing_files"] or 0, landing_fingerprint=values["landing_fingerprint"] or "",
                   code_fingerprint=values["code_fingerprint"], dbt_fingerprint=values["dbt_fingerprint"] or "",
                   inputs_fingerprint=values["inputs_fingerprint"], raw_files=values["raw_files"],
                   mode=values["mode"], mode_reason=reason, serving=serving,
                   verified_build=last[0] if last else None,
                   accept_held_files="accept_held_files" in ((overrides or [None])[0] or ""),
                   serving_distrusted=distrusted)


def make_plan(con: duckdb.DuckDBPyConnection, *, run_id: str, trigger: Trigger, as_of: date | None,
              landing_root: Path, serving_path: Path, settle_seconds: float, rebuild: bool = False,
              accept_snapshot_shrink: bool = False, accept_held_files: bool = False, code: str | None = None,
              dbt_code: str | None = None, now_ns: int | None = None) -> RunPlan:
    """The plan of this run (`con`: the working warehouse, audit schema present)."""
    files = [f for spec in FEEDS.values() for f in list_feed(spec, landing_root, settle_seconds, now_ns).files]
    landing = landing_fingerprint(files)
    code = code or code_fingerprint()
    dbt_code = dbt_code or dbt_code_fingerprint()
    fingerprint = inputs_fingerprint(landing, as_of.isoformat() if as_of else "", code)
    (raw_files,) = con.execute("select count(*) from audit.load_log where status = 'loaded'").fetchone()
    serving, distrusted = live_publication(con, serving_path)
    mode, reason, verified = _mode(con, run_id, as_of, fingerprint, dbt_code, None if distrusted else serving, rebuild)
    if distrusted and as_of is not None:
        reason = f"{reason}; {distrusted}: not built on"
    return RunPlan(run_id, trigger, as_of, settle_seconds, rebuild, accept_snapshot_shrink, len(files), landing, code,
                   dbt_code, fingerprint, raw_files, mode, reason, serving, code_version(code), verified,
                   accept_held_files, distrusted)


def _mode(con: duckdb.DuckDBPyConnection, run_id: str, as_of: date | None, fingerprint: str, dbt_code: str,
          serving: Publication | None, rebuild: bool) -> tuple[Mode, str, str | None]:
    """The mode, why, and (incremental) the successful build the run builds on."""
    if as_of is None:
        return "ingest_only", "the run has no as-of date: it loads landing files and builds no marts", None
    if rebuild:
        return "full", "a rebuild was asked for (--rebuild / CW_REBUILD)", None
    if serving is not None and serving.marts_fingerprint == fingerprint:
        return "skip", (f"inputs unchanged since run {serving.marts_run_id}, whose marts serving holds: "
                        "nothing to rebuild"), None
    last = last_successful_build(con, run_id)
    if last is None:
        return "full", "no successful dbt build is recorded in this warehouse", None
    if last[1] != dbt_code:
        return "full", "the dbt project changed since the last successful dbt build", None
    return "incremental", "the incremental models build on the last successful dbt build", last[0]


def last_successful_build(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, str] | None:
    """(run id, dbt fingerprint) of the newest run, other than `run_id`, whose dbt build of the whole project
    succeeded (audit.run_inputs.dbt_succeeded); None when there is none."""
    row = con.execute(
        """
        select run_id, dbt_fingerprint
        from audit.run_inputs
        where run_id <> ? and dbt_succeeded
        order by recorded_at desc
        limit 1
        """, [run_id]).fetchone()
    return (row[0], row[1]) if row else None
