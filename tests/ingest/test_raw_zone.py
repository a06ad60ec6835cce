"""The raw zone's contract: typed columns exactly as the spec says, lineage, `_schema.parquet`."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.feeds import FEEDS
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW


def _schema(path) -> dict[str, str]:
    con = duckdb.connect()
    try:
        rows = con.execute(f"describe select * from read_parquet('{path}')").fetchall()
        return {name: kind for name, kind, *_ in rows}
    finally:
        con.close()


@pytest.mark.parametrize("feed", sorted(FEEDS))
def test_every_feed_folder_gets_a_schema_file_even_without_files(env, feed):
    result = env.ingest(feed)

    spec = FEEDS[feed]
    schema_file = env.warehouse.raw_dir / spec.system / spec.name / "_schema.parquet"
    assert result.files == []
    assert _schema(schema_file) == spec.raw_schema()
    assert duckdb.connect().execute(f"select count(*) from read_parquet('{schema_file}')").fetchone() == (0,)


def test_loaded_file_is_a_folder_named_by_its_hash_with_exact_schema_and_lineage(env):
    env.write("order_lines", "order_lines_20250301.csv", [ORDER_HEADER, ORDER_ROW.format(n=1)])

    (f,) = env.ingest("order_lines", run_id="run-42").files

    (folder,) = env.raw_files("order_lines")
    assert folder.name == f.sha256 and folder.is_dir()
    assert f.raw_path == f"raw/erp/order_lines/{f.sha256}"
    (raw,) = folder.glob("*.parquet")
    assert _schema(raw) == FEEDS["order_lines"].raw_schema()
    (row,) = env.raw_rows("order_lines", "_file_path, _file_sha256, _line_number, _row_number, _export_date, "
                                         "_load_run_id, _loaded_at is not null")
    assert row == ("erp/order_lines/order_lines_20250301.csv", f.sha256, 2, 1, date(2025, 3, 1), "run-42", True)
    lineage_text = {field.name: str(field.type) for field in pq.read_schema(raw) if field.name in
                    ("_file_path", "_file_sha256", "_load_run_id")}
    assert lineage_text == dict.fromkeys(lineage_text, "string") and len(lineage_text) == 3  # other readers agree
    assert not list(folder.parent.glob(".*")), "no temporary file is left beside the raw files"


def test_raw_parts_read_alike_in_another_parquet_reader(env):
    """Raw parts are written with Parquet's version 2 encodings and give up a column's dictionary past 2,048
    values (raw_output.RAW_PARQUET): pyarrow (the reader beside Spark's) must read every value as DuckDB does."""
    rows = [f"SO{n:07d},1,K{n % 3000:06d},2025-03-01,ST-{n % 5},{n},{n}.25,0.10,CNY,1.0000,shipped,"
            f"2025-03-02 10:{n % 60:02d}:00" for n in range(1, 6001)]
    env.write("order_lines", "order_lines_20250301.csv", [ORDER_HEADER, *rows])

    (f,) = env.ingest("order_lines").files

    (folder,) = env.raw_files("order_lines")
    columns = list(FEEDS["order_lines"].raw_schema())
    by_duckdb = env.raw_rows("order_lines", ", ".join(columns))
    (part,) = folder.glob("*.parquet")
    table = pq.read_table(part).sort_by("_line_number")
    by_pyarrow = list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))
    assert f.rows_loaded == 6000 and len({row[0] for row in by_duckdb}) == 6000
    assert by_pyarrow == by_duckdb
    encodings = {e for (e,) in duckdb.connect().execute(
        f"select distinct encodings from parquet_metadata('{folder}/*.parquet')").fetchall()}
    assert any("DELTA" in e for e in encodings), encodings  # written with version 2's encodings, as decided
