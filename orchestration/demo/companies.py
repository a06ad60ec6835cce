"""The true companies of the demo world and everything about them that the exports then reveal.

One row per company: its role (CRM + ERP, CRM-only prospect, ERP-only, or an "orphan" whose
customer record never reaches the ERP customers export), tier and behaviour archetype, names,
city, USCC and the quirks with which each system records it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import uscc, vocab
from .timeline import Timeline, stream

BOTH, PROSPECT, ERP_ONLY, ORPHAN = 0, 1, 2, 3
TIER_A, TIER_B, TIER_C = 0, 1, 2
ACTIVE, GROWING, NEW, AT_RISK, DORMANT, CHURNED = range(6)
ARCH_WEIGHTS = (0.56, 0.07, 0.07, 0.08, 0.09, 0.13)
CREDIT_LOW, CREDIT_MEDIUM, CREDIT_HIGH = 0, 1, 2
STYLE_PREFIX, STYLE_BRACKET, STYLE_PLAIN = 0, 1, 2
MAX_COMPANIES = 800_000  # customer_no is K + 6 digits


def _choice(rng, n, weights) -> np.ndarray:
    return rng.choice(len(weights), size=n, p=np.asarray(weights) / np.sum(weights))


def _brands(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (brand, business word) pairs: a third with 2-character brands, the rest 3."""
    chars = np.array(vocab.BRAND_CHARS, dtype=object)
    k, nb = len(chars), len(vocab.BUSINESS_WORDS)
    n2 = min(n // 3, k * k * nb // 2)
    x2 = rng.choice(k * k * nb, size=n2, replace=False)
    x3 = rng.choice(k ** 3 * nb, size=n - n2, replace=False)
    brand2 = chars[x2 % k] + chars[(x2 // k) % k]
    brand3 = chars[x3 % k] + chars[(x3 // k) % k] + chars[(x3 // k // k) % k]
    brand = np.concatenate([brand2, brand3])
    biz = np.concatenate([x2 // (k * k), x3 // (k ** 3)])
    order = rng.permutation(n)
    return brand[order], biz[order]


def _spans(rng: np.random.Generator, arch: np.ndarray, tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """First and last possible order day of each buyer, from its archetype."""
    n, s, e, span = len(arch), tl.start, tl.end, tl.span
    u = rng.random((4, n))
    first = s + (u[0] ** 2 * 0.6 * span).astype(np.int64)
    last = np.full(n, e, dtype=np.int64)
    new = arch == NEW
    first[new] = e - (5 + u[1][new] * min(165, span - 5)).astype(np.int64)
    risk = arch == AT_RISK
    first[risk] = s + (u[0][risk] * 0.15 * span).astype(np.int64)
    last[risk] = e - (95 + u[1][risk] * 55).astype(np.int64)
    dorm = arch == DORMANT
    last[dorm] = e - (185 + u[1][dorm] * 165).astype(np.int64)
    first[dorm] = s + (u[2][dorm] * np.maximum(last[dorm] - s - 90, 0)).astype(np.int64)
    churn = arch == CHURNED
    last[churn] = e - (370 + u[1][churn] * np.maximum(span - 400, 0)).astype(np.int64)
    first[churn] = s + (u[2][churn] * np.maximum(last[churn] - s - 30, 0) * 0.5).astype(np.int64)
    first = np.clip(first, s, last)
    return first, last


def _feasible(arch: np.ndarray, span: int) -> np.ndarray:
    """Archetypes that need more history than the period has fall back to `active`."""
    need = np.array([0, 400, 0, 400, 380, 420])
    return np.where(need[arch] <= span, arch, ACTIVE)


def invent(seed: int, n: int, tl: Timeline) -> pd.DataFrame:
    if not 1 <= n <= MAX_COMPANIES:
        raise ValueError(f"customers must be between 1 and {MAX_COMPANIES}")
    rng = stream(seed, "companies")
    co = pd.DataFrame({"company": np.arange(n)})
    role = _choice(rng, n, (0.79, 0.12, 0.085, 0.005))
    n_orphans = max(2, round(0.004 * n)) if n >= 50 else 0
    role[rng.choice(np.flatnonzero(role != PROSPECT), size=min(n_orphans, n), replace=False)] = ORPHAN
    co["role"] = role
    co["buyer"] = role != PROSPECT
    co["has_crm"] = (role == BOTH) | (role == PROSPECT)
    co["has_erp"] = (role == BOTH) | (role == ERP_ONLY)
    co["tier"] = _choice(rng, n, (0.13, 0.35, 0.52))
    co["arch"] = np.where(co["buyer"], _feasible(_choice(rng, n, ARCH_WEIGHTS), tl.span), -1)
    first, last = _spans(rng, np.maximum(co["arch"].to_numpy(), 0), tl)
    co["first_day"], co["last_day"] = first, last

    # money and rhythm per tier: yearly net revenue target (CNY), orders per year, lines per order
    tier = co["tier"].to_numpy()
    u = rng.random((6, n))
    target = np.select([tier == TIER_A, tier == TIER_B],
                       [115_000 * np.exp(u[0] * 1.5), 58_000 + u[0] * 36_000], 2_500 + 40_000 * u[0] ** 1.6)
    rate = np.select([tier == TIER_A, tier == TIER_B], [16 + u[1] * 20, 8 + u[1] * 7], 2 + u[1] * 7)
    rate = np.where(co["arch"] == AT_RISK, np.maximum(rate, 14), rate)
    co["target"], co["rate"] = target, rate
    co["lines_lambda"] = np.array([4.5, 3.5, 2.2])[tier]
    co["loyalty"] = np.select([tier == TIER_A, tier == TIER_B], [0.6 + 0.35 * u[2], 0.4 + 0.5 * u[2]],
                              0.1 + 0.7 * u[2])
    co["n_fav"] = np.select([tier == TIER_A, tier == TIER_B], [12 + 18 * u[3], 6 + 9 * u[3]],
                            2 + 6 * u[3]).astype(np.int64)
    co["fav_seed"] = rng.integers(0, 1 << 30, n)
    co["currency"] = _choice(rng, n, (0.96, 0.02, 0.01, 0.01))
    co["credit"] = _choice(rng, n, (0.85, 0.09, 0.06))
    co["terms"] = np.array([30, 60, 90])[_choice(rng, n, (0.5, 0.35, 0.15))]
    flags = rng.random((3, n))
    co["complainer"] = co["buyer"] & co["has_crm"] & (flags[0] < 0.06)
    co["interaction_drop"] = co["has_crm"] & ~co["complainer"] & (flags[1] < 0.08)

    # identity: city, names, USCC
    city = _choice(rng, n, vocab.CITY_WEIGHTS)
    co["brand"], co["biz"] = _brands(rng, n)
    co["style"] = _choice(rng, n, (0.65, 0.30, 0.05))
    co["suffix"] = _choice(rng, n, vocab.LEGAL_SUFFIX_WEIGHTS)
    co["twin_of"] = -1
    both = np.flatnonzero(role == BOTH)
    n_twins = min(max(2, n // 500), len(both) // 2) if n >= 50 else 0
    pairs = rng.choice(both, size=(n_twins, 2), replace=False)
    twin_a, twin_b = pairs[:, 0], pairs[:, 1]
    co.loc[twin_b, "brand"] = co.loc[twin_a, "brand"].to_numpy()
    co.loc[twin_b, "biz"] = co.loc[twin_a, "biz"].to_numpy()
    co.loc[np.concatenate([twin_a, twin_b]), "style"] = STYLE_PLAIN
    co.loc[twin_b, "twin_of"] = twin_a
    city[twin_b] = (city[twin_a] + 1 + rng.integers(0, len(vocab.CITIES) - 1, n_twins)) % len(vocab.CITIES)
    co["city"] = city
    admin = np.array([[int(c) for c in row[3]] for row in vocab.CITIES])[city]
    co["uscc"] = uscc.generate(rng, co["company"].to_numpy(), admin)
    co["industry"] = _choice(rng, n, vocab.INDUSTRY_WEIGHTS)
    co["owner"] = rng.integers(0, len(vocab.SALES_REPS), n)
    return co


def legal_names(co: pd.DataFrame) -> np.ndarray:
    """The legal (ERP) name: city prefix, or city in full-width brackets, or plain."""
    short = np.array([c[0].removesuffix("市") for c in vocab.CITIES], dtype=object)[co["city"]]
    core = co["brand"].to_numpy() + np.array(vocab.BUSINESS_WORDS, dtype=object)[co["biz"]]
    suffix = np.array(vocab.LEGAL_SUFFIXES, dtype=object)[co["suffix"]]
    style = co["style"].to_numpy()
    return np.select([style == STYLE_PREFIX, style == STYLE_BRACKET],
                     [short + core + suffix, core + "（" + short + "）" + suffix], core + suffix)
