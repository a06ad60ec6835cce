"""The audit trail of check results and the publish gate's query."""

from __future__ import annotations

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
