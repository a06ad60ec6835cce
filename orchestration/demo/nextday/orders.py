"""Order lines of the next day: open lines that ship or are cancelled, returns, and new orders.

State: `ol`, the order-lines files of the last `WINDOW_DAYS`, as text (filtered with Arrow compute:
millions of rows at L).

- **Status changes.** Each order with open lines is resolved on the day with probability 1/4 (and
  surely once it is over 10 days old): all its open lines ship, or are cancelled (2 % of orders, and
  1 % of single lines). A memoryless rule, so the first night after a generated history is no busier
  than the seventh. The re-sent line keeps every value but `status` and a later `updated_at`.
- **Returns.** A line shipped 7-40 days ago is returned on the day with probability 1.5 %/34 (1.5 % of
  lines in all, as in the history): a new line of the same order, negative quantity, `returned`.
- **New orders.** As many as the window's daily average of orders over the last 90 days (Poisson).
  Each copies a recent order picked at random (so customers order as often as they recently did,
  and churned customers stay away): same customer and currency, the template's lines with a fifth
  of the SKUs swapped for any product of today's catalogue, today's list price (and the currency's
  latest rate), and about the same line value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..timeline import day_of
from .day import RATE_DAYS, Day
from .landed import SCHEMAS, typed
from .tables import latest, values, where

RESOLVE_P, RESOLVE_BY_AGE = 0.25, 10
ORDER_CANCEL_P, LINE_CANCEL_P = 0.02, 0.01
RETURN_P, RETURN_AGES = 0.015 / 34, (7, 40)
SWAP_SKU_P = 0.2
FX_DAYS = 30


@dataclass
class OrderDay:
    lines: pa.Table  # the day's order-lines file
    shipped: pa.Table  # the lines shipped today (typed order-lines rows)


def days(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A date32 column as day numbers."""
    return pc.cast(arr, pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)


def _with(table: pa.Table, **columns) -> pa.Table:
    for name, new in columns.items():
        field = SCHEMAS["order_lines"].field(name)
        table = table.set_column(table.schema.get_field_index(name), field, pa.array(new).cast(field.type))
    return table


def _by_line(table: pa.Table) -> pa.Table:
    return table.sort_by([("order_no", "ascending"), ("line_no", "ascending"), ("updated_at", "ascending")])


def _line_keys(table: pa.Table) -> pa.Array:
    return pc.binary_join_element_wise(table["order_no"], table["line_no"], "#")


def latest_fx(ol: pa.Table, day: Day) -> dict[str, float]:
    """Each currency's rate on its latest order (order numbers grow with the order date)."""
    recent = where(ol, pc.greater_equal(ol["order_date"], str(day.before(FX_DAYS))))
    frame = (recent if recent.num_rows else ol).select(["currency", "order_no", "fx_rate"]).to_pandas()
    last = frame.dropna().sort_values("order_no", kind="stable").groupby("currency").last()
    return {str(c): float(fx) for c, fx in last["fx_rate"].items()} | {"CNY": 1.0}


def _status_changes(day: Day, ol: pa.Table) -> pa.Table:
    # versions only go open -> shipped / cancelled: a line is open while no other version of it exists
    is_open = pc.fill_null(pc.equal(ol["status"], "open"), False)
    open_rows = ol.filter(is_open)
    open_orders = pc.unique(open_rows["order_no"])
    closed = ol.filter(pc.and_(pc.invert(is_open), pc.is_in(ol["order_no"], value_set=open_orders)))
    still = where(open_rows, pc.invert(pc.is_in(_line_keys(open_rows), value_set=_line_keys(closed))))
    open_lines = _by_line(typed(latest(still, ["order_no", "line_no"], "updated_at"), "order_lines"))
    rng = day.rng("order-status")
    orders, which = np.unique(values(open_lines, "order_no"), return_inverse=True)
    first = np.searchsorted(which, np.arange(len(orders)))
    age = day.number - days(open_lines["order_date"])[first] if len(orders) else np.zeros(0, np.int64)
    resolve = (rng.random(len(orders)) < RESOLVE_P) | (age > RESOLVE_BY_AGE)
    cancel_order = rng.random(len(orders)) < ORDER_CANCEL_P
    n = open_lines.num_rows
    cancel = cancel_order[which] | (rng.random(n) < LINE_CANCEL_P)
    at = day.times(rng, n, 8, 20)
    keep = resolve[which]
    changed = open_lines.filter(pa.array(keep))
    return _with(changed, status=np.where(cancel[keep], "cancelled", "shipped"), updated_at=at[keep].astype("M8[s]"))


def _returns(day: Day, ol: pa.Table) -> pa.Table:
    lo, hi = RETURN_AGES
    updated = ol["updated_at"]
    shipped = pc.and_(pc.equal(ol["status"], "shipped"),
                      pc.and_(pc.greater_equal(updated, f"{day.before(hi)} 00:00:00"),
                              pc.less(updated, f"{day.before(lo - 1)} 00:00:00")))
    candidates = np.flatnonzero(pc.fill_null(shipped, False).to_numpy(zero_copy_only=False))
    rng = day.rng("returns")
    n = len(candidates)
    pick = rng.random(n) < RETURN_P
    share = rng.uniform(0.05, 1.0, n)[pick]
    at = day.times(rng, n, 8, 20)[pick]
    chosen = typed(ol.take(candidates[pick]), "order_lines")
    order_no = values(chosen, "order_no")
    lines = ol.filter(pc.is_in(ol["order_no"], value_set=pa.array(order_no, pa.string())))
    top = (pd.DataFrame({"order_no": values(lines, "order_no"), "line_no": values(lines, "line_no").astype(np.int64)})
           .groupby("order_no")["line_no"].max())
    rank = pd.Series(order_no).groupby(order_no).cumcount().to_numpy() + 1
    qty = -np.ceil(values(chosen, "quantity") * share).astype(np.int64)
    return _with(chosen, line_no=top.reindex(order_no).to_numpy().astype(np.int64) + rank, quantity=qty,
                 status=np.full(len(qty), "returned"), updated_at=at.astype("M8[s]"))


def _template_lines(ol: pa.Table, template: np.ndarray) -> pd.DataFrame:
    rows = ol.filter(pc.and_(pc.is_in(ol["order_no"], value_set=pa.array(np.unique(template), pa.string())),
                             pc.not_equal(ol["status"], "returned")))
    frame = latest(rows, ["order_no", "line_no"], "updated_at").to_pandas()
    frame["line_no"] = frame["line_no"].astype(np.int64)
    return frame.sort_values(["order_no", "line_no"], kind="stable")


def _new_orders(day: Day, ol: pa.Table, products: pa.Table, fx: dict[str, float]) -> pa.Table:
    recent_rows = where(ol, pc.greater_equal(ol["order_date"], str(day.before(RATE_DAYS))))
    recent = pc.unique(recent_rows["order_no"]).to_numpy(zero_copy_only=False)
    first = pc.min(recent_rows["order_date"]).as_py()
    span = day.rate_span(day_of(date.fromisoformat(first)) if first else None)
    rng = day.rng("new-orders")
    count = int(rng.poisson(len(recent) / span)) if len(recent) else 0
    template = np.sort(recent[rng.integers(0, max(len(recent), 1), count)].astype(str))
    top = pc.max(ol["order_no"]).as_py() or "SO000000000"
    orders = pd.DataFrame({"new_no": [f"SO{int(top[2:]) + 1 + k:09d}" for k in range(count)], "order_no": template})
    lines = orders.merge(_template_lines(ol, template), on="order_no").sort_values(["new_no", "line_no"],
                                                                                   kind="stable")
    n = len(lines)
    catalogue = values(products, "sku")
    swap = rng.random(n) < SWAP_SKU_P
    other = catalogue[rng.integers(0, max(len(catalogue), 1), n)] if len(catalogue) else np.empty(n, object)
    jitter, volume = rng.uniform(0.92, 1.06, n), rng.uniform(0.7, 1.3, n)
    at = day.times(rng, n, 8, 18)
    sku = np.where(swap & (len(catalogue) > 0), other, lines["sku"].to_numpy(dtype=object))
    rate = np.array([fx.get(c, 1.0) for c in lines["currency"]], dtype=float)
    index = _lookup(catalogue, sku)
    list_price = pc.cast(products["list_price"], pa.float64()).to_numpy(zero_copy_only=False)
    old_price = lines["unit_price"].astype(float).to_numpy()
    price = np.where(index >= 0, np.round(list_price[np.maximum(index, 0)] * jitter / rate, 2), old_price)
    price = np.maximum(price, 0.01)
    value = lines["quantity"].astype(np.int64).to_numpy() * old_price
    qty = np.clip(np.round(value / price * volume), 1, 50_000).astype(np.int64)
    return pa.table({
        "order_no": lines["new_no"].to_numpy(dtype=object),
        "line_no": lines.groupby("new_no").cumcount().to_numpy() + 1,
        "customer_no": lines["customer_no"].to_numpy(dtype=object),
        "order_date": pa.array(np.full(n, day.number, np.int32), pa.date32()), "sku": pa.array(sku, pa.string()),
        "quantity": qty, "unit_price": pa.array(price), "discount_rate": lines["discount_rate"].to_numpy(dtype=object),
        "currency": lines["currency"].to_numpy(dtype=object), "fx_rate": pa.array(np.round(rate, 4)),
        "status": pa.array(np.full(n, "open"), pa.string()), "updated_at": at.astype("M8[s]"),
    }).cast(SCHEMAS["order_lines"])


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index of each wanted value in `keys` (-1 when absent)."""
    if len(keys) == 0:
        return np.full(len(wanted), -1)
    return pd.Index(keys).get_indexer(wanted)


def order_day(day: Day, ol: pa.Table, products: pa.Table) -> OrderDay:
    """The day's order-lines rows (by order, line, updated_at) and the lines shipped today (`ol`: the
    order-lines files of the window, as text; `products`: today's catalogue)."""
    changes = _status_changes(day, ol)
    table = pa.concat_tables([changes, _returns(day, ol), _new_orders(day, ol, products, latest_fx(ol, day))])
    return OrderDay(_by_line(table), changes.filter(pc.equal(changes["status"], "shipped")))
