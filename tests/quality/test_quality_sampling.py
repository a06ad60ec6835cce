"""warn suites validate a bounded, repeatable sample of a big batch; error suites every row."""

from __future__ import annotations

import duckdb

from orchestration.feeds import ORDER_LINES
from orchestration.quality.batches import MartBatch, iter_raw_rows


def test_raw_rows_are_all_read_unless_a_sample_is_asked_for(tmp_path):
    path = tmp_path / "batch.parquet"
    duckdb.sql(f"copy (select range as order_no from range(5000)) to '{path}' (format parquet)")
    every = sum(len(f) for f in iter_raw_rows([str(path)], ORDER_LINES))
    sample = [f for f in iter_raw_rows([str(path)], ORDER_LINES, sample_rows=100)]
    again = [f for f in iter_raw_rows([str(path)], ORDER_LINES, sample_rows=100)]
    assert every == 5000
    assert sum(len(f) for f in sample) == 100
    assert sample[0]["order_no"].tolist() == again[0]["order_no"].tolist()  # repeatable


def test_mart_batch_sample_keeps_the_filter(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.t as select range as k from range(1000)")
    batch = MartBatch("marts.t", where="t.k < 500")
    rows = [f for f in batch.iter_rows(con, "run", sample_rows=50)]
    assert sum(len(f) for f in rows) == 50 and max(rows[0]["k"]) < 500
    assert "using sample reservoir(50 rows)" in batch.evidence("run", sample_rows=50)
