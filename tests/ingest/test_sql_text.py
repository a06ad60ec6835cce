"""The trimming rule in SQL is Python's `str.strip()` (the contract's "trimmed"), for every whitespace
character Python strips and for the characters it does not (zero-width space, BOM, NUL); a folder's name in
a glob is read as a name."""

from __future__ import annotations

import random

import duckdb
import pytest

from orchestration.ingest.sql_text import WHITESPACE, cleaned, glob_root, literal


def test_cleaned_trims_exactly_what_python_strips_and_empties_to_null():
    rng = random.Random(7)
    alphabet = [*WHITESPACE, *"ab龙,\"'\\", "\u200b", "\ufeff", "\x00"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(5000)]
    con = duckdb.connect()
    con.execute("create table v as select unnest(?::varchar[]) as s", [values])
    got = dict(con.execute(f"select s, {cleaned('s')} from v").fetchall())
    assert all(got[s] == (s.strip() or None) for s in values)
    assert {c for c in WHITESPACE} == {chr(i) for i in range(0x3001) if chr(i).isspace()}


def test_a_folder_named_like_a_pattern_is_read_by_its_name_in_a_glob(tmp_path):
    folder = tmp_path / "raw [old]* ?"
    (folder / "part").mkdir(parents=True)
    (tmp_path / "raw o").mkdir()  # what the unescaped pattern would read instead, if anything
    con = duckdb.connect()
    con.execute(f"copy (select 42 as answer) to {literal(folder / 'part' / 'p.parquet')} (format parquet)")
    with pytest.raises(duckdb.IOException, match="No files found"):
        con.execute(f"select * from read_parquet({literal(str(folder) + '/**/*.parquet')})")
    glob = literal(glob_root(folder) + "/**/*.parquet")
    assert con.execute(f"select * from read_parquet({glob})").fetchall() == [(42,)]
