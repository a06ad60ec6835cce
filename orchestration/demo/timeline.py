"""Calendar of the demo world: days as integers since 1970-01-01, export and snapshot dates, RNG streams."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)
DAY = 86_400


def day_of(d: date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per (seed, purpose): adding a stream never shifts another."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


@dataclass(frozen=True)
class Timeline:
    start: int  # first business day of the data (day number)
    end: int  # last business day = last export date (the natural as-of date)
    exports: np.ndarray  # export dates (day numbers), ascending, the last = end
    snapshots: np.ndarray  # export dates on which snapshot feeds are exported (the last = end)

    @classmethod
    def build(cls, start: date, end: date, n_exports: int = 6, n_snapshots: int = 3) -> Timeline:
        s, e = day_of(start), day_of(end)
        if e - s < 30:
            raise ValueError("the demo period must span at least 30 days")
        exports = np.unique(np.round(s + (e - s) * np.arange(1, n_exports + 1) / n_exports).astype(np.int64))
        exports[-1] = e
        # snapshots on every other export date counted back from the last one
        snapshots = exports[::-1][::2][:n_snapshots][::-1]
        return cls(s, e, exports, snapshots)

    @property
    def span(self) -> int:
        return self.end - self.start

    def export_index(self, day: np.ndarray) -> np.ndarray:
        """Index of the export that first carries a record changed on `day` (len(exports) = after the end)."""
        return np.searchsorted(self.exports, day, side="left")
