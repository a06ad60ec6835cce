"""Parquet files written by DuckDB, concatenated without re-encoding, read back as the same rows."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import parquet_concat
from orchestration.ingest.parquet_concat import ParquetConcatError, concat_parquet

ROWS = """
    select range as id, 'x' || (range % 50) as cat, md5(range::varchar) as h, 'constant' as c,
           case when range % 7 = 0 then null else range * 1.5 end::decimal(18,6) as amount,
           date '2024-01-01' + (range % 300)::int as day, timestamp '2024-01-01' + to_seconds(range) as at
    from range({lo}, {hi})
"""


def _write(con, path, lo, hi, sql=ROWS):
    con.execute(f"copy ({sql.format(lo=lo, hi=hi)}) to '{path}' (format parquet)")
    return path


def test_parts_concatenate_to_their_rows_in_order(tmp_path):
    con = duckdb.connect()
    parts = [_write(con, tmp_path / f"p{k}.parquet", lo, hi)
             for k, (lo, hi) in enumerate([(0, 300_000), (300_000, 300_001), (300_001, 300_001), (300_001, 450_000)])]
    target = tmp_path / "all.parquet"

    assert concat_parquet(parts, target) == 450_000

    assert con.execute(f"select * from read_parquet('{target}')").fetchall() == \
        con.execute(f"select * from ({ROWS.format(lo=0, hi=450_000)})").fetchall()
    # statistics, dictionaries and bloom filters still lead to the right rows
    assert con.execute(f"select count(*) from read_parquet('{target}') where h = md5('400000')").fetchall() == [(1,)]
    assert con.execute(f"select count(*) from read_parquet('{target}') where id between 299990 and 300010"
                       ).fetchall() == [(21,)]
    assert con.execute(f"select num_rows from parquet_file_metadata('{target}')").fetchall() == [(450_000,)]
    ids = pq.read_table(target).column("id").to_pylist()  # another reader agrees
    assert len(ids) == 450_000 and ids[299_998:300_003] == list(range(299_998, 300_003))


def test_a_footer_decodes_and_encodes_to_the_same_bytes(tmp_path):
    part = _write(duckdb.connect(), tmp_path / "p.parquet", 0, 1000)
    _, footer = parquet_concat._read_footer(part)

    fields, end = parquet_concat._decode_struct(footer, 0)

    assert end == len(footer) and parquet_concat._encode_struct(fields) == footer


def test_parts_of_different_schemas_are_refused(tmp_path):
    con = duckdb.connect()
    one = _write(con, tmp_path / "a.parquet", 0, 10)
    other = _write(con, tmp_path / "b.parquet", 0, 10, "select range as id from range({lo}, {hi})")

    with pytest.raises(ParquetConcatError, match="schema"):
        concat_parquet([one, other], tmp_path / "all.parquet")


def test_a_file_that_is_not_parquet_is_refused(tmp_path):
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not a parquet file at all")

    with pytest.raises(ParquetConcatError):
        concat_parquet([bad], tmp_path / "all.parquet")
