"""ERP master data: the product catalogue and the customer records, with their snapshot states."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from . import text, vocab
from .companies import BOTH, CREDIT_HIGH, ERP_ONLY, TIER_A, TIER_B, legal_names
from .timeline import Timeline, stream
from .uscc import with_wrong_check

NEVER = 1 << 40


@dataclass
class Products:
    sku: np.ndarray  # str
    name: np.ndarray
    line: np.ndarray
    grade: np.ndarray  # index into vocab.GRADES
    list_price: np.ndarray  # CNY, as it is at the end
    old_price: np.ndarray  # before `price_change_day`
    price_change_day: np.ndarray
    unit_cost: np.ndarray
    created_day: np.ndarray
    dropped_day: np.ndarray  # the product disappears from snapshots on or after this day

    @property
    def n(self) -> int:
        return len(self.sku)


def build_products(seed: int, n_companies: int, tl: Timeline) -> Products:
    rng = stream(seed, "products")
    n = int(np.clip(n_companies // 60, 80, 3000))
    lines = list(vocab.PRODUCT_LINES)
    line = rng.choice(len(lines), size=n, p=[0.4, 0.2, 0.15, 0.1, 0.15])
    item = rng.integers(0, 1 << 20, n)
    spec = rng.integers(0, 1 << 20, n)
    names = np.empty(n, dtype=object)
    for k, key in enumerate(lines):  # one vectorised step per product line (5 lines)
        items, specs = (np.array(x, dtype=object) for x in vocab.PRODUCT_LINES[key])
        m = line == k
        names[m] = items[item[m] % len(items)] + " " + specs[spec[m] % len(specs)]
    grade = rng.choice(3, size=n, p=[0.2, 0.55, 0.25])
    base = np.array([38.0, 120.0, 26.0, 4.0, 9.0])[line]
    price = np.round(base * np.array(vocab.GRADE_PRICE)[grade] * rng.uniform(0.7, 1.4, n), 2)
    changed = rng.random(n) < 0.1
    created = np.where(rng.random(n) < 0.97, tl.start - rng.integers(30, 900, n),
                       tl.start + rng.integers(0, max(tl.span // 2, 1), n))
    dropped = np.full(n, NEVER)
    gone = rng.choice(n, size=max(1, n // 100), replace=False)
    dropped[gone] = tl.snapshots[-2] + 1 if len(tl.snapshots) > 1 else tl.end
    return Products(
        sku=("TX-" + text.num(10_001 + np.arange(n)).to_numpy(zero_copy_only=False)).astype(object),
        name=names, line=np.array(lines, dtype=object)[line], grade=grade, list_price=price,
        old_price=np.where(changed, np.round(price / 1.06, 2), price),
        price_change_day=np.where(changed, tl.start + tl.span // 2, NEVER),
        unit_cost=np.round(price * rng.uniform(0.55, 0.8, n), 2), created_day=created, dropped_day=dropped,
    )


def unknown_skus(count: int) -> np.ndarray:
    return np.array([f"TX-{90_001 + k}" for k in range(count)], dtype=object)


def products_snapshot(p: Products, day: int) -> pa.Table:
    keep = (p.created_day <= day) & (p.dropped_day > day)
    price = np.where(p.price_change_day <= day, p.list_price, p.old_price)[keep]
    return pa.table({
        "sku": text.col(p.sku[keep]),
        "product_name": text.col(p.name[keep]),
        "product_line": text.col(p.line[keep]),
        "grade": text.pick(vocab.GRADES, p.grade[keep]),
        "unit_cost": pa.array(p.unit_cost[keep]).cast(pa.decimal128(18, 2)),
        "list_price": pa.array(price).cast(pa.decimal128(18, 2)),
    })


def customer_numbers(n_companies: int) -> np.ndarray:
    return ("K" + text.num(100_000 + np.arange(n_companies), 6).to_numpy(zero_copy_only=False)).astype(object)


def build_customers(seed: int, co: pd.DataFrame, first_order: np.ndarray, tl: Timeline) -> pd.DataFrame:
    """One ERP customer record per company with role BOTH or ERP_ONLY (orphans have none)."""
    rng = stream(seed, "erp-customers")
    rec = co[(co["role"] == BOTH) | (co["role"] == ERP_ONLY)].copy()
    n = len(rec)
    comp = rec["company"].to_numpy()
    rec["customer_no"] = customer_numbers(len(co))[comp]
    rec["customer_name"] = legal_names(co)[comp]
    valid = rec["uscc"].to_numpy()
    q = rng.random(n)
    wrong = _wrong(rng, valid)
    padded = np.array([" ", "", " "], dtype=object)[rng.integers(0, 3, n)]
    rec["tax_id"] = np.select([q < 0.05, q < 0.10, q < 0.15],
                              [None, wrong, padded + np.char.lower(valid.astype(str)).astype(object) + " "],
                              valid)
    rec["city_name"] = np.array([c[0] for c in vocab.CITIES], dtype=object)[rec["city"]]
    tier = rec["tier"].to_numpy()
    rec["credit_limit"] = np.select([tier == TIER_A, tier == TIER_B], [500_000.0, 200_000.0], 80_000.0)
    rec["credit_raised_day"] = np.where(rng.random(n) < 0.1, tl.start + rng.integers(0, tl.span, n), NEVER)
    first = np.minimum(first_order[comp], tl.end)
    rec["created_on"] = first - rng.integers(0, 180, n)
    rec["blocked"] = np.where((rec["credit"] == CREDIT_HIGH) & (rng.random(n) < 0.35), "Y", "N")
    rec["dropped_day"] = NEVER
    if n >= 50 and len(tl.snapshots) > 1:
        gone = rng.choice(n, size=max(2, n // 300), replace=False)
        rec.iloc[gone, rec.columns.get_loc("dropped_day")] = tl.snapshots[-2] + 1
    return rec.reset_index(drop=True)


def _wrong(rng, valid: np.ndarray) -> np.ndarray:
    return with_wrong_check(valid, rng.integers(1, 31, len(valid)))


def customers_snapshot(rec: pd.DataFrame, day: int) -> pa.Table:
    r = rec[(rec["created_on"] <= day) & (rec["dropped_day"] > day)]
    limit = np.where(r["credit_raised_day"] <= day, r["credit_limit"] * 1.5, r["credit_limit"])
    return pa.table({
        "customer_no": text.col(r["customer_no"].to_numpy()),
        "customer_name": text.col(r["customer_name"].to_numpy()),
        "tax_id": text.col(r["tax_id"].to_numpy()),
        "city": text.col(r["city_name"].to_numpy()),
        "credit_limit": pa.array(limit.astype(float)).cast(pa.decimal128(18, 2)),
        "payment_terms_days": pa.array(r["terms"].to_numpy(), pa.int64()),
        "created_on": text.dates(r["created_on"].to_numpy()),
        "blocked": text.col(r["blocked"].to_numpy()),
    })
