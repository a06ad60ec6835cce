"""The audit trail of check results and the publish gate's query."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.quality.results import failed_blocking_checks, record_check_result


def test_failed_blocking_checks_are_failed_error_rows_of_the_run(warehouse):
    with warehouse.connect() as con:
        record_check_result(con, run_id="r1", asset="raw/erp/order_lines", check_name="gx_error", severity="error",
                            passed=False, observed="1 unexpected", evidence="select 1")
        record_check_result(con, run_id="r1", asset="raw/erp/order_lines", check_name="gx_warn", severity="warn",
                            passed=False, observed="x", evidence="y")
        record_check_result(con, run_id="r1", asset="marts/dim_customer", check_name="gx_error", severity="error",
                            passed=True, observed="ok", evidence="marts.dim_customer")
        record_check_result(con, run_id="r2", asset="raw/erp/order_lines", check_name="gx_error", severity="error",
                            passed=False, observed="other run", evidence="z")
        failures = failed_blocking_checks(con, "r1")
        assert con.execute("select count(*) from audit.check_results").fetchone()[0] == 4
    assert [(f["asset"], f["check_name"], f["observed"], f["evidence"]) for f in failures] == [
        ("raw/erp/order_lines", "gx_error", "1 unexpected", "select 1")]
    with warehouse.connect() as con:
        assert failed_blocking_checks(con, "r3") == []


def test_unknown_severity_and_long_observations(warehouse):
    with warehouse.connect() as con:
        with pytest.raises(ValueError):
            record_check_result(con, run_id="r", asset="a", check_name="c", severity="fatal", passed=True)
        record_check_result(con, run_id="r", asset="a", check_name="c", severity="warn", passed=True,
                            observed="x" * 5000)
        observed = con.execute("select observed from audit.check_results").fetchone()[0]
    assert len(observed) <= 500


def _dbt_test(check_name, passed, severity="error"):
    return {"asset": "marts/fct_order_lines", "check_name": check_name, "severity": severity, "passed": passed,
            "observed": "passed" if passed else "3 failing rows", "evidence": "dbt test"}


def _dbt_outcome(con, run_id):
    results = con.execute("select check_name, severity, passed from audit.check_results where run_id = ? "
                          "order by check_name", [run_id]).fetchall()
    succeeded = con.execute("select dbt_succeeded from audit.run_inputs where run_id = ?", [run_id]).fetchone()[0]
    return results, succeeded


def test_a_dbt_build_is_recorded_in_one_piece(warehouse):
    from orchestration.audit import record_dbt_results

    with warehouse.connect() as con:
        for run_id in ("whole", "failed", "subset", "broken", "torn"):
            con.execute("insert into audit.run_inputs (run_id, inputs_fingerprint, raw_files, code_fingerprint, "
                        "recorded_at) values (?, 'f', 0, 'c', now())", [run_id])
        record_dbt_results(con, "whole", [_dbt_test("unique_key", True), _dbt_test("has_product", False, "warn")],
                           built=True, whole_project=True, evidence="run_results.json")
        record_dbt_results(con, "failed", [_dbt_test("unique_key", False)], built=False, whole_project=True,
                           evidence="run_results.json")
        record_dbt_results(con, "subset", [], built=True, whole_project=False, evidence="run_results.json")
        with pytest.raises(ValueError):  # one bad row: nothing of the build is recorded
            record_dbt_results(con, "broken", [_dbt_test("unique_key", True), _dbt_test("x", True, "fatal")],
                               built=True, whole_project=True, evidence="run_results.json")
        with pytest.raises(duckdb.ConstraintException):  # the second row fails inside the transaction
            record_dbt_results(con, "torn", [_dbt_test("unique_key", True), _dbt_test(None, True)],
                               built=True, whole_project=True, evidence="run_results.json")
        assert _dbt_outcome(con, "whole") == ([("dbt_build_succeeded", "error", True), ("has_product", "warn", False),
                                               ("unique_key", "error", True)], True)
        assert _dbt_outcome(con, "failed") == ([("dbt_build_succeeded", "error", False),
                                                ("unique_key", "error", False)], False)
        # a subset of the models built without error does not vouch for the incremental models it left out
        assert _dbt_outcome(con, "subset") == ([("dbt_build_succeeded", "error", True)], False)
        assert _dbt_outcome(con, "broken") == ([], None)
        assert _dbt_outcome(con, "torn") == ([], None)  # the first row was rolled back with the rest
        assert failed_blocking_checks(con, "failed")[0]["check_name"] in {"dbt_build_succeeded", "unique_key"}
