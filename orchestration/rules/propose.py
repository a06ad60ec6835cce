"""`rules propose`: tier thresholds that bring the tier shares among buyers closest to 10/30/60.

Tier A is revenue_12m > tier_a_above, B is tier_b_from <= revenue_12m <= tier_a_above, C the rest,
among the buyers of D (customers with a counted order line on or before D). Only the order of the
buyers' revenues matters: a threshold between two neighbouring revenues gives the same tiers
wherever it lies, so the proposal is the roundest number of that interval (to 1,000 CNY or
coarser when the interval allows, finer when it is narrow).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import duckdb

GUIDELINE = (0.10, 0.30, 0.60)  # A, B, C: the 10/30/60 rule of thumb of B2B suppliers
STEPS = [Decimal(s) for s in ("1000000", "500000", "100000", "50000", "10000", "5000", "1000", "500", "100",
                              "50", "10", "5", "1", "0.1", "0.01")]
NEIGHBOURS = 3  # cut positions tried on each side of the ideal share


@dataclass(frozen=True)
class Buyers:
    as_of: date
    revenues: list[Decimal]  # revenue_12m per buyer, descending
    rule_version: str | None  # the version of the published classification
    source: str


@dataclass(frozen=True)
class Proposal:
    tier_a_above: Decimal
    tier_b_from: Decimal
    a_interval: tuple[Decimal | None, Decimal | None]  # [low, high): any tier_a_above in it gives the same tiers
    b_interval: tuple[Decimal | None, Decimal | None]  # (low, high]: the same for tier_b_from


def read_buyers(serving: duckdb.DuckDBPyConnection, as_of: date | None) -> Buyers:
    """revenue_12m per buyer of D: customer_tier when D is its as-of date, else from fct_order_lines."""
    published, version = serving.execute(
        "select max(as_of_date), max(rule_version) from marts.customer_tier").fetchone()
    if published is None and as_of is None:
        raise ValueError("marts.customer_tier is empty: give --as-of or publish a run first")
    if as_of is None or as_of == published:
        found = serving.execute("select revenue_12m from marts.customer_tier where as_of_date = ?",
                                [published]).fetchall()
        source = "marts.customer_tier"
        as_of = published
    else:
        found = serving.execute("""
            select sum(case when order_date > $lo then net_amount_cny else 0 end)
            from marts.fct_order_lines
            where is_counted and order_date <= $d and customer_key is not null
            group by customer_key
        """, {"d": as_of, "lo": as_of - timedelta(days=365)}).fetchall()
        source = "marts.fct_order_lines (counted lines on or before D)"
    revenues = sorted((Decimal(r[0] or 0) for r in found), reverse=True)
    return Buyers(as_of, revenues, version, source)


def tier_shares(revenues: list[Decimal], tier_a_above: Decimal, tier_b_from: Decimal) -> tuple[float, float, float]:
    n = len(revenues) or 1
    a = sum(1 for r in revenues if r > tier_a_above)
    b = sum(1 for r in revenues if tier_b_from <= r <= tier_a_above)
    return a / n, b / n, (len(revenues) - a - b) / n


def _cuts(revenues: list[Decimal]) -> list[int]:
    """Achievable counts of a top group: k such that the k-th and (k+1)-th revenues differ."""
    n = len(revenues)
    return [k for k in range(n + 1) if k in (0, n) or revenues[k - 1] > revenues[k]]


def _near(cuts: list[int], n: int, share: float) -> list[int]:
    i = bisect.bisect_left(cuts, share * n)
    return cuts[max(i - NEIGHBOURS, 0): i + NEIGHBOURS]


def _score(n: int, k_a: int, k_ab: int) -> float:
    shares = (k_a / n, (k_ab - k_a) / n, (n - k_ab) / n)
    return sum((s - g) ** 2 for s, g in zip(shares, GUIDELINE, strict=True))


def propose(revenues: list[Decimal]) -> Proposal:
    """The thresholds whose tier shares are closest (least squares) to the guideline."""
    n = len(revenues)
    if n == 0:
        raise ValueError("no buyers: nothing to calibrate")
    cuts = _cuts(revenues)
    candidates = []
    for k_a in _near(cuts, n, GUIDELINE[0]):
        ideal_ab = (k_a / n + GUIDELINE[1] + 1 - GUIDELINE[2]) / 2  # best A+B share for this A share
        candidates += [(_score(n, k_a, k_ab), k_a, k_ab) for k_ab in _near(cuts, n, ideal_ab) if k_ab >= k_a]
    _, k_a, k_ab = min(candidates)
    # A = revenue > a: a in [revenues[k_a], revenues[k_a - 1]);
    # A+B = revenue >= b: b in (revenues[k_ab], revenues[k_ab - 1]]
    a_low = revenues[k_a] if k_a < n else None
    a_high = revenues[k_a - 1] if k_a > 0 else None
    b_low = revenues[k_ab] if k_ab < n else None
    b_high = revenues[k_ab - 1] if k_ab > 0 else None
    a = roundest(a_low, a_high, low_closed=True, high_closed=False)
    b = roundest(b_low, b_high, low_closed=False, high_closed=True)
    return Proposal(a, b, (a_low, a_high), (b_low, b_high))


def roundest(low: Decimal | None, high: Decimal | None, *, low_closed: bool, high_closed: bool) -> Decimal:
    """The number of the interval with the coarsest rounding (a multiple of the largest step that fits)."""
    if low is None and high is None:
        return Decimal(0)
    if low is None:  # nothing below: any value under `high`
        low, low_closed = high - max(abs(high), Decimal(1)), True
    if high is None:  # nothing above: any value from `low`
        high, high_closed = low + max(abs(low), Decimal(1)), True
    for step in STEPS:
        candidate = (low / step).to_integral_value(rounding=ROUND_CEILING) * step
        if candidate == low and not low_closed:
            candidate += step
        if candidate < high or (high_closed and candidate == high):
            return candidate.quantize(Decimal(1)) if candidate == candidate.to_integral_value() else candidate
    return (high if high_closed else low).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
