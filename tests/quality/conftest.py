"""Small raw-zone and audit data built per test in a temporary warehouse."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.feeds import ORDER_LINES, FeedSpec
from orchestration.resources import WarehouseResource


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehouseResource:
    return WarehouseResource(warehouse_dir=str(tmp_path / "warehouse"), threads=1, memory_limit="1GB")


def order_line(order_no: str = "SO00000001", line_no: str = "1", **changes) -> dict:
    row = {"order_no": order_no, "line_no": line_no, "customer_no": "K100001", "order_date": "2025-06-01",
           "sku": "TX-10001", "quantity": 10, "unit_price": "12.50", "discount_rate": "0.10", "currency": "CNY",
           "fx_rate": "1", "status": "shipped", "updated_at": "2025-06-01 10:00:00"}
    return {**row, **changes}


def write_raw_file(warehouse: WarehouseResource, spec: FeedSpec, rows: list[dict], *, run_id: str,
                   export_date: date = date(2025, 6, 30), rows_read: int | None = None,
                   rows_quarantined: int = 0, name: str | None = None,
                   loaded_at: datetime = datetime(2025, 7, 1, 2, 0, 0)) -> Path:
    """Write `rows` as a raw-zone Parquet file (spec.raw_schema(), lineage filled in) and log it
    in audit.load_log as loaded by `run_id` with the given counts."""
    file_path = f"{spec.folder}/{name or spec.file_name(export_date)}"
    sha = hashlib.sha256(f"{file_path}{rows}{run_id}".encode()).hexdigest()
    lineage = {"_file_path": file_path, "_file_sha256": sha, "_export_date": export_date.isoformat(),
               "_load_run_id": run_id, "_loaded_at": loaded_at.isoformat(sep=" ")}
    full = [{**{c: None for c in spec.column_names}, **row, **lineage, "_line_number": i + 2, "_row_number": i + 1}
            for i, row in enumerate(rows)]
    schema = spec.raw_schema()
    raw_path = warehouse.raw_dir / spec.folder / f"{sha}.parquet"
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        frame = pd.DataFrame(full, columns=list(schema)).astype(object)  # noqa: F841 - read by duckdb
        casts = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in schema.items())
        con.execute(f"copy (select {casts} from frame) to '{raw_path}' (format parquet)")
    finally:
        con.close()
    rows_read = rows_read if rows_read is not None else len(rows) + rows_quarantined
    with warehouse.connect() as wh:
        wh.execute(
            "insert into audit.load_log (path, feed, sha256, bytes, export_date, rows_read, rows_loaded, "
            "rows_quarantined, status, raw_path, run_id, loaded_at) "
            "values (?, ?, ?, 100, ?, ?, ?, ?, 'loaded', ?, ?, ?)",
            [file_path, spec.name, sha, export_date, rows_read,
             len(rows), rows_quarantined, str(raw_path), run_id, loaded_at],
        )
        for i in range(rows_quarantined):
            wh.execute("insert into audit.quarantine values (?, ?, ?, ?, 'x', 'unparseable', ?, ?)",
                       [spec.name, file_path, sha, len(rows) + i + 2, run_id, loaded_at])
    return raw_path


def record_run(warehouse: WarehouseResource, run_id: str, *, published: bool, recorded_at: datetime) -> None:
    """A run in audit.run_inputs and audit.runs (published or failed): what the checks' scope is ordered by."""
    with warehouse.connect() as wh:
        wh.execute("insert into audit.run_inputs (run_id, inputs_fingerprint, raw_files, code_fingerprint, "
                   "recorded_at) values (?, 'f', 0, 'c', ?)", [run_id, recorded_at])
        wh.execute("insert into audit.runs (run_id, started_at, status, published) values (?, ?, ?, ?)",
                   [run_id, recorded_at, "success" if published else "failed", published])


@pytest.fixture
def recorded_run():
    """`record_run`."""
    return record_run


@pytest.fixture
def raw_file():
    """`write_raw_file` (tests import helpers through fixtures, not from conftest)."""
    return write_raw_file


@pytest.fixture
def line():
    """`order_line`: a valid raw order line with the given changes."""
    return order_line


@pytest.fixture
def order_lines_spec() -> FeedSpec:
    return ORDER_LINES
