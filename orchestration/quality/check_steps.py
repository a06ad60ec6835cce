"""Checks described as data, executed as few Dagster steps.

Every check of the project is a `CheckDef`: the asset it checks, its name, description, severity
and a body returning a `CheckOutcome`. `build_check_steps` groups them into `multi_asset_check`s:
the UI still shows every check on its asset (same keys, same descriptions, all `blocking`), but a
step runs several. A step costs ~0.1 s of executor work, a handful of event-log writes and a
connection to the warehouse (~55 ms at L); with ~60 checks one step each was several seconds of
every run.

- A raw feed's checks are one step (`raw__erp__order_lines__checks`): each waits only for its own
  feed's ingestion, so a feed whose ingestion step failed leaves the others' checks running.
- The checks of the assets dbt builds (the marts, `audit.identity_map`) are one step, `marts__checks`:
  one dbt step materializes all of them, so no check waits longer than before and none is skipped
  alone (at S a night's 15 such steps took 3.3 s, mostly per-step cost).
"""


from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import duckdb

from orchestration.control.plan import RunPlan
from orchestration.control.resource import RunControlResource
from orchestration.quality.carry_over import carried_over_outcome
from orchestration.quality.evaluation import evaluate
from orchestration.quality.results import CheckOutcome, Severity
from orchestration.resources import WarehouseResource

#: Assets whose checks validate this run's own files (always evaluated); the others check the marts,
#: which a run whose plan says `skip` does not rebuild (their results are carried over).
RAW_LAYER = "raw"


@dataclass(frozen=True)
class CheckRun:
    """What a check body gets: this run's id and plan, the warehouse, and the step's connection to
    it (one per step: opening `warehouse.duckdb` and check-pointing it on close costs tens of
    milliseconds, which added up over every check and every audit row)."""

    run_id: str
    warehouse: WarehouseResource
    plan: RunPlan
    con: duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class CheckDef:
    asset_key: dg.AssetKey
    name: str
    description: str
    body: Callable[[CheckRun], CheckOutcome]
    severity: Severity = "error"  # the severity a failure is recorded with (a GX suite's is its own)
    metadata: Mapping[str, Any] = field(default_factory=dict)


#: A raw feed's check step is named `<asset path joined by __>__checks`, e.g. `raw__erp__order_lines__checks`.
CHECK_STEP_SUFFIX = "__checks"
#: The step of the checks of the assets dbt builds.
DBT_CHECKS_STEP = "marts" + CHECK_STEP_SUFFIX


def _checks_step(name: str, defs: list[CheckDef]) -> dg.AssetChecksDefinition:
    """One step running `defs` (the checks of one or more assets) with one connection, in the order given."""
    specs = [dg.AssetCheckSpec(name=d.name, asset=d.asset_key, description=d.description, blocking=True,
                               metadata=dict(d.metadata)) for d in defs]

    @dg.multi_asset_check(specs=specs, name=name, can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                run_control: RunControlResource) -> Iterator[dg.AssetCheckResult]:
        selected = context.selected_asset_check_keys
        plan = run_control.plan
        with warehouse.connect() as con:
            run = CheckRun(context.run.run_id, warehouse, plan, con)
            for d in defs:
                if dg.AssetCheckKey(d.asset_key, d.name) not in selected:
                    continue
                if plan.mode == "skip" and d.asset_key.path[0] != RAW_LAYER:
                    outcome, severity = carried_over_outcome(con, plan, d.asset_key, d.name)
                    yield evaluate(context, con, asset_key=d.asset_key, check_name=d.name, severity=severity,
                                   body=lambda outcome=outcome: outcome)
                    continue
                yield evaluate(context, con, asset_key=d.asset_key, check_name=d.name, severity=d.severity,
                               body=lambda d=d: d.body(run))

    return _checks


def _step_of(asset_key: dg.AssetKey) -> str:
    """The step that runs the checks of `asset_key` (see the module docstring)."""
    return "__".join(asset_key.path) + CHECK_STEP_SUFFIX if asset_key.path[0] == RAW_LAYER else DBT_CHECKS_STEP


def build_check_steps(defs: Iterable[CheckDef]) -> list[dg.AssetChecksDefinition]:
    """One multi-asset check (one step) per raw feed and one for the assets dbt builds, checks in the order given."""
    by_step: dict[str, list[CheckDef]] = {}
    for d in defs:
        by_step.setdefault(_step_of(d.asset_key), []).append(d)
    return [_checks_step(name, group) for name, group in by_step.items()]
