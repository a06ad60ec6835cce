"""`rules compare --draft FILE`: the classification with a draft of classification_rules.csv beside
the current one, without publishing and without changing the working warehouse.

How: under the warehouse lock (so that no run writes it meanwhile) `warehouse.duckdb` is copied to
a scratch directory `<warehouse>/tmp/rules-compare-*`, then the lock is released. The dbt project is
copied there too. The current classification is the copy's own tier and value marts when they were
built for D (the default D); for another D, dbt first builds them there with the committed seed.
Then dbt builds the rule seeds and the tier and value models for D with the draft written over the
copy's `seeds/classification_rules.csv`. The two are compared customer by customer. The scratch
directory is removed afterwards (kept with --keep). Nothing else is written: not the working
warehouse, not serving.duckdb, not the repository's seeds or dbt target.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.rules.seeds import RulesFileError, read_rules
from orchestration.settings import DBT_PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))
#: what a tier / value class needs: the rule seeds and the models between them and the two marts
SELECTION = ["classification_rules", "rfm_cut_points", "int_classification_rules", "int_customer_order_metrics",
             "customer_tier", "customer_value"]
COPIED_TABLES = {"tier": "customer_tier", "value": "customer_value"}


class CompareError(RuntimeError):
    """The comparison could not be built (the message says why)."""


@dataclass(frozen=True)
class Scratch:
    root: Path
    project: Path

    @property
    def warehouse_db(self) -> Path:
        return self.root / "warehouse.duckdb"


def make_scratch(warehouse_dir: Path) -> Scratch:
    """Copy warehouse.duckdb (and its WAL, if any) and the dbt project into a new scratch directory.
    The caller holds the warehouse lock while this runs."""
    source = warehouse_dir / "warehouse.duckdb"
    if not source.exists():
        raise CompareError(f"no working warehouse at {source}: run the pipeline first")
    root = warehouse_dir / "tmp" / f"rules-compare-{uuid.uuid4().hex[:12]}"
    root.mkdir(parents=True)
    shutil.copyfile(source, root / "warehouse.duckdb")
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, root / wal.name)
    project = root / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return Scratch(root, project)


def built_as_of(scratch: Scratch) -> date | None:
    """The as-of date the copied tier and value marts were built for (None: not built, or not both for
    the same date)."""
    with duckdb.connect(str(scratch.warehouse_db), read_only=True) as con:
        try:
            dates = {con.execute(f"select max(as_of_date) from marts.{table}").fetchone()[0]
                     for table in COPIED_TABLES.values()}
        except duckdb.Error:
            return None
    return dates.pop() if len(dates) == 1 else None


def keep_current(scratch: Scratch) -> None:
    """The copied marts are the current classification: keep them as compare.current_*."""
    with duckdb.connect(str(scratch.warehouse_db)) as con:
        con.execute("create schema if not exists compare")
        for short, table in COPIED_TABLES.items():
            con.execute(f"create or replace table compare.current_{short} as select * from marts.{table}")


def build(scratch: Scratch, as_of: date, label: str, rule_version: str | None = None) -> None:
    """dbt build of the rule seeds and the tier/value models on the scratch copy, then their rows are
    kept as compare.<label>_tier / compare.<label>_value."""
    dbt_vars = f"{{as_of_date: '{as_of.isoformat()}', run_id: 'rules-compare-{label}'"
    dbt_vars += f", rule_version: '{rule_version}'}}" if rule_version else "}"
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(scratch.root)}
    for name in ("CW_AS_OF", "CW_RUN_ID"):
        env.pop(name, None)
    cmd = [DBT, "build", "--project-dir", str(scratch.project), "--profiles-dir", str(scratch.project),
           "--select", *SELECTION, "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
           "--vars", dbt_vars]
    result = subprocess.run(cmd, cwd=scratch.project, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        errors = [line for line in result.stdout.splitlines() if "ERROR" in line or "Error" in line]
        shown = " | ".join(errors[-5:] or [result.stderr[-500:]])
        raise CompareError(f"dbt could not build the {label} rules: {shown}")
    with duckdb.connect(str(scratch.warehouse_db)) as con:
        con.execute("create schema if not exists compare")
        for short, table in COPIED_TABLES.items():
            con.execute(f"create or replace table compare.{label}_{short} as select * from marts.{table}")


def write_draft(scratch: Scratch, draft: Path) -> None:
    read_rules(draft)  # refuse a draft that does not parse before dbt sees it
    shutil.copyfile(draft, scratch.project / "seeds" / "classification_rules.csv")


@dataclass(frozen=True)
class Migration:
    as_of: date
    current_version: str | None
    draft_version: str | None
    tiers: list[tuple]  # (current, draft, customers, revenue_12m)
    values: list[tuple]


def migration(scratch: Scratch, as_of: date) -> Migration:
    with duckdb.connect(str(scratch.warehouse_db), read_only=True) as con:
        versions = con.execute("select (select max(rule_version) from compare.current_tier), "
                               "(select max(rule_version) from compare.draft_tier)").fetchone()
        cells = {}
        for short, column in (("tier", "tier"), ("value", "value_class")):
            cells[short] = con.execute(f"""
                select current_rows.{column}, draft_rows.{column}, count(*), sum(current_rows.revenue_12m)
                from compare.current_{short} as current_rows
                inner join compare.draft_{short} as draft_rows
                    on draft_rows.customer_key = current_rows.customer_key
                group by all
                order by all
            """).fetchall()
    return Migration(as_of, versions[0], versions[1], cells["tier"], cells["value"])


def run_compare(warehouse_dir: Path, draft: Path, as_of: date | None, rule_version: str | None,
                keep: bool = False, log=print) -> Migration:
    """Copy under the lock, build current and draft, compare. Raises WarehouseLocked, RulesFileError,
    CompareError."""
    from orchestration.control.lock import warehouse_lock

    rows = read_rules(draft)
    if rule_version is not None and rule_version not in {row.rule_version for row in rows}:
        raise RulesFileError(f"rule version {rule_version!r} is not in {draft}")
    with warehouse_lock(warehouse_dir, purpose="rules compare"):
        scratch = make_scratch(warehouse_dir)
    try:
        built = built_as_of(scratch)
        as_of = as_of or built
        if as_of is None:
            raise CompareError("the working warehouse has no tier and value marts: give --as-of or run the pipeline")
        if as_of == built:  # the warehouse's own classification of D is the current one
            keep_current(scratch)
        else:
            log(f"building the current rules for {as_of} in {scratch.root} ...")
            build(scratch, as_of, "current")
        write_draft(scratch, draft)
        log("building the draft rules ...")
        build(scratch, as_of, "draft", rule_version)
        return migration(scratch, as_of)
    finally:
        if keep:
            log(f"kept {scratch.root}")
        else:
            shutil.rmtree(scratch.root, ignore_errors=True)
            _remove_if_empty(scratch.root.parent)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # other scratch directories (kept ones) stay
        folder.rmdir()


__all__ = ["CompareError", "Migration", "RulesFileError", "run_compare"]
