"""Files loaded several at once give the outcome of loading them one after another."""

from __future__ import annotations

import pytest

from orchestration.ingest.workers import WorkerShare, memory_bytes, share
from orchestration.resources import WarehouseResource
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW, Env


@pytest.mark.parametrize(("threads", "memory", "files", "expected"), [
    (2, "4GB", 6, WorkerShare(2, 1, "1907MiB")),
    (4, "1GiB", 2, WorkerShare(2, 2, "512MiB")),
    (2, "4GB", 1, WorkerShare(1, 2, "4GB")),
    (1, "4GB", 6, WorkerShare(1, 1, "4GB")),
    (2, "80%", 6, WorkerShare(1, 2, "80%")),
    (2, "4GB", 0, WorkerShare(1, 2, "4GB")),
])
def test_workers_share_the_threads_and_the_memory_limit(threads, memory, files, expected):
    assert share(threads, memory, files) == expected


def test_memory_limits_are_read_in_duckdb_units():
    assert memory_bytes("4GB") == 4 * 1000**3
    assert memory_bytes(" 1.5 GiB ") == int(1.5 * 1024**3)
    assert memory_bytes("512mb") == 512 * 1000**2
    assert memory_bytes("lots") is None


def _landing(env: Env) -> None:
    orders = [ORDER_HEADER, ORDER_ROW.format(n=1), ORDER_ROW.format(n=2), "SO1,x"]
    env.write("order_lines", "order_lines_20250301.csv", orders)
    env.write("order_lines", "order_lines_20250302.csv", orders)  # same bytes as the file still loading
    bad = env.write("order_lines", "order_lines_20250303.csv", orders[:2])
    bad.write_bytes(bad.read_bytes() + b"\xff\xff\n")  # not GB18030: rejected
    env.write("order_lines", "order_lines_20250304.csv", "").write_bytes(bad.read_bytes())  # rejected again
    env.write("order_lines", "order_lines_20250305.csv", orders[:3])
    env.write("order_lines", "order_lines_2025.csv", orders)


def _outcome(env: Env) -> tuple:
    result = env.ingest("order_lines")
    log = env.query("select path, status, reason, rows_read, rows_loaded, rows_quarantined, raw_path "
                    "from audit.load_log order by loaded_at, path")
    raw = env.raw_rows("order_lines", "* exclude (_loaded_at)")
    return [(f.path, f.status, f.reason) for f in result.files], log, env.quarantine(), raw


def test_several_files_at_once_give_the_outcome_of_one_after_another(tmp_path):
    outcomes = []
    for threads in (1, 2):
        env = Env(tmp_path / f"landing{threads}",
                  WarehouseResource(warehouse_dir=str(tmp_path / f"warehouse{threads}"), threads=threads,
                                    memory_limit="1GB"))
        _landing(env)
        outcomes.append(_outcome(env))

    one_by_one, at_once = outcomes
    assert at_once == one_by_one
    assert [status for _, status, _ in at_once[0]] == [
        "loaded", "skipped_duplicate", "rejected", "rejected", "loaded", "rejected"]
