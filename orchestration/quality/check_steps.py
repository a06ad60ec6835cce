"""Checks described as data, executed as one Dagster step per checked asset.

Every check of the project is a `CheckDef`: the asset it checks, its name, description, severity
and a body returning a `CheckOutcome`. `build_check_steps` groups them by asset into one
`multi_asset_check` each: the UI still shows every check on its asset (same keys, same
descriptions, all `blocking`), but an asset's four checks cost one step, not four. A step costs
~0.1 s of executor work and a handful of event-log writes; with ~60 checks that was several
seconds of every run, most of a run with nothing new.
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


#: The step of an asset's checks is named `<asset path joined by __>__checks`, e.g. `raw__erp__order_lines__checks`.
CHECK_STEP_SUFFIX = "__checks"


def _step_name(asset_key: dg.AssetKey) -> str:
    return "__".join(asset_key.path) + CHECK_STEP_SUFFIX


def _checks_of_asset(asset_key: dg.AssetKey, defs: list[CheckDef]) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(name=d.name, asset=asset_key, description=d.description, blocking=True,
                               metadata=dict(d.metadata)) for d in defs]

    @dg.multi_asset_check(specs=specs, name=_step_name(asset_key), can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                run_control: RunControlResource) -> Iterator[dg.AssetCheckResult]:
        selected = context.selected_asset_check_keys
        plan = run_control.plan
        carry_over = plan.mode == "skip" and asset_key.path[0] != RAW_LAYER
        with warehouse.connect() as con:
            run = CheckRun(context.run.run_id, warehouse, plan, con)
            for d in defs:
                if dg.AssetCheckKey(asset_key, d.name) not in selected:
                    continue
                if carry_over:
                    outcome, severity = carried_over_outcome(con, plan, asset_key, d.name)
                    yield evaluate(context, con, asset_key=asset_key, check_name=d.name, severity=severity,
                                   body=lambda outcome=outcome: outcome)
                    continue
                yield evaluate(context, con, asset_key=asset_key, check_name=d.name, severity=d.severity,
                               body=lambda d=d: d.body(run))

    return _checks


def build_check_steps(defs: Iterable[CheckDef]) -> list[dg.AssetChecksDefinition]:
    """One multi-asset check (one step) per checked asset, checks in the order given."""
    by_asset: dict[dg.AssetKey, list[CheckDef]] = {}
    for d in defs:
        by_asset.setdefault(d.asset_key, []).append(d)
    return [_checks_of_asset(key, group) for key, group in by_asset.items()]
