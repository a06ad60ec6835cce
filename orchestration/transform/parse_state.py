"""dbt's saved parse state, kept per connection profile and project files, so that a run re-parses only
what changed.

dbt parses the whole project again (3–5 s at this size, every run) when its saved state
(`partial_parse.msgpack`) was written under another profile: the state's profile hash covers the DuckDB
path and settings, and the sources' Parquet locations render `CW_WAREHOUSE_DIR`. The state dagster-dbt
hands a run (`target/partial_parse.msgpack`, from the code location's `dbt parse` with the default
profile) never matches a run's warehouse. So a run's target starts from the state the last run on the
same profile left, and hands its own back once dbt has exited. dbt still checks every file's hash, the
vars and the environment variables a file reads, and re-parses what differs.

A state is only handed to a run whose project files are the ones it was parsed from (the run plan's
fingerprint of the dbt project, control/fingerprint.py, is part of its name); a run without one builds with
`--no-partial-parse` (so neither from the code location's state): after any edit of the project, the first run
on each profile parses in full. dbt's partial parse of an edited project is not trusted because it is wrong
for this project: after a one-line edit of a macro every data test calls
(`macros/testing/verified_scope.sql`), dbt 1.11 re-parses the tests and drops the YAML-defined snapshot
`dim_customer_history` and its tests from the manifest (dbt-core #10903 / #11444 / #15785: YAML snapshots
under partial parsing), and every later run would find "nothing changed" and never build it again. A full
parse costs 3-5 s once per edit.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

#: What profiles.yml reads from the environment (the profile hash dbt compares), and the sources' paths.
PROFILE_ENV = ("CW_WAREHOUSE_DIR", "CW_DBT_THREADS", "CW_DUCKDB_THREADS", "CW_DUCKDB_MEMORY_LIMIT")
STATE_FILE = "partial_parse.msgpack"
#: Where the states are kept, relative to the dbt project (beside dbt's own target artifacts).
STATES = Path("target") / "parse_states"
KEEP_STATES = 10


def profile_key(env: Mapping[str, str]) -> str:
    """The profile a dbt process will connect with, as a short stable key."""
    text = "\n".join(f"{name}={env.get(name, '')}" for name in PROFILE_ENV)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def restore(states: Path, key: str, fingerprint: str, run_target: Path) -> bool:
    """Start `run_target` from the state saved for `key` by a run on the same project files (`fingerprint`);
    False when there is none (dbt parses in full)."""
    saved = _saved(states, key, fingerprint)
    if not saved.is_file():
        return False
    run_target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, run_target / STATE_FILE)
    return True


def keep(states: Path, key: str, fingerprint: str, run_target: Path) -> None:
    """Save the state dbt wrote in `run_target` for the next run on the same profile and project files
    (atomically: runs on other warehouses may save theirs at the same time); keep the newest KEEP_STATES."""
    written = run_target / STATE_FILE
    if not written.is_file():
        return
    states.mkdir(parents=True, exist_ok=True)
    partial = states / f".{key}.{os.getpid()}.tmp"
    shutil.copyfile(written, partial)
    os.replace(partial, _saved(states, key, fingerprint))
    saved = sorted(states.glob("*.msgpack"), key=_mtime, reverse=True)
    for old in saved[KEEP_STATES:]:
        old.unlink(missing_ok=True)


def forget(states: Path, key: str, fingerprint: str) -> None:
    """Drop the state saved for `key` and `fingerprint` (a parse from it lost a node): the next run parses in
    full."""
    _saved(states, key, fingerprint).unlink(missing_ok=True)


def _saved(states: Path, key: str, fingerprint: str) -> Path:
    return states / f"{key}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}.msgpack"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # pruned by another run meanwhile
        return 0.0
