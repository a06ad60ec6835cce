"""dbt's saved parse state is kept per connection profile: a run on a warehouse starts from the state the
last run on that warehouse left, never from another warehouse's (whose sources point elsewhere)."""

from __future__ import annotations

import os

from orchestration.transform import parse_state


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
