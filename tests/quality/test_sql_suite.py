"""The SQL form of GX suites gives what GX gives, declines what it cannot translate, and validates every
batch (GX only what it declines).

Parity: each case runs one expectation over a small DuckDB table, once through GX on pandas
(`validate_frames`, the frame as DuckDB hands it over) and once through `validate_sql`, and demands
the same outcome: pass/fail, observed text, unexpected count and percentage, samples and `file:line`.
"""

from __future__ import annotations

import json
import re

import dagster as dg
import duckdb
import pytest

from orchestration.quality import gx_checks
from orchestration.quality.gx_runner import validate_frames
from orchestration.quality.regex_dialect import UncommonRegex, check_common, sql_pattern
from orchestration.quality.sql_suite import Untranslatable, validate_sql
from orchestration.quality.suites import build_suite, suite_path
from orchestration.settings import EXPECTATIONS_DIR

#: nulls, NaN, -0.0, a trailing newline, boundaries, duplicates, lineage columns
BASE = """select * from (values
 (1, 'ABC', 1.5::decimal(18,2), 'nan'::double, date '2025-01-01', date '2025-01-02', true, 'a', 1, 'f.csv', 2),
 (2, 'AB', -1.0, 2.0, date '2025-01-05', date '2025-01-02', false, 'a', 1, 'f.csv', 3),
 (null, E'ABC\\n', null, null, null, date '2025-01-02', null, 'b', 2, 'f.csv', 4),
 (2, null, 3.0, 4.0, date '2025-01-01', null, true, 'b', 2, 'g.csv', 5),
 (0, 'abc', 0.0, -0.0, date '2025-01-02', date '2025-01-02', null, null, null, 'g.csv', 6),
 (3, 'Ab1', 1.0, 1.0, date '2025-01-03', date '2025-01-01', true, null, null, 'g.csv', 7),
 (5, 'XYZ', 0.999999, 'nan'::double, date '2025-01-09', date '2025-01-09', false, 'c', null, 'h.csv', 8)
) t(i, s, d, f, a, b, bo, k1, k2, _file_path, _line_number)"""
#: an all-null column, and no rows at all
NULLS = ("select * from (values (1, null::varchar, null::double, null::int, null::boolean, null::date),"
         " (2, null, null, null, null, null)) t(i, s, f, n, b, d)")
#: keys pandas holds equal: NaN and null, 0.0 and -0.0, DECIMALs with the same float64
DUPS = ("select * from (values ('x', 'nan'::double, 0.1::decimal(38,30), 1),"
        " ('x', null, 0.100000000000000000000000000001, 1), ('y', 0.0, 1, 2), ('y', -0.0, 2, 3)) t(k, f, d, i)")
EMPTY = "select 1 as i, 'x' as s, 1.5::double as f, date '2025-01-01' as a where false"
MARTISH = ("select * from (values (1::hugeint, 10::bigint, 'A', 'f.csv', 2::bigint), (2, 10, 'B', 'f.csv', 3),"
           " (3, null, 'B', 'g.csv', 4), (3, 0, 'C', 'g.csv', 5)) t(n, orders, tier, source_file, source_line)")


def E(kind: str, **kwargs) -> dict:  # noqa: N802 - reads like the suite files
    return {"type": f"expect_{kind}", "kwargs": kwargs, "meta": {"severity": "error"}}


def P(condition: str) -> dict:  # noqa: N802
    return {"row_condition": condition, "condition_parser": "pandas"}


CASES = [
    *[(BASE, E("column_values_to_not_be_null", column=c)) for c in ("i", "s", "d", "f", "a", "bo", "k1", "k2")],
    (BASE, E("column_values_to_be_null", column="i")), (BASE, E("column_values_to_be_null", column="f")),
    (BASE, E("column_values_to_not_be_null", column="i", mostly=0.85)),
    (BASE, E("column_values_to_not_be_null", column="i", mostly=0.86)),
    (BASE, E("column_values_to_be_between", column="d", min_value=0)),
    (BASE, E("column_values_to_be_between", column="d", min_value=0, max_value=1, strict_max=True)),
    (BASE, E("column_values_to_be_between", column="d", min_value=0, max_value=1)),
    (BASE, E("column_values_to_be_between", column="d", min_value=0, max_value=1.5, strict_min=True)),
    (BASE, E("column_values_to_be_between", column="f", min_value=0, strict_min=True)),
    (BASE, E("column_values_to_be_between", column="f", min_value=-0.0, max_value=2)),
    (BASE, E("column_values_to_be_between", column="i", max_value=1.5)),
    (BASE, E("column_values_to_be_between", column="i", min_value=1, max_value=3, mostly=0.66)),
    (BASE, E("column_values_to_be_between", column="i", min_value=1, max_value=3, mostly=0.67)),
    (BASE, E("column_values_to_be_in_set", column="s", value_set=["ABC", "AB"])),
    (BASE, E("column_values_to_be_in_set", column="s", value_set=[])),
    (BASE, E("column_values_to_be_in_set", column="bo", value_set=[True])),
    (BASE, E("column_values_to_be_in_set", column="i", value_set=[1, 2], mostly=0.5)),
    (BASE, E("column_values_to_be_in_set", column="d", value_set=[1.5, 3, 0])),
    (BASE, E("column_values_to_be_in_set", column="f", value_set=[0, 2])),
    (BASE, E("column_values_to_match_regex", column="s", regex="^[A-Z]{3}$")),
    (BASE, E("column_values_to_match_regex", column="s", regex="B")),
    (BASE, E("column_values_to_match_regex", column="s", regex="^(A|X)[b-zB]+?.?$")),
    (BASE, E("column_values_to_match_regex", column="s", regex=r"[^A-Z\n]$")),
    (BASE, E("column_values_to_be_unique", column="i")), (BASE, E("column_values_to_be_unique", column="f")),
    (BASE, E("column_values_to_be_unique", column="b")), (BASE, E("column_values_to_be_unique", column="d")),
    (BASE, E("compound_columns_to_be_unique", column_list=["k1", "k2"])),
    (BASE, E("compound_columns_to_be_unique", column_list=["k1", "k2"], ignore_row_if="any_value_is_missing")),
    (BASE, E("compound_columns_to_be_unique", column_list=["k1", "k2"], ignore_row_if="never")),
    (BASE, E("compound_columns_to_be_unique", column_list=["k2", "f"], ignore_row_if="never")),
    (BASE, E("column_pair_values_a_to_be_greater_than_b", column_A="a", column_B="b", or_equal=True)),
    (BASE, E("column_pair_values_a_to_be_greater_than_b", column_A="a", column_B="b")),
    (BASE, E("column_pair_values_a_to_be_greater_than_b", column_A="a", column_B="b", or_equal=True,
             ignore_row_if="either_value_is_missing")),
    (BASE, E("column_pair_values_a_to_be_greater_than_b", column_A="f", column_B="d", ignore_row_if="neither")),
    (BASE, E("column_pair_values_a_to_be_greater_than_b", column_A="k2", column_B="i",
             ignore_row_if="either_value_is_missing")),
    (BASE, E("column_pair_values_a_to_be_greater_than_b", column_A="s", column_B="k1", or_equal=True)),
    (BASE, E("table_columns_to_match_set", column_set=["i", "s"], exact_match=True)),
    (BASE, E("table_columns_to_match_set", column_set=["i", "s"], exact_match=False)),
    (BASE, E("table_columns_to_match_set", column_set=["i", "zz"], exact_match=False)),
    (BASE, E("column_values_to_be_between", column="i", min_value=5, **P('s != "ABC"'))),
    (BASE, E("column_values_to_be_in_set", column="i", value_set=[7], **P("f > 0"))),
    (BASE, E("column_values_to_not_be_null", column="s", **P("f != 1"))),
    (BASE, E("column_values_to_not_be_null", column="s", **P("i != 1"))),
    (BASE, E("column_values_to_not_be_null", column="s", **P("d != 1"))),
    (BASE, E("column_values_to_not_be_null", column="a", **P("s == 'AB'"))),
    (BASE, E("column_values_to_not_be_null", column="a", **P("i >= -1"))),
    (BASE, E("column_values_to_be_null", column="k1", **P("d < 1.0"))),
    *[(NULLS, E("column_values_to_not_be_null", column=c)) for c in ("s", "f", "n", "b", "d")],
    (NULLS, E("column_values_to_be_null", column="i")),
    (NULLS, E("column_values_to_match_regex", column="s", regex="x")),
    (NULLS, E("column_values_to_be_unique", column="f")),
    (DUPS, E("compound_columns_to_be_unique", column_list=["k", "f"], ignore_row_if="never")),
    (DUPS, E("compound_columns_to_be_unique", column_list=["k", "d"])),
    (DUPS, E("column_values_to_be_unique", column="d")), (DUPS, E("column_values_to_be_unique", column="f")),
    (EMPTY, E("column_values_to_not_be_null", column="s")), (EMPTY, E("column_values_to_be_unique", column="i")),
    (EMPTY, E("table_columns_to_match_set", column_set=["i"])),
    (MARTISH, E("column_values_to_be_between", column="n", min_value=1, max_value=2)),
    (MARTISH, E("column_values_to_be_unique", column="n")),
    (MARTISH, E("column_values_to_be_in_set", column="tier", value_set=["A"], mostly=0.5, **P("orders > 0"))),
    (MARTISH, E("column_values_to_be_in_set", column="tier", value_set=["B", "C"], **P("orders != 10"))),
]


def outcome(result) -> str:
    return json.dumps([result.passed, result.observed, result.metadata], default=str)


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.filterwarnings("ignore:This pattern is interpreted as a regular expression")
@pytest.mark.parametrize(("query", "expectation"), CASES,
                         ids=[f"{i}-{e['type'][7:]}" for i, (_, e) in enumerate(CASES)])
def test_sql_gives_what_gx_gives(con, query, expectation):
    gx = validate_frames([con.execute(query).df()], build_suite({"name": "t", "expectations": [expectation]}), "q")
    assert outcome(validate_sql(con, query, [], [expectation], "q")) == outcome(gx)


def test_the_cases_cover_failures_with_samples_and_lineage(con):
    results = [validate_sql(con, q, [], [e], "q") for q, e in CASES]
    failed = [f for r in results for f in r.metadata["failed_expectations"]]
    assert sum(not r.passed for r in results) > 40 and sum(r.passed for r in results) > 8
    assert {f["expectation"] for f in failed} >= {e["type"] for _, e in CASES}
    assert any(f["where"] for f in failed if "unique" in f["expectation"])


@pytest.mark.filterwarnings("ignore:This pattern is interpreted as a regular expression")
def test_a_whole_suite_with_repeated_column_failures_folds_as_gx_does(con):
    suite = [e for query, e in CASES if query is BASE]
    gx = validate_frames([con.execute(BASE).df()], build_suite({"name": "t", "expectations": suite}), "q")
    assert outcome(validate_sql(con, BASE, [], suite, "q")) == outcome(gx)


PATTERNS = ["^[A-Z]{3}$", "^K[0-9]{6}$", "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}$", "a|b$", "^$", "a.c", "[^a]",
            r"\.\*\$", r"a\\$", "é+", "^(ab){2,3}?c", "[-a]", "(?:x|y)+?z"]
UNCOMMON = [r"\d", r"A\Z", "[]a]", "(?=a)", "(x|y$)", "a$b", "[[:alpha:]]", "{,3}", "x{1001}", "a\\b", "[a&&b]"]
STRINGS = ["ABC", "ABC\n", "ABC\n\n", "abc", "K123456", "K123456\n", "0AB12345", "", "\n", "a\nc", "a.c", "x\n",
           "b\n", ".*$", "éé", "ababc", "ABCD", "-", "]"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_common_regexes_match_in_sql_as_python_searches(con, pattern):
    sql = sql_pattern(check_common(pattern))
    for s in STRINGS:
        matched = con.execute("select regexp_matches(?, ?)", [s, sql]).fetchone()[0]
        assert matched == bool(re.search(pattern, s)), s


@pytest.mark.parametrize("pattern", UNCOMMON)
def test_regexes_the_engines_read_differently_are_refused(pattern):
    with pytest.raises(UncommonRegex):
        check_common(pattern)


def test_a_suite_with_an_uncommon_regex_does_not_load(tmp_path):
    from orchestration.quality.suites import read_suite

    path = tmp_path / "raw.erp.order_lines.json"
    path.write_text(json.dumps({"name": "x", "expectations": [
        {**E("column_values_to_match_regex", column="order_no", regex=r"^SO\d+$"), "meta": {"severity": "error"}}]}))
    with pytest.raises(ValueError, match="escape"):
        read_suite(path)


DECLINED = [
    E("column_mean_to_be_between", column="i", min_value=0),
    E("column_values_to_not_be_null", column="i", result_format="COMPLETE"),
    E("column_values_to_not_be_null", column="nope"),
    E("column_values_to_be_between", column="a", min_value="2025-01-01"),
    E("column_values_to_be_between", column="s", min_value=0),
    E("column_values_to_be_between", column="i", min_value=3, max_value=1),
    E("column_values_to_be_in_set", column="i", value_set=["1", 2]),
    E("column_values_to_be_in_set", column="bo", value_set=[1]),
    E("column_values_to_match_regex", column="i", regex="1"),
    *[E("column_values_to_match_regex", column="s", regex=r) for r in
      [r"\d", r"\bA", "(?=A)", "(?i)abc", "a$b", "(a$)?", "[[:alpha:]]", "a{,3}", r"(a)\1", "(?#c)a", "a{1001}"]],
    E("column_values_to_not_be_null", column="s", **P("i > 1 and f < 2")),
    E("column_values_to_not_be_null", column="s", **P("s > 'A'")),
    E("column_values_to_not_be_null", column="s", **P("bo == True")),
    E("column_values_to_not_be_null", column="s", **P("a > 0")),
    E("column_values_to_not_be_null", column="s", row_condition='s == "A"', condition_parser="great_expectations"),
    E("column_pair_values_a_to_be_greater_than_b", column_A="k2", column_B="i"),  # pd.NA kept
    E("column_pair_values_a_to_be_greater_than_b", column_A="s", column_B="i"),
    E("column_values_to_be_unique", column="f", mostly="most"),
]


@pytest.mark.parametrize("expectation", DECLINED, ids=[json.dumps(e["kwargs"])[:60] for e in DECLINED])
def test_what_does_not_translate_exactly_is_declined(con, expectation):
    with pytest.raises(Untranslatable):
        validate_sql(con, BASE, [], [expectation], "q")


ORDER_LINES = dg.AssetKey(["raw", "erp", "order_lines"])


@pytest.fixture
def engines(monkeypatch):
    """Which engine `run_suite` used, in order."""
    used: list[str] = []
    gx, sql = gx_checks.validate_frames, gx_checks.validate_sql
    monkeypatch.setattr(gx_checks, "validate_frames", lambda *a, **k: used.append("gx") or gx(*a, **k))
    monkeypatch.setattr(gx_checks, "validate_sql", lambda *a, **k: used.append("sql") or sql(*a, **k))
    return used


def write_order_lines(warehouse, raw_file, line, spec):
    rows = [line("SO1", str(i), unit_price="-1" if i % 4 == 0 else "2", currency="usd" if i == 3 else "CNY",
                 quantity=-5 if i == 5 else 1) for i in range(10)]
    raw_file(warehouse, spec, [*rows, line("SO1", "1")], run_id="r1")


def decline_sql(monkeypatch):
    """From now on `run_suite` finds no SQL form for any suite, so GX validates: GX's own outcome."""
    def decline(*args, **kwargs):
        raise Untranslatable("declined by the test: GX's outcome")
    monkeypatch.setattr(gx_checks, "validate_sql", decline)


@pytest.mark.parametrize("severity", ["error", "warn"])
def test_a_small_raw_batch_is_validated_by_sql_with_the_gx_outcome(warehouse, raw_file, line, order_lines_spec,
                                                                     monkeypatch, engines, severity):
    write_order_lines(warehouse, raw_file, line, order_lines_spec)
    suite = suite_path(EXPECTATIONS_DIR, ORDER_LINES)
    sql = gx_checks.run_suite(warehouse, "r1", ORDER_LINES, suite, severity)
    decline_sql(monkeypatch)
    gx = gx_checks.run_suite(warehouse, "r1", ORDER_LINES, suite, severity)
    assert engines == ["sql", "gx"] and outcome(sql) == outcome(gx) and not sql.passed
    assert sql.metadata["rows_validated"] == 11 and "read_parquet" in sql.evidence
    if severity == "error":
        assert {f["column"] for f in sql.metadata["failed_expectations"]} == {"unit_price", "currency"}


def test_an_untranslatable_suite_falls_back_to_gx(tmp_path, warehouse, raw_file, line, order_lines_spec, engines):
    write_order_lines(warehouse, raw_file, line, order_lines_spec)
    suite = tmp_path / "raw.erp.order_lines.json"
    suite.write_text(json.dumps({"name": "raw.erp.order_lines", "expectations": [
        E("column_mean_to_be_between", column="quantity", min_value=0),  # GX only: not one row's property
        E("column_values_to_not_be_null", column="sku")]}))
    result = gx_checks.run_suite(warehouse, "r1", ORDER_LINES, suite, "error")
    assert engines == ["sql", "gx"] and result.passed and result.metadata["expectations_evaluated"] == 2


def test_a_big_warn_batch_is_validated_whole_by_sql_and_sampled_only_for_gx(
        tmp_path, warehouse, raw_file, line, order_lines_spec, monkeypatch, engines):
    write_order_lines(warehouse, raw_file, line, order_lines_spec)
    monkeypatch.setattr(gx_checks, "WARN_SAMPLE_ROWS", 4)
    suite = suite_path(EXPECTATIONS_DIR, ORDER_LINES)
    whole = gx_checks.run_suite(warehouse, "r1", ORDER_LINES, suite, "warn")
    assert engines == ["sql"] and whole.metadata["rows_validated"] == 11 and "sample" not in whole.evidence
    untranslatable = tmp_path / "raw.erp.order_lines.json"
    untranslatable.write_text(json.dumps({"name": "raw.erp.order_lines", "expectations": [
        {**E("column_mean_to_be_between", column="quantity", min_value=0), "meta": {"severity": "warn"}}]}))
    sampled = gx_checks.run_suite(warehouse, "r1", ORDER_LINES, untranslatable, "warn")
    assert engines == ["sql", "sql", "gx"] and sampled.metadata["rows_validated"] == 4
    assert "reservoir(4 rows)" in sampled.evidence


def test_a_mart_batch_is_validated_by_sql_with_the_gx_outcome(tmp_path, warehouse, monkeypatch, engines):
    with warehouse.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.segment_summary as select i as segment_id, "
                    "case when i % 3 = 0 then null else 'A' end as tier from range(30) t(i)")
    suite = tmp_path / "marts.segment_summary.json"
    suite.write_text(json.dumps({"name": "marts.segment_summary", "expectations": [
        E("column_values_to_not_be_null", column="tier"), E("column_values_to_be_unique", column="segment_id")]}))
    key = dg.AssetKey(["marts", "segment_summary"])
    sql = gx_checks.run_suite(warehouse, "r1", key, suite, "error")
    decline_sql(monkeypatch)
    gx = gx_checks.run_suite(warehouse, "r1", key, suite, "error")
    assert engines == ["sql", "gx"] and outcome(sql) == outcome(gx)
    assert sql.metadata["failed_expectations"][0]["unexpected_count"] == 10
