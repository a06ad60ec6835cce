"""Only a file's bytes can reject it. A fault of the machine while a file is read or loaded (disk full,
out of memory, an unwritable raw zone) fails the step, logs nothing for the file, leaves no raw file,
and the next run loads it as if nothing had happened (case 1 of the run-control issue)."""

from __future__ import annotations

import errno

import duckdb
import pytest

from orchestration.feeds import FEEDS
from orchestration.ingest import feed, raw_output
from orchestration.ingest.file_job import FileRejected, IngestFault
from orchestration.resources import WarehouseResource
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW


def _orders(n: int) -> list[str]:
    return [ORDER_HEADER, *(ORDER_ROW.format(n=i) for i in range(1, n + 1))]


def test_a_full_disk_while_publishing_the_raw_file_is_no_verdict(env, monkeypatch):
    env.write("order_lines", "order_lines_20250301.csv", _orders(3))
    real = raw_output.publish

    def disk_full(job):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(raw_output, "publish", disk_full)
    with pytest.raises(IngestFault, match="No space left on device"):
        env.ingest("order_lines", run_id="run-1")
    assert env.log() == []  # no verdict
    assert env.raw_files("order_lines") == []  # no half-written raw file
    monkeypatch.setattr(raw_output, "publish", real)
    (loaded,) = env.ingest("order_lines", run_id="run-2").files
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 3)


def test_too_little_memory_is_no_verdict(env):
    """A run with a starved DuckDB fails (wherever the memory runs out first) and logs no verdict."""
    env.write("order_lines", "order_lines_20250301.csv", _orders(3))
    starved = WarehouseResource(warehouse_dir=env.warehouse.warehouse_dir, threads=1, memory_limit="1KB")
    with pytest.raises((IngestFault, duckdb.Error)):
        feed.ingest_feed(FEEDS["order_lines"], env.landing, starved, "run-1")
    assert env.log() == []
    (loaded,) = env.ingest("order_lines", run_id="run-2").files
    assert loaded.status == "loaded"


@pytest.mark.parametrize(("error", "verdict"), [
    (duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"), False),
    (duckdb.IOException("IO Error: No space left on device"), False),
    (duckdb.InterruptException("INTERRUPT Error: Interrupted!"), False),
    (duckdb.InvalidInputException("Invalid Input Error: CSV Error on Line: 3\nMaximum line size of 8 bytes "
                                  "exceeded"), True),
])
def test_only_the_csv_reader_refusing_the_text_is_a_verdict(error, verdict, tmp_path):
    from orchestration.ingest.load_file import judged

    job = type("Job", (), {"rel_path": "erp/order_lines/order_lines_20250301.csv"})()
    assert isinstance(judged(error, job), FileRejected) is verdict
    assert isinstance(judged(error, job), IngestFault) is not verdict


def test_a_line_over_the_size_limit_is_a_verdict_on_the_bytes(env, monkeypatch):
    from orchestration.ingest import records_sql

    monkeypatch.setattr(records_sql, "MAX_LINE_BYTES", 1024)
    monkeypatch.setattr("orchestration.ingest.load_file.MAX_LINE_BYTES", 1024)
    env.write("order_lines", "order_lines_20250301.csv", [ORDER_HEADER, ORDER_ROW.format(n=1) + "x" * 4000])
    (rejected,) = env.ingest("order_lines").files
    assert rejected.status == "rejected"
    assert [r["status"] for r in env.log()] == ["rejected"]
