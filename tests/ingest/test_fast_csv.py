"""The fast path of CSV files (DuckDB's own CSV reader, fast_csv) is tried first and kept only when
it provably read every line like the careful line-level path: the outcome is the same either way."""

from __future__ import annotations

import random
import shutil

import duckdb
import pytest

from orchestration.feeds import FEEDS
from orchestration.ingest import fast_csv, text_parts
from orchestration.ingest import load_file as load_file_module
from orchestration.ingest.typing_sql import matches_sql, value_pattern
from orchestration.resources import WarehouseResource
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW, Env

QUOTED_ROW = '"SO{n:09d}",{n},"K100071",2024-01-01,"TX-10012",1,26.93,0.00,"CNY",1.0000,"shipped",2024-01-02 12:28:53'
QUOTED_HEADER = ",".join(f'"{name}"' for name in ORDER_HEADER.split(","))


@pytest.fixture
def paths(monkeypatch) -> list[str]:
    """'fast' or 'careful' for every file loaded, in order."""
    taken: list[str] = []
    fast, careful = load_file_module.load_fast, load_file_module._load_careful

    def spy_fast(*args):
        load = fast(*args)
        if load is not None:
            taken.append("fast")
        return load

    def spy_careful(*args):
        taken.append("careful")
        return careful(*args)

    monkeypatch.setattr(load_file_module, "load_fast", spy_fast)
    monkeypatch.setattr(load_file_module, "_load_careful", spy_careful)
    return taken


@pytest.fixture
def split_env(tmp_path, monkeypatch) -> Env:
    """An Env whose loads cut every text into parts read side by side (two threads, any size)."""
    monkeypatch.setattr(text_parts, "MIN_PART_BYTES", 1)
    return Env(tmp_path / "landing", WarehouseResource(warehouse_dir=str(tmp_path / "warehouse"), threads=2,
                                                       memory_limit="1GB"))


def _quoted(*numbers: int) -> list[str]:
    return [QUOTED_HEADER, *(QUOTED_ROW.format(n=n) for n in numbers)]


def test_export_shaped_file_takes_the_fast_path(env, paths):
    env.write("order_lines", "order_lines_20250302.csv", _quoted(1, 2, 3))

    (f,) = env.ingest("order_lines").files

    assert paths == ["fast"]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 3, 0)
    assert env.raw_rows("order_lines", "order_no, line_no, quantity, _line_number, _row_number") == [
        (f"SO{n:09d}", str(n), 1, n + 1, n) for n in (1, 2, 3)]


def test_text_values_with_spaces_at_their_edges_are_trimmed_on_the_fast_path(env, paths):
    lines = _quoted(1, 2)
    lines.insert(2, QUOTED_ROW.format(n=7).replace('"K100071"', '" K100071"').replace('"TX-10012"', '"TX-10012 "'))
    env.write("order_lines", "order_lines_20250302.csv", lines)

    (f,) = env.ingest("order_lines").files

    assert paths == ["fast"]
    assert (f.rows_loaded, f.rows_quarantined) == (3, 0)
    assert env.raw_rows("order_lines", "customer_no, sku") == [("K100071", "TX-10012")] * 3


def test_bad_rows_in_the_middle_keep_their_physical_lines_on_the_fast_path(env, paths):
    lines = _quoted(1, 2)
    lines.insert(2, QUOTED_ROW.format(n=7).replace("2024-01-01", "2024-1-01"))  # line 3: unpadded date
    lines.insert(3, '"SO1",8,"K1",2024-01-01')                                    # line 4: 4 fields of 12
    lines.insert(4, QUOTED_ROW.format(n=9).replace(",1,26.93", ", 2 ,26.93"))      # line 5: good once trimmed
    env.write("order_lines", "order_lines_20250302.csv", lines)

    (f,) = env.ingest("order_lines").files

    assert paths == ["fast"]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 3, 2)
    assert env.quarantine() == [
        (3, "unparseable date in order_date", lines[2]),
        (4, "malformed CSV line: expected 12 fields, got 4", lines[3]),
    ]
    assert env.raw_rows("order_lines", "line_no, quantity, _line_number, _row_number") == [
        ("1", 1, 2, 1), ("9", 2, 5, 4), ("2", 1, 6, 5)]


def test_parts_read_side_by_side_keep_physical_lines_and_quarantine_bad_rows(split_env, paths):
    lines = _quoted(*range(1, 41))
    lines[3] = lines[3].replace("2024-01-01", "2024-1-01")  # line 4, first part
    lines[35] = '"SO1",8,"K1"'  # line 36, second part
    lines[38] = lines[38].replace(",1,26.93", ", 7 ,26.93")  # line 39: good once trimmed
    split_env.write("order_lines", "order_lines_20250302.csv", lines)

    (f,) = split_env.ingest("order_lines").files

    assert paths == ["fast"]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (40, 38, 2)
    assert [(n, reason) for n, reason, _ in split_env.quarantine()] == [
        (4, "unparseable date in order_date"), (36, "malformed CSV line: expected 12 fields, got 3")]
    assert split_env.quarantine()[1][2] == lines[35]
    rows = split_env.raw_rows("order_lines", "line_no, quantity, _line_number, _row_number")
    assert [r[2] for r in rows] == [n for n in range(2, 42) if n not in (4, 36)]
    assert all(r == (str(r[2] - 1), 7 if r[2] == 39 else 1, r[2], r[2] - 1) for r in rows)
    (raw,) = split_env.raw_files("order_lines")
    assert split_env.query(f"select count(*) from parquet_metadata('{raw}') where column_id = 0")[0][0] >= 2


@pytest.mark.parametrize("odd_line", ["", '"SO1",1,"K1",2024-01-01,"a\nb",1,1,0,"CNY",1,"open",2024-01-02 00:00:00'])
def test_an_odd_line_in_any_part_sends_the_file_to_the_careful_path(split_env, monkeypatch, paths, odd_line):
    lines = _quoted(*range(1, 41))
    lines.insert(5, odd_line)
    split_env.write("order_lines", "order_lines_20250302.csv", lines)
    expected = _outcome(split_env, monkeypatch, careful_only=True)
    paths.clear()

    assert _outcome(split_env, monkeypatch, careful_only=False) == expected
    assert paths == ["careful"]


@pytest.mark.parametrize(("odd_line", "why"), [
    ('"SO1",1,"K1",2024-01-01,"a\nb",1,1,0,"CNY",1,"open",2024-01-02 00:00:00', "a quoted line break"),
    ("", "a blank line"),
    ("   ", "a line of spaces"),
    (QUOTED_ROW.format(n=5) + ",,", "extra empty fields (DuckDB drops them)"),
    (QUOTED_ROW.format(n=5) + ',""', "an extra quoted empty field"),
    (QUOTED_ROW.format(n=5) + ",x", "one extra field"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', '"TX ""10"" 12"'), "an escaped quote"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', 'TX"10'), "a lone quote in an unquoted field"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', '"TX" -1'), "text after a closing quote"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', '"TX"  '), "spaces after a closing quote"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', '"TX" "1"'), "a second quoted piece after a space"),
    (QUOTED_ROW.format(n=5).replace('"shipped",2024-01-02 12:28:53', '"shipped" '), "trailing spaces at the end"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', ' "TX"'), "a space before an opening quote"),
    (QUOTED_ROW.format(n=5).replace('"TX-10012"', '"TX'), "an unterminated quote"),
])
def test_lines_the_fast_path_cannot_vouch_for_send_the_file_to_the_careful_path(env, monkeypatch, paths, odd_line,
                                                                                 why):
    lines = _quoted(1, 2)
    lines.insert(2, odd_line)
    env.write("order_lines", "order_lines_20250302.csv", lines)
    expected = _outcome(env, monkeypatch, careful_only=True)
    paths.clear()

    got = _outcome(env, monkeypatch, careful_only=False)

    assert paths == ["careful"], why
    assert got == expected, why


def test_header_spanning_lines_goes_to_the_careful_path(env, paths):
    env.write("order_lines", "order_lines_20250302.csv",
              ['"order_no","line_no","customer_no","order_date","sku","quantity","unit_price","discount_rate",'
               '"currency","fx_rate","status","updated_at","note', 'more"', QUOTED_ROW.format(n=1) + ",x"])

    (f,) = env.ingest("order_lines").files

    assert paths == ["careful"]
    assert (f.status, f.rows_loaded, f.extra_columns) == ("loaded", 1, ("note\nmore",))
    assert env.raw_rows("order_lines", "_line_number") == [(3,)]


def test_only_the_careful_path_reads_json_lines(env, paths):
    env.write("followers", "followers_20250701.jsonl", [
        '{"channel": "wechat", "user_id": "u1", "followed_at": "2025-06-30T18:30:00Z"}'])

    env.ingest("followers")

    assert paths == ["careful"]


def _outcome(env, monkeypatch, careful_only: bool) -> tuple:
    """Ingest the landing afresh (a new warehouse) and return what landed in raw, quarantine and log."""
    shutil.rmtree(env.warehouse.root, ignore_errors=True)
    with monkeypatch.context() as patch:
        if careful_only:
            patch.setattr(fast_csv, "usable", lambda copy: False)
        result = env.ingest("order_lines")
    rows = env.raw_rows("order_lines", "* exclude (_loaded_at, _load_run_id)") if env.raw_files("order_lines") else []
    files = [(f.path, f.status, f.reason, f.rows_read, f.rows_loaded, f.rows_quarantined, f.extra_columns)
             for f in result.files]
    return files, rows, env.quarantine()


_FIELDS = ['"SO1"', "SO2", " SO3 ", '" SO4"', '""', "", "1", " 2", "-3", "+4", "05", "1.50", ".5", "1e3", "0x1",
           "2024-01-01", "2024-1-01", "2024-02-30", "2024-01-02 12:28:53", "2024-01-02 1:28:53", '"a,b"', '"x""y"',
           'x"y', '"z" ', '"a" "b"', '"a"  "b"', ' "c"', "\t7", "８", "\u30008", '"multi\nline"', "a b", '"',
           "  "]


def _random_line(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(["", " ", ",,,", "\t"])
    width = 12 if roll < 0.8 else rng.choice([1, 11, 13, 14])
    fields = [rng.choice(_FIELDS) if rng.random() < 0.3 else plain for plain in ORDER_ROW.format(n=1).split(",")]
    fields = (fields + [rng.choice(_FIELDS) for _ in range(width)])[:width]
    return ",".join(fields)


def random_file(rng: random.Random) -> list[str]:
    """A header and 29 lines, a share of them (none to a third) odd in one of many ways."""
    header = QUOTED_HEADER if rng.random() < 0.5 else ORDER_HEADER
    odd = rng.choice([0.0, 0.02, 0.05, 0.3])
    return [header] + [_random_line(rng) if rng.random() < odd else QUOTED_ROW.format(n=n) for n in range(1, 30)]


def write_random_file(env: Env, rng: random.Random) -> None:
    env.write("order_lines", "order_lines_20250302.csv", random_file(rng), final_newline=rng.random() < 0.8,
              line_end=rng.choice(["\n", "\n", "\r\n"]))


@pytest.mark.parametrize("seed", range(12))
def test_random_files_give_the_same_outcome_both_ways(env, monkeypatch, seed):
    rng = random.Random(seed)
    write_random_file(env, rng)

    assert _outcome(env, monkeypatch, careful_only=False) == _outcome(env, monkeypatch, careful_only=True)


@pytest.mark.parametrize("seed", range(100, 108))
def test_random_files_read_in_parts_give_the_same_outcome_both_ways(split_env, monkeypatch, seed):
    rng = random.Random(seed)
    write_random_file(split_env, rng)

    assert _outcome(split_env, monkeypatch, careful_only=False) == _outcome(split_env, monkeypatch, careful_only=True)


@pytest.mark.parametrize("column", ["order_date", "updated_at"])
def test_glob_checks_say_what_the_regexps_say(column):
    spec = FEEDS["order_lines"]
    col = spec.column(column)
    samples = ["2024-01-01", "2024-1-01", "20240101", "2024-01-01 ", " 2024-01-01", "2024-01-0١", "2024/01/01",
               "2024-01-02 12:28:53", "2024-01-02 1:28:53", "2024-01-02T12:28:53", "2024-01-02 12:28:53.1", "",
               "2024-01-02  12:28:5", "9999-99-99", "9999-99-99 99:99:99", "abcd-ef-gh", "2024-01-01\n"]
    con = duckdb.connect()
    con.execute("create table v as select unnest(?::varchar[]) as x", [samples])
    glob, regexp = con.execute(
        f"select list({matches_sql(spec, col, 'x')} order by x), "
        f"list(regexp_full_match(x, '{value_pattern(spec, col)}') order by x) from v").fetchone()
    assert "glob" in matches_sql(spec, col, "x") and glob == regexp
