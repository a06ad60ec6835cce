"""Companies that first appear on a night: new CRM prospects and new ERP customers.

Their brands have four characters (the generated history uses two or three), so a new company never
shares a normalised name with an older one by accident.
"""

from __future__ import annotations

import numpy as np

from .. import uscc, vocab
from .day import Day

PROVINCE = {c[0]: c[1] for c in vocab.CITIES}
MAX_PER_DAY = 100


def _choice(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    return rng.choice(len(weights), size=n, p=np.asarray(weights) / np.sum(weights))


def new_companies(day: Day, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """`n` new companies: legal name, city (as written in both systems), province and a valid USCC."""
    if n > MAX_PER_DAY:
        raise ValueError(f"at most {MAX_PER_DAY} new companies a day")
    chars = np.array(vocab.BRAND_CHARS, dtype=object)
    brand = chars[rng.integers(0, len(chars), n)]
    for _ in range(3):
        brand = brand + chars[rng.integers(0, len(chars), n)]
    core = brand + np.array(vocab.BUSINESS_WORDS, dtype=object)[rng.integers(0, len(vocab.BUSINESS_WORDS), n)]
    city = _choice(rng, n, vocab.CITY_WEIGHTS)
    short = np.array([c[0].removesuffix("市") for c in vocab.CITIES], dtype=object)[city]
    suffix = np.array(vocab.LEGAL_SUFFIXES, dtype=object)[_choice(rng, n, vocab.LEGAL_SUFFIX_WEIGHTS)]
    bracket = rng.random(n) < 0.3
    name = np.where(bracket, core + "（" + short + "）" + suffix, short + core + suffix)
    admin = np.array([[int(ch) for ch in row[3]] for row in vocab.CITIES])[city].reshape(n, 6)
    ids = 800_000 + (day.number % 1000) * 100 + np.arange(n)  # < 31**4: one code per id (uscc.generate)
    return {"name": name, "city": np.array([c[0] for c in vocab.CITIES], dtype=object)[city],
            "province": np.array([c[1] for c in vocab.CITIES], dtype=object)[city],
            "uscc": uscc.generate(rng, ids, admin)}
