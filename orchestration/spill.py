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
from pathlib import Path

import duckdb

#: every spill folder is `<warehouse>/.spill-<id>.tmp` (recovery removes leftovers by this pattern)
SPILL_GLOB = ".spill-*.tmp"


def in_memory(threads: int, memory_limit: str, warehouse_dir: Path, **config: object) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the run's threads and memory limit, spilling to a new folder in `warehouse_dir`."""
    spill = warehouse_dir / f".spill-{uuid.uuid4().hex[:12]}.tmp"
    return duckdb.connect(":memory:", config={"threads": threads, "memory_limit": memory_limit,
                                              "temp_directory": str(spill), **config})
