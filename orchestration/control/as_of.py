"""The as-of date D: a daily partition (Asia/Shanghai), and the one fallback rule for a manual run.

- Runs launched by Dagster carry D as their partition key (the schedule: yesterday; a sensor:
  yesterday; the UI and backfills: the partitions picked).
- `python -m orchestration run` without `--as-of` classifies for the latest order date in the data
  (`latest_order_date`): the raw zone plus the order-lines files landed but not yet loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

LOCAL_TIMEZONE = "Asia/Shanghai"  # contract README: "local time" is Asia/Shanghai (UTC+8, no DST)
FIRST_AS_OF = date(2015, 1, 1)  # default first partition (setting CW_FIRST_AS_OF)


def as_of_partitions(first: date = FIRST_AS_OF) -> dg.DailyPartitionsDefinition:
    """One partition per as-of date, today (local) included."""
    return dg.DailyPartitionsDefinition(start_date=first.isoformat(), timezone=LOCAL_TIMEZONE, end_offset=1,
                                        fmt="%Y-%m-%d")


def local_today(now: datetime | None = None) -> date:
    now = now or datetime.now(ZoneInfo(LOCAL_TIMEZONE))
    if now.tzinfo is not None:
        now = now.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return now.date()


def yesterday(now: datetime | None = None) -> date:
    """The local calendar day before `now` (a naive time is taken as local time)."""
    return local_today(now) - timedelta(days=1)


def check_in_range(as_of: date, first: date = FIRST_AS_OF, now: datetime | None = None) -> str | None:
    """Why `as_of` is not a partition, else None."""
    if as_of < first:
        return f"as-of date {as_of} is before the first partition {first} (setting CW_FIRST_AS_OF)"
    if as_of > local_today(now):
        return f"as-of date {as_of} is in the future (today is {local_today(now)} in {LOCAL_TIMEZONE})"
    return None


def date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def latest_order_date(raw_order_lines: Path, pending_files: Iterable[Path]) -> date | None:
    """The greatest `order_date` of the order lines loaded in the raw zone (`<raw>/erp/order_lines`)
    and of the order-lines files about to be loaded (`pending_files`, not yet in the raw zone).

    A pending file is read by DuckDB's CSV reader as Latin-1 (GB18030 and UTF-8 keep ASCII bytes as
    they are, and a date is ASCII), one column by header name; a value counts only when it is a
    valid zero-padded `YYYY-MM-DD` (as ingestion types it). None when there is no order line at all.
    """
    con = duckdb.connect(":memory:")
    try:
        candidates = []
        # the files by name, not a glob: a folder named `data [old]` is no pattern
        raw_files = sorted(str(p) for p in Path(raw_order_lines).glob("**/*.parquet"))
        if raw_files:
            candidates.append(con.execute(
                "select max(order_date) from read_parquet(?, union_by_name = true)", [raw_files]).fetchone()[0])
        for path in pending_files:
            try:
                candidates.append(con.execute(
                    """
                    select max(try_strptime(trim(order_date), '%Y-%m-%d'))::date
                    from read_csv(?, header = true, all_varchar = true, encoding = 'latin-1',
                                  ignore_errors = true, strict_mode = false, null_padding = true)
                    where regexp_full_match(trim(order_date), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                    """, [str(path)]).fetchone()[0])
            except duckdb.Error:  # no order_date column, not a CSV: ingestion will reject it
                continue
        found = [c for c in candidates if c is not None]
        return max(found) if found else None
    finally:
        con.close()


def manual_as_of(landing_root: Path, warehouse_db: Path, raw_order_lines: Path,
                 settle_seconds: float = 0.0) -> date | None:
    """D of a manual run without `--as-of`: the latest order date of the order lines loaded and of
    the settled order-lines files not logged yet (by path, size and mtime). Call it under the
    warehouse lock, so that nothing is loaded meanwhile."""
    from orchestration.feeds import ORDER_LINES
    from orchestration.landing import list_feed

    logged: set[tuple[str, int, int]] = set()
    if Path(warehouse_db).exists():
        con = duckdb.connect(str(warehouse_db), read_only=True)
        try:
            rows = con.execute("select path, bytes, mtime_ns from audit.load_log where feed = ?",
                               [ORDER_LINES.name]).fetchall()
            logged = {(p, b, m) for p, b, m in rows}
        except duckdb.Error:
            logged = set()
        finally:
            con.close()
    pending = [f.path for f in list_feed(ORDER_LINES, landing_root, settle_seconds).files
               if f.export_date is not None and (f.rel_path, f.stamp.size, f.stamp.mtime_ns) not in logged]
    return latest_order_date(raw_order_lines, pending)
