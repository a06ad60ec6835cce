"""A fault of the machine in a failed step's error comes with what the operator does about it; the error
shown is the pipeline's own (what it means for the run), with the system's words it was caused by."""

from __future__ import annotations

import errno
import json

import dagster as dg
import duckdb

from orchestration.automation.alerts import alert_payload
from orchestration.machine_faults import remedies, step_errors


def test_each_machine_fault_gets_its_remedy_once_and_a_data_failure_none():
    disk = 'IO Error: Could not write file "/wh/warehouse.duckdb.wal": No space left on device'
    memory = "Out of Memory Error: could not allocate block of size 128.0 MiB (0 bytes/28.6 MiB used)"
    found = remedies([disk, disk.upper(), memory])
    assert [r.split(":")[0] for r in found] == ["the disk is full", "memory ran out"]
    assert all("the next run resumes by itself" in r for r in found)
    assert "CW_DUCKDB_MEMORY_LIMIT" in found[1]
    assert remedies(["[Errno 13] Permission denied: '/wh/raw'"])[0].startswith("a folder cannot be written")
    assert remedies(["1 blocking asset check failed with ERROR severity", "gx_error: 2 of 5 expectations"]) == []


@dg.op
def writes_the_raw_file():
    try:
        raise OSError(errno.ENOSPC, "No space left on device")
    except OSError as exc:
        raise RuntimeError("could not load erp/order_lines/x.csv: this is no verdict on the file") from exc


@dg.job
def disk_full_job():
    writes_the_raw_file()


def test_a_full_disk_is_reported_in_the_pipelines_words_with_its_cause_and_what_to_do():
    result = disk_full_job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    errors = step_errors(result.get_step_failure_events())
    assert errors["writes_the_raw_file"].startswith("RuntimeError: could not load erp/order_lines/x.csv: this is "
                                                    "no verdict on the file (caused by ")
    assert "No space left on device" in errors["writes_the_raw_file"]
    payload = alert_payload(run_id="r1", job_name="j", tags={}, message="Execution of run failed.",
                            failed_steps=errors)
    assert [r.split(":")[0] for r in payload["what_to_do"]] == ["the disk is full"]


def test_a_model_dbt_could_not_write_names_the_full_disk_in_the_dbt_failure(tmp_path):
    from orchestration.audit import ensure_audit_schema, record_dbt_results
    from orchestration.quality.results import failed_blocking_checks
    from orchestration.transform.assets import node_errors

    disk = 'IO Error: Could not write file "/wh/warehouse.duckdb.tmp/temp_S128K-0.tmp": No space left on device'
    run_results = tmp_path / "run_results.json"
    run_results.write_text(json.dumps({"results": [
        {"unique_id": "model.customer_warehouse.int_customer_purchase_mix", "status": "error",
         "message": f"Runtime Error in model int_customer_purchase_mix (models/x.sql)\n  {disk}"},
        {"unique_id": "test.customer_warehouse.unique_x.abc", "status": "fail", "message": "Got 2 results"},
        {"unique_id": "model.customer_warehouse.customer_tier", "status": "skipped", "message": ""},
    ]}))
    errors = node_errors(run_results)
    assert errors == f"int_customer_purchase_mix: {disk}"
    with duckdb.connect() as con:
        ensure_audit_schema(con)
        record_dbt_results(con, "r1", [], built=False, whole_project=True, evidence="run_results.json", errors=errors)
        (failure,) = failed_blocking_checks(con, "r1")
    assert failure["observed"] == f"dbt build reported errors: int_customer_purchase_mix: {disk}"
    assert [r.split(":")[0] for r in remedies([failure["observed"]])] == ["the disk is full"]
