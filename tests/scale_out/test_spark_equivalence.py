"""The same dbt project on Apache Spark gives the same answers as on DuckDB (issue #15).

One demo landing (the project's own generator, 200 customers), ingested and built by the nightly pipeline on
DuckDB; then the whole dbt project built on a local Spark session over the same raw zone (models, seeds,
snapshot and data tests). Every published table must equal the DuckDB build's row for row (compare.py: money
to the cent, dates, booleans, NULLs), every dbt data test must end as it did on DuckDB, the GX suites of the
published tables must pass and fail alike, and serving.duckdb written from the Spark tables must hold the
customer-level marts (the big facts stay in the lake). Then the next day's delivery: an incremental run on
DuckDB and an incremental build on Spark (insert_overwrite of the new D's history partition, the snapshot's
second version) give the same tables again, both dates of the history included.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest

pytest.importorskip("pyspark", reason="the scale-out environment (make test-scale-out)")

from orchestration.audit import writes  # noqa: E402
from orchestration.control.serving_state import read_publication  # noqa: E402
from orchestration.scale_out.compare import compare_builds  # noqa: E402
from orchestration.scale_out.lake import lake_dir, lake_tables, parquet_scan  # noqa: E402
from orchestration.scale_out.publish import LAKE_FACTS, publish_from_lake  # noqa: E402
from orchestration.scale_out.spark_build import build_on_spark  # noqa: E402
from orchestration.scale_out.suites import validate_published  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR  # noqa: E402
from tests.conftest import run_cli  # noqa: E402

AS_OF = date(2025, 12, 31)
NEXT_DAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark")
    landing, warehouse = root / "landing", root / "wh"
    made = run_cli("demo-data", "--out", str(landing), "--customers", "200", "--seed", "5")
    assert made.returncode == 0, made.stderr
    duck = run_cli("run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF.isoformat())
    assert duck.returncode == 0, duck.stdout + duck.stderr
    con = duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True)
    run_id, rule_version = con.execute("select run_id, rule_version from audit.publication").fetchone()
    con.close()
    spark = build_on_spark(warehouse, AS_OF, run_id, log=root / "spark-build.log")
    (root / "timings.json").write_text(json.dumps(spark.seconds))
    return warehouse, run_id, rule_version, spark, landing


def test_every_dbt_node_ends_as_on_duckdb(builds):
    warehouse, run_id, _, spark, _ = builds
    duck_results = json.loads((DBT_PROJECT_DIR / "target" / "runs" / run_id / "run_results.json").read_text())
    duck = {r["unique_id"]: r["status"] for r in duck_results["results"]}
    assert not {n: s for n, s in spark.failed.items() if s != "warn"}, spark.failed
    assert spark.results == duck, {n: (s, spark.results.get(n)) for n, s in duck.items() if spark.results.get(n) != s}
    # the data tests that warn on the demo data warn on both engines: the tests really ran on Spark
    assert "warn" in spark.results.values()


def test_every_published_table_equals_the_duckdb_build(builds):
    warehouse, *_ = builds
    diffs = compare_builds(warehouse / "warehouse.duckdb", lake_dir(warehouse))
    assert len(diffs) >= 15
    assert [d for d in diffs if not d.equal] == []
    assert all(d.duckdb_rows > 0 for d in diffs), [(d.table, d.duckdb_rows) for d in diffs]


def test_gx_suites_of_the_published_tables_agree(builds):
    warehouse, *_ = builds
    lake = lake_dir(warehouse)
    con = duckdb.connect()
    con.execute(f"attach '{warehouse / 'warehouse.duckdb'}' as wh (read_only)")
    try:
        duck = validate_published(con, lambda s, t: f'wh.{s}."{t}"', EXPECTATIONS_DIR)
        spark = validate_published(con, lambda s, t: parquet_scan(lake, s, t), EXPECTATIONS_DIR)
    finally:
        con.close()
    assert len(spark) >= 15
    assert {k: o.passed for k, o in spark.items()} == {k: o.passed for k, o in duck.items()}
    assert all(o.passed for (_, severity), o in spark.items() if severity == "error"), \
        {k: o.observed for k, o in spark.items() if not o.passed}


def test_serving_is_published_from_the_spark_tables(builds, tmp_path):
    warehouse, run_id, rule_version, _, _ = builds
    lake = lake_dir(warehouse)
    serving = tmp_path / "serving.duckdb"
    published = publish_from_lake(warehouse / "warehouse.duckdb", lake, serving, run_id, AS_OF, rule_version)
    customer_marts = [t for t in lake_tables(lake, "marts") if t not in LAKE_FACTS]
    assert {f"marts.{t}" for t in customer_marts} <= set(published.tables)
    assert not {f"marts.{t}" for t in LAKE_FACTS} & set(published.tables)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        con.execute(f"attach '{warehouse / 'serving.duckdb'}' as duck (read_only)")
        for table in ("customer_profile", "customer_classification", "segment_summary"):
            # by name: the DuckDB build orders a contracted table's columns as its yml, Spark as its select
            columns = ", ".join(f'"{c}"' for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'duck' and schema_name = 'marts' "
                "and table_name = ? and column_name <> 'run_id' order by column_index", [table]).fetchall())
            mine = f'select {columns} from marts."{table}"'
            theirs = f'select {columns} from duck.marts."{table}"'
            assert con.execute(f"select count(*) from ({mine} except all {theirs})").fetchone()[0] == 0, table
            assert con.execute(f"select count(*) from ({theirs} except all {mine})").fetchone()[0] == 0, table
        assert con.execute("select run_id, kind from audit.publication").fetchone() == (run_id, "full")
        assert con.execute("select count(*) from audit.identity_map").fetchone()[0] > 0
    finally:
        con.close()
    # the facts stay in the lake, readable as Parquet
    lines = duckdb.sql(f"select count(*) from {parquet_scan(lake, 'marts', 'fct_order_lines')}").fetchone()[0]
    assert lines > 1000


def test_a_publish_from_the_lake_after_the_clock_was_set_back_is_still_the_newest(builds, tmp_path, monkeypatch):
    """As on the DuckDB path: a publication is newer than the one it replaces whatever the clock reads (the
    archives are kept and pruned in that order)."""
    warehouse, run_id, rule_version, _, _ = builds
    serving = tmp_path / "serving.duckdb"
    publish_from_lake(warehouse / "warehouse.duckdb", lake_dir(warehouse), serving, run_id, AS_OF, rule_version)
    live = read_publication(serving)
    monkeypatch.setattr(writes, "utc_now", lambda: live.published_at - timedelta(hours=2))  # the clock set back
    publish_from_lake(warehouse / "warehouse.duckdb", lake_dir(warehouse), serving, run_id, AS_OF, rule_version)
    assert read_publication(serving).published_at > live.published_at


def test_the_next_night_incremental_on_both_engines_gives_the_same_tables(builds):
    warehouse, _, _, _, landing = builds
    nextday = run_cli("demo-data", "--out", str(landing), "--next-day")
    assert nextday.returncode == 0, nextday.stderr
    duck = run_cli("run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", NEXT_DAY.isoformat())
    assert duck.returncode == 0, duck.stdout + duck.stderr
    con = duckdb.connect(str(warehouse / "serving.duckdb"), read_only=True)
    run_id, mode = con.execute("select r.run_id, r.mode from audit.publication as p inner join audit.runs as r "
                               "on r.run_id = p.run_id").fetchone()
    con.close()
    assert mode == "incremental"
    spark = build_on_spark(warehouse, NEXT_DAY, run_id, full_refresh=False)
    assert not {n: s for n, s in spark.failed.items() if s != "warn"}, spark.failed
    diffs = compare_builds(warehouse / "warehouse.duckdb", lake_dir(warehouse))
    assert [d for d in diffs if not d.equal] == []
    history = parquet_scan(lake_dir(warehouse), "marts", "customer_classification_history")
    dates = duckdb.sql(f"select distinct cast(as_of_date as varchar) from {history} order by 1").fetchall()
    assert dates == [(AS_OF.isoformat(),), (NEXT_DAY.isoformat(),)]
