"""One settings object, read from the environment (`CW_*`) once; command-line flags override it.

Nothing below this module reads the environment: assets get paths and switches from resources
built from these settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path = Path("data/landing")
    warehouse_dir: Path = Path("data/warehouse")
    as_of: date | None = None  # None: the latest order date in the data (manual run)
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "3GB"
    quarantine_max_share: float = 0.05  # a file quarantining more than this share of rows fails its check
    alert_webhook: str | None = None
    rebuild: bool = False  # rebuild the marts even when the run's inputs equal the published run's

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        as_of = env.get("CW_AS_OF") or None
        return cls(
            landing_dir=Path(env.get("CW_LANDING_DIR") or cls.landing_dir),
            warehouse_dir=Path(env.get("CW_WAREHOUSE_DIR") or cls.warehouse_dir),
            as_of=date.fromisoformat(as_of) if as_of else None,
            duckdb_threads=int(env.get("CW_DUCKDB_THREADS") or cls.duckdb_threads),
            duckdb_memory_limit=env.get("CW_DUCKDB_MEMORY_LIMIT") or cls.duckdb_memory_limit,
            quarantine_max_share=float(env.get("CW_QUARANTINE_MAX_SHARE") or cls.quarantine_max_share),
            alert_webhook=env.get("CW_ALERT_WEBHOOK") or None,
            rebuild=(env.get("CW_REBUILD") or "").lower() in ("1", "true", "yes"),
        )

    def override(self, **changes) -> Settings:
        """A copy with the given fields replaced; None values are ignored (flags not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def resolved(self) -> Settings:
        """Paths made absolute (the dbt subprocess and Dagster workers may run elsewhere)."""
        return replace(self, landing_dir=self.landing_dir.resolve(), warehouse_dir=self.warehouse_dir.resolve())

    def to_env(self) -> dict[str, str]:
        """The settings as `CW_*` variables, for subprocesses (dbt) and for Dagster code locations."""
        env = {
            "CW_LANDING_DIR": str(self.landing_dir),
            "CW_WAREHOUSE_DIR": str(self.warehouse_dir),
            "CW_DUCKDB_THREADS": str(self.duckdb_threads),
            "CW_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "CW_QUARANTINE_MAX_SHARE": str(self.quarantine_max_share),
        }
        if self.as_of:
            env["CW_AS_OF"] = self.as_of.isoformat()
        if self.alert_webhook:
            env["CW_ALERT_WEBHOOK"] = self.alert_webhook
        if self.rebuild:
            env["CW_REBUILD"] = "1"
        return env

    @property
    def warehouse_db(self) -> Path:
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def serving_db(self) -> Path:
        return self.warehouse_dir / "serving.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.warehouse_dir / "raw"
