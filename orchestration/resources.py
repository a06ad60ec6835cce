"""Dagster resources for the places the pipeline works in: the working warehouse, the landing
directory, and the alert webhook. The run's own plan is `control.resource.RunControlResource`.

Connections are opened, used and closed (`with warehouse.connect() as con:`): dbt runs in a
subprocess that needs the DuckDB file, and DuckDB allows one writer process at a time.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.audit import ensure_audit_schema
from orchestration.settings import DUCKDB_MEMORY_LIMIT
from orchestration.spill import ScratchDuckDB

#: The working warehouse (warehouse.duckdb, the raw zone, work folders, logs) holds the raw text of the
#: personal-data feeds: readable by its owner only. The warehouse folder itself can be traversed but not
#: listed by others, so that BI users can open report.html (0644) and the serving files (0600 unless
#: CW_SERVING_FILE_MODE says otherwise, e.g. 0640 for a BI group) by path.
PRIVATE_DIR_MODE = 0o700
WAREHOUSE_DIR_MODE = 0o711
PRIVATE_FILE_MODE = 0o600
#: Files the pipeline creates are its owner's only (umask), but for what it publishes explicitly.
PRIVATE_UMASK = 0o077


class WarehouseBusy(RuntimeError):
    """Another process has `warehouse.duckdb` open (the message names it)."""


class WarehouseDamaged(RuntimeError):
    """`warehouse.duckdb` cannot be read as a database (the message says what the operator can do)."""


#: DuckDB's words when another process holds the file's lock ("lock" alone would match "block" too: a
#: damaged file's "checksum ... in block at location ..." was once reported as a busy warehouse).
_LOCK_HELD = re.compile(r"Could not set lock on file|Conflicting lock is held")
#: DuckDB's words for a file it cannot read as a database: damaged blocks, a foreign or truncated file, its log.
_DAMAGED = re.compile(r"Corrupt database file|not a valid DuckDB database file|Could not read enough bytes from file"
                      r"|replaying WAL|Failure while replaying")


def _damaged(db_path: Path, exc: duckdb.Error) -> WarehouseDamaged:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return WarehouseDamaged(
        f"{db_path} cannot be read as a database ({first}). serving.duckdb is untouched: BI tools keep the last "
        f"published marts. To rebuild the warehouse from the landing directory, move the damaged file aside with "
        f"its write-ahead log (mv {db_path.name} {db_path.name}.damaged; the same for {db_path.name}.wal if it "
        "exists) and run again: every file in the landing directory is loaded again. A file no longer there is "
        "not (the audit that listed its rows is in the damaged file): if that matters, restore warehouse.duckdb "
        "from a backup instead.")


def _holder_of(message: str) -> str:
    match = re.search(r"PID (\d+)", message)
    if not match:
        return "another process"
    pid = match.group(1)
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmd = ""
    return f"process {pid}" + (f" ({cmd[:160]})" if cmd else "")


class WarehouseResource(dg.ConfigurableResource):
    """The working directory: `warehouse.duckdb`, the raw zone and the published `serving.duckdb`."""

    warehouse_dir: str
    threads: int = 2
    memory_limit: str = DUCKDB_MEMORY_LIMIT

    @property
    def root(self) -> Path:
        return Path(self.warehouse_dir)

    @property
    def db_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.root / "serving.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def scratch(self) -> ScratchDuckDB:
        """The run's in-memory DuckDB databases (this resource's threads and memory limit, spilling here)."""
        return ScratchDuckDB(self.threads, self.memory_limit, self.root)

    def ensure_private(self) -> None:
        """Create the warehouse folder, its raw zone and work folders readable by their owner only, and
        make the files this process creates from now on private (umask)."""
        os.umask(PRIVATE_UMASK)
        for folder, mode in ((self.root, WAREHOUSE_DIR_MODE), (self.raw_dir, PRIVATE_DIR_MODE),
                             (self.root / "tmp", PRIVATE_DIR_MODE), (self.root / "logs", PRIVATE_DIR_MODE)):
            folder.mkdir(parents=True, exist_ok=True)
            if folder.stat().st_uid == os.getuid():
                os.chmod(folder, mode)
        for path in (self.db_path, self.db_path.with_name(self.db_path.name + ".wal")):
            if path.exists() and path.stat().st_uid == os.getuid():
                os.chmod(path, PRIVATE_FILE_MODE)

    @contextmanager
    def connect(self, read_only: bool = False, wait_seconds: float = 0.0,
                checkpoint: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to `warehouse.duckdb` (audit schema ensured when writable).
        Raises WarehouseBusy, naming the process, when another process holds the file for longer
        than `wait_seconds`.

        A writable connection leaves what it wrote in DuckDB's write-ahead log (`warehouse.duckdb.wal`,
        fsynced at each commit, read by every later connection, read-only ones too) instead of checkpointing
        it into the file when it closes, unless `checkpoint`: a run opens the file ~30 times for a few audit
        rows each, and each checkpoint cost ~60 ms at L. The run's last connection checkpoints
        (control/resource.py), dbt's does, and so does DuckDB itself once the log passes 16 MB."""
        self.root.mkdir(parents=True, exist_ok=True)
        if read_only and not self.db_path.exists():
            read_only = False
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                con = duckdb.connect(str(self.db_path), read_only=read_only,
                                     config={"threads": self.threads, "memory_limit": self.memory_limit})
                break
            except duckdb.IOException as exc:
                if _DAMAGED.search(str(exc)):
                    raise _damaged(self.db_path, exc) from exc
                if not _LOCK_HELD.search(str(exc)):
                    raise
                if time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                raise WarehouseBusy(
                    f"{self.db_path} is open in {_holder_of(str(exc))}. Only the pipeline opens the working "
                    "warehouse (BI tools read serving.duckdb); close that program and run again.") from exc
        try:
            if not read_only:
                con.execute(f"pragma {'enable' if checkpoint else 'disable'}_checkpoint_on_shutdown")
                try:
                    ensure_audit_schema(con)  # the first read of the catalog
                except duckdb.IOException as exc:
                    raise (_damaged(self.db_path, exc) if _DAMAGED.search(str(exc)) else exc) from exc
            yield con
        finally:
            con.close()


class LandingResource(dg.ConfigurableResource):
    """The landing directory the source systems drop their exports into (never modified)."""

    landing_dir: str

    @property
    def root(self) -> Path:
        return Path(self.landing_dir)


class AlertResource(dg.ConfigurableResource):
    """Where alerts go. The webhook URL is a secret: it is bound to the environment variable
    `CW_ALERT_WEBHOOK` (`dg.EnvVar`, so the launchpad shows the variable's name, not its value), never
    passed to dbt and never logged (`automation.alerts` redacts it)."""

    webhook_url: str | None = None
