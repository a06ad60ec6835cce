"""Order behaviour: orders, their lines, status changes (the versions the ERP re-sends) and returns.

Each buyer orders in one or two segments of time at a steady rhythm (one order per interval at
a random point inside it, so yearly revenue stays near the company's target). A line is first
exported `open`; it is re-sent when it ships or is cancelled in a later export window. A return
is a new line of the same order with a negative quantity and status `returned`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import vocab
from .companies import AT_RISK, GROWING
from .erp import Products
from .text import day_secs
from .timeline import DAY, Timeline, stream

OPEN, SHIPPED, CANCELLED, RETURNED = 0, 1, 2, 3
STATUSES = ("open", "shipped", "cancelled", "returned")
UNKNOWN_SKUS = 40  # SKUs that never appear in the products export


@dataclass
class Orders:
    company: np.ndarray  # per order
    day: np.ndarray
    ship_day: np.ndarray  # > tl.end: not shipped yet
    cancelled: np.ndarray
    currency: np.ndarray
    fx: np.ndarray
    line_order: np.ndarray  # per line (returns included, after the regular lines)
    line_no: np.ndarray
    sku: np.ndarray  # index into the products (>= n_products: unknown SKU)
    qty: np.ndarray
    price: np.ndarray  # unit price in the order's currency
    disc: np.ndarray
    final_status: np.ndarray
    rows_line: np.ndarray  # per exported row: the line, its status, updated_at (local secs), export index
    rows_status: np.ndarray
    rows_updated: np.ndarray
    rows_export: np.ndarray


def fx_rates(currency: np.ndarray, day: np.ndarray, tl: Timeline) -> np.ndarray:
    """A smooth daily CNY rate per currency (4 decimals); CNY is 1."""
    base = np.array([c[1] for c in vocab.CURRENCIES])[currency]
    wave = 0.03 * np.sin(2 * np.pi * (day - tl.start) / 365.0 + currency)
    return np.where(currency == 0, 1.0, np.round(base * (1 + wave), 4))


def _segments(co: pd.DataFrame, tl: Timeline) -> pd.DataFrame:
    buyers = co[co["buyer"]]
    grow = buyers[buyers["arch"] == GROWING]
    split = tl.end - 364
    early = pd.DataFrame({"company": grow["company"], "s0": np.minimum(grow["first_day"], split - 30),
                          "s1": split - 1, "rate": grow["rate"] * 0.35, "main": False})
    late = pd.DataFrame({"company": buyers["company"],
                         "s0": np.where(buyers["arch"] == GROWING, split, buyers["first_day"]),
                         "s1": buyers["last_day"], "rate": buyers["rate"], "main": True})
    return pd.concat([early, late], ignore_index=True)


def _order_days(rng, seg: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    length = (seg["s1"] - seg["s0"] + 1).to_numpy()
    n = np.floor(length * seg["rate"].to_numpy() / 365.0 + rng.random(len(seg))).astype(np.int64)
    n = np.where(seg["main"].to_numpy(), np.maximum(n, 1), n)
    which = np.repeat(np.arange(len(seg)), n)
    k = np.arange(len(which)) - np.repeat(np.cumsum(n) - n, n)
    day = seg["s0"].to_numpy()[which] + np.floor((k + rng.random(len(which))) * length[which] / n[which])
    return seg["company"].to_numpy()[which], np.minimum(day.astype(np.int64), seg["s1"].to_numpy()[which])


def _choose_skus(rng, co: pd.DataFrame, company: np.ndarray, n_products: int) -> np.ndarray:
    n = len(company)
    fav = rng.random(n) < co["loyalty"].to_numpy()[company]
    slot = (rng.random(n) * co["n_fav"].to_numpy()[company]).astype(np.int64)
    favourite = (co["fav_seed"].to_numpy()[company] + slot * 7919) % n_products
    sku = np.where(fav, favourite, rng.integers(0, n_products, n))
    unknown = rng.random(n) < 0.001
    if n >= 1000:
        unknown[rng.choice(n, size=3, replace=False)] = True
    return np.where(unknown, n_products + rng.integers(0, UNKNOWN_SKUS, n), sku)


def build(seed: int, co: pd.DataFrame, products: Products, tl: Timeline) -> Orders:
    rng = stream(seed, "orders")
    company, day = _order_days(rng, _segments(co, tl))
    order = np.lexsort((company, day))
    company, day = company[order], day[order]
    n_orders = len(day)
    cur = co["currency"].to_numpy()[company]
    fx = fx_rates(cur, day, tl)
    ship_day = day + 1 + rng.poisson(3, n_orders)
    cancelled = rng.random(n_orders) < 0.02
    n_lines = 1 + rng.poisson(co["lines_lambda"].to_numpy()[company])

    line_order = np.repeat(np.arange(n_orders), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    lc = company[line_order]
    sku = _choose_skus(rng, co, lc, products.n)
    list_price = np.concatenate([products.list_price, 20 + 180 * stream(seed, "unknown").random(UNKNOWN_SKUS)])
    price_cny = list_price[sku] * rng.uniform(0.92, 1.06, len(sku))
    price = np.maximum(np.round(price_cny / fx[line_order], 2), 0.01)
    tier = co["tier"].to_numpy()[lc]
    disc_choices = np.array([[0.05, 0.08, 0.1, 0.12], [0.0, 0.03, 0.05, 0.08], [0.0, 0.0, 0.02, 0.05]])
    disc = disc_choices[tier, rng.integers(0, 4, len(sku))]
    order_value = (co["target"] / co["rate"]).to_numpy()[lc]
    if (co["arch"] == AT_RISK).any():  # at-risk buyers order more often, in smaller orders
        order_value = np.where(co["arch"].to_numpy()[lc] == AT_RISK, order_value * 0.7, order_value)
    line_value = order_value / n_lines[line_order] * rng.uniform(0.5, 1.5, len(sku))
    qty = np.clip(np.round(line_value / (price * fx[line_order] * (1 - disc))), 1, 50_000).astype(np.int64)

    # versions: open on the order day, then shipped / cancelled (when that happens by the end)
    t_open = day_secs(day[line_order], rng, 8, 18)
    line_cancel = cancelled[line_order] | (rng.random(len(sku)) < 0.01)
    cancel_t = t_open + rng.integers(600, 3 * DAY, len(sku))
    ship_t = day_secs(ship_day[line_order], rng, 8, 20)
    t_final = np.where(line_cancel, cancel_t, ship_t)
    has_final = t_final < (tl.end + 1) * DAY
    final_status = np.where(has_final, np.where(line_cancel, CANCELLED, SHIPPED), OPEN)

    # returns: a new line of the same order, some weeks after shipping
    ret = (final_status == SHIPPED) & (rng.random(len(sku)) < 0.015)
    t_ret = ship_t + rng.integers(7 * DAY, 40 * DAY, len(sku))
    ret &= t_ret < (tl.end + 1) * DAY
    r_idx = np.flatnonzero(ret)
    r_rank = np.cumsum(ret) - np.repeat((np.cumsum(ret) - ret)[np.cumsum(n_lines) - n_lines], n_lines)
    r_qty = -np.ceil(qty[r_idx] * rng.uniform(0.05, 1.0, len(r_idx))).astype(np.int64)

    n_regular = len(sku)
    all_order = np.concatenate([line_order, line_order[r_idx]])
    all_line_no = np.concatenate([line_no, n_lines[line_order[r_idx]] + r_rank[r_idx]])
    e_open = tl.export_index(t_open // DAY)
    e_final = tl.export_index(t_final // DAY)
    send_open = ~has_final | (e_final > e_open)
    lines = np.arange(n_regular)
    rows_line = np.concatenate([lines[send_open], lines[has_final], n_regular + np.arange(len(r_idx))])
    rows_status = np.concatenate([np.full(send_open.sum(), OPEN), final_status[has_final],
                                  np.full(len(r_idx), RETURNED)]).astype(np.int8)
    rows_updated = np.concatenate([t_open[send_open], t_final[has_final], t_ret[r_idx]])
    return Orders(
        company=company, day=day, ship_day=ship_day, cancelled=cancelled, currency=cur, fx=fx,
        line_order=all_order, line_no=all_line_no, sku=np.concatenate([sku, sku[r_idx]]),
        qty=np.concatenate([qty, r_qty]), price=np.concatenate([price, price[r_idx]]),
        disc=np.concatenate([disc, disc[r_idx]]),
        final_status=np.concatenate([final_status, np.full(len(r_idx), RETURNED)]).astype(np.int8),
        rows_line=rows_line, rows_status=rows_status, rows_updated=rows_updated,
        rows_export=tl.export_index(rows_updated // DAY),
    )


def first_order_day(orders: Orders, n_companies: int) -> np.ndarray:
    """Day of each company's first order (a large number for companies that never ordered)."""
    first = np.full(n_companies, 1 << 40, dtype=np.int64)
    company, at = np.unique(orders.company, return_index=True)  # orders are sorted by day
    first[company] = orders.day[at]
    return first
