"""ERP snapshots of the next day: the newest customers and products with a night's edits.

Customers: 0.05 % edited (credit limit raised by half, or blocked / unblocked), 0.005 % added (new
companies, `K9` + five digits, a valid tax id nine times in ten), 0.01 % removed — each at least one.
Products: 0.2 % get a new list price (2-8 % up), 0.05 % added (`TX-6…`), 0.03 % discontinued.
Untouched rows are written exactly as they were.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa

from .. import vocab
from .companies import new_companies
from .day import Day, handful
from .landed import SCHEMAS
from .tables import put, values, without

CUSTOMERS_EDITED, CUSTOMERS_ADDED, CUSTOMERS_REMOVED = 0.0005, 0.00005, 0.0001
PRODUCTS_EDITED, PRODUCTS_ADDED, PRODUCTS_REMOVED = 0.002, 0.0005, 0.0003
MAX_ADDED = 10  # numbers of the day: (day % 10,000) * 10 + k
CENT = Decimal("0.01")


def _numbers(day: Day, prefix: str, n: int) -> np.ndarray:
    n = min(n, MAX_ADDED)
    return np.array([f"{prefix}{(day.number % 10_000) * MAX_ADDED + k:05d}" for k in range(n)], dtype=object)


def customers_day(day: Day, customers: pa.Table) -> pa.Table:
    n = customers.num_rows
    rng = day.rng("customers")
    rows = rng.permutation(n)
    edited = rows[:handful(n, CUSTOMERS_EDITED)]
    removed = rows[len(edited):len(edited) + handful(n, CUSTOMERS_REMOVED)]
    raise_limit = rng.random(len(edited)) < 0.5
    limits = values(customers, "credit_limit")[edited[raise_limit]]
    out = put(customers, "credit_limit", edited[raise_limit], [(x * Decimal("1.5")).quantize(CENT) for x in limits])
    flip = edited[~raise_limit]
    out = without(put(out, "blocked", flip, np.where(values(out, "blocked")[flip] == "Y", "N", "Y")), removed)

    numbers = _numbers(day, "K9", handful(n, CUSTOMERS_ADDED))
    k = len(numbers)
    co = new_companies(day, rng, k)
    added = pa.table({
        "customer_no": numbers, "customer_name": co["name"],
        "tax_id": np.where(rng.random(k) < 0.9, co["uscc"], None), "city": co["city"],
        "credit_limit": [Decimal("80000.00")] * k,
        "payment_terms_days": np.array([30, 60, 90])[rng.integers(0, 3, k)],
        "created_on": [day.date] * k, "blocked": ["N"] * k,
    }, schema=SCHEMAS["customers"])
    return pa.concat_tables([out, added])


def products_day(day: Day, products: pa.Table) -> pa.Table:
    n = products.num_rows
    rng = day.rng("products")
    rows = rng.permutation(n)
    edited = rows[:handful(n, PRODUCTS_EDITED)]
    removed = rows[len(edited):len(edited) + handful(n, PRODUCTS_REMOVED)]
    rise = rng.uniform(1.02, 1.08, len(edited))
    prices = values(products, "list_price")[edited]
    out = put(products, "list_price", edited,
              [(p * Decimal(f"{r:.4f}")).quantize(CENT) for p, r in zip(prices, rise, strict=True)])
    out = without(out, removed)

    skus = _numbers(day, "TX-6", handful(n, PRODUCTS_ADDED))
    k = len(skus)
    lines = list(vocab.PRODUCT_LINES)
    line = rng.integers(0, len(lines), k)
    names = []
    for x, i, j in zip(line, rng.integers(0, 1 << 20, k), rng.integers(0, 1 << 20, k), strict=True):
        items, specs = vocab.PRODUCT_LINES[lines[x]]
        names.append(f"{items[i % len(items)]} {specs[j % len(specs)]}")
    grade = rng.integers(0, 3, k)
    base = np.array([38.0, 120.0, 26.0, 4.0, 9.0])[line]  # per product line, as in the history
    price = np.round(base * np.array(vocab.GRADE_PRICE)[grade] * rng.uniform(0.7, 1.4, k), 2)
    cost = np.round(price * rng.uniform(0.55, 0.8, k), 2)
    added = pa.table({
        "sku": skus, "product_name": names, "product_line": np.array(lines, dtype=object)[line],
        "grade": np.array(vocab.GRADES, dtype=object)[grade],
        "unit_cost": [Decimal(f"{x:.2f}") for x in cost], "list_price": [Decimal(f"{x:.2f}") for x in price],
    }, schema=SCHEMAS["products"])
    return pa.concat_tables([out, added])
