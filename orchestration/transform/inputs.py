"""What the marts are a function of, and whether this run may skip rebuilding them.

The marts are a pure function of (a) the raw zone (the files `audit.load_log` lists as loaded),
(b) the as-of date D and (c) the code: the dbt project (models, macros, seeds = rules, snapshots),
the GX suites and the orchestration package. Their fingerprint is recorded per run in
`audit.run_inputs`. When the most recent run that recorded one had the same fingerprint and
published, rebuilding would reproduce the published marts byte for byte: the dbt step skips dbt,
Dagster skips the mart checks and the publish step, and the serving file's audit schema alone is
refreshed (`publish.serving.refresh_audit`), so "running twice changes nothing but audit.runs"
(interface.md) costs seconds, not a rebuild.

The dbt project alone has its own fingerprint: the incremental models (order lines) keep what
earlier runs built, which is only valid while the code that built it is the code of this run. A
run whose dbt project differs from the last successful dbt build's, or that asks for `--rebuild`,
runs dbt with `--full-refresh` (`full_refresh_reason`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import duckdb

from orchestration.settings import PROJECT_ROOT

#: Files whose content the marts depend on, relative to the project root (globs).
CODE_GLOBS = (
    "dbt_project/dbt_project.yml",
    "dbt_project/models/**/*",
    "dbt_project/macros/**/*",
    "dbt_project/seeds/**/*",
    "dbt_project/snapshots/**/*",
    "dbt_project/tests/**/*",
    "expectations/**/*.json",
    "orchestration/**/*.py",
)

#: The dbt project: what built the incremental models.
DBT_CODE_GLOBS = tuple(g for g in CODE_GLOBS if g.startswith("dbt_project/"))
OTHER_CODE_GLOBS = tuple(g for g in CODE_GLOBS if g not in DBT_CODE_GLOBS)


@cache
def _digest(root: Path, globs: tuple[str, ...]) -> str:
    """sha256 over the path and bytes of every file the globs match (a few hundred small files: milliseconds)."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in globs for p in root.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dbt_code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    return _digest(root, DBT_CODE_GLOBS)


def code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Every code file: the dbt project's fingerprint and the rest's (each file read once)."""
    return hashlib.sha256(f"{dbt_code_fingerprint(root)}\n{_digest(root, OTHER_CODE_GLOBS)}".encode()).hexdigest()


@dataclass(frozen=True)
class RunInputs:
    fingerprint: str
    as_of: date
    raw_files: int
    code: str
    dbt_code: str


def run_inputs(con: duckdb.DuckDBPyConnection, as_of: date, code: str | None = None,
               dbt_code: str | None = None) -> RunInputs:
    """The fingerprint of this run's inputs (the raw zone as `audit.load_log` knows it)."""
    files, raw = con.execute(
        "select count(*), coalesce(string_agg(sha256, ',' order by sha256), '') "
        "from audit.load_log where status = 'loaded'").fetchone()
    code = code or code_fingerprint()
    payload = f"{raw}\n{as_of.isoformat()}\n{code}"
    return RunInputs(hashlib.sha256(payload.encode()).hexdigest(), as_of, files, code,
                     dbt_code or dbt_code_fingerprint())


def record_inputs(con: duckdb.DuckDBPyConnection, run_id: str, inputs: RunInputs,
                  full_refresh: bool | None = None) -> None:
    con.execute(
        "insert or replace into audit.run_inputs (run_id, inputs_fingerprint, as_of_date, raw_files, code_fingerprint, "
        "recorded_at, dbt_fingerprint, dbt_full_refresh) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, inputs.fingerprint, inputs.as_of, inputs.raw_files, inputs.code,
         datetime.now(UTC).replace(tzinfo=None), inputs.dbt_code, full_refresh])


def record_dbt_outcome(con: duckdb.DuckDBPyConnection, run_id: str, succeeded: bool) -> None:
    """`succeeded`: dbt built the whole project without error (a subset of models does not count)."""
    con.execute("update audit.run_inputs set dbt_succeeded = ? where run_id = ?", [succeeded, run_id])


def full_refresh_reason(con: duckdb.DuckDBPyConnection, run_id: str, inputs: RunInputs, rebuild: bool) -> str | None:
    """Why this run's dbt build must rebuild the incremental models from the raw zone, else None
    (incremental). They may build on what earlier runs left only when the last successful dbt build
    ran this very dbt project; a failed build in between is harmless (each model's change is one
    transaction, and the next build derives what changed since what it finds)."""
    if rebuild:
        return "a rebuild was asked for (--rebuild / CW_REBUILD)"
    row = con.execute(
        """
        select dbt_fingerprint
        from audit.run_inputs
        where run_id <> ? and dbt_succeeded
        order by recorded_at desc
        limit 1
        """, [run_id]).fetchone()
    if row is None:
        return "no successful dbt build is recorded in this warehouse"
    if row[0] != inputs.dbt_code:
        return "the dbt project changed since the last successful dbt build"
    return None


def unchanged_since(con: duckdb.DuckDBPyConnection, run_id: str, inputs: RunInputs, serving: Path) -> str | None:
    """The id of the published run whose marts this run would rebuild identically, else None.

    Only the most recent earlier run that recorded inputs counts (a failed run in between may have
    left other marts in the warehouse), it must have published, and serving.duckdb must exist."""
    if not serving.exists():
        return None
    row = con.execute(
        """
        select i.run_id, i.inputs_fingerprint, r.status, r.published
        from audit.run_inputs as i
        left join audit.runs as r using (run_id)
        where i.run_id <> ?
        order by i.recorded_at desc
        limit 1
        """, [run_id]).fetchone()
    if row is None:
        return None
    previous, fingerprint, status, published = row
    return previous if fingerprint == inputs.fingerprint and status == "success" and published else None
