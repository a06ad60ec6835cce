"""Invoices: one per shipped order, paid according to the customer's payment behaviour.

Credit profiles: `low` pays around the due date; `medium` pays 35-80 days late; `high` stops
paying for the last ten months (invoices > 90 days overdue at the end). An invoice is exported
when issued (unpaid) and re-sent when it gets paid in a later export window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .companies import CREDIT_HIGH, CREDIT_MEDIUM
from .erp import NEVER
from .orders import SHIPPED, Orders
from .text import day_secs
from .timeline import DAY, Timeline, stream


@dataclass
class Invoices:
    order: np.ndarray  # per invoice, sorted by invoice day
    company: np.ndarray
    day: np.ndarray
    due_day: np.ndarray
    amount: np.ndarray  # in the order's currency
    currency: np.ndarray
    fx: np.ndarray
    paid_day: np.ndarray  # NEVER when unpaid at the end
    rows_invoice: np.ndarray  # per exported row
    rows_paid: np.ndarray
    rows_updated: np.ndarray
    rows_export: np.ndarray


def build(seed: int, co: pd.DataFrame, orders: Orders, fx_of, tl: Timeline) -> Invoices:
    rng = stream(seed, "invoices")
    n_orders = len(orders.day)
    shipped = orders.final_status == SHIPPED
    value = orders.qty * orders.price * (1 - orders.disc)
    amount = np.round(np.bincount(orders.line_order[shipped], weights=value[shipped], minlength=n_orders), 2)
    issued = (amount > 0) & (orders.ship_day <= tl.end)
    order = np.flatnonzero(issued)
    order = order[np.lexsort((order, orders.ship_day[order]))]
    company = orders.company[order]
    day = orders.ship_day[order]
    due = day + co["terms"].to_numpy()[company]
    credit = co["credit"].to_numpy()[company]
    n = len(order)
    paid = np.select(
        [credit == CREDIT_MEDIUM, (credit == CREDIT_HIGH) & (day >= tl.end - 300)],
        [due + rng.integers(35, 81, n), np.full(n, NEVER)],
        due + rng.integers(-20, 17, n),
    )
    paid = np.where(paid < NEVER, np.maximum(paid, day + 1), paid)
    paid = np.where(paid > tl.end, NEVER, paid)
    t_issue = day_secs(day, rng, 9, 18)
    t_paid = day_secs(np.minimum(paid, tl.end), rng, 9, 18)
    is_paid = paid < NEVER
    e_issue = tl.export_index(t_issue // DAY)
    e_paid = tl.export_index(t_paid // DAY)
    send_issue = ~is_paid | (e_paid > e_issue)
    idx = np.arange(n)
    rows_invoice = np.concatenate([idx[send_issue], idx[is_paid]])
    rows_updated = np.concatenate([t_issue[send_issue], t_paid[is_paid]])
    currency = orders.currency[order]
    return Invoices(
        order=order, company=company, day=day, due_day=due, amount=amount[order], currency=currency,
        fx=fx_of(currency, day, tl), paid_day=paid, rows_invoice=rows_invoice,
        rows_paid=np.concatenate([np.zeros(send_issue.sum(), bool), np.ones(is_paid.sum(), bool)]),
        rows_updated=rows_updated, rows_export=tl.export_index(rows_updated // DAY),
    )
