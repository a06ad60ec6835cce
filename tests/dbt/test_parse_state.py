"""dbt's saved parse state is kept per connection profile: a run on a warehouse starts from the state the
last run on that warehouse left, never from another warehouse's (whose sources point elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.transform import parse_state

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")


def _env(warehouse: str, threads: str = "2") -> dict[str, str]:
    return {"CW_WAREHOUSE_DIR": warehouse, "CW_DUCKDB_THREADS": threads, "CW_RUN_ID": "ignored"}


def test_the_key_follows_the_profile_not_the_run():
    assert parse_state.profile_key(_env("/a")) == parse_state.profile_key({**_env("/a"), "CW_RUN_ID": "other",
                                                                           "CW_AS_OF": "2026-01-02"})
    assert parse_state.profile_key(_env("/a")) != parse_state.profile_key(_env("/b"))
    assert parse_state.profile_key(_env("/a")) != parse_state.profile_key(_env("/a", threads="4"))


def test_a_run_starts_from_the_state_its_profile_left(tmp_path):
    states = tmp_path / "states"
    a, b = parse_state.profile_key(_env("/a")), parse_state.profile_key(_env("/b"))
    first = tmp_path / "runs" / "1"
    assert not parse_state.restore(states, a, first)  # nothing saved yet: dbt parses in full
    first.mkdir(parents=True)
    (first / parse_state.STATE_FILE).write_bytes(b"state of /a")
    parse_state.keep(states, a, first)

    second, other = tmp_path / "runs" / "2", tmp_path / "runs" / "3"
    assert parse_state.restore(states, a, second)
    assert (second / parse_state.STATE_FILE).read_bytes() == b"state of /a"
    assert not parse_state.restore(states, b, other)
    assert not (other / parse_state.STATE_FILE).exists()


def test_only_the_newest_profiles_are_kept(tmp_path):
    states = tmp_path / "states"
    run = tmp_path / "run"
    run.mkdir()
    (run / parse_state.STATE_FILE).write_bytes(b"x")
    keys = [parse_state.profile_key(_env(f"/w{i}")) for i in range(parse_state.KEEP_STATES + 3)]
    for age, key in enumerate(keys):
        parse_state.keep(states, key, run)
        os.utime(states / f"{key}.msgpack", (1000 + age, 1000 + age))
    kept = {p.stem for p in states.glob("*.msgpack")}
    assert len(kept) == parse_state.KEEP_STATES and keys[-1] in kept and keys[0] not in kept
    assert not list(states.glob(".*"))  # no partial copies left behind


def _parse(target: Path, warehouse: Path, as_of: str, run_id: str) -> str:
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(warehouse), "CW_AS_OF": as_of, "CW_RUN_ID": run_id}
    cmd = [str(DBT), "--debug", "parse", "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
           "--target-path", str(target)]
    result = subprocess.run(cmd, cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result.stdout


def test_the_next_night_re_parses_no_file(tmp_path):
    """Each night has its own D and run id; dbt re-parses any file that read a changed environment
    variable while parsing. The run-context macros read them only when dbt executes, so the next
    night's parse finds nothing to re-parse (it cost ~1.3 s every night when they were read at parse)."""
    target, warehouse = tmp_path / "target", tmp_path / "warehouse"
    _parse(target, warehouse, "2026-01-01", "night-1")
    second = _parse(target, warehouse, "2026-01-02", "night-2")
    assert "Partial parsing enabled, no changes found, skipping parsing" in second, \
        [line for line in second.splitlines() if "artial pars" in line]
