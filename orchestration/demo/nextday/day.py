"""The day being delivered: its date, its random streams, times on it, ids minted on it, volumes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..timeline import DAY, day_of, stream

#: Incremental files exported this many days before the new day or later are read for the state.
WINDOW_DAYS = 120
#: Invoices stay unpaid for longer (late payers, customers who stopped paying): a longer look back.
INVOICE_WINDOW_DAYS = 240
#: New orders, activities and engagements per day: their count over this many days before, divided
#: (by fewer days when the history is shorter: see `Day.rate_span`).
RATE_DAYS = 90


@dataclass(frozen=True)
class Day:
    date: date
    seed: int

    @property
    def number(self) -> int:
        """Days since 1970-01-01."""
        return day_of(self.date)

    @property
    def start_sec(self) -> int:
        """Local seconds since the epoch at 00:00 of the day."""
        return self.number * DAY

    def before(self, days: int) -> date:
        """The date `days` days before this one."""
        return self.date - timedelta(days=days)

    def rng(self, purpose: str) -> np.random.Generator:
        """An independent stream per (seed, day, purpose): adding a purpose never shifts another."""
        return stream(self.seed, f"next-day/{self.date.isoformat()}/{purpose}")

    def times(self, rng: np.random.Generator, n: int, lo_hour: float = 8.0, hi_hour: float = 19.0) -> np.ndarray:
        """Local seconds at random times of the day between the two hours (never exactly midnight)."""
        return self.start_sec + rng.integers(int(lo_hour * 3600), int(hi_hour * 3600), size=n) + 1

    def rate_span(self, first_day_seen: int | None) -> int:
        """The days a daily rate is averaged over: `RATE_DAYS`, or fewer when the earliest of the recent
        records (`first_day_seen`, a day number) is younger (a short history)."""
        if first_day_seen is None:
            return RATE_DAYS
        return int(min(RATE_DAYS, max(1, self.number - first_day_seen)))

    def ids(self, base: int, n: int) -> np.ndarray:
        """`n` numeric ids of this day: base + day number * 1,000,000 + 0..n-1 (distinct across days)."""
        if n >= 1_000_000:
            raise ValueError("at most 1,000,000 new ids of one kind per day")
        return base + self.number * 1_000_000 + np.arange(n, dtype=np.int64)


def handful(rows: int, per_row: float, minimum: int = 1) -> int:
    """How many records of a snapshot of `rows` records change in a day at rate `per_row` (at least
    `minimum` while there are records)."""
    return 0 if rows == 0 else min(rows, max(minimum, round(rows * per_row)))
