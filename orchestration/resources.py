"""Dagster resources: the working warehouse, the landing directory and the run's parameters.

Connections are opened, used and closed (`with warehouse.connect() as con:`): dbt runs in a
subprocess that needs the DuckDB file, and DuckDB allows one writer process at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.audit import ensure_audit_schema
from orchestration.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """The working directory: `warehouse.duckdb`, the raw zone and the published `serving.duckdb`."""

    warehouse_dir: str
    threads: int = 2
    memory_limit: str = "3GB"

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

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to `warehouse.duckdb` (audit schema ensured when writable)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if read_only and not self.db_path.exists():
            read_only = False
        con = duckdb.connect(str(self.db_path), read_only=read_only,
                             config={"threads": self.threads, "memory_limit": self.memory_limit})
        try:
            if not read_only:
                ensure_audit_schema(con)
            yield con
        finally:
            con.close()


class LandingResource(dg.ConfigurableResource):
    """The landing directory the source systems drop their exports into (never modified)."""

    landing_dir: str

    @property
    def root(self) -> Path:
        return Path(self.landing_dir)


class RunParameters(dg.ConfigurableResource):
    """Per-run switches: the as-of date D (empty: the latest order date in the data); `rebuild`
    forces dbt to run even when the inputs equal the published run's (see transform/inputs.py)."""

    as_of: str = ""
    quarantine_max_share: float = 0.05
    alert_webhook: str = ""
    rebuild: bool = False


def resources_from_settings(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    settings = settings.resolved()
    return {
        "warehouse": WarehouseResource(warehouse_dir=str(settings.warehouse_dir), threads=settings.duckdb_threads,
                                       memory_limit=settings.duckdb_memory_limit),
        "landing": LandingResource(landing_dir=str(settings.landing_dir)),
        "run_params": RunParameters(as_of=settings.as_of.isoformat() if settings.as_of else "",
                                    quarantine_max_share=settings.quarantine_max_share,
                                    alert_webhook=settings.alert_webhook or "", rebuild=settings.rebuild),
    }
