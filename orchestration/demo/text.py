"""Vectorised string building on Arrow arrays: ids, timestamps in the three source styles, phones."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .timeline import DAY

STR = pa.string()


def pick(values: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """values[codes] as an Arrow string array (None stays null)."""
    return pc.take(pa.array(list(values), STR), pa.array(np.asarray(codes, dtype=np.int64)))


def col(values) -> pa.Array:
    """Any sequence of str / None / NaN (pandas' missing) as an Arrow string array."""
    return pa.array(np.asarray(values, dtype=object), STR, from_pandas=True)


def num(values: np.ndarray, width: int = 0) -> pa.Array:
    """Non-negative integers as decimal strings, zero-padded to `width`."""
    out = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), STR)
    return pc.utf8_lpad(out, width, "0") if width else out


def join(*parts) -> pa.Array:
    """Element-wise concatenation of arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def where(mask: np.ndarray, a, b) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def null_where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, STR), values)


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), pa.date32())


def timestamps(secs: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(secs, dtype=np.int64), pa.timestamp("s"))


def iso_local(secs: np.ndarray) -> pa.Array:
    """`YYYY-MM-DD HH:MM:SS` (the ERP and the usual CRM style)."""
    return pc.cast(timestamps(secs), STR)


def crm_times(secs: np.ndarray, spreadsheet: np.ndarray) -> pa.Array:
    """CRM local timestamps: `2024-03-05 14:02:11`, or `2024/3/5 14:02` where `spreadsheet`."""
    full = iso_local(secs)
    ts = timestamps(secs)
    short = join(pc.cast(pc.year(ts), STR), "/", pc.cast(pc.month(ts), STR), "/", pc.cast(pc.day(ts), STR),
                 " ", pc.utf8_slice_codeunits(full, 11, 16))
    return where(spreadsheet, short, full)


def iso_offset(utc_secs: np.ndarray, zulu: np.ndarray) -> pa.Array:
    """ISO-8601 with an offset: `2025-06-30T18:30:00Z` where `zulu`, else the same instant
    in local time `2025-07-01T02:30:00+08:00`."""
    utc_secs = np.asarray(utc_secs, dtype=np.int64)
    shown = np.where(zulu, utc_secs, utc_secs + 8 * 3600)
    body = pc.replace_substring(iso_local(shown), " ", "T")
    return join(body, where(zulu, "Z", "+08:00"))


def json_value(values: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """values[codes] already encoded as JSON literals (`"text"` or `null`)."""
    encoded = [json.dumps(v, ensure_ascii=False) for v in values]
    return pick(encoded, codes)


def json_str(arr: pa.Array) -> pa.Array:
    """A string array of safe characters (ids, timestamps) as JSON literals; null -> `null`."""
    return pc.fill_null(join('"', arr, '"'), "null")


def mobile_forms(digits: pa.Array, form: np.ndarray) -> pa.Array:
    """An 11-digit mobile written in one of five forms (0..4): plain, spaced, +86 spaced, +86 compact, dashed."""
    a = pc.utf8_slice_codeunits(digits, 0, 3)
    b = pc.utf8_slice_codeunits(digits, 3, 7)
    c = pc.utf8_slice_codeunits(digits, 7, 11)
    forms = [digits, join(a, " ", b, " ", c), join("+86 ", a, " ", b, " ", c), join("+86", digits),
             join(a, "-", b, "-", c)]
    form = np.asarray(form)
    out = forms[0]
    for k in range(1, len(forms)):
        out = where(form == k, forms[k], out)
    return out


def rows_to_strings(chars: np.ndarray) -> np.ndarray:
    """A (n, k) array of single characters -> n strings of length k (object array, no Python loop)."""
    k = chars.shape[1]
    return np.ascontiguousarray(chars.astype("<U1")).view(f"<U{k}").ravel().astype(object)


def random_strings(rng: np.random.Generator, n: int, k: int, alphabet: str) -> np.ndarray:
    return rows_to_strings(np.array(list(alphabet))[rng.integers(0, len(alphabet), size=(n, k))])


def day_secs(days: np.ndarray, rng: np.random.Generator, lo_hour: float = 8.0, hi_hour: float = 19.0) -> np.ndarray:
    """A time on each day (local seconds since the epoch), never exactly midnight."""
    days = np.asarray(days, dtype=np.int64)
    return days * DAY + rng.integers(int(lo_hour * 3600), int(hi_hour * 3600), size=len(days)) + 1
