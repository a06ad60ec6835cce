"""The raw order lines' totals that `net_amount_reconciles` compares with the mart, kept from night to night.

Deriving them means choosing the latest version of every order line ever loaded: a window over every raw
row (~7 s at L, the largest check of a night). The raw zone only grows and a line's latest version only
changes when a file holding that line is loaded, so a night can start from the totals of the last passing
check and replace the contribution of the lines its new files hold:

    raw now = raw then − Σ (latest version of those lines among the files counted then)
                       + Σ (latest version of those lines among every file)

That is exact (DECIMAL sums of amounts rounded per line; a line new tonight has no earlier version). The
totals are derived in full again — every raw row re-read, independent of the chain — when none are
recorded, when the files they counted are no longer exactly the files loaded up to their newest load
(a file logged later with an earlier time), and when their chain's full derivation is older than
`FULL_EVERY`. Totals are recorded (`audit.reconciliation_totals`) only when the check passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.audit.writes import utc_now
from orchestration.feeds import FeedSpec
from orchestration.quality.batches import resolve_raw_path, sql_list

#: the longest a chain of incremental totals runs before the next full derivation
FULL_EVERY = timedelta(days=7)

#: a raw line's net amount in CNY, rounded to the cent half away from zero as the mart rounds it
NET_AMOUNT = "round(quantity * unit_price * (1 - discount_rate) * fx_rate, 2)"


@dataclass(frozen=True)
class LoadedFile:
    raw_path: str
    loaded_at: datetime


@dataclass(frozen=True)
class Totals:
    lines: int
    net_amount_cny: Decimal
    files: int  # the loaded files these totals count ...
    files_through: datetime | None  # ... which are every file loaded up to this time
    derived: str  # "full" or "incremental"
    derived_in_full_at: datetime  # when the full derivation this chain starts from was made


def loaded_files(con: duckdb.DuckDBPyConnection, root: Path, spec: FeedSpec,
                 current_only: bool = False) -> list[LoadedFile]:
    """The feed's loaded raw files (any run), oldest load first; only the current snapshot if asked (the
    newest export date, then the newest load)."""
    order = "export_date desc nulls last, loaded_at desc limit 1" if current_only else "loaded_at, raw_path"
    rows = con.execute("select raw_path, loaded_at from audit.load_log where status = 'loaded' and "
                       f"raw_path is not null and feed = ? order by {order}", [spec.name]).fetchall()
    return [LoadedFile(resolve_raw_path(root, path), loaded_at) for path, loaded_at in rows]


def latest_of(relation: str, spec: FeedSpec) -> str:
    """The latest version per key among the raw rows of `relation`: greatest updated_at, then later
    export date, then later load, then later row (sources.md)."""
    version = f"{spec.updated_at} desc nulls last, " if spec.updated_at else ""
    return f"""
        select *
        from {relation}
        qualify row_number() over (
            partition by {', '.join(spec.key)}
            order by {version}_export_date desc, _loaded_at desc, _row_number desc
        ) = 1"""


def read_files(files: list[LoadedFile]) -> str:
    return f"read_parquet({sql_list([f.raw_path for f in files])}, union_by_name = true)"


def full_sql(spec: FeedSpec, files: list[LoadedFile]) -> str:
    """Lines and Σ net amount of the latest versions of every raw row."""
    if not files:
        return "select 0::bigint as lines, 0::decimal(38, 2) as net_amount_cny"
    return f"""
        with

        latest as ({latest_of(read_files(files), spec)}),

        final as (
            select count(*) as lines, coalesce(sum({NET_AMOUNT}), 0)::decimal(38, 2) as net_amount_cny
            from latest
        )

        select * from final"""


def change_sql(spec: FeedSpec, counted: list[LoadedFile], new: list[LoadedFile]) -> str:
    """How the new files change the totals: (lines, Σ) of their lines' latest versions among every file,
    then among the files counted before (nothing for a line new tonight)."""
    keys = ", ".join(spec.key)
    match = " and ".join(f"counted_rows.{k} = new_keys.{k}" for k in spec.key)
    counted_rows = (f"select counted_rows.* from {read_files(counted)} as counted_rows "
                    f"semi join new_keys on {match}") if counted else "select * from new_rows limit 0"
    return f"""
        with

        new_rows as (select * from {read_files(new)}),

        new_keys as (select distinct {keys} from new_rows),

        counted_rows as ({counted_rows}),

        latest_now as ({latest_of("(select * from counted_rows union all by name select * from new_rows)", spec)}),

        latest_before as ({latest_of("counted_rows", spec)}),

        final as (
            select
                (select count(*) from latest_now) as lines_now,
                (select coalesce(sum({NET_AMOUNT}), 0) from latest_now)::decimal(38, 2) as net_amount_now,
                (select count(*) from latest_before) as lines_before,
                (select coalesce(sum({NET_AMOUNT}), 0) from latest_before)::decimal(38, 2) as net_amount_before
        )

        select * from final"""


def last_totals(con: duckdb.DuckDBPyConnection, spec: FeedSpec, files: list[LoadedFile],
                now: datetime) -> Totals | None:
    """The newest recorded totals a night may start from (None: derive in full)."""
    row = con.execute("select lines, net_amount_cny, files, files_through, derived, derived_in_full_at "
                      "from audit.reconciliation_totals where feed = ? order by recorded_at desc limit 1",
                      [spec.name]).fetchone()
    if row is None:
        return None
    totals = Totals(*row)
    counted = sum(1 for f in files if totals.files_through is not None and f.loaded_at <= totals.files_through)
    if counted != totals.files or now - totals.derived_in_full_at > FULL_EVERY:
        return None
    return totals


def derive(con: duckdb.DuckDBPyConnection, spec: FeedSpec, files: list[LoadedFile],
           now: datetime | None = None) -> tuple[Totals, str]:
    """The raw totals of every loaded file, and the SQL that derived them (evidence)."""
    now = now or utc_now()
    through = files[-1].loaded_at if files else None
    start = last_totals(con, spec, files, now)
    if start is None:
        sql = full_sql(spec, files)
        lines, amount = con.execute(sql).fetchone()
        return Totals(lines, amount, len(files), through, "full", now), sql
    counted = files[:start.files]
    new = files[start.files:]
    if not new:
        return Totals(start.lines, start.net_amount_cny, len(files), through, "incremental",
                      start.derived_in_full_at), f"-- no order-line file loaded since the totals recorded at {through}"
    sql = change_sql(spec, counted, new)
    lines_now, amount_now, lines_before, amount_before = con.execute(sql).fetchone()
    totals = Totals(start.lines - lines_before + lines_now, start.net_amount_cny - amount_before + amount_now,
                    len(files), through, "incremental", start.derived_in_full_at)
    evidence = (f"-- {start.lines} lines, Σ {start.net_amount_cny} over the {start.files} files loaded up to "
                f"{start.files_through} (audit.reconciliation_totals), changed by the {len(new)} files loaded "
                f"since:\n{sql}")
    return totals, evidence


def record(con: duckdb.DuckDBPyConnection, run_id: str, spec: FeedSpec, totals: Totals) -> None:
    con.execute("insert into audit.reconciliation_totals values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, spec.name, totals.lines, totals.net_amount_cny, totals.files, totals.files_through,
                 totals.derived, totals.derived_in_full_at, utc_now()])
