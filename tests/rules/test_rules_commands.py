"""`python -m orchestration rules propose|compare` on small data built here."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.rules.propose import propose, roundest, tier_shares
from orchestration.rules.seeds import RULES_SEED

ROOT = Path(__file__).resolve().parents[2]
D = date(2025, 12, 31)
# 20 buyers: revenue_12m 10,000 x (20 - i), i = 0..19 -> 200,000 down to 10,000
REVENUES = [Decimal(10_000 * (20 - i)) for i in range(20)]


def _order_lines_sql() -> str:
    """One counted line per buyer dated D-10 (in the last 12 months of D) and one dated D-400 (only in
    the last 12 months of D-60), a cancelled line, and a buyer whose only line is after D."""
    rows = []
    for i, revenue in enumerate(REVENUES):
        rows.append(f"('o{i}', 'c{i:02d}', date '{D - timedelta(days=10)}', 's1', 1, {revenue}, 1.0, true)")
        rows.append(f"('p{i}', 'c{i:02d}', date '{D - timedelta(days=400)}', 's1', 1, 1000.00, 1.0, true)")
    rows.append(f"('x1', 'c00', date '{D - timedelta(days=20)}', 's1', 5, 99999.00, 1.0, false)")
    rows.append(f"('x2', 'late', date '{D + timedelta(days=1)}', 's1', 5, 99999.00, 1.0, true)")
    return f"""
        create schema if not exists marts;
        create or replace table marts.fct_order_lines as
        select order_no, cast(1 as bigint) as line_no, customer_key, order_date, sku,
               cast(quantity as bigint) as quantity, cast(net_amount_cny as decimal(18, 2)) as net_amount_cny,
               cast(unit_cost_cny as decimal(18, 6)) as unit_cost_cny, is_counted
        from (values {", ".join(rows)}) as t(order_no, customer_key, order_date, sku, quantity, net_amount_cny,
                                             unit_cost_cny, is_counted);
    """


# the tier and value marts of D as the v1 rules make them (A above 100,000, B from 50,000; every buyer
# has one order and grew from 1,000 the year before: important from 50,000, else potential)
MARTS_SQL = f"""
    create table marts.customer_tier as
    select customer_key, date '{D}' as as_of_date, revenue_12m,
           case when revenue_12m > 100000 then 'A' when revenue_12m >= 50000 then 'B' else 'C' end as tier,
           'v1' as rule_version
    from (
        select customer_key, sum(net_amount_cny) as revenue_12m
        from marts.fct_order_lines
        where is_counted and order_date > date '{D}' - 365 and order_date <= date '{D}'
        group by customer_key
    );
    create table marts.customer_value as
    select customer_key, as_of_date, revenue_12m,
           case when revenue_12m >= 50000 then 'important' else 'potential' end as value_class, rule_version
    from marts.customer_tier;
"""


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """serving.duckdb and the working warehouse.duckdb, both with the order lines and the tier and value
    marts of D (rule version v1): what the nightly run leaves."""
    for name in ("serving.duckdb", "warehouse.duckdb"):
        with duckdb.connect(str(tmp_path / name)) as con:
            con.execute(_order_lines_sql())
            con.execute(MARTS_SQL)
    return tmp_path


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["rules", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_propose_reaches_10_30_60_and_shows_the_current_shares(warehouse, capsys):
    code, out, _ = run(capsys, "propose", "--warehouse", str(warehouse))
    assert code == 0, out
    assert f"D = {D}: 20 buyers" in out
    rows = {line[:26].strip(): line[26:].split() for line in out.splitlines() if line.startswith("  ")}
    # v1: A above 100,000 -> 10 of 20; B 50,000..100,000 -> 6; C 4
    assert rows["current (v1)"] == ["100,000", "50,000", "50.0%", "30.0%", "20.0%"]
    assert rows["proposed"][2:] == ["10.0%", "30.0%", "60.0%"]
    # A = the 2 largest (200,000, 190,000): tier_a_above in [180,000, 190,000); B down to 130,000
    assert rows["proposed"][:2] == ["180,000", "130,000"]  # the roundest values that keep the proposed tiers
    assert rows["proposed, to 1,000 CNY"] == ["180,000", "130,000", "10.0%", "30.0%", "60.0%"]


def test_propose_for_another_date_reads_the_order_lines(warehouse, capsys):
    code, out, _ = run(capsys, "propose", "--warehouse", str(warehouse), "--as-of", str(D - timedelta(days=60)))
    assert code == 0, out
    # 60 days earlier only the 1,000 CNY lines of D-400 are in the last 12 months: 20 equal buyers
    assert "20 buyers" in out and "marts.fct_order_lines" in out
    current = next(line for line in out.splitlines() if "current (v1)" in line)
    assert current.split()[-3:] == ["0.0%", "0.0%", "100.0%"]


def test_propose_without_serving_is_a_clear_error(tmp_path, capsys):
    code, _, err = run(capsys, "propose", "--warehouse", str(tmp_path))
    assert code == 2 and "publish a run first" in err


def test_proposal_keeps_ties_together_and_rounds_within_the_interval():
    revenues = sorted([Decimal(v) for v in ("500", "400", "400", "400", "300", "200", "100", "100", "100", "50")],
                      reverse=True)
    proposal = propose(revenues)
    a_share, b_share, c_share = tier_shares(revenues, proposal.tier_a_above, proposal.tier_b_from)
    assert (a_share, b_share, c_share) == (0.1, 0.3, 0.6)  # A {500}; B {400 x3}; ties never split
    assert Decimal(400) <= proposal.tier_a_above < Decimal(500)
    assert Decimal(300) < proposal.tier_b_from <= Decimal(400)
    assert roundest(Decimal("179512.40"), Decimal("181203.00"), low_closed=True, high_closed=False) == 180000
    assert roundest(Decimal("1000"), Decimal("1000.70"), low_closed=False, high_closed=True) == Decimal("1000.1")
    assert roundest(Decimal("1000"), Decimal("2000"), low_closed=True, high_closed=False) == 1000


def _draft(tmp_path: Path, tier_a_above: int) -> Path:
    """The committed rules plus a version v2 (effective 2025-01-01) with another tier_a_above."""
    lines = RULES_SEED.read_text(encoding="utf-8").splitlines()
    change = ',analyst,2025-01-01,"tier A threshold recalibrated"'  # who changed the version, when and why
    v2 = [line.replace("v1,2000-01-01,", "v2,2025-01-01,", 1).rsplit(",", 3)[0] + change for line in lines[1:]]
    v2 = [f"v2,2025-01-01,tier_a_above,{tier_a_above},CNY,lowered{change}" if ",tier_a_above," in line else line
          for line in v2]
    draft = tmp_path / "draft.csv"
    draft.write_text("\n".join([*lines, *v2]) + "\n", encoding="utf-8")
    return draft


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_compare_builds_the_draft_beside_the_current_rules_without_writing(warehouse, tmp_path, capsys):
    serving_before, warehouse_before = _digest(warehouse / "serving.duckdb"), _digest(warehouse / "warehouse.duckdb")
    draft = _draft(tmp_path, 155000)
    code, out, err = run(capsys, "compare", "--draft", str(draft), "--warehouse", str(warehouse))
    assert code == 0, out + err
    assert "building the current rules" not in err  # D is the warehouse's: its marts are the current ones
    assert "rule version v1 (current) -> v2 (draft" in out and "20 buyers" in out
    tiers = out[out.index("Tier migration"):out.index("Value class migration")].splitlines()
    cells = {line.split()[0]: line.split()[1:] for line in tiers[2:]}
    # current A = 110,000..200,000 (10 buyers); with A above 155,000: 160,000..200,000 stay A, 5 become B
    assert cells["A"] == ["5", "/", "900,000", "5", "/", "650,000", "-"]
    assert cells["B"] == ["-", "6", "/", "450,000", "-"]
    assert cells["C"] == ["-", "-", "4", "/", "100,000"]
    # core needs 6 orders: no customer is core; important (>= 50,000) does not move with tier_a_above
    values = out[out.index("Value class migration"):]
    assert "5 customer(s) change tier, 0 change value class" in values
    assert "has no rows in rfm_cut_points.csv" in out  # v2 is not complete yet: said before anyone commits it
    assert _digest(warehouse / "serving.duckdb") == serving_before
    assert _digest(warehouse / "warehouse.duckdb") == warehouse_before
    assert not (warehouse / "tmp").exists()  # the scratch copy is gone


def test_compare_refuses_a_draft_with_other_columns(warehouse, tmp_path, capsys):
    draft = tmp_path / "draft.csv"
    draft.write_text("rule_version,parameter,value\nv2,tier_a_above,1\n", encoding="utf-8")
    code, _, err = run(capsys, "compare", "--draft", str(draft), "--warehouse", str(warehouse))
    assert code == 2 and "are not those of classification_rules.csv" in err
    assert not (warehouse / "tmp").exists()


def test_compare_refuses_a_version_the_draft_does_not_have(warehouse, tmp_path, capsys):
    code, _, err = run(capsys, "compare", "--draft", str(_draft(tmp_path, 1)), "--warehouse", str(warehouse),
                       "--version", "v9'; drop table x; --")
    assert code == 2 and "is not in" in err
    assert not (warehouse / "tmp").exists()


def test_compare_while_a_run_holds_the_warehouse_exits_3(warehouse, tmp_path, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from orchestration.control.lock import warehouse_lock\n"
         "with warehouse_lock(Path(sys.argv[1]), purpose='nightly run', run_id='r-42'):\n"
         "    print('held', flush=True)\n    time.sleep(120)\n", str(warehouse)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, out, err = run(capsys, "compare", "--draft", str(_draft(tmp_path, 1)), "--warehouse", str(warehouse))
    finally:
        holder.kill()
        holder.wait()
    assert code == 3 and out == ""
    assert "is in use by nightly run (run r-42" in err and "nothing was written" in err
    assert not (warehouse / "tmp").exists()


def test_compare_builds_the_current_rules_too_for_another_date(warehouse, tmp_path, monkeypatch):
    """For a D the warehouse was not built for, the current classification is built first (committed
    seed), then the draft; for the warehouse's own D only the draft is built."""
    from orchestration.rules import compare

    built: list[tuple[date, str]] = []
    monkeypatch.setattr(compare, "build", lambda scratch, as_of, label, version=None: built.append((as_of, label)))
    monkeypatch.setattr(compare, "migration", lambda scratch, as_of: as_of)
    draft = _draft(tmp_path, 155000)
    assert compare.run_compare(warehouse, draft, None, None, log=lambda _: None) == D
    assert built == [(D, "draft")]
    earlier = D - timedelta(days=30)
    assert compare.run_compare(warehouse, draft, earlier, None, log=lambda _: None) == earlier
    assert built[1:] == [(earlier, "current"), (earlier, "draft")]
    assert not (warehouse / "tmp").exists()
