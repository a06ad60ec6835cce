"""End to end: `python -m orchestration run` on small demo data, read back from serving.duckdb."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import DBT_RUN_TARGETS
from orchestration.transform.project import DBT_PROJECT
from tests.conftest import run_cli
from tests.e2e.published import CONTRACT_TABLES, published_marts

pytestmark = pytest.mark.slow



def tables(serving: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    out: dict[str, set[str]] = {}
    for schema, table in rows:
        out.setdefault(schema, set()).add(table)
    return out


def snapshot(serving: Path) -> dict[str, list]:
    """Every published table's rows, except the run bookkeeping that changes by design."""
    out = {}
    with duckdb.connect(str(serving), read_only=True) as con:
        for schema, names in CONTRACT_TABLES.items():
            for name in sorted(names - {"runs", "check_results"}):
                cols = [c[0] for c in con.execute(f"describe {schema}.{name}").fetchall()
                        if c[0] not in ("run_id", "evaluated_at", "dbt_scd_id", "dbt_updated_at", "built_run_id")]
                out[f"{schema}.{name}"] = sorted(map(repr, con.execute(
                    f"select {', '.join(cols)} from {schema}.{name}").fetchall()))
    return out


def test_run_publishes_every_contract_table(published):
    warehouse, result = published
    serving = warehouse / "serving.duckdb"
    assert str(serving) in result.stdout
    found = tables(serving)
    for schema, names in CONTRACT_TABLES.items():
        assert names <= found.get(schema, set()), f"missing in {schema}: {names - found.get(schema, set())}"


def test_ui_shows_what_happened(published, dagster_home, monkeypatch):
    """Materializations carry rows loaded, class distributions and column lineage (as the UI shows them)."""
    import dagster as dg

    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with dg.DagsterInstance.get() as instance:
        def metadata(*path):
            return instance.get_latest_materialization_event(dg.AssetKey(list(path))).asset_materialization.metadata

        assert metadata("raw", "erp", "order_lines")["rows_loaded"].value > 0
        tier = metadata("marts", "customer_tier")
        assert "| A |" in tier["distribution_tier"].value and "guideline" in tier["distribution_tier"].value
        assert tier["dagster/row_count"].value > 0
        tier_column = next(c for c in tier["dagster/column_schema"].value.columns if c.name == "tier")
        assert tier_column.type == "VARCHAR" and tier_column.description
        actions = metadata("marts", "customer_actions")
        assert "| next_action |" in actions["distribution_next_action"].value
        assert "| primary_need |" in metadata("marts", "customer_needs")["distribution_primary_need"].value
        lineage = metadata("marts", "dim_customer")["dagster/column_lineage"].value.deps_by_column
        assert dg.AssetKey(["intermediate", "int_customers"]) in {dep.asset_key for dep in lineage["customer_name"]}
        assert metadata("publish", "serving_database")["bytes"].value > 0


def test_the_ui_shows_each_model_as_dbt_finishes_it(published, dagster_home, monkeypatch):
    """A model's materialization (with its facts: row count, lineage) is stored while dbt still runs, not
    when dbt exits: the staging and intermediate models' before dbt's last node finished."""
    from datetime import datetime

    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with dg.DagsterInstance.get() as instance:
        stored = {key: instance.get_latest_materialization_event(dg.AssetKey(list(key)))
                  for key in [("staging", "stg_crm__accounts"), ("intermediate", "int_identity_resolved")]}
    (run_id,) = {event.run_id for event in stored.values()}
    results = json.loads((DBT_PROJECT.project_dir / DBT_RUN_TARGETS / run_id / "run_results.json").read_text())
    last_node_done = max(datetime.fromisoformat(t["completed_at"].replace("Z", "+00:00")).timestamp()
                         for node in results["results"] for t in node["timing"])
    for key, event in stored.items():
        assert event.timestamp < last_node_done, f"{key} stored after dbt's last node"
        assert "dagster/column_lineage" in event.asset_materialization.metadata or key[0] == "staging"
    # every table's materialization carries its row count, not only the published ones'
    assert stored[("intermediate", "int_identity_resolved")].asset_materialization.metadata[
        "dagster/row_count"].value > 0


def test_report_is_written_next_to_serving(published):
    warehouse, _ = published
    html = (warehouse / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "http://" not in html and "https://" not in html


def test_every_customer_is_classified_with_run_and_rule_version(published):
    warehouse, _ = published
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        n_dim = con.execute("select count(*) from marts.dim_customer").fetchone()[0]
        n_cls, n_stamped = con.execute(
            "select count(*), count(*) filter (where run_id is not null and rule_version is not null) "
            "from marts.customer_classification").fetchone()
        run = con.execute("select status, published from audit.runs").fetchall()
    assert n_dim > 0 and n_cls == n_dim == n_stamped
    assert run == [("success", True)]


def _mart_run_ids(serving: Path) -> set[str]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return {r for (r,) in con.execute("select distinct run_id from marts.customer_classification").fetchall()}


def test_rerun_on_same_landing_changes_nothing_but_runs(published, demo_landing):
    """Same landing, same D: nothing is rebuilt, serving.duckdb is not touched at all (it already holds
    these marts), the run is recorded in the warehouse and says why it had nothing to do."""
    warehouse, _ = published
    serving = warehouse / "serving.duckdb"
    before, stamp = serving.read_bytes(), serving.stat().st_mtime_ns
    result = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inputs unchanged since run" in result.stdout and "up to date" in result.stdout
    assert "emitted no result" not in result.stderr
    assert serving.read_bytes() == before and serving.stat().st_mtime_ns == stamp
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("select status, published, mode from audit.runs order by started_at").fetchall()
        fingerprints = con.execute("select distinct inputs_fingerprint from audit.run_inputs").fetchall()
    assert runs[-2:] == [("success", True, "full"), ("success", False, "skip")]
    assert len(fingerprints) == 1
    newest_log = max((warehouse / "logs").glob("run-*.log"))
    assert "Running with dbt" not in newest_log.read_text()  # dbt was not started at all


def test_rebuild_flag_rebuilds_unchanged_inputs_identically(published_copy, demo_landing):
    """`--rebuild` runs dbt although nothing changed, the incremental models in full: new run id on the
    marts, same rows."""
    serving = published_copy / "serving.duckdb"
    before, built_by = snapshot(serving), _mart_run_ids(serving)
    result = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(published_copy), "--rebuild")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inputs unchanged" not in result.stdout
    assert snapshot(serving) == before
    assert _mart_run_ids(serving).isdisjoint(built_by)
    with duckdb.connect(str(published_copy / "warehouse.duckdb"), read_only=True) as con:  # incremental models too
        assert con.execute("select dbt_full_refresh, dbt_succeeded from audit.run_inputs "
                           "order by recorded_at desc limit 1").fetchone() == (True, True)


def test_an_incremental_run_publishes_what_a_full_build_publishes(published, demo_landing, tmp_path):
    """Last export day held back, then landed: the second run builds the order lines incrementally
    (new lines, re-sent versions, customers re-keyed by the new snapshots) and publishes exactly the
    marts a fresh warehouse builds from the whole landing in one go."""
    held_back = tmp_path / "landing"
    shutil.copytree(demo_landing, held_back)
    last_day = sorted(held_back.rglob("*_20251231.*"))
    assert len(last_day) == 9
    for path in last_day:
        path.unlink()
    warehouse = tmp_path / "wh"
    first = run_cli("run", "--landing", str(held_back), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_cli("run", "--landing", str(demo_landing), "--warehouse", str(warehouse))
    assert second.returncode == 0, second.stdout + second.stderr
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        nights = con.execute("select run_id, dbt_full_refresh from audit.run_inputs order by recorded_at").fetchall()
    assert [full for _, full in nights] == [True, False]
    assert not (warehouse / "warehouse.duckdb.wal").exists()  # the run's last connection checkpointed
    assert published_marts(warehouse / "serving.duckdb") == published_marts(published[0] / "serving.duckdb")
    # the second night's gate tests read what was written since the first night's build, the first's every row
    # (dbt_project/macros/testing/verified_scope.sql)
    key_test = "unique_key_combination_fct_order_lines_order_no__line_no.sql"
    compiled = [next((DBT_PROJECT.project_dir / DBT_RUN_TARGETS / run_id).rglob(key_test)).read_text()
                for run_id, _ in nights]
    assert "audit.run_inputs" not in compiled[0] and f"run_id = '{nights[0][0]}'" in compiled[1]
    # the first night's dbt parses in full; the second's starts from the state the first saved, which dbt
    # finds valid (transform/parse_state.py)
    results = [json.loads((DBT_PROJECT.project_dir / DBT_RUN_TARGETS / run_id / "run_results.json").read_text())
               for run_id, _ in nights]
    assert [r["args"]["partial_parse"] for r in results] == [False, True]
    # the full build's queries had the warehouse's two DuckDB threads each, the incremental build's one each
    # beside dbt's other thread; set by the build's first statement, not the profile, which would have cost the
    # second night a full parse (macros/query_threads.sql)
    first_statements = [next(n["compiled_code"] for n in r["results"] if n["unique_id"].endswith("-on-run-start-0"))
                        for r in results]
    assert first_statements == ["set threads = 2", "set threads = 1"]
    # where the step compares the nodes dbt parsed with the code location's (transform/project.py lost_nodes)
    assert all((DBT_PROJECT.project_dir / DBT_RUN_TARGETS / run_id / "manifest.json").is_file() for run_id, _ in nights)
    second_log = max((warehouse / "logs").glob("run-*.log"), key=lambda p: p.stat().st_mtime)
    assert "Unable to do partial parsing" not in second_log.read_text()


def test_a_subset_of_the_models_does_not_vouch_for_the_incremental_ones(published_copy, demo_landing):
    """Models picked in the UI (a subset of the dbt asset) succeed, but they left the incremental
    models out: the build is not recorded as a successful dbt build, so a changed project would still
    rebuild those in full."""
    from orchestration.definitions import build_definitions
    from orchestration.settings import Settings

    # inputs are unchanged: --rebuild forces dbt
    defs = build_definitions(Settings(landing_dir=demo_landing, warehouse_dir=published_copy, rebuild=True))
    tier = dg.AssetKey(["marts", "customer_tier"])
    result = dg.materialize([defs.get_assets_def(tier)], selection=[tier], raise_on_error=False,
                            resources=defs.resources, instance=dg.DagsterInstance.ephemeral(),
                            partition_key="2025-12-31")
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {tier}
    with duckdb.connect(str(published_copy / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select dbt_succeeded from audit.run_inputs where run_id = ?",
                           [result.run_id]).fetchone() == (False,)


def _deliver_spoiled_order_lines(demo_landing: Path, landing: Path, spoil) -> None:
    """A copy of the landing plus one more order-lines export (a later date), spoiled by `spoil`."""
    shutil.copytree(demo_landing, landing)
    newest = sorted((landing / "erp" / "order_lines").glob("order_lines_*.csv"))[-1]
    lines = newest.read_bytes().decode("gb18030").split("\n")
    header = [name.strip('"') for name in lines[0].split(",")]
    spoil(header, lines)
    (newest.parent / "order_lines_29991231.csv").write_bytes("\n".join(lines).encode("gb18030"))


def _set_field(header: list[str], lines: list[str], column: str, value, every: int) -> None:
    col = header.index(column)
    for i in range(1, len(lines), every):
        fields = lines[i].split(",")
        if len(fields) == len(header):
            fields[col] = value(fields[col])
            lines[i] = ",".join(fields)


def test_error_check_blocks_publish_and_leaves_serving_untouched(demo_landing, published_copy, tmp_path):
    """Order lines with a negative unit price: the run fails, names the check, publishes nothing; so does the
    next run, until `--accept-held-files` publishes the file as it is."""
    landing = tmp_path / "landing"
    _deliver_spoiled_order_lines(demo_landing, landing, lambda header, lines: _set_field(
        header, lines, "unit_price", lambda v: "-" + v.lstrip("-"), every=len(lines)))
    serving = published_copy / "serving.duckdb"
    before = serving.read_bytes()
    result = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT published" in result.stderr
    assert "unit_price" in result.stderr  # the failed check is named, with its evidence
    assert serving.read_bytes() == before
    with duckdb.connect(str(published_copy / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select status, published from audit.runs order by started_at desc limit 1"
                           ).fetchone() == ("failed", False)
    # the file stays loaded: the next run checks it again (held) instead of publishing it unchecked ...
    again = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy))
    assert again.returncode == 1, again.stdout + again.stderr
    assert "unit_price" in again.stderr and serving.read_bytes() == before
    # ... until an operator accepts it as it is
    accepted = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy), "--accept-held-files")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_order_lines where unit_price < 0").fetchone()[0] >= 1
    with duckdb.connect(str(published_copy / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select gate_overrides, published from audit.runs order by started_at desc limit 1"
                           ).fetchone() == ("accept_held_files", True)


def test_a_broken_export_over_the_quarantine_share_fails_the_run(demo_landing, published_copy, tmp_path):
    """More than 5% of an order-lines file unparseable: blocked, nothing published, the check is named."""
    landing = tmp_path / "landing"
    _deliver_spoiled_order_lines(demo_landing, landing, lambda header, lines: _set_field(
        header, lines, "order_date", lambda v: "2025-13-45", every=10))
    serving = published_copy / "serving.duckdb"
    before = serving.read_bytes()
    result = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "quarantine_rate" in result.stderr
    assert serving.read_bytes() == before
    again = run_cli("run", "--landing", str(landing), "--warehouse", str(published_copy))  # nothing new: still held
    assert again.returncode == 1, again.stdout + again.stderr
    assert "quarantine_rate" in again.stderr and "held from earlier runs" in again.stderr
    assert serving.read_bytes() == before


def test_missing_landing_directory_is_a_clear_error(tmp_path):
    result = run_cli("run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_marts_hold_no_contact_names_mobiles_or_emails(published):
    """Contact PII stays in the working warehouse; no text column of schema marts carries it."""
    warehouse, _ = published
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        pii = {v for (v,) in con.execute(
            "select distinct v from (select full_name as v from staging.stg_crm__contacts union all "
            "select mobile from staging.stg_crm__contacts union all select email from staging.stg_crm__contacts) "
            "where v is not null and length(v) >= 2").fetchall()}
        # sales reps are the supplier's own staff, not contacts; common names can be shared
        staff = {v for (v,) in con.execute("select distinct account_owner from staging.stg_crm__accounts").fetchall()}
    pii -= staff
    assert len(pii) > 100  # the demo data has contacts with names, mobiles and emails
    with duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True) as con:
        columns = con.execute("select table_name, column_name from information_schema.columns "
                              "where table_schema = 'marts' and data_type = 'VARCHAR'").fetchall()
        leaks = []
        for table, column in columns:
            values = {v for (v,) in con.execute(f'select distinct "{column}" from marts."{table}"').fetchall()}
            leaks += [(table, column, v) for v in values & pii]
    assert leaks == []
