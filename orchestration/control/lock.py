"""The warehouse lock: one run (or one maintenance command) at a time per warehouse directory.

An exclusive `flock` on `<warehouse>/.warehouse.lock`, held for the whole run. The kernel releases
it when the holding process ends, however it ends (a crash, `kill -9`, the OOM killer, a reboot), so
a killed run never leaves a stale lock behind. The file also says who holds it (pid, purpose, run
id, start time), so a second run can say what it is waiting for.

Re-entrant within one process: the CLI takes the lock before it starts Dagster, and the run's own
resource (which takes it for runs launched from the UI, the schedule or a sensor) then finds it
already held by this process.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".warehouse.lock"
POLL_SECONDS = 0.5


class WarehouseLocked(RuntimeError):
    """Another process holds the warehouse lock (the message names it)."""

    def __init__(self, warehouse_dir: Path, holder: dict, waited: float):
        self.warehouse_dir = warehouse_dir
        self.holder = holder
        waited_text = f" after waiting {waited:.0f}s" if waited >= 1 else ""
        who = describe_holder(holder)
        super().__init__(
            f"the warehouse {warehouse_dir} is in use by {who}{waited_text}; nothing was written. "
            "Wait for it to finish (or set CW_LOCK_WAIT_SECONDS to wait), then run again.")


def describe_holder(holder: dict) -> str:
    if not holder:
        return "another process"
    parts = [holder.get("purpose") or "another process"]
    if holder.get("run_id"):
        parts.append(f"run {holder['run_id']}")
    if holder.get("pid"):
        parts.append(f"pid {holder['pid']}" + (f" on {holder['host']}" if holder.get("host") else ""))
    if holder.get("since"):
        parts.append(f"since {holder['since']} UTC")
    return parts[0] + (f" ({', '.join(parts[1:])})" if parts[1:] else "")


@dataclass
class _Held:
    fd: int
    depth: int
    info: dict


_held: dict[str, _Held] = {}  # lock file path -> this process's hold (flock is per open file description)
_guard = threading.Lock()


def lock_path(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / LOCK_FILE


def read_holder(warehouse_dir: Path) -> dict:
    """Who holds (or last held) the lock, as written into the lock file; {} when unknown."""
    try:
        return json.loads(lock_path(warehouse_dir).read_text() or "{}")
    except (OSError, ValueError):
        return {}


def is_locked(warehouse_dir: Path) -> bool:
    """Whether some process (this one included) holds the lock right now."""
    path = lock_path(warehouse_dir)
    if str(path) in _held:
        return True
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextmanager
def warehouse_lock(warehouse_dir: Path, *, purpose: str, run_id: str | None = None,
                   wait_seconds: float = 0.0) -> Iterator[dict]:
    """Hold the exclusive warehouse lock for the block; raise WarehouseLocked when another process
    holds it for longer than `wait_seconds`. Yields the holder record written into the lock file."""
    warehouse_dir = Path(warehouse_dir)
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(warehouse_dir)
    key = str(path)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.depth += 1
            if run_id and not held.info.get("run_id"):
                held.info["run_id"] = run_id
                _write_info(held.fd, held.info)
    if held is not None:
        try:
            yield held.info
        finally:
            with _guard:
                held.depth -= 1
        return
    fd = _acquire(path, warehouse_dir, wait_seconds)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose, "run_id": run_id,
            "since": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")}
    _write_info(fd, info)
    with _guard:
        _held[key] = _Held(fd, 1, info)
    try:
        yield info
    finally:
        with _guard:
            hold = _held[key]
            hold.depth -= 1
            release = hold.depth == 0
            if release:
                del _held[key]
        if release:
            os.close(fd)  # closing the descriptor releases the flock


def _acquire(path: Path, warehouse_dir: Path, wait_seconds: float) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    started = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                os.close(fd)
                raise WarehouseLocked(warehouse_dir, read_holder(warehouse_dir), waited) from None
            time.sleep(min(POLL_SECONDS, max(wait_seconds - waited, 0.01)))


def _write_info(fd: int, info: dict) -> None:
    data = json.dumps(info).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
