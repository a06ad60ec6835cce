"""Next-day deliveries: one more day of exports written into an existing landing directory.

`python -m orchestration demo-data --out DIR --next-day [--days N] [--seed S]` adds the day after
the latest export date present (then the day after that, N times): for the incremental feeds that
day's new and changed records, for the snapshot feeds that day's full snapshot. Files are named per
sources.md and written with the history's writers (CRM UTF-8 with BOM and CRLF, ERP GB18030 and LF,
social JSON Lines; the same timestamp styles), first into a hidden `.next-day-YYYYMMDD.partial/`
folder of the landing root (no feed folder: nothing reads it), then moved into the feed folders, so
an interrupted call leaves no half day behind.

State recovery (decided for issue #13): **the state is read back from the landing's own files**, not
re-derived from the generator's parameters (no manifest). Re-building the world of 200,000 customers
alone takes ~17 s (10.6M order lines), while a whole day at L, reading and writing included, costs
about 10 s of CPU (mostly reading ~3M rows of recent exports and 1M rows of snapshots, and writing
those snapshots); and the files are the truth: a landing from an older generator version, one edited
by hand, or one that was delivered day by day continues from what is there. What is read (`landed.py`):

- the newest file of each snapshot feed: edited, extended and pruned a little, written as the day's;
- the incremental files exported in the last 120 days (invoices: 240): the lines still open, the
  shipped lines that may come back, the unpaid invoices and each customer's paying habit, the recent
  activities and engagements, the next free numbers (`SO…`, `INV…`, `ev…`);
- volumes come from the same files: new orders, activities and engagements per day are their daily
  average over the last 90 days, so a day scales with the landing (new order lines: S ≈ 100-150,
  M ≈ 1,500, L ≈ 15,000, and about as many re-sent) and a week of days stays level.

Every random draw comes from a stream named by (seed, day, purpose), and the rows read back keep the
files' order or are sorted by key, so the same seed and the same landing give the same bytes. New
ids live in ranges the history never uses (`zcrm_38495…`/`38595…`/`38695…`, `K9…`, `TX-6…`, and
index ranges of their own for new mobiles, union ids and follower ids), unique per day. Re-sent
versions carry an `updated_at` / `Modified Time` on the new day, so they supersede every earlier
version. What changes, feed by feed: `orders.py`,
`invoices.py`, `activities.py`, `crm.py` (with `identity.py`: a USCC gained, a renamed account, a
duplicate account added, a duplicate merged away), `erp.py` and `social.py`.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa

from ...feeds import FEEDS
from ..writers import Tally, write_csv, write_jsonl
from .activities import activities_day
from .crm import crm_day
from .day import INVOICE_WINDOW_DAYS, WINDOW_DAYS, Day
from .erp import customers_day, products_day
from .invoices import invoice_day
from .landed import last_export_date, read_recent, read_snapshot
from .orders import order_day
from .social import engagements_day, followers_day

__all__ = ["write_next_day", "write_next_days"]


def _snapshot(out: Path, feed: str) -> pa.Table:
    return read_snapshot(out, FEEDS[feed])[1]


def _recent(out: Path, feed: str, day: Day, window: int = WINDOW_DAYS):
    return read_recent(out, FEEDS[feed], day.before(window))


def write_next_day(out: Path, seed: int = 1) -> dict:
    """Write the next day's delivery into the landing directory `out`; returns what was written."""
    began = time.perf_counter()
    out = Path(out)
    last = last_export_date(out)
    if last is None:
        raise ValueError(f"{out}: no export files to continue; write a landing directory with demo-data first")
    day = Day(last + timedelta(days=1), seed)
    customers = _snapshot(out, "customers")
    crm = crm_day(day, _snapshot(out, "accounts"), _snapshot(out, "contacts"), customers)
    tables = {"accounts": crm.accounts, "contacts": crm.contacts, "customers": customers_day(day, customers),
              "products": products_day(day, _snapshot(out, "products"))}
    orders = order_day(day, _recent(out, "order_lines", day)[0], tables["products"])
    tables["order_lines"] = orders.lines
    tables["invoices"] = invoice_day(day, _recent(out, "invoices", day, INVOICE_WINDOW_DAYS)[0], orders.shipped,
                                     tables["customers"])
    tables["activities"] = activities_day(day, _recent(out, "activities", day)[0], crm.accounts, crm.contacts)
    _, followers, follower_lines = read_snapshot(out, FEEDS["followers"])
    fo = followers_day(day, followers, follower_lines, crm.contacts["wechat_unionid"])
    lines = {"followers": fo.lines, "engagements": engagements_day(day, *_recent(out, "engagements", day),
                                                                    fo.following)}

    partial = out / f".next-day-{day.date:%Y%m%d}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    tally = Tally()
    for name, table in tables.items():
        write_csv(partial, FEEDS[name], day.date, table, tally)
    for name, rows in lines.items():
        write_jsonl(partial, FEEDS[name], day.date, [b"".join(rows)], tally)
    for path in sorted(p for p in partial.rglob("*") if p.is_file()):
        target = out / path.relative_to(partial)
        if target.exists():
            raise FileExistsError(f"{target} exists already: the next day would overwrite it")
        os.replace(path, target)
    shutil.rmtree(partial)
    return {
        "out": str(out), "seed": seed, "date": str(day.date), "feeds": tally.feeds,
        "identity_changes": crm.identity.summary(),
        "files": sum(t["files"] for t in tally.feeds.values()),
        "rows": sum(t["rows"] for t in tally.feeds.values()),
        "bytes": sum(t["bytes"] for t in tally.feeds.values()),
        "seconds": round(time.perf_counter() - began, 2),
    }


def write_next_days(out: Path, days: int = 1, seed: int = 1) -> list[dict]:
    """`days` consecutive next-day deliveries (a week of nights = 7)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    return [write_next_day(out, seed) for _ in range(days)]
