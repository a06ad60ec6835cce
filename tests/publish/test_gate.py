"""The publish step verifies the run's gate itself, whatever Dagster's `blocking` flags did: a clean
and complete run publishes; a failed error check, a missing check result, a run that did not build
every model (a subset picked in the UI) or a run without an as-of date does not."""

import json

import dagster as dg
import duckdb
import pytest

from orchestration import audit
from orchestration.audit import ensure_audit_schema
from orchestration.control.as_of import as_of_partitions
from orchestration.control.resource import RunControlResource
from orchestration.publish.assets import SERVING_KEY, build_publish_asset
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.settings import Publishing

D = "2025-12-31"
PARTITIONS = as_of_partitions()
BUILD_KEY = dg.AssetKey(["marts", "customer_classification"])
EXPECTED = {("raw/erp/order_lines", "gx_error"), ("marts/customer_classification", "unique_key")}

PASSED_GX = {"asset": "raw/erp/order_lines", "check_name": "gx_error", "severity": "error", "passed": True,
             "observed": "12 expectations passed", "evidence": "raw/erp/order_lines"}
PASSED_DBT = {"asset": "marts/customer_classification", "check_name": "unique_key", "severity": "error",
              "passed": True, "observed": "passed", "evidence": "dbt test unique_key"}
FAILED_DBT = {**PASSED_DBT, "passed": False, "observed": "3 failing rows"}
FAILED_GX = {**PASSED_GX, "passed": False, "observed": "expect_column_values_to_be_between(unit_price) 1 unexpected",
             "evidence": "query ..."}
FAILED_WARN = {"asset": "marts/customer_tier", "check_name": "gx_warn", "severity": "warn", "passed": False,
               "observed": "tier A share 31%", "evidence": "marts.customer_tier"}


class Build(dg.Config):
    """What the stand-in of the dbt step records for the run."""

    checks: str = "[]"  # JSON: rows of audit.check_results
    complete: bool = True


@dg.asset(key=BUILD_KEY, partitions_def=PARTITIONS)
def built_marts(context: dg.AssetExecutionContext, config: Build, warehouse: WarehouseResource) -> None:
    """Stands for the dbt step: records whether it built everything, and the checks' results."""
    with warehouse.connect() as con:
        audit.record_dbt_outcome(con, context.run_id, config.complete)
        for row in json.loads(config.checks):
            audit.record_check_result(con, run_id=context.run_id, **row)


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    resource = WarehouseResource(warehouse_dir=str(tmp_path / "warehouse"))
    with resource.connect() as con:
        ensure_audit_schema(con)
        con.execute("create schema marts")
        con.execute("create table marts.customer_classification as "
                    f"select 'k1' as customer_key, date '{D}' as as_of_date, 'v1' as rule_version")
    (tmp_path / "landing").mkdir()
    return resource


def run(warehouse: WarehouseResource, checks: list, *, complete: bool = True, selection=None,
        partition: str = D) -> dg.ExecuteInProcessResult:
    landing = LandingResource(landing_dir=str(warehouse.root.parent / "landing"))
    analyst_only = warehouse.root.parent / "publications.yml"  # the stand-in marts are not every role's tables
    analyst_only.write_text("roles:\n  analyst:\n    file: serving.duckdb\n"
                            "    tables: {'marts.*': all, 'audit.*': all}\n")
    publish = build_publish_asset([BUILD_KEY], EXPECTED, PARTITIONS, Publishing(publications_file=analyst_only))
    defs = dg.Definitions(
        assets=[built_marts, publish],
        resources={"warehouse": warehouse, "run_control": RunControlResource(warehouse=warehouse, landing=landing)},
        jobs=[dg.define_asset_job("job", selection=selection or dg.AssetSelection.all(), partitions_def=PARTITIONS)])
    build = {"config": {"checks": json.dumps(checks), "complete": complete}}
    config = {"ops": {"marts__customer_classification": build}} if selection is None else {}
    return defs.resolve_job_def("job").execute_in_process(partition_key=partition, raise_on_error=False,
                                                          run_config=config)


def runs_row(warehouse: WarehouseResource, run_id: str) -> tuple:
    with warehouse.connect() as con:
        return con.execute("select status, published, message from audit.runs where run_id = ?", [run_id]).fetchone()


def refusal(result: dg.ExecuteInProcessResult) -> str:
    return result.get_step_failure_events()[0].event_specific_data.error.message


def test_publishes_when_complete_every_error_check_passed_and_warnings_do_not_block(warehouse):
    result = run(warehouse, [PASSED_GX, PASSED_DBT, FAILED_WARN])
    assert result.success
    with duckdb.connect(str(warehouse.serving_path), read_only=True) as con:
        assert con.execute("select status, published, rule_version from audit.runs where run_id = ?",
                           [result.run_id]).fetchone() == ("success", True, "v1")
        assert con.execute("select count(*) from audit.check_results where not passed").fetchone()[0] == 1
        assert con.execute("select run_id, kind from audit.publication").fetchone() == (result.run_id, "full")
    assert runs_row(warehouse, result.run_id)[:2] == ("success", True)


@pytest.mark.parametrize("failure", [FAILED_DBT, FAILED_GX], ids=["failing dbt test", "failing GX suite"])
def test_a_failed_error_check_stops_publishing_and_leaves_serving_untouched(warehouse, failure):
    assert run(warehouse, [PASSED_GX, PASSED_DBT]).success
    before = warehouse.serving_path.read_bytes()
    others = [row for row in (PASSED_GX, PASSED_DBT) if row["check_name"] != failure["check_name"]]
    result = run(warehouse, [*others, failure])
    assert not result.success
    message = refusal(result)
    assert failure["check_name"] in message and failure["observed"] in message and failure["evidence"] in message
    assert warehouse.serving_path.read_bytes() == before
    assert runs_row(warehouse, result.run_id)[:2] == ("failed", False)


def test_a_check_without_a_result_in_this_run_stops_publishing(warehouse):
    result = run(warehouse, [PASSED_GX])
    assert not result.success
    assert "marts/customer_classification :: unique_key" in refusal(result)
    assert not warehouse.serving_path.exists()


def test_a_run_that_did_not_build_every_model_is_not_published(warehouse):
    result = run(warehouse, [PASSED_GX, PASSED_DBT], complete=False)
    assert not result.success
    assert "did not build every model" in refusal(result)


def test_a_subset_run_of_publish_alone_is_not_published(warehouse):
    """Case 7 of the run-control issue: the raw assets and publish picked in the UI, no dbt build."""
    result = run(warehouse, [], selection=[SERVING_KEY])
    assert not result.success
    assert "did not build every model" in refusal(result)
    assert not warehouse.serving_path.exists()
    assert runs_row(warehouse, result.run_id)[:2] == ("failed", False)
