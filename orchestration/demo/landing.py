"""Build the demo world and write it out as a landing directory (the entry point of `demo-data`)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import feeds
from . import activities, companies, contacts, crm, erp, invoices, orders, social, text, vocab
from .timeline import Timeline, date_of
from .writers import CHUNK_ROWS, Tally, write_csv, write_jsonl


def _order_lines_table(o: orders.Orders, rows: np.ndarray, order_nos: pa.Array, customer_nos: pa.Array,
                       skus: pa.Array) -> pa.Table:
    line = o.rows_line[rows]
    order = o.line_order[line]
    return pa.table({
        "order_no": pc.take(order_nos, order),
        "line_no": pa.array(o.line_no[line], pa.int64()),
        "customer_no": pc.take(customer_nos, o.company[order]),
        "order_date": text.dates(o.day[order]),
        "sku": pc.take(skus, o.sku[line]),
        "quantity": pa.array(o.qty[line], pa.int64()),
        "unit_price": pa.array(o.price[line]).cast(pa.decimal128(18, 2)),
        "discount_rate": pa.array(o.disc[line]).cast(pa.decimal128(4, 2)),
        "currency": text.pick([c[0] for c in vocab.CURRENCIES], o.currency[order]),
        "fx_rate": pa.array(o.fx[order]).cast(pa.decimal128(10, 4)),
        "status": text.pick(orders.STATUSES, o.rows_status[rows]),
        "updated_at": text.timestamps(o.rows_updated[rows]),
    })


def _invoices_table(iv: invoices.Invoices, rows: np.ndarray, customer_nos: pa.Array) -> pa.Table:
    inv = iv.rows_invoice[rows]
    paid = iv.rows_paid[rows]
    return pa.table({
        "invoice_no": text.join("INV", text.num(inv + 1, 8)),
        "customer_no": pc.take(customer_nos, iv.company[inv]),
        "invoice_date": text.dates(iv.day[inv]),
        "due_date": text.dates(iv.due_day[inv]),
        "amount": pa.array(iv.amount[inv]).cast(pa.decimal128(18, 2)),
        "currency": text.pick([c[0] for c in vocab.CURRENCIES], iv.currency[inv]),
        "fx_rate": pa.array(iv.fx[inv]).cast(pa.decimal128(10, 4)),
        "paid_date": pa.array(np.where(paid, iv.paid_day[inv], 0).astype(np.int32), pa.date32(), mask=~paid),
        "updated_at": text.timestamps(iv.rows_updated[rows]),
    })


def _activities_table(a: activities.Activities, rows: np.ndarray, acc, ct) -> pa.Table:
    act = a.rows_activity[rows]
    contact = a.contact[act]
    sat = a.rows_satisfaction[rows]
    spread = a.spreadsheet[act]
    contact_ids = text.col(ct["contact_id"].to_numpy())
    return pa.table({
        "activity_id": text.join("zcrm_", text.num(386_000_000_000_000_000 + act * 7 + 1)),
        "account_id": pc.take(text.col(acc["account_id"].to_numpy()), a.account[act]),
        "contact_id": text.null_where(contact < 0, pc.take(contact_ids, np.maximum(contact, 0))),
        "activity_type": text.pick(vocab.ACTIVITY_TYPES, a.type[act]),
        "subject": text.col(a.subject[act]),
        "activity_time": text.crm_times(a.at[act], spread),
        "owner": text.pick(vocab.SALES_REPS, acc["owner"].to_numpy()[a.account[act]]),
        "satisfaction": pa.array(sat, pa.int64(), mask=sat == 0),
        "modified_time": text.crm_times(a.rows_updated[rows], spread),
    })


def _export_rows(export: np.ndarray, k: int, *keys: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(export == k)
    return rows[np.lexsort(tuple(key[rows] for key in reversed(keys)))] if keys else rows


def write_demo_landing(out: Path, customers: int = 2000, seed: int = 1, start: date = date(2024, 1, 1),
                       end: date = date(2025, 12, 31)) -> dict:
    """Write a deterministic demo landing directory under `out`; returns counts per feed and seconds taken."""
    began = time.perf_counter()
    out = Path(out)
    tl = Timeline.build(start, end)
    co = companies.invent(seed, customers, tl)
    products = erp.build_products(seed, customers, tl)
    o = orders.build(seed, co, products, tl)
    first = orders.first_order_day(o, len(co))
    iv = invoices.build(seed, co, o, orders.fx_rates, tl)
    acc = crm.build_accounts(seed, co, first, tl)
    ct = contacts.build_contacts(seed, acc, co, tl)
    cust = erp.build_customers(seed, co, first, tl)
    act = activities.build(seed, co, acc, ct, tl)
    fo = social.build_followers(seed, co, ct, tl)
    eng = social.build_engagements(seed, co, fo, tl)

    tally = Tally()
    F = feeds.FEEDS
    for day in tl.snapshots:
        d = date_of(day)
        write_csv(out, F["accounts"], d, crm.accounts_snapshot(acc, day), tally)
        write_csv(out, F["contacts"], d, contacts.contacts_snapshot(ct, day), tally)
        write_csv(out, F["customers"], d, erp.customers_snapshot(cust, day), tally)
        write_csv(out, F["products"], d, erp.products_snapshot(products, day), tally)
        write_jsonl(out, F["followers"], d, [social.followers_lines(fo, day)], tally)

    customer_nos = pa.array(erp.customer_numbers(len(co)), pa.string())
    order_nos = text.join("SO", text.num(np.arange(len(o.day)) + 1, 9))
    skus = pa.array(np.concatenate([products.sku, erp.unknown_skus(orders.UNKNOWN_SKUS)]), pa.string())
    for k, day in enumerate(tl.exports):
        d = date_of(day)
        rows = _export_rows(o.rows_export, k, o.line_order[o.rows_line], o.line_no[o.rows_line], o.rows_updated)
        write_csv(out, F["order_lines"], d, _order_lines_table(o, rows, order_nos, customer_nos, skus), tally)
        rows = _export_rows(iv.rows_export, k, iv.rows_invoice, iv.rows_updated)
        write_csv(out, F["invoices"], d, _invoices_table(iv, rows, customer_nos), tally)
        rows = _export_rows(act.rows_export, k, act.rows_activity, act.rows_updated)
        write_csv(out, F["activities"], d, _activities_table(act, rows, acc, ct), tally)
        rows = _export_rows(eng.rows_export, k, eng.rows_event)
        chunks = (social.engagement_lines(eng, fo, rows[s:s + CHUNK_ROWS]) for s in range(0, len(rows), CHUNK_ROWS))
        write_jsonl(out, F["engagements"], d, chunks, tally)

    return {
        "out": str(out), "customers": customers, "seed": seed, "start": str(start), "end": str(end),
        "export_dates": [str(date_of(x)) for x in tl.exports],
        "snapshot_dates": [str(date_of(x)) for x in tl.snapshots],
        "feeds": tally.feeds,
        "order_lines_distinct": int(len(o.qty)),
        "files": sum(t["files"] for t in tally.feeds.values()),
        "rows": sum(t["rows"] for t in tally.feeds.values()),
        "bytes": sum(t["bytes"] for t in tally.feeds.values()),
        "seconds": round(time.perf_counter() - began, 2),
    }

