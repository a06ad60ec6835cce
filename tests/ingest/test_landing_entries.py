"""What a run reads of the landing directory: only settled regular files inside it, and exactly the
bytes it hashed (cases 2 and 6 of the run-control issue)."""

from __future__ import annotations

import os
import time

import pytest

from orchestration.feeds import FEEDS
from orchestration.ingest import load_file as load_file_module
from orchestration.ingest.feed import ingest_feed
from orchestration.ingest.file_facts import FileChanged, inspect_file
from orchestration.landing import Stamp, list_feed
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW

ORDERS = FEEDS["order_lines"]


def _orders(*numbers: int) -> list[str]:
    return [ORDER_HEADER, *(ORDER_ROW.format(n=n) for n in numbers)]


def test_symlinks_fifos_and_control_character_names_are_reported_and_never_read(env, tmp_path):
    env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    secret = tmp_path / "elsewhere.csv"
    secret.write_text("\n".join(_orders(2)) + "\n")
    folder = env.landing / ORDERS.folder
    (folder / "order_lines_20250302.csv").symlink_to(secret)
    os.mkfifo(folder / "order_lines_20250303.csv")  # reading it would block the run forever
    env.write("order_lines", "order_lines_20250304\n.csv", _orders(3))

    result = env.ingest("order_lines")

    by_path = {f.path: f for f in result.files}
    assert by_path[f"{ORDERS.folder}/order_lines_20250301.csv"].status == "loaded"
    assert by_path[f"{ORDERS.folder}/order_lines_20250302.csv"].status == "ignored"
    assert "symbolic link" in by_path[f"{ORDERS.folder}/order_lines_20250302.csv"].reason
    assert "FIFO" in by_path[f"{ORDERS.folder}/order_lines_20250303.csv"].reason
    assert "control characters" in by_path[f"{ORDERS.folder}/order_lines_20250304\\n.csv"].reason
    assert [r["path"] for r in env.log()] == [f"{ORDERS.folder}/order_lines_20250301.csv"]  # nothing else logged
    assert env.quarantine() == []


def test_a_feed_folder_leading_outside_the_landing_directory_is_ignored(env, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "order_lines_20250301.csv").write_text("\n".join(_orders(1)) + "\n")
    (env.landing / "erp").mkdir(parents=True)
    (env.landing / ORDERS.folder).symlink_to(outside)
    listing = list_feed(ORDERS, env.landing)
    assert listing.files == [] and "outside the landing directory" in listing.skipped[0].reason


def test_a_file_modified_within_the_settle_time_waits_for_a_later_run(env):
    env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    old = env.write("order_lines", "order_lines_20250228.csv", _orders(2))
    past = time.time() - 600
    os.utime(old, (past, past))

    result = ingest_feed(ORDERS, env.landing, env.warehouse, "run-1", settle_seconds=60)

    assert [(f.path.rsplit("/", 1)[1], f.status) for f in result.files] == [
        ("order_lines_20250301.csv", "waiting"), ("order_lines_20250228.csv", "loaded")]
    assert "not yet settled" in result.files[0].reason
    assert len(env.log()) == 1  # the waiting file is not logged: a later run reads it
    later = ingest_feed(ORDERS, env.landing, env.warehouse, "run-2", settle_seconds=0)
    assert [f.status for f in later.files] == ["already_logged", "loaded"]


def test_a_file_that_changed_since_it_was_listed_waits(env):
    path = env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    stamp = Stamp.of(os.stat(path))
    with open(path, "a") as grow:
        grow.write(ORDER_ROW.format(n=2) + "\n")
    with pytest.raises(FileChanged, match="changed since it was listed"):
        inspect_file(path, expected=stamp)


def test_a_growing_file_is_left_for_the_next_run_not_logged(env, monkeypatch):
    path = env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    real = list_feed

    def listed_then_grown(*args, **kwargs):
        listing = real(*args, **kwargs)
        with open(path, "a") as grow:  # the uploader is still writing
            grow.write(ORDER_ROW.format(n=2) + "\n")
        return listing

    monkeypatch.setattr("orchestration.ingest.feed.list_feed", listed_then_grown)
    (waiting,) = env.ingest("order_lines").files
    assert waiting.status == "waiting" and "changed" in waiting.reason
    assert env.log() == [] and env.raw_files("order_lines") == []


def test_the_bytes_loaded_are_the_bytes_hashed(env, monkeypatch):
    """The landing file is rewritten after it was read: the load uses the private copy of what was
    hashed, so the logged sha256 describes exactly the rows loaded."""
    path = env.write("order_lines", "order_lines_20250301.csv", _orders(1, 2))
    real = load_file_module.load_file

    def rewritten_then_loaded(job, *args):
        path.write_text("\n".join(_orders(7, 8, 9)) + "\n")
        return real(job, *args)

    monkeypatch.setattr("orchestration.ingest.feed.load_file", rewritten_then_loaded)
    (loaded,) = env.ingest("order_lines").files
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 2)
    import hashlib

    original = ("\n".join(_orders(1, 2)) + "\n").encode(ORDERS.encoding)
    assert loaded.sha256 == hashlib.sha256(original).hexdigest()
    assert [row[0] for row in env.raw_rows("order_lines", "line_no")] == ["1", "2"]


def test_a_file_dated_in_the_future_says_so(env):
    """A writer whose clock is ahead: the file waits like an unsettled one, and the reason says why and what to do
    (it said "modified 0s ago" on every run until the clock caught up)."""
    path = env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    ahead = time.time() + 3600
    os.utime(path, (ahead, ahead))

    (skipped,) = list_feed(ORDERS, env.landing, settle_seconds=60).skipped

    assert skipped.waiting and "in the future" in skipped.reason and "touch" in skipped.reason
