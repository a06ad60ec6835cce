"""dbt's saved parse state is kept per connection profile and project files: a run on a warehouse starts from
the state the last run on that warehouse left, never from another warehouse's (whose sources point elsewhere)
nor from one parsed before the project was edited (dbt's partial parse of an edit loses the YAML snapshot).
The code location's manifest is parsed in full and must hold every model, seed and snapshot of the project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.control.fingerprint import DBT_PROJECT_GLOBS, files_of
from orchestration.transform import parse_state
from orchestration.transform.project import declared_nodes, ensure_manifest, lost_nodes, missing_nodes

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
    assert not parse_state.restore(states, a, "p1", first)  # nothing saved yet: dbt parses in full
    first.mkdir(parents=True)
    (first / parse_state.STATE_FILE).write_bytes(b"state of /a")
    parse_state.keep(states, a, "p1", first)

    second, other, edited = (tmp_path / "runs" / n for n in ("2", "3", "4"))
    assert parse_state.restore(states, a, "p1", second)
    assert (second / parse_state.STATE_FILE).read_bytes() == b"state of /a"
    assert not parse_state.restore(states, b, "p1", other)
    assert not (other / parse_state.STATE_FILE).exists()
    assert not parse_state.restore(states, a, "p2", edited)  # the project was edited since: a full parse
    assert not (edited / parse_state.STATE_FILE).exists()
    parse_state.forget(states, a, "p1")  # a parse from it lost a node
    assert not parse_state.restore(states, a, "p1", edited)


def test_only_the_newest_profiles_are_kept(tmp_path):
    states = tmp_path / "states"
    run = tmp_path / "run"
    run.mkdir()
    (run / parse_state.STATE_FILE).write_bytes(b"x")
    keys = [parse_state.profile_key(_env(f"/w{i}")) for i in range(parse_state.KEEP_STATES + 3)]
    for age, key in enumerate(keys):
        parse_state.keep(states, key, "p1", run)
        os.utime(next(states.glob(f"{key}-*.msgpack")), (1000 + age, 1000 + age))
    kept = {p.stem.split("-")[0] for p in states.glob("*.msgpack")}
    assert len(kept) == parse_state.KEEP_STATES and keys[-1] in kept and keys[0] not in kept
    assert not list(states.glob(".*"))  # no partial copies left behind


def _parse(target: Path, warehouse: Path, as_of: str, run_id: str, project: Path = DBT_PROJECT) -> str:
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(warehouse), "CW_AS_OF": as_of, "CW_RUN_ID": run_id}
    cmd = [str(DBT), "--debug", "parse", "--project-dir", str(project), "--profiles-dir", str(project),
           "--target-path", str(target)]
    result = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300)
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


def _copy_project(tmp_path: Path) -> Path:
    copy = tmp_path / "dbt_project"
    for path in files_of(DBT_PROJECT, DBT_PROJECT_GLOBS):
        (copy / path.relative_to(DBT_PROJECT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy / path.relative_to(DBT_PROJECT))
    shutil.copy2(DBT_PROJECT / "profiles.yml", copy / "profiles.yml")
    return copy


def _nodes(target: Path) -> set[str]:
    return set(json.loads((target / "manifest.json").read_text())["nodes"])


def test_the_first_run_after_an_edit_parses_in_full(tmp_path):
    """A one-line edit of the macro every data test calls: dbt 1.11's partial parse from the state saved
    before it drops the YAML snapshot dim_customer_history and its tests (dbt-core #10903, #15785), and
    every later run would find nothing changed. The state is not handed over: the run parses in full."""
    project, warehouse, states = _copy_project(tmp_path), tmp_path / "warehouse", tmp_path / "states"
    env = _env(str(warehouse))
    key = parse_state.profile_key(env)
    first, second = tmp_path / "runs" / "1", tmp_path / "runs" / "2"
    _parse(first, warehouse, "2026-01-01", "night-1", project)
    parse_state.keep(states, key, "before the edit", first)  # (the plan's dbt fingerprint: test_fingerprint.py)
    snapshot = "snapshot.customer_warehouse.dim_customer_history"
    assert snapshot in _nodes(first)

    with open(project / "macros" / "testing" / "verified_scope.sql", "a", encoding="utf-8") as macro:
        macro.write("{# an edit #}\n")
    parse_state.restore(states, key, "after the edit", second)
    _parse(second, warehouse, "2026-01-02", "night-2", project)
    assert _nodes(second) == _nodes(first)


def test_the_code_location_parses_again_a_manifest_without_a_declared_node(tmp_path):
    """A manifest newer than every project file but without the snapshot (as a partial parse leaves it)
    is parsed again, in full, before Dagster builds its asset graph from it."""
    project = DbtProject(project_dir=_copy_project(tmp_path), profiles_dir=tmp_path / "dbt_project")
    ensure_manifest(project)
    manifest = json.loads(project.manifest_path.read_text())
    assert missing_nodes(manifest, project.project_dir) == []
    snapshot = "snapshot.customer_warehouse.dim_customer_history"
    del manifest["nodes"][snapshot]
    project.manifest_path.write_text(json.dumps(manifest))
    assert missing_nodes(manifest, project.project_dir) == ["snapshot dim_customer_history"]

    ensure_manifest(project)
    assert snapshot in json.loads(project.manifest_path.read_text())["nodes"]


def test_every_model_seed_and_snapshot_of_the_project_is_in_the_manifest(dbt_manifest):
    declared = declared_nodes(DBT_PROJECT)
    assert ("snapshot", "dim_customer_history") in declared and ("seed", "classification_rules") in declared
    built = [n for n in dbt_manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "snapshot")]
    assert len(declared) == len(built)  # the others: tests, and the on-run-start hook (dbt_project.yml)
    assert missing_nodes(dbt_manifest, DBT_PROJECT) == []


def test_a_run_whose_parse_lost_a_node_is_named(tmp_path):
    manifest = {"nodes": {"model.p.a": {}, "snapshot.p.s": {}}}
    run_manifest = tmp_path / "manifest.json"
    assert lost_nodes(run_manifest, manifest) == []  # dbt wrote none: it failed before, and said why
    run_manifest.write_text(json.dumps({"nodes": {"model.p.a": {}}}))
    assert lost_nodes(run_manifest, manifest) == ["snapshot.p.s"]
