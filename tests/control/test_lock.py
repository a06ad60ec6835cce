"""The warehouse lock: one holder at a time across processes, named when refused, released however
its holder ends (kill -9 included), re-entrant within one process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from orchestration.control.lock import WarehouseLocked, is_locked, read_holder, warehouse_lock

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from orchestration.control.lock import warehouse_lock
    with warehouse_lock(Path(sys.argv[1]), purpose="nightly test run", run_id="run-A"):
        print("held", flush=True)
        time.sleep(60)
""")


def hold_in_another_process(warehouse: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_holder_is_refused_with_the_name_of_the_first(tmp_path):
    holder = hold_in_another_process(tmp_path)
    try:
        assert is_locked(tmp_path)
        with pytest.raises(WarehouseLocked) as refused, warehouse_lock(tmp_path, purpose="second"):
            pass
        message = str(refused.value)
        assert "nightly test run" in message and "run-A" in message and f"pid {holder.pid}" in message
        assert "nothing was written" in message
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    holder = hold_in_another_process(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert not is_locked(tmp_path)
    with warehouse_lock(tmp_path, purpose="next run") as info:
        assert info["pid"] == os.getpid()
    assert read_holder(tmp_path)["purpose"] == "next run"


def test_waiting_gives_up_after_the_wait(tmp_path):
    holder = hold_in_another_process(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked, match="after waiting"), warehouse_lock(tmp_path, purpose="x",
                                                                                     wait_seconds=1.2):
            pass
        assert 1.0 < time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_waiting_takes_the_lock_once_it_is_free(tmp_path):
    holder = hold_in_another_process(tmp_path)
    subprocess.Popen(["sh", "-c", f"sleep 1; kill -9 {holder.pid}"])  # SIGTERM may be blocked in the mask it inherits
    with warehouse_lock(tmp_path, purpose="patient", wait_seconds=30):
        assert read_holder(tmp_path)["purpose"] == "patient"
    holder.wait()


def test_re_entrant_within_one_process(tmp_path):
    """The CLI takes the lock, then the run it starts in-process takes it again (control/resource.py)."""
    with warehouse_lock(tmp_path, purpose="cli"), warehouse_lock(tmp_path, purpose="run", run_id="r1"):
        assert read_holder(tmp_path)["run_id"] == "r1"
    assert not is_locked(tmp_path)
