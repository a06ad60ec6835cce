"""`dbt build --target spark` over the raw zone of a warehouse: the scale-out build (issue #15).

Three steps, each timed: the load log exported into the lake (lake.py); `dbt run-operation register_raw_zone`
(the raw zone declared as external Parquet tables in Spark's metastore: macros/spark/raw_zone.sql); `dbt build`
(every model, seed, snapshot and data test; unit tests stay DuckDB's, `make test`). dbt runs as a child of
this process like the pipeline's (transform/dbt_child.py), with the run context in the environment
(CW_AS_OF, CW_RUN_ID) and its artifacts in their own target folder. A local session (`spark` target) starts
Spark inside each dbt process; `spark_thrift` talks to a cluster instead (profiles.yml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.scale_out.lake import export_load_log, lake_dir
from orchestration.settings import DBT_PROJECT_DIR, environ_without_secrets

DBT_CHILD = Path(__file__).resolve().parents[1] / "transform" / "dbt_child.py"
#: dbt artifacts of Spark builds, beside the pipeline's target/runs/<run id>.
SPARK_TARGET = Path("target") / "spark"


class SparkBuildError(RuntimeError):
    pass


@dataclass
class SparkBuild:
    """What a Spark build did: seconds per step, dbt's node results (unique_id -> status)."""

    seconds: dict[str, float] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    target: Path = SPARK_TARGET

    @property
    def failed(self) -> dict[str, str]:
        return {node: status for node, status in self.results.items() if status not in ("success", "pass")}


def spark_env(warehouse: Path, as_of: date, run_id: str, lake: Path | None = None) -> dict[str, str]:
    env = environ_without_secrets()
    env.update({"CW_WAREHOUSE_DIR": str(warehouse.resolve()), "CW_AS_OF": as_of.isoformat(), "CW_RUN_ID": run_id,
                "CW_SPARK_LAKE_URI": str((lake or lake_dir(warehouse)).resolve())})
    env.setdefault("CW_SPARK_RAW_URI", str((warehouse / "raw").resolve()))
    return env


def dbt(args: list[str], env: dict[str, str], target: str = "spark", target_path: Path = SPARK_TARGET,
        log: Path | None = None) -> subprocess.CompletedProcess:
    """One dbt invocation on `target` (a child that dies with this process), its output appended to `log`."""
    command = [sys.executable, str(DBT_CHILD), *args, "--target", target, "--profiles-dir", str(DBT_PROJECT_DIR),
               "--target-path", str(target_path)]
    result = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if log is not None:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"$ dbt {' '.join(args)} --target {target}\n{result.stdout}{result.stderr}\n")
    return result


def build_on_spark(warehouse: Path, as_of: date, run_id: str = "manual", *, full_refresh: bool = True,
                   lake: Path | None = None, target: str = "spark", log: Path | None = None) -> SparkBuild:
    """Build the dbt project for D on Spark over `warehouse`'s raw zone and load log. Raises SparkBuildError
    naming the step and dbt's last lines when a step fails to run; the build's test outcomes are in `results`."""
    lake = lake or lake_dir(warehouse)
    env = spark_env(warehouse, as_of, run_id, lake)
    build = SparkBuild()
    started = time.monotonic()
    export_load_log(warehouse / "warehouse.duckdb", lake)
    build.seconds["export_load_log"] = time.monotonic() - started
    # contracts name DuckDB's types (dbt_project.yml, enforce_contracts): the comparison checks Spark's values
    build_args = ["build", "--exclude-resource-type", "unit_test", "--vars", "{enforce_contracts: false}"]
    steps = [("register_raw_zone", ["run-operation", "register_raw_zone"]),
             ("dbt_build", [*build_args, *(["--full-refresh"] if full_refresh else [])])]
    for name, args in steps:
        started = time.monotonic()
        result = dbt(args, env, target=target, log=log)
        build.seconds[name] = time.monotonic() - started
        if name == "dbt_build":
            build.results = _results(DBT_PROJECT_DIR / SPARK_TARGET / "run_results.json")
        if result.returncode != 0 and not (name == "dbt_build" and build.results):
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
            raise SparkBuildError(f"{name} failed (exit {result.returncode}):\n{tail}")
    return build


def _results(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return {r["unique_id"]: r["status"] for r in json.loads(path.read_text())["results"]}


def engine_startup_seconds(warehouse: Path, target: str = "spark") -> float:
    """Wall time of a dbt invocation that runs one trivial query on `target`: dbt's own start-up plus the
    engine's (for a local Spark session: starting the JVM and the session)."""
    env = spark_env(warehouse, date.today(), "startup")
    started = time.monotonic()
    result = dbt(["run-operation", "engine_probe"], env, target=target)
    if result.returncode != 0:
        raise SparkBuildError(f"engine_probe failed on {target}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return time.monotonic() - started


if __name__ == "__main__":  # python -m orchestration.scale_out.spark_build WAREHOUSE D
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    wh, day = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
    outcome = build_on_spark(wh, day, log=wh / "spark-build.log")
    print(json.dumps({"seconds": outcome.seconds, "failed": outcome.failed}, indent=2))
