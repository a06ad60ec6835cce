"""dbt models as Dagster assets (dagster-dbt): one `dbt build` per run, tests become asset checks.

The as-of date D and the run id reach dbt as environment variables (`CW_AS_OF`, `CW_RUN_ID`; see
dbt_project/macros/as_of_date.sql), not `--vars`, which would cost a full re-parse every run. Every
dbt test result is also written to `audit.check_results` once dbt has exited (dbt holds the DuckDB
file while it runs).
"""


import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.feeds import ORDER_LINES
from orchestration.publish.runs import run_started_at
from orchestration.publish.unchanged import publish_unchanged
from orchestration.quality.gx_runner import warm_up as gx_warm_up
from orchestration.quality.results import record_check_result
from orchestration.resources import RunParameters, WarehouseResource
from orchestration.transform.inputs import (
    full_refresh_reason,
    record_dbt_outcome,
    record_inputs,
    run_inputs,
    unchanged_since,
)
from orchestration.transform.lineage import LineageCache, column_lineage, relation_columns
from orchestration.transform.metadata import mart_metadata
from orchestration.transform.project import DBT_PROJECT, TRANSLATOR, dbt_resource, ensure_manifest

PUBLISHED_LAYERS = ("marts", "audit")
# Same asset keys as TRANSLATOR, without code references (the lineage builder asks for specs per column).
LINEAGE_TRANSLATOR = type(TRANSLATOR)()
# Unit tests are for `make test`; a nightly run builds models and runs data tests only.
DBT_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def resolve_as_of(run_params: RunParameters, warehouse: WarehouseResource) -> date:
    """D from the run's parameters, else the latest order date in the raw zone, else today."""
    if run_params.as_of:
        return date.fromisoformat(run_params.as_of)
    glob = warehouse.raw_dir / ORDER_LINES.folder / "*.parquet"
    try:
        latest = duckdb.sql(f"select max(order_date) from read_parquet('{glob}', union_by_name = true)").fetchone()[0]
    except duckdb.Error:
        latest = None
    return latest or date.today()


@contextmanager
def dbt_environment(warehouse: WarehouseResource, as_of: date, run_id: str) -> Iterator[None]:
    """The dbt subprocess reads its connection (profiles.yml) and the run context (macros) from `CW_*`."""
    wanted = {"CW_WAREHOUSE_DIR": str(warehouse.root.resolve()), "CW_DUCKDB_THREADS": str(warehouse.threads),
              "CW_DUCKDB_MEMORY_LIMIT": warehouse.memory_limit, "CW_AS_OF": as_of.isoformat(), "CW_RUN_ID": run_id}
    before = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _check_row(result: dg.AssetCheckResult) -> Mapping[str, object]:
    metadata = result.metadata or {}
    failures = metadata.get("dagster_dbt/failed_row_count")
    observed = f"{failures.value} failing rows" if failures is not None else ("passed" if result.passed else "failed")
    severity = "warn" if result.severity == dg.AssetCheckSeverity.WARN else "error"
    return {
        "asset": result.asset_key.to_user_string() if result.asset_key else "dbt",
        "check_name": result.check_name or "dbt_test",
        "severity": severity,
        "passed": bool(result.passed),
        "observed": observed,
        "evidence": f"dbt test {result.check_name}: its SQL is under dbt_project/target/compiled, its result in "
                    "dbt_project/target/run_results.json",
    }


def _event_key(context: dg.AssetExecutionContext, event) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    return getattr(event, "asset_key", None)


def _with_metadata(context: dg.AssetExecutionContext, con, event, manifest, columns, cache):
    """The same event, its metadata extended with column lineage, row count and class distributions."""
    key = _event_key(context, event)
    if not isinstance(event, dg.Output) or key is None:
        return event
    unique_id = event.metadata.get("unique_id")
    extra = column_lineage(unique_id.value if unique_id else "", manifest, columns, LINEAGE_TRANSLATOR, DBT_PROJECT,
                           DBT_PROJECT.project_dir / DBT_PROJECT.target_path, cache)
    if key.path[0] in PUBLISHED_LAYERS:
        extra.update(mart_metadata(con, key.path[0], key.path[-1]))
    return event.with_metadata({**event.metadata, **extra})


def build_dbt_assets() -> dg.AssetsDefinition:
    ensure_manifest()

    @dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=TRANSLATOR)
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                   run_params: RunParameters):
        as_of = resolve_as_of(run_params, warehouse)
        with warehouse.connect() as con:
            inputs = run_inputs(con, as_of)
            previous = None if run_params.rebuild else unchanged_since(con, context.run_id, inputs,
                                                                       warehouse.serving_path)
            full_refresh = None if previous else full_refresh_reason(con, context.run_id, inputs, run_params.rebuild)
            record_inputs(con, context.run_id, inputs, full_refresh=None if previous else bool(full_refresh))
        if previous:  # nothing to rebuild: no materialization, so Dagster skips the mart checks and publish
            publish_unchanged(context, warehouse, previous, as_of, run_started_at(context))
            return
        mode = f"full refresh: {full_refresh}" if full_refresh else "incremental models build on the last build"
        context.log.info(f"dbt build for as-of date {as_of} ({mode})")
        gx_warm_up()  # the checks after dbt find GX imported: it loads while this step waits on dbt
        with dbt_environment(warehouse, as_of, context.run_id):
            invocation = dbt.cli([*DBT_BUILD_ARGS, *(["--full-refresh"] if full_refresh else [])], context=context,
                                 raise_on_error=False, target_path=DBT_PROJECT.target_path)
        # Events are held until dbt exits (it holds the DuckDB file), then re-emitted in dbt's order, the
        # published tables' materializations carrying row counts and class distributions. (Holding only the
        # marts would emit downstream models before their parents, which Dagster rejects.)
        try:
            events = list(invocation.stream())
        finally:  # never leave a dbt process behind holding the DuckDB file (e.g. on a manifest error)
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait(timeout=30)
        checks = [_check_row(event) for event in events if isinstance(event, dg.AssetCheckResult)]
        ok = invocation.is_successful()
        with warehouse.connect() as con:
            for row in checks:
                record_check_result(con, run_id=context.run_id, **row)
            # a subset (some models picked in the UI) does not vouch for the incremental models it left out
            record_dbt_outcome(con, context.run_id, ok and not context.is_subset)
            record_check_result(con, run_id=context.run_id, asset="dbt", check_name="dbt_build_succeeded",
                                severity="error", passed=ok,
                                observed="dbt build succeeded" if ok else "dbt build reported errors",
                                evidence=f"{DBT_PROJECT.target_path}/run_results.json")
            columns = relation_columns(con)
            cache = LineageCache(DBT_PROJECT.project_dir / DBT_PROJECT.target_path / "column_lineage_cache.json",
                                 volatile=(as_of.isoformat(), context.run_id))
            enriched = [_with_metadata(context, con, event, invocation.manifest, columns, cache) for event in events]
            cache.save()
        yield from enriched
        if not ok:
            context.log.error("dbt build reported errors; the publish step will refuse to publish this run")

    return dbt_models


def build_transform_defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[build_dbt_assets()],
        resources={"dbt": dbt_resource()},
    )
