"""Classification rules are data: dbt builds of the classification marts on small stand-in core
models, in a temporary copy of the dbt project.

- changing a threshold in seed `classification_rules` (a new rule version) changes the tier and
  the rule_version stamped on the rows, with no code change;
- customer_classification_history keeps one partition per as-of date, and re-running a date
  replaces that partition only; a full refresh keeps it, and columns added to it are appended;
- the needs and playbook marts build on the same stand-ins (their rule boundaries are dbt unit tests).

The core models (dim_customer, fct_*) are replaced by stand-ins built from rows defined here, so
these tests exercise only the classification models, macros and seeds of the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
D = "2025-12-31"

# (customer_key, industry, customer_name, province, city, sales_owner)
CUSTOMERS = [("c_big", "apparel", "大华纺织", "江苏", "苏州", "王伟"),
             ("c_mid", "retail", "小商店", "浙江", "杭州", "李娜"),
             ("c_none", "retail", "新客户", "上海", "上海", "王伟")]
# (order_no, customer_key, order_date, sku, quantity, net_amount_cny, status)
ORDER_LINES = [
    ("o1", "c_big", "2025-03-01", "s1", 10, "120000.00", "shipped"),
    ("o2", "c_mid", "2025-12-31", "s1", 5, "60000.00", "open"),
    ("o3", "c_mid", "2024-12-31", "s1", 5, "99999.00", "shipped"),  # D-365: prior 12 months only
    ("o4", "c_none", "2025-05-01", "s1", 5, "99999.00", "cancelled"),
]
# every seed holding rows per rule version (a new version needs rows in each)
VERSIONED_SEEDS = ("classification_rules.csv", "rfm_cut_points.csv", "industry_expected_needs.csv",
                   "service_levels.csv", "service_playbook.csv")


def _values(rows: list[tuple], columns: list[str], types: list[str]) -> str:
    def literal(value):
        return "null" if value is None else "'" + str(value).replace("'", "''") + "'"

    selects = [
        "select " + ", ".join(f"cast({literal(v)} as {t}) as {c}" for v, c, t in zip(row, columns, types, strict=True))
        for row in rows
    ]
    return "\nunion all\n".join(selects)


def _fct_order_lines(order_lines: list[tuple], unit_cost: str = "10.00") -> str:
    """The stand-in fct_order_lines of ORDER_LINES-shaped rows: one line per order, unit price x
    quantity = net amount (no discount, CNY), one unit cost for every product."""
    counted = ("open", "shipped", "returned")
    lines = [(line[0], "1", *line[1:], line[-1] in counted, unit_cost, str(float(line[5]) / line[4]), "0", "1")
             for line in order_lines]
    return _values(
        lines,
        ["order_no", "line_no", "customer_key", "order_date", "sku", "quantity", "net_amount_cny", "status",
         "is_counted", "unit_cost_cny", "unit_price", "discount_rate", "fx_rate"],
        ["varchar", "varchar", "varchar", "date", "varchar", "bigint", "decimal(18,2)", "varchar", "boolean",
         "decimal(18,4)", "decimal(18,6)", "decimal(18,6)", "decimal(18,6)"],
    )


def _stand_in_models() -> dict[str, str]:
    """Core models with the columns the classification models read (interface.md)."""
    return {
        "dim_customer": _values(CUSTOMERS, ["customer_key", "industry", "customer_name", "province", "city",
                                            "sales_owner"], ["varchar"] * 6),
        "fct_order_lines": _fct_order_lines(ORDER_LINES),
        "stg_erp__products": _values([("s1", "牛仔布", "premium")], ["sku", "product_line", "grade"],
                                     ["varchar", "varchar", "varchar"]),
        "fct_invoices": _values(
            [("i1", "c_none", "2025-01-01", "2025-01-31", None, "10.00")],
            ["invoice_no", "customer_key", "invoice_date", "due_date", "paid_date", "amount_cny"],
            ["varchar", "varchar", "date", "date", "date", "decimal(18,2)"],
        ),
        "fct_interactions": _values(
            [("x1", "c_big", "crm", "Service Request", "2025-12-01", False, 4)],
            ["interaction_id", "customer_key", "source", "interaction_type", "interaction_date", "is_complaint",
             "satisfaction"],
            ["varchar", "varchar", "varchar", "varchar", "date", "boolean", "integer"],
        ),
        # read by the as_of_date() macro only when no D is given (every build here gives one)
        "stg_erp__order_lines": _values([("2025-12-31",)], ["order_date"], ["date"]),
    }


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the classification part of the dbt project with stand-in core models."""
    proj = tmp_path / "dbt_project"
    (proj / "macros").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(DBT_PROJECT / name, proj / name)
    for name in ("as_of_date.sql", "generate_schema_name.sql", "incremental_build.sql", "cte_not_materialized.sql",
                 "query_threads.sql", "node_metadata.sql"):
        shutil.copy(DBT_PROJECT / "macros" / name, proj / "macros" / name)
    for folder in ("classification", "testing"):
        shutil.copytree(DBT_PROJECT / "macros" / folder, proj / "macros" / folder)
    (proj / "seeds").mkdir()
    for name in (*VERSIONED_SEEDS, "_classification__seeds.yml"):
        shutil.copy(DBT_PROJECT / "seeds" / name, proj / "seeds" / name)
    for folder in ("models/marts/classification", "models/intermediate/classification"):
        shutil.copytree(DBT_PROJECT / folder, proj / folder)
    core = proj / "models" / "marts" / "core"
    core.mkdir(parents=True)
    for name, sql in _stand_in_models().items():
        (core / f"{name}.sql").write_text(sql + "\n", encoding="utf-8")
    (tmp_path / "warehouse").mkdir()
    return proj


def _dbt_build(project: Path, as_of: str, run_id: str, full_refresh: bool = False, data_tests: bool = True,
               select: str | None = None) -> None:
    """`dbt build` for D (seeds and models, with their data tests unless `data_tests` is false; the
    nodes of `select` only when given). D and the run id go through the environment, as the pipeline
    passes them, so that dbt's partial parse holds from one build to the next."""
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(project.parent / "warehouse"), "CW_AS_OF": as_of,
           "CW_RUN_ID": run_id}
    cmd = [str(DBT), "build", "--project-dir", str(project), "--profiles-dir", str(project),
           "--exclude-resource-type", "unit_test", *([] if data_tests else ["--exclude-resource-type", "test"]),
           *(["--select", select] if select else []), *(["--full-refresh"] if full_refresh else [])]
    result = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
    assert result.returncode == 0, "\n".join(failures[:20]) + result.stderr[-2000:]


def _query(project: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(project.parent / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _classes(project: Path) -> dict[str, tuple]:
    rows = _query(project, "select customer_key, tier, lifecycle_stage, rule_version "
                           "from marts.customer_classification")
    return {key: tuple(rest) for key, *rest in rows}


def test_threshold_change_in_seed_changes_tier_and_rule_version(project: Path) -> None:
    _dbt_build(project, D, "run_v1")
    # c_big: last order 305 days before D (dormant); c_mid: first order D-365 (not new)
    assert _classes(project) == {"c_big": ("A", "dormant", "v1"), "c_mid": ("B", "active", "v1"),
                      "c_none": (None, "prospect", "v1")}
    # needs: both buyers bought premium goods only (quality); apparel expects quality, retail price
    assert _query(project, "select customer_key, primary_need, needs_match from marts.customer_needs order by 1") == [
        ("c_big", "quality", True), ("c_mid", "quality", False)]
    # actions: c_big dormant; c_mid important and active; c_none a prospect with an invoice 334 days overdue
    assert _query(project, "select customer_key, next_action, action_owner from marts.customer_actions order by 1") == [
        ("c_big", "win_back", "王伟"), ("c_mid", "none", "李娜"), ("c_none", "collect_receivables", "王伟")]

    for name in VERSIONED_SEEDS:  # a version needs its rows in every versioned seed
        seed = project / "seeds" / name
        seed.write_text(seed.read_text(encoding="utf-8").replace("\nv1,", "\nv2,"), encoding="utf-8")
    seed = project / "seeds" / "classification_rules.csv"
    text = seed.read_text(encoding="utf-8").replace("v2,2000-01-01,tier_a_above,100000,",
                                                    "v2,2000-01-01,tier_a_above,150000,")
    assert "tier_a_above,150000," in text
    seed.write_text(text, encoding="utf-8")

    _dbt_build(project, D, "run_v2")
    assert _classes(project) == {"c_big": ("B", "dormant", "v2"), "c_mid": ("B", "active", "v2"),
                     "c_none": (None, "prospect", "v2")}


def test_history_keeps_one_partition_per_date_and_rerun_replaces_it(project: Path) -> None:
    _dbt_build(project, D, "first", data_tests=False)
    # a warehouse from before the needs and playbook columns were added to the history
    with duckdb.connect(str(project.parent / "warehouse" / "warehouse.duckdb")) as con:
        for column in ("primary_need", "service_level", "next_action"):
            con.execute(f"alter table marts.customer_classification_history drop column {column}")
    # a full refresh (the pipeline's after any change of the dbt project) keeps the history and
    # appends the new columns, NULL on the rows published before them
    _dbt_build(project, "2025-06-30", "second", full_refresh=True, data_tests=False)
    actions = _query(project, """
        select cast(as_of_date as varchar), count(next_action), count(service_level)
        from marts.customer_classification_history group by all order by 1""")
    assert actions == [("2025-06-30", 3, 3), (D, 0, 0)]
    _dbt_build(project, D, "rerun", data_tests=False)
    rows = _query(project, """
        select cast(as_of_date as varchar), run_id, count(*), count(distinct customer_key), count(next_action)
        from marts.customer_classification_history group by all order by 1""")
    assert rows == [("2025-06-30", "second", 3, 3, 3), (D, "rerun", 3, 3, 3)]
    tiers = dict(_query(project, """
        select customer_key, tier from marts.customer_classification_history
        where as_of_date = date '2025-06-30'"""))
    # on 2025-06-30 c_mid's 99,999.00 of 2024-12-31 is within the last 12 months; o2 is after D
    assert tiers == {"c_big": "A", "c_mid": "B", "c_none": None}


def test_missing_rule_parameter_fails_the_parameters_test_naming_it(project: Path) -> None:
    seed = project / "seeds" / "classification_rules.csv"
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("v1,2000-01-01,loyal_above,")]
    assert len(kept) == len(lines) - 1
    seed.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(AssertionError, match="int_classification_rules_parameters_not_null"):
        _dbt_build(project, D, "missing_parameter", select="+int_classification_rules")
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(project.parent / "warehouse")}
    shown = subprocess.run([str(DBT), "show", "--project-dir", str(project), "--profiles-dir", str(project),
                            "--vars", f"{{as_of_date: '{D}', run_id: 'x'}}",
                            "--select", "int_classification_rules_parameters_not_null"],
                           cwd=project, env=env, capture_output=True, text=True, timeout=300)
    # the failing rows are (column_name, null_rows): exactly the missing parameter
    assert "loyal_above" in shown.stdout and "tier_a_above" not in shown.stdout, shown.stdout[-2000:]


def test_rule_boundary_unit_tests_pass(project: Path) -> None:
    """The dbt unit tests of the classification models (every rule boundary, in
    _classification__unit_tests.yml) pass; the nightly run excludes them, so this is where they run."""
    _dbt_build(project, D, "unit", data_tests=False)  # unit tests read their parents' column types from the warehouse
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(project.parent / "warehouse")}
    result = subprocess.run([str(DBT), "test", "--project-dir", str(project), "--profiles-dir", str(project),
                             "--select", "test_type:unit"], cwd=project, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    passed = [line for line in result.stdout.splitlines() if "Done. PASS=" in line]
    assert passed and "ERROR=0" in passed[0] and "PASS=0 " not in passed[0], result.stdout[-1000:]


# (order_no, customer_key, order_date, sku, quantity, net_amount_cny, status) of the per-customer rebuild test
REBUILD_DAY_1 = [
    ("o1", "c_big", "2025-03-01", "s1", 10, "120000.00", "shipped"),
    ("o5", "c_big", "2025-06-01", "s1", 1, "1000.00", "shipped"),
    ("o2", "c_mid", "2025-12-31", "s1", 5, "60000.00", "open"),
    ("o3", "c_mid", "2024-12-31", "s1", 5, "99999.00", "shipped"),
    ("e1", "c_edge", "2025-01-01", "s1", 2, "200.00", "shipped"),  # leaves the last 12 months on 2026-01-01
    ("e2", "c_edge", "2025-10-03", "s2", 1, "100.00", "shipped"),  # leaves the last 90 days on 2026-01-01
    ("e3", "c_edge", "2025-06-01", "s2", 1, "50.00", "shipped"),
    ("t1", "c_still", "2025-05-05", "s1", 1, "10.00", "shipped"),  # on no window edge of the dates below
    ("t2", "c_still", "2025-07-07", "s1", 1, "10.00", "shipped"),
    ("g1", "c_gone", "2025-08-08", "s1", 1, "10.00", "shipped"),
    ("o4", "c_none", "2025-05-01", "s1", 5, "99999.00", "cancelled"),
]
# Day 2: a new line, a line cancelled, a line re-keyed to another customer (an identity change), the only
# line of c_gone cancelled (it has no row any more)
REBUILD_DAY_2 = [
    *[line for line in REBUILD_DAY_1 if line[0] not in ("o2", "o5", "g1")],
    ("o6", "c_big", "2026-01-01", "s2", 3, "300.00", "shipped"),
    ("o2", "c_mid", "2025-12-31", "s1", 5, "60000.00", "cancelled"),
    ("o5", "c_mid", "2025-06-01", "s1", 1, "1000.00", "shipped"),
    ("g1", "c_gone", "2025-08-08", "s1", 1, "10.00", "cancelled"),
]
ORDER_METRICS = "select * from intermediate.int_customer_order_metrics order by customer_key"


def _write_order_lines(project: Path, lines: list[tuple], unit_cost: str) -> None:
    (project / "models" / "marts" / "core" / "fct_order_lines.sql").write_text(
        _fct_order_lines(lines, unit_cost) + "\n")


def _rebuild_and_compare(project: Path, lines: list[tuple], as_of: str, run_id: str,
                         unit_cost: str = "10.00") -> list[tuple]:
    """Build int_customer_order_metrics for D on `lines` from its previous build, then in full; both
    hold the same rows. Returns them."""
    _write_order_lines(project, lines, unit_cost)
    _dbt_build(project, as_of, run_id, data_tests=False, select="+int_customer_order_metrics")
    rebuilt = _query(project, ORDER_METRICS)
    _dbt_build(project, as_of, f"{run_id}_full", full_refresh=True, data_tests=False,
               select="+int_customer_order_metrics")
    assert rebuilt == _query(project, ORDER_METRICS), f"{run_id}: rebuilt per customer != full build"
    return rebuilt


def test_order_metrics_rebuilt_per_customer_equal_a_full_build(project: Path) -> None:
    """int_customer_order_metrics starts from its previous build and aggregates again only the customers
    whose counted lines changed or who have a line on a window edge that moved with D: equal to a full
    build through new, cancelled and re-keyed lines, a customer losing its last line, D moving forward
    and back, changed costs and another repurchase_min_orders; a customer nothing touched keeps its row."""
    _rebuild_and_compare(project, REBUILD_DAY_1, D, "day_1")
    day_2 = _rebuild_and_compare(project, REBUILD_DAY_2, "2026-01-01", "day_2")
    assert {row[0] for row in day_2} == {"c_big", "c_mid", "c_edge", "c_still"}  # not c_gone
    back = _rebuild_and_compare(project, REBUILD_DAY_2, "2025-06-30", "back")  # D moves back half a year
    assert {row[0] for row in back} == {"c_big", "c_mid", "c_edge", "c_still"}
    # every product's cost changes: c_mid's two lines (an even number) with it; its product cost changes
    cost = _rebuild_and_compare(project, REBUILD_DAY_2, "2025-06-30", "cost", unit_cost="12.00")
    assert cost != back

    seed = project / "seeds" / "classification_rules.csv"
    text = seed.read_text(encoding="utf-8").replace("v1,2000-01-01,repurchase_min_orders,2,",
                                                    "v1,2000-01-01,repurchase_min_orders,1,")
    assert "repurchase_min_orders,1," in text
    seed.write_text(text, encoding="utf-8")
    rules = _rebuild_and_compare(project, REBUILD_DAY_2, "2025-06-30", "rules", unit_cost="12.00")
    assert {row[-3] for row in rules} == {1} != {row[-3] for row in back}

    # a row nothing touches is kept as built (here: tampered with); a customer with a new line is aggregated again
    with duckdb.connect(str(project.parent / "warehouse" / "warehouse.duckdb")) as con:
        con.execute("update intermediate.int_customer_order_metrics set revenue_12m = -1 "
                    "where customer_key in ('c_still', 'c_big')")
    new_line = [*REBUILD_DAY_2, ("o7", "c_big", "2025-07-01", "s1", 1, "5.00", "shipped")]
    _write_order_lines(project, new_line, "12.00")
    _dbt_build(project, "2025-07-01", "kept", data_tests=False, select="+int_customer_order_metrics")
    revenue = dict(_query(project, "select customer_key, revenue_12m from intermediate.int_customer_order_metrics"))
    assert revenue["c_still"] == -1
    assert revenue["c_big"] == Decimal("120005.00")
