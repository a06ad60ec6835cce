"""Unified Social Credit Codes (GB 32100-2015): checksum and vectorised generation."""

from __future__ import annotations

import numpy as np

from .text import rows_to_strings

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_CHARS = np.array(list(CHARSET))
_INDEX = {c: i for i, c in enumerate(CHARSET)}


def check_char(body17: str) -> str:
    """The check character of the first 17 characters of a USCC."""
    total = sum(_INDEX[c] * int(w) for c, w in zip(body17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str | None) -> bool:
    """True when `code`, trimmed and upper-cased, is an 18-character USCC with a correct check character."""
    if code is None:
        return False
    code = code.strip().upper()
    if len(code) != 18 or any(c not in _INDEX for c in code):
        return False
    return check_char(code[:17]) == code[17]


def generate(rng: np.random.Generator, ids: np.ndarray, admin_digits: np.ndarray) -> np.ndarray:
    """One valid USCC per id (unique while ids < 31**4): `91` (enterprise), the 6-digit admin code
    (`admin_digits`, shape (n, 6)), a 9-character organisation code (5 random + 4 encoding the id),
    then the check character."""
    n = len(ids)
    body = np.empty((n, 17), dtype=np.int64)
    body[:, 0], body[:, 1] = 9, 1
    body[:, 2:8] = admin_digits
    body[:, 8:13] = rng.integers(0, 31, size=(n, 5))
    rest = np.asarray(ids, dtype=np.int64)
    for pos in range(16, 12, -1):
        body[:, pos] = rest % 31
        rest = rest // 31
    check = (31 - (body * WEIGHTS).sum(axis=1) % 31) % 31
    return rows_to_strings(_CHARS[np.concatenate([body, check[:, None]], axis=1)])


def with_wrong_check(codes: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """The same codes with their check character replaced by a wrong one (`shift` in 1..30)."""
    chars = np.asarray(codes, dtype="<U18").view("<U1").reshape(len(codes), 18).copy()
    pos = np.searchsorted(np.array(sorted(CHARSET)), chars[:, 17])
    idx = np.array([CHARSET.index(c) for c in sorted(CHARSET)])[pos]
    chars[:, 17] = _CHARS[(idx + np.asarray(shift)) % 31]
    return rows_to_strings(chars)
