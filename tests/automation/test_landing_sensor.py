"""The landing sensor's cursor: one file starts one run, once."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg

from orchestration.automation.landing_sensor import batch_run_key, build_landing_sensor, new_files, scan_landing
from orchestration.control.as_of import as_of_partitions, yesterday
from orchestration.jobs import build_nightly_job
from orchestration.resources import LandingResource

PARTITIONS = as_of_partitions()
JOB = build_nightly_job(PARTITIONS)
landing_files_sensor = build_landing_sensor(JOB)


@dg.asset(partitions_def=PARTITIONS)
def classified() -> None:
    """Stands for the partitioned assets of the job."""

A = "erp/order_lines/order_lines_20250101.csv"
B = "crm/accounts/accounts_20250101.csv"
C = "erp/order_lines/order_lines_20250102.csv"


def test_first_tick_sees_every_file():
    fresh, cursor = new_files(None, {A: (10, 1), B: (20, 2)})
    assert fresh == sorted([A, B])
    assert json.loads(cursor) == {A: [10, 1], B: [20, 2]}


def test_nothing_new_then_one_new_file():
    _, cursor = new_files(None, {A: (10, 1), B: (20, 2)})
    fresh, same_cursor = new_files(cursor, {A: (10, 1), B: (20, 2)})
    assert fresh == []
    assert same_cursor == cursor
    fresh, _ = new_files(cursor, {A: (10, 1), B: (20, 2), C: (5, 3)})
    assert fresh == [C]


def test_rewritten_file_is_new_again():
    _, cursor = new_files(None, {A: (10, 1)})
    assert new_files(cursor, {A: (11, 1)})[0] == [A]  # new size
    assert new_files(cursor, {A: (10, 2)})[0] == [A]  # same size, new mtime


def test_removed_file_starts_nothing_and_leaves_the_cursor():
    _, cursor = new_files(None, {A: (10, 1), B: (20, 2)})
    fresh, cursor = new_files(cursor, {A: (10, 1)})
    assert fresh == []
    assert json.loads(cursor) == {A: [10, 1]}
    assert new_files(cursor, {A: (10, 1), B: (20, 2)})[0] == [B]  # it comes back: a new delivery


def test_unreadable_cursor_counts_as_empty():
    assert new_files("not json", {A: (10, 1)})[0] == [A]
    assert new_files("[1, 2]", {A: (10, 1)})[0] == [A]


def test_run_key_depends_on_the_batch():
    listing = {A: (10, 1), B: (20, 2)}
    assert batch_run_key([A, B], listing) == batch_run_key([B, A], dict(listing))
    assert batch_run_key([A], listing) != batch_run_key([A, B], listing)
    assert batch_run_key([A], listing) != batch_run_key([A], {A: (10, 2)})


def _land(root: Path, relative: str, text: str, age_seconds: int = 120) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    past = time.time_ns() - age_seconds * 1_000_000_000
    os.utime(path, ns=(past, past))


def test_scan_skips_hidden_unsettled_and_foreign_files(tmp_path):
    _land(tmp_path, A, "x")
    _land(tmp_path, "erp/order_lines/orders-final.csv", "misnamed")  # wrong name: still seen
    _land(tmp_path, "erp/order_lines/.order_lines_20250103.csv.part", "uploading")  # hidden
    _land(tmp_path, "erp/not_a_feed/x.csv", "x")  # not a feed folder
    (tmp_path / "erp/order_lines/order_lines_20250104.csv").symlink_to(tmp_path / A)  # a symlink: never followed
    _land(tmp_path, C, "being written", age_seconds=0)
    settled_before = time.time_ns() - 30 * 1_000_000_000
    listing = scan_landing(tmp_path, ["erp/order_lines", "crm/accounts"], settled_before)
    assert sorted(listing) == [A, "erp/order_lines/orders-final.csv"]
    assert listing[A][0] == 1
    assert C in scan_landing(tmp_path, ["erp/order_lines"])  # no settle time: everything


def _tick(root: Path, cursor: str | None) -> dg.SensorExecutionData:
    definitions = dg.Definitions(assets=[classified], jobs=[JOB], sensors=[landing_files_sensor])
    with dg.instance_for_test() as instance, dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"landing": LandingResource(landing_dir=str(root))},
            definitions=definitions) as context:
        return landing_files_sensor.evaluate_tick(context)


def test_sensor_ticks_on_a_landing_directory(tmp_path):
    _land(tmp_path, A, "a")
    _land(tmp_path, B, "b")
    first = _tick(tmp_path, None)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert request.partition_key == yesterday().isoformat()  # as-of: yesterday, local time
    assert request.tags["landing_files"] == "2"
    assert json.loads(first.cursor).keys() == {A, B}

    second = _tick(tmp_path, first.cursor)
    assert not second.run_requests
    assert second.skip_message

    _land(tmp_path, C, "c")
    third = _tick(tmp_path, second.cursor)
    assert len(third.run_requests) == 1
    assert third.run_requests[0].tags["landing_files"] == "1"
    assert third.run_requests[0].run_key != request.run_key
    assert not _tick(tmp_path, third.cursor).run_requests
