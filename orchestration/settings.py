"""One settings object, read from the environment (`CW_*`) once; command-line flags override it.

Nothing below this module reads the environment: `definitions.build_definitions(settings)` turns
the settings into resources and into the gates of the checks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from orchestration import env_values as values

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
#: Each run's dbt artifacts (relative to the dbt project): `run_target(run_id)`.
DBT_RUN_TARGETS = Path("target") / "runs"
#: DuckDB's memory limit per process (ingestion and publishing in the Dagster process, dbt in its own):
#: 2GB keeps an L run's whole process tree near 3 GiB (2.74-3.04 GiB measured; docs/decisions.md,
#: "DuckDB's memory limit").
#: dbt_project/profiles.yml repeats it for a hand-run dbt (a test keeps the two equal).
DUCKDB_MEMORY_LIMIT = "2GB"


def run_target(run_id: str) -> Path:
    """Where a run's dbt build writes its artifacts (run_results.json, ...), relative to the dbt project."""
    return DBT_RUN_TARGETS / run_id

#: Variables holding secrets: never passed to a subprocess (dbt) nor logged.
SECRET_VARIABLES = ("CW_ALERT_WEBHOOK",)
#: `CW_SERVING_KEY_<ROLE>`: the DuckDB encryption key of a role's serving file (publications.yml); secrets too.
SERVING_KEY_PREFIX = "CW_SERVING_KEY_"
PUBLICATIONS_FILE = Path(__file__).resolve().parent / "publish" / "publications.yml"


def is_secret(name: str) -> bool:
    return name in SECRET_VARIABLES or name.startswith(SERVING_KEY_PREFIX)


def secret_names(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret variables set in `env` (the fixed names and every serving key)."""
    env = os.environ if env is None else env
    return sorted({*SECRET_VARIABLES, *(k for k in env if is_secret(k))})


def environ_without_secrets(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a subprocess (dbt): everything but the secrets."""
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if not is_secret(k)}


def alert_webhook_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The alert webhook alone (the CLI redacts it from an error even when another setting is unusable)."""
    env = os.environ if env is None else env
    return env.get("CW_ALERT_WEBHOOK") or None


@dataclass(frozen=True)
class Gates:
    """Thresholds of blocking checks. Fixed by the code location's settings: not run config."""

    quarantine_max_share: float = 0.05  # a file quarantining more than this share of rows fails its check ...
    quarantine_min_rows: int = 3  # ... and at least this many (fewer are stray lines, not a broken export)
    snapshot_min_share: float = 0.8  # a new snapshot with fewer rows than this share of the one before fails


@dataclass(frozen=True)
class Publishing:
    """How the publish step writes the serving files. Fixed by the code location's settings (not run config),
    like the gates; the keys are secrets (never shown in a repr, never passed to dbt)."""

    publications_file: Path = PUBLICATIONS_FILE  # which tables and columns each role's file holds
    file_mode: int = 0o400  # every serving file (the analyst's too): its owner's only; write bits are dropped
    keep_published: int = 30  # archives of the last N published files under <warehouse>/published/<run id>/
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)  # role -> DuckDB encryption key


def _publishing(env: Mapping[str, str]) -> Publishing:
    keys = {k.removeprefix(SERVING_KEY_PREFIX).lower(): v for k, v in env.items()
            if k.startswith(SERVING_KEY_PREFIX) and v}
    return Publishing(
        publications_file=Path(env.get("CW_PUBLICATIONS_FILE") or PUBLICATIONS_FILE),
        file_mode=values.file_mode(env, "CW_SERVING_FILE_MODE", Publishing.file_mode),
        keep_published=values.whole(env, "CW_PUBLISHED_KEEP", Publishing.keep_published, 0),
        keys=keys,
    )


@dataclass(frozen=True)
class Settings:
    landing_dir: Path = Path("data/landing")
    warehouse_dir: Path = Path("data/warehouse")
    as_of: date | None = None  # None: the latest order date in the data (manual run)
    as_of_to: date | None = None  # with as_of: one run per date of the range (a backfill from the CLI)
    duckdb_threads: int = 2
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    gates: Gates = Gates()
    alert_webhook: str | None = None
    rebuild: bool = False  # rebuild the marts even when the run's inputs equal the published run's
    accept_snapshot_shrink: bool = False  # one run: publish a snapshot that shrank below the gate
    accept_held_files: bool = False  # one run: publish the files earlier runs held (failed checks) as they are
    settle_seconds: float | None = None  # None: 60 s for schedule and sensor runs, 0 for manual runs
    lock_wait_seconds: float | None = None  # None: 0 for the CLI, 30 min for runs launched by Dagster
    first_as_of: date = date(2015, 1, 1)  # the first daily partition
    catchup_days: int = 7  # the schedule catches up unpublished nights this far back
    publishing: Publishing = Publishing()

    def __post_init__(self) -> None:
        if "?" in str(self.warehouse_dir):  # from CW_WAREHOUSE_DIR or --warehouse
            raise values.SettingsError(
                f"the warehouse folder {str(self.warehouse_dir)!r} holds a '?', which DuckDB reads in a database's "
                "path as the start of its options: choose a folder name without '?'")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of `env` (the process environment); SettingsError names a variable that is not usable."""
        env = os.environ if env is None else env
        return cls(
            landing_dir=Path(env.get("CW_LANDING_DIR") or cls.landing_dir),
            warehouse_dir=Path(env.get("CW_WAREHOUSE_DIR") or cls.warehouse_dir),
            as_of=values.day(env, "CW_AS_OF", None),
            duckdb_threads=values.whole(env, "CW_DUCKDB_THREADS", cls.duckdb_threads, 1),
            duckdb_memory_limit=values.memory_limit(env, "CW_DUCKDB_MEMORY_LIMIT", cls.duckdb_memory_limit),
            gates=Gates(
                quarantine_max_share=values.share(env, "CW_QUARANTINE_MAX_SHARE", Gates.quarantine_max_share),
                quarantine_min_rows=values.whole(env, "CW_QUARANTINE_MIN_ROWS", Gates.quarantine_min_rows, 1),
                snapshot_min_share=values.share(env, "CW_SNAPSHOT_MIN_SHARE", Gates.snapshot_min_share),
            ),
            alert_webhook=alert_webhook_from_env(env),
            rebuild=values.flag(env, "CW_REBUILD"),
            settle_seconds=values.seconds(env, "CW_SETTLE_SECONDS", None),
            lock_wait_seconds=values.seconds(env, "CW_LOCK_WAIT_SECONDS", None),
            first_as_of=values.day(env, "CW_FIRST_AS_OF", cls.first_as_of),
            catchup_days=values.whole(env, "CW_CATCHUP_DAYS", cls.catchup_days, 0),
            publishing=_publishing(env),
        )

    def override(self, **changes) -> Settings:
        """A copy with the given fields replaced; None values are ignored (flags not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def resolved(self) -> Settings:
        """Paths made absolute (the dbt subprocess and Dagster workers may run elsewhere)."""
        return replace(self, landing_dir=self.landing_dir.resolve(), warehouse_dir=self.warehouse_dir.resolve())

    def dbt_env(self) -> dict[str, str]:
        """What a hand-run dbt needs (`make docs`): the warehouse and DuckDB's resources. No secret."""
        return {"CW_WAREHOUSE_DIR": str(self.warehouse_dir), "CW_DUCKDB_THREADS": str(self.duckdb_threads),
                "CW_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit}

    @property
    def warehouse_db(self) -> Path:
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def serving_db(self) -> Path:
        return self.warehouse_dir / "serving.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.warehouse_dir / "raw"
