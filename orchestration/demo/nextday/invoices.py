"""Invoices of the next day: one per order that shipped today, and payments of earlier invoices.

State: `inv`, the invoice files of the last `INVOICE_WINDOW_DAYS`, as text; today's ERP customers.

- **New invoices.** One per order with lines shipped today: the net value of those lines (2 dp) in
  the order's currency and rate, due after the customer's payment terms (30 days when the customer
  is not in the snapshot), unpaid.
- **Payments.** Each customer's habit is read from its invoices in the window: it has *stopped
  paying* (an invoice still unpaid 85 days after its due date: pays nothing more), pays *late*
  (on average 25+ days after the due date: from 35 days after it, 1/23 a day) or *on time* (from 20
  days before the due date, 1/18 a day). Memoryless, so every night is alike. A paid invoice is
  re-sent whole with today's `paid_date` and a later `updated_at`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .day import Day
from .landed import SCHEMAS, typed
from .orders import days
from .tables import put, values, where

ON_TIME_FROM, ON_TIME_P = -20, 1 / 18
LATE_FROM, LATE_P = 35, 1 / 23
LATE_AFTER, STOPPED_AFTER = 25, 85
DEFAULT_TERMS = 30


def _payments(day: Day, inv: pa.Table) -> pa.Table:
    # versions only go unpaid -> paid: an invoice is unpaid while no paid version of it exists
    is_paid = pc.is_valid(inv["paid_date"])
    paid = inv.filter(is_paid)
    unpaid = inv.filter(pc.and_(pc.invert(is_paid), pc.invert(pc.is_in(inv["invoice_no"],
                                                                       value_set=paid["invoice_no"]))))
    _, first = np.unique(values(unpaid, "invoice_no").astype(str), return_index=True)
    unpaid = unpaid.take(np.sort(first))  # one row per invoice, in the files' order
    unpaid = where(unpaid, pc.less(unpaid["invoice_date"], str(day.date)))
    delay = pd.Series(days(pc.cast(paid["paid_date"], pa.date32())) - days(pc.cast(paid["due_date"], pa.date32())))
    mean_delay = delay.groupby(values(paid, "customer_no")).mean()
    late = pa.array(mean_delay[mean_delay > LATE_AFTER].index.to_numpy(dtype=object), pa.string())
    due = days(pc.cast(unpaid["due_date"], pa.date32()))
    customer = unpaid["customer_no"]
    stopped = pa.array(values(unpaid, "customer_no")[due < day.number - STOPPED_AFTER], pa.string())
    is_late = pc.is_in(customer, value_set=late).to_numpy(zero_copy_only=False)
    is_stopped = pc.is_in(customer, value_set=stopped).to_numpy(zero_copy_only=False)
    hazard = np.where(is_late, (day.number >= due + LATE_FROM) * LATE_P, (day.number >= due + ON_TIME_FROM) * ON_TIME_P)
    rng = day.rng("payments")
    n = unpaid.num_rows
    pay = rng.random(n) < np.where(is_stopped, 0.0, hazard)
    at = day.times(rng, n, 9, 18)[pay]
    chosen = typed(unpaid.filter(pa.array(pay)), "invoices")
    chosen = put(chosen, "paid_date", np.arange(len(at)), day.date)
    return put(chosen, "updated_at", np.arange(len(at)), at.astype("M8[s]").tolist())


def _new_invoices(day: Day, inv: pa.Table, shipped: pa.Table, customers: pa.Table) -> pa.Table:
    frame = shipped.select(["order_no", "customer_no", "quantity", "unit_price", "discount_rate", "currency",
                            "fx_rate"]).to_pandas()
    frame["value"] = frame["quantity"] * frame["unit_price"].astype(float) * (1 - frame["discount_rate"].astype(float))
    orders = frame.groupby("order_no", sort=True).agg(customer_no=("customer_no", "first"), amount=("value", "sum"),
                                                      currency=("currency", "first"), fx_rate=("fx_rate", "first"))
    orders = orders[orders["amount"].round(2) > 0]
    terms = pd.Series(values(customers, "payment_terms_days"), index=values(customers, "customer_no"))
    terms = terms[~terms.index.duplicated(keep="last")]
    due = day.number + terms.reindex(orders["customer_no"]).fillna(DEFAULT_TERMS).to_numpy().astype(np.int64)
    top = pc.max(inv["invoice_no"]).as_py() or "INV00000000"
    n = len(orders)
    at = day.times(day.rng("invoices"), n, 9, 18)
    return pa.table({
        "invoice_no": pa.array([f"INV{int(top[3:]) + 1 + k:08d}" for k in range(n)], pa.string()),
        "customer_no": orders["customer_no"].to_numpy(dtype=object),
        "invoice_date": pa.array(np.full(n, day.number, np.int32), pa.date32()),
        "due_date": pa.array(due.astype(np.int32), pa.date32()),
        "amount": pa.array(np.round(orders["amount"].to_numpy(dtype=float), 2)),
        "currency": orders["currency"].to_numpy(dtype=object), "fx_rate": orders["fx_rate"].to_numpy(dtype=object),
        "paid_date": pa.nulls(n, pa.date32()), "updated_at": at.astype("M8[s]"),
    }).cast(SCHEMAS["invoices"])


def invoice_day(day: Day, inv: pa.Table, shipped: pa.Table, customers: pa.Table) -> pa.Table:
    """The day's invoices rows, by invoice_no (`inv`: the invoice files of the window, as text;
    `shipped`: the order lines shipped today; `customers`: today's ERP customers)."""
    table = pa.concat_tables([_payments(day, inv), _new_invoices(day, inv, shipped, customers)])
    return table.sort_by([("invoice_no", "ascending"), ("updated_at", "ascending")])
