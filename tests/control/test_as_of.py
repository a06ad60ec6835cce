"""The as-of date: partitions, and the one fallback rule of a manual run (the latest order date in the
data: loaded order lines plus the order-lines files about to be loaded)."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration.control.as_of import as_of_partitions, check_in_range, latest_order_date, manual_as_of, yesterday
from orchestration.feeds import ORDER_LINES

HEADER = ("order_no,line_no,customer_no,order_date,sku,quantity,unit_price,discount_rate,currency,fx_rate,status,"
          "updated_at")


def order_file(folder: Path, name: str, dates: list[str], text: str = "苏州") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [HEADER, *(f"SO{i},1,K000001,{d},{text},1,1.00,0,CNY,1,open,2025-01-01 00:00:00" for i, d in
                       enumerate(dates))]
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return path


def raw_file(folder: Path, latest: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select date '{latest}' as order_date) to '{folder / 'a.parquet'}' (format parquet)")


def test_latest_order_date_reads_raw_and_pending_gb18030_files_and_ignores_bad_dates(tmp_path):
    raw = tmp_path / "raw"
    raw_file(raw, "2025-11-30")
    pending = order_file(tmp_path / "landing", "order_lines_20251231.csv",
                         ["2025-12-30", "2025-13-45", "2025-1-31", "2025-12-31 "])
    assert latest_order_date(raw, [pending]) == date(2025, 12, 31)
    assert latest_order_date(raw, []) == date(2025, 11, 30)
    assert latest_order_date(tmp_path / "nothing", []) is None


def test_a_manual_run_takes_the_latest_order_date_of_loaded_and_pending_files(tmp_path):
    landing = tmp_path / "landing" / ORDER_LINES.folder
    loaded = order_file(landing, "order_lines_20251231.csv", ["2026-01-05"])  # logged: its raw file counts
    order_file(landing, "order_lines_20251130.csv", ["2025-11-29"])
    order_file(landing, "orders.csv", ["2027-01-01"])  # misnamed: it will be rejected, it does not count
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema audit")
        con.execute("create table audit.load_log (path varchar, feed varchar, bytes bigint, mtime_ns bigint)")
        st = os.stat(loaded)
        con.execute("insert into audit.load_log values (?, 'order_lines', ?, ?)",
                    [f"{ORDER_LINES.folder}/{loaded.name}", st.st_size, st.st_mtime_ns])
    raw = tmp_path / "raw" / "erp" / "order_lines"
    raw_file(raw, "2025-12-31")  # what the logged file gave (its rows as loaded)
    assert manual_as_of(tmp_path / "landing", warehouse, raw) == date(2025, 12, 31)


def test_partitions_are_local_days_up_to_today():
    partitions = as_of_partitions(date(2024, 1, 1))
    assert partitions.timezone == "Asia/Shanghai"
    assert partitions.get_first_partition_key() == "2024-01-01"
    shanghai_now = datetime(2026, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert yesterday(shanghai_now) == date(2025, 12, 31)
    assert check_in_range(date(2025, 12, 31), date(2024, 1, 1), shanghai_now) is None
    assert "in the future" in check_in_range(date(2026, 1, 2), date(2024, 1, 1), shanghai_now)
    assert "before the first partition" in check_in_range(date(2023, 12, 31), date(2024, 1, 1), shanghai_now)
