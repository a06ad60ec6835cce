"""The publish step verifies the run's gate itself, whatever Dagster's `blocking` flags did."""

from __future__ import annotations

import uuid

import dagster as dg
import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.publish.assets import SERVING_KEY, build_publish_asset
from orchestration.quality.results import record_check_result
from orchestration.resources import WarehouseResource


def publish_job(warehouse: WarehouseResource) -> dg.JobDefinition:
    defs = dg.Definitions(assets=[build_publish_asset([])], resources={"warehouse": warehouse},
                          jobs=[dg.define_asset_job("publish_only", selection=[SERVING_KEY])])
    return defs.resolve_job_def("publish_only")


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    resource = WarehouseResource(warehouse_dir=str(tmp_path))
    with resource.connect() as con:
        ensure_audit_schema(con)
        con.execute("create schema marts")
        con.execute("create table marts.customer_classification as "
                    "select 'k1' as customer_key, date '2025-12-31' as as_of_date, 'v1' as rule_version")
    return resource


def run_with(warehouse: WarehouseResource, rows: list[dict]) -> tuple[dg.ExecuteInProcessResult, str]:
    run_id = str(uuid.uuid4())
    with warehouse.connect() as con:
        for row in rows:
            record_check_result(con, run_id=run_id, **row)
    result = publish_job(warehouse).execute_in_process(run_id=run_id, raise_on_error=False)
    return result, run_id


PASSED_GX = {"asset": "raw/erp/order_lines", "check_name": "gx_error", "severity": "error", "passed": True,
             "observed": "12 expectations passed", "evidence": "raw/erp/order_lines"}
FAILED_DBT = {"asset": "marts/dim_customer", "check_name": "unique_dim_customer_customer_key", "severity": "error",
              "passed": False, "observed": "3 failing rows", "evidence": "dbt test unique_dim_customer_customer_key"}
FAILED_GX = {"asset": "raw/erp/order_lines", "check_name": "gx_error", "severity": "error", "passed": False,
             "observed": "expect_column_values_to_be_between(unit_price) 1 unexpected", "evidence": "query ..."}
FAILED_WARN = {"asset": "marts/customer_tier", "check_name": "gx_warn", "severity": "warn", "passed": False,
               "observed": "tier A share 31%", "evidence": "marts.customer_tier"}


def test_publishes_when_every_error_check_passed_and_warnings_do_not_block(warehouse):
    result, run_id = run_with(warehouse, [PASSED_GX, FAILED_WARN])
    assert result.success
    assert warehouse.serving_path.exists()
    with duckdb.connect(str(warehouse.serving_path), read_only=True) as con:
        assert con.execute("select status, published, rule_version from audit.runs where run_id = ?",
                           [run_id]).fetchone() == ("success", True, "v1")
        assert con.execute("select count(*) from audit.check_results where not passed").fetchone()[0] == 1


@pytest.mark.parametrize("failure", [FAILED_DBT, FAILED_GX], ids=["failing dbt test", "failing GX suite"])
def test_a_failed_error_check_stops_publishing_and_leaves_serving_untouched(warehouse, failure):
    run_with(warehouse, [PASSED_GX])
    before = warehouse.serving_path.read_bytes()
    result, run_id = run_with(warehouse, [PASSED_GX, failure])
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert failure["check_name"] in message and failure["observed"] in message and failure["evidence"] in message
    assert warehouse.serving_path.read_bytes() == before
    with warehouse.connect() as con:
        assert con.execute("select status, published from audit.runs where run_id = ?",
                           [run_id]).fetchone() == ("failed", False)


def test_a_run_without_any_recorded_check_is_not_published(warehouse):
    result, _ = run_with(warehouse, [])
    assert not result.success
    assert not warehouse.serving_path.exists()
