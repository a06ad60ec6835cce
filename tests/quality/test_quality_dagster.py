"""The generated asset checks inside a Dagster run: a stub asset with the key of the raw feed writes
this run's raw file, the checks evaluate it, record audit rows, and a failed error check blocks
the downstream asset."""

import dagster as dg

from orchestration.control.resource import RunControlResource
from orchestration.feeds import FEEDS, ORDER_LINES
from orchestration.quality import build_quality_checks
from orchestration.quality.results import failed_blocking_checks
from orchestration.resources import LandingResource
from orchestration.settings import Gates

defs = dg.Definitions(asset_checks=build_quality_checks(Gates()))


def run_control(warehouse) -> RunControlResource:
    return RunControlResource(warehouse=warehouse, landing=LandingResource(landing_dir=str(warehouse.root / "none")))

KEY = dg.AssetKey(["raw", "erp", "order_lines"])


def _run(warehouse, raw_file, rows, quarantined=0):
    @dg.asset(key=KEY)
    def stub_order_lines(context: dg.AssetExecutionContext) -> None:
        raw_file(warehouse, ORDER_LINES, rows, run_id=context.run_id, rows_quarantined=quarantined)

    @dg.asset(key=["staging", "stg_erp__order_lines"], deps=[KEY])
    def downstream() -> None:
        return None

    checks = [c for c in build_quality_checks(Gates(quarantine_max_share=0.05))
              if any(k.asset_key == KEY for k in c.check_keys)]
    result = dg.materialize([stub_order_lines, downstream, *checks], raise_on_error=False,
                            resources={"warehouse": warehouse, "run_control": run_control(warehouse)})
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    with warehouse.connect() as con:
        audit = con.execute("select check_name, severity, passed from audit.check_results where run_id = ? "
                            "order by check_name", [result.run_id]).fetchall()
        failures = failed_blocking_checks(con, result.run_id)
    return result, evaluations, audit, failures


def test_checks_of_a_good_raw_feed_pass_and_are_recorded(warehouse, raw_file, line):
    result, evaluations, audit, failures = _run(warehouse, raw_file, [line("SO1", str(i)) for i in range(1, 30)])
    assert result.success
    assert sorted(evaluations) == ["files_not_rejected", "gx_error", "gx_warn", "quarantine_rate", "rows_reconcile"]
    assert all(e.passed for e in evaluations.values())
    assert audit == [("files_not_rejected", "warn", True), ("gx_error", "error", True), ("gx_warn", "warn", True),
                     ("quarantine_rate", "error", True), ("rows_reconcile", "error", True)]
    assert failures == []
    assert evaluations["gx_error"].metadata["rows_validated"].value == 29


def test_a_negative_unit_price_fails_the_blocking_check_and_the_gate(warehouse, raw_file, line):
    rows = [line("SO1", "1"), line("SO1", "2", unit_price="-1.00")]
    result, evaluations, audit, failures = _run(warehouse, raw_file, rows, quarantined=1)
    assert not evaluations["gx_error"].passed
    assert evaluations["gx_error"].severity == dg.AssetCheckSeverity.ERROR
    assert evaluations["quarantine_rate"].passed  # 1 of 3 rows quarantined: a stray line, below the 3-row floor
    assert "unit_price" in evaluations["gx_error"].metadata["observed"].value
    assert "evidence" in evaluations["gx_error"].metadata
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["staging", "stg_erp__order_lines"]) not in materialized  # blocked
    assert {(f["asset"], f["check_name"]) for f in failures} == {("raw/erp/order_lines", "gx_error")}


def test_defs_hold_a_check_per_suite_severity_and_the_reconciliations():
    keys = {(k.asset_key.to_user_string(), k.name) for c in defs.asset_checks for k in c.check_keys}
    assert ("raw/erp/order_lines", "gx_error") in keys and ("raw/erp/order_lines", "gx_warn") in keys
    assert ("raw/social/engagements", "quarantine_rate") in keys
    assert ("raw/crm/accounts", "snapshot_not_shrunk") in keys  # snapshot feeds only
    assert ("raw/erp/order_lines", "snapshot_not_shrunk") not in keys
    assert ("raw/erp/invoices", "files_not_rejected") in keys
    assert ("marts/fct_order_lines", "net_amount_reconciles") in keys
    assert ("marts/customer_classification", "covers_dim_customer") in keys
    assert ("audit/identity_map", "covers_source_records") in keys
    assert ("marts/customer_tier", "gx_warn") in keys
    # every check is blocking, so downstream steps (dbt, publish) always run after it; a WARN result
    # does not block (test_a_failed_warn_check_does_not_block_downstream)
    assert all(c.get_spec_for_check_key(k).blocking for c in defs.asset_checks for k in c.check_keys)


def test_a_failed_warn_check_does_not_block_downstream_but_an_error_check_does():
    ran = []

    @dg.asset
    def upstream():
        return 1

    @dg.asset(deps=[upstream])
    def downstream():
        ran.append("downstream")

    def outcome(severity):
        @dg.asset_check(asset=upstream, blocking=True, name=f"check_{severity.value.lower()}")
        def _check():
            return dg.AssetCheckResult(passed=False, severity=severity)
        return _check

    for severity, expected in ((dg.AssetCheckSeverity.WARN, ["downstream"]), (dg.AssetCheckSeverity.ERROR, [])):
        ran.clear()
        result = dg.Definitions(assets=[upstream, downstream], asset_checks=[outcome(severity)]) \
            .resolve_implicit_global_asset_job_def().execute_in_process(raise_on_error=False)
        assert ran == expected, (severity, ran, result.success)


def test_quality_defs_load_beside_the_assets_they_check(warehouse):
    keys = {k.asset_key for c in defs.asset_checks for k in c.check_keys}
    merged = dg.Definitions.merge(defs, dg.Definitions(assets=[dg.AssetSpec(k) for k in keys], resources={
        "warehouse": warehouse, "run_control": run_control(warehouse)}))
    dg.Definitions.validate_loadable(merged)
    assert len(merged.resolve_asset_graph().asset_check_keys) == sum(len(c.check_keys) for c in defs.asset_checks)


def test_each_raw_feed_has_its_check_step_and_the_assets_dbt_builds_share_one():
    """A raw feed's checks wait only for its own ingestion step (a feed whose ingestion failed leaves the
    others' checks running); the marts' and the identity map's checks, all built by the one dbt step, are
    one step with one connection to the warehouse."""
    steps = {c.node_def.name: {k.asset_key for k in c.check_keys} for c in defs.asset_checks}
    raw = {name: keys for name, keys in steps.items() if name != "marts__checks"}
    assert {name: [k.to_user_string() for k in keys] for name, keys in raw.items()} == {
        f"raw__{spec.system}__{spec.name}__checks": [f"raw/{spec.system}/{spec.name}"] for spec in FEEDS.values()}
    built_by_dbt = steps["marts__checks"]
    assert {k.path[0] for k in built_by_dbt} == {"marts", "audit"}
    assert {dg.AssetKey(["marts", "fct_order_lines"]), dg.AssetKey(["audit", "identity_map"])} <= built_by_dbt
