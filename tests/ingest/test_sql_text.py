"""The trimming rule in SQL is Python's `str.strip()` (the contract's "trimmed"), for every whitespace
character Python strips and for the characters it does not (zero-width space, BOM, NUL)."""

from __future__ import annotations

import random

import duckdb

from orchestration.ingest.sql_text import WHITESPACE, cleaned


def test_cleaned_trims_exactly_what_python_strips_and_empties_to_null():
    rng = random.Random(7)
    alphabet = [*WHITESPACE, *"ab龙,\"'\\", "\u200b", "\ufeff", "\x00"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(5000)]
    con = duckdb.connect()
    con.execute("create table v as select unnest(?::varchar[]) as s", [values])
    got = dict(con.execute(f"select s, {cleaned('s')} from v").fetchall())
    assert all(got[s] == (s.strip() or None) for s in values)
    assert {c for c in WHITESPACE} == {chr(i) for i in range(0x3001) if chr(i).isspace()}
