"""In-memory DuckDB databases that spill beside the warehouse, not wherever the process was started.

DuckDB spills what an in-memory database cannot hold to `.tmp` in the process's working directory:
wherever cron, systemd or the Dagster daemon started the run (perhaps `/`, not writable, or another
disk). Every in-memory database of a run (the raw checks, publishing, the role files; ingestion has
its own work folders) spills instead to a hidden folder of its own in the warehouse directory, as
DuckDB does for a database file (`<file>.tmp` beside it): on the warehouse's disk, private to the run's
user, one per database (two databases sharing one would share file names). DuckDB creates the folder
only when it spills and removes it when the database closes; a killed run's folder is removed by the
next run's recovery (control/recovery.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: every spill folder is `<warehouse>/.spill-<id>.tmp` (recovery removes leftovers by this pattern)
SPILL_GLOB = ".spill-*.tmp"


@dataclass(frozen=True)
class ScratchDuckDB:
    """How a run opens its in-memory DuckDB databases: its threads and memory limit, spilling in `warehouse_dir`."""

    threads: int
    memory_limit: str
    warehouse_dir: Path

    def connect(self, **config: object) -> duckdb.DuckDBPyConnection:
        """A new in-memory database, spilling to a new folder of its own in the warehouse directory."""
        spill = self.warehouse_dir / f".spill-{uuid.uuid4().hex[:12]}.tmp"
        return duckdb.connect(":memory:", config={"threads": self.threads, "memory_limit": self.memory_limit,
                                                  "temp_directory": str(spill), **config})
