"""CRM master data: accounts (with name variants and duplicates of one company) and contacts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from . import text, vocab
from .companies import BOTH, PROSPECT, STYLE_BRACKET, STYLE_PREFIX
from .erp import NEVER
from .timeline import DAY, Timeline, stream
from .uscc import with_wrong_check

SAME, HALF_WIDTH, SPACES, OTHER_SUFFIX, ENGLISH, NO_SUFFIX = range(6)


def _names(co: pd.DataFrame, company: np.ndarray, kind: np.ndarray, rng) -> np.ndarray:
    """The CRM spelling of each company name: one of the variants that normalise to the legal name."""
    short = np.array([c[0].removesuffix("市") for c in vocab.CITIES], dtype=object)[co["city"].to_numpy()[company]]
    core = co["brand"].to_numpy()[company] + np.array(vocab.BUSINESS_WORDS, dtype=object)[co["biz"].to_numpy()[company]]
    sfx_idx = co["suffix"].to_numpy()[company]
    suffixes = np.array(vocab.LEGAL_SUFFIXES, dtype=object)
    style = co["style"].to_numpy()[company]
    pre, brk = style == STYLE_PREFIX, style == STYLE_BRACKET
    base = np.select([pre, brk], [short + core, core + "（" + short + "）"], core)
    kind = np.where((kind == HALF_WIDTH) & ~brk, SPACES, kind)
    english = np.array(vocab.ENGLISH_SUFFIXES, dtype=object)[rng.integers(0, len(vocab.ENGLISH_SUFFIXES), len(kind))]
    spaced = np.select([pre, brk], [short + " " + core + " ", core + " （" + short + "） "], core + " ")
    return np.select(
        [kind == SAME, kind == HALF_WIDTH, kind == SPACES, kind == OTHER_SUFFIX, kind == ENGLISH],
        [base + suffixes[sfx_idx], core + "(" + short + ")" + suffixes[sfx_idx], spaced + suffixes[sfx_idx],
         base + suffixes[(sfx_idx + 1) % 3], base + english],
        base,
    )


def _uscc_text(rng, valid: np.ndarray, p_valid: float, p_odd: float, p_wrong: float) -> np.ndarray:
    q = rng.random(len(valid))
    lower = np.char.lower(valid.astype(str)).astype(object)
    pad = np.array(["  ", " ", ""], dtype=object)[rng.integers(0, 3, len(valid))]
    wrong = with_wrong_check(valid, rng.integers(1, 31, len(valid)))
    return np.select([q < p_valid, q < p_valid + p_odd, q < p_valid + p_odd + p_wrong],
                     [valid, pad + lower + " ", wrong], None)


def _phones(rng, co: pd.DataFrame, company: np.ndarray) -> np.ndarray:
    """Company phones: `+86 512 6523 8899`, `0512-65238899`, `13812345678`, `138 1234 5678` or empty."""
    n = len(company)
    area = np.array([c[2] for c in vocab.CITIES])[co["city"].to_numpy()[company]]
    land = rng.integers(20_000_000, 89_999_999, n).astype(str)
    mobile = rng.integers(13_000_000_000, 19_999_999_999, n).astype(str)
    sl = np.strings.slice
    forms = [
        "+86 " + sl(area, 1, None) + " " + sl(land, 0, 4) + " " + sl(land, 4, None),
        area + "-" + land,
        mobile,
        sl(mobile, 0, 3) + " " + sl(mobile, 3, 7) + " " + sl(mobile, 7, None),
    ]
    form = rng.choice(5, size=n, p=[0.2, 0.35, 0.15, 0.15, 0.15])
    return np.select([form == k for k in range(4)], [f.astype(object) for f in forms], None)


def _emails(rng, local: np.ndarray) -> np.ndarray:
    n = len(local)
    domain = np.array(vocab.EMAIL_DOMAINS, dtype=object)[rng.integers(0, len(vocab.EMAIL_DOMAINS), n)]
    mail = local + "@" + domain
    q = rng.random(n)
    upper = np.char.upper(mail.astype(str)).astype(object)
    title = np.char.capitalize(mail.astype(str)).astype(object)
    return np.select([q < 0.08, q < 0.15, q < 0.25, q < 0.33], [None, upper, title, " " + mail + " "], mail)


def build_accounts(seed: int, co: pd.DataFrame, first_order: np.ndarray, tl: Timeline) -> pd.DataFrame:
    rng = stream(seed, "crm-accounts")
    main = co["company"].to_numpy()[co["has_crm"].to_numpy()]
    dup_pool = np.flatnonzero((co["role"] == BOTH).to_numpy() & (co["twin_of"] < 0).to_numpy()
                              & ~np.isin(co["company"], co["twin_of"]))
    n_dup = min(len(dup_pool), max(3, len(dup_pool) // 25)) if len(co) >= 50 else 0
    dups = np.sort(rng.choice(dup_pool, size=n_dup, replace=False))
    company = np.concatenate([main, dups])
    is_dup = np.arange(len(company)) >= len(main)
    n = len(company)
    acc = pd.DataFrame({"company": company, "is_dup": is_dup})
    acc["account_id"] = ("zcrm_" + text.num(384_900_000_000_000_000 + np.arange(n) * 97 + 1)
                         .to_numpy(zero_copy_only=False)).astype(object)
    kind = np.where(is_dup, rng.choice([2, 3, 4, 5], size=n), rng.choice(6, size=n, p=[.45, .15, .1, .1, .1, .1]))
    acc["account_name"] = _names(co, company, kind, rng)
    valid = co["uscc"].to_numpy()[company]
    acc["uscc"] = np.where(is_dup, _uscc_text(rng, valid, 0.0, 0.25, 0.25), _uscc_text(rng, valid, 0.55, 0.08, 0.04))
    ind = co["industry"].to_numpy()[company]
    acc["industry"] = _industry_texts(ind, rng.integers(0, 1 << 20, n))
    acc["industry_day"] = np.where(rng.random(n) < 0.05, tl.start + rng.integers(0, tl.span, n), -NEVER)
    acc.loc[rng.random(n) < 0.08, "industry"] = None
    city = co["city"].to_numpy()[company]
    twin = (co["twin_of"].to_numpy() >= 0)[company] | np.isin(company, co["twin_of"])
    acc["province"] = np.array([c[1] for c in vocab.CITIES], dtype=object)[city]
    acc["city"] = np.where(~twin & (rng.random(n) < np.where(is_dup, 0.3, 0.05)), None,
                           np.array([c[0] for c in vocab.CITIES], dtype=object)[city])
    acc["owner"] = np.where(is_dup, rng.integers(0, len(vocab.SALES_REPS), n), co["owner"].to_numpy()[company])
    acc["new_owner"] = rng.integers(0, len(vocab.SALES_REPS), n)
    acc["owner_day"] = np.where(rng.random(n) < 0.1, tl.start + rng.integers(0, tl.span, n), NEVER)
    acc["phone"] = _phones(rng, co, company)
    local = np.array(["sales", "info", "purchase", "service"], dtype=object)[rng.integers(0, 4, n)]
    acc["email"] = _emails(rng, local + "." + text.num(company).to_numpy(zero_copy_only=False).astype(object))
    role = co["role"].to_numpy()[company]
    acc["partner"] = (role == BOTH) & ~is_dup & (rng.random(n) < 0.03)
    acc["customer_day"] = np.where(role == PROSPECT, NEVER, first_order[company])
    fo = np.minimum(first_order[company], tl.end)
    created = np.where(role == PROSPECT, tl.start - 300 + rng.integers(0, tl.span + 290, n),
                       fo - rng.integers(10, 400, n))
    created[is_dup] = np.minimum(created[is_dup] + rng.integers(30, 300, is_dup.sum()), tl.end - 1)
    acc["created_sec"] = text.day_secs(created, rng)
    acc["spreadsheet"] = rng.random(n) < 0.15
    acc["change_secs"] = rng.integers(9 * 3600, 18 * 3600, n)  # time of day of later edits
    acc["dropped_day"] = NEVER
    if n >= 50 and len(tl.snapshots) > 1:
        pool = np.flatnonzero(~is_dup & ~twin)
        gone = rng.choice(pool, size=max(2, n // 200), replace=False)
        acc.loc[gone, "dropped_day"] = tl.snapshots[-2] + 1
    return acc


def _industry_texts(ind: np.ndarray, pick: np.ndarray) -> np.ndarray:
    out = np.empty(len(ind), dtype=object)
    for k, texts in enumerate(vocab.INDUSTRY_TEXTS.values()):  # one step per industry (8)
        m = ind == k
        out[m] = np.array(texts, dtype=object)[pick[m] % len(texts)]
    return out


def accounts_snapshot(acc: pd.DataFrame, day: int) -> pa.Table:
    a = acc[(acc["created_sec"] // DAY <= day) & (acc["dropped_day"] > day)]
    owner = np.where(a["owner_day"] <= day, a["new_owner"], a["owner"])
    industry = np.where(a["industry_day"] <= day, a["industry"], None)
    acct_type = np.where(a["partner"], "Partner", np.where(a["customer_day"] <= day, "Customer", "Prospect"))
    created = a["created_sec"].to_numpy()
    at = a["change_secs"].to_numpy()
    changes = np.stack([created, np.where(a["owner_day"] <= day, a["owner_day"] * DAY + at, 0),
                        np.where(a["industry_day"] <= day, a["industry_day"] * DAY + at + 60, 0),
                        np.where(a["customer_day"] <= day, a["customer_day"] * DAY + at + 120, 0)])
    modified = np.maximum(changes.max(axis=0), created + 600)
    spread = a["spreadsheet"].to_numpy()
    return pa.table({
        "account_id": text.col(a["account_id"].to_numpy()),
        "account_name": text.col(a["account_name"].to_numpy()),
        "uscc": text.col(a["uscc"].to_numpy()),
        "industry": text.col(industry),
        "province": text.col(a["province"].to_numpy()),
        "city": text.col(a["city"].to_numpy()),
        "account_owner": text.pick(vocab.SALES_REPS, owner),
        "phone": text.col(a["phone"].to_numpy()),
        "email": text.col(a["email"].to_numpy()),
        "account_type": text.col(acct_type),
        "created_time": text.crm_times(created, spread),
        "modified_time": text.crm_times(modified, spread),
    })
