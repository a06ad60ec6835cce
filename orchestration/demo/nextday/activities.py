"""CRM activities of the next day: new calls, visits, meetings... and edits of recent ones.

State: `act`, the activities files of the last `WINDOW_DAYS`, as text.

- **New.** As many as the daily average over the last 90 days (Poisson), each for an account picked
  as often as it had activities in those days (accounts removed today excepted); types and subjects
  as in the history (complaints are rated 1-2, visits, meetings and service requests 3-5 seven times
  in ten); a contact of the account three times in four; the account's current owner.
- **Edits.** An activity of 5-60 days ago is edited with probability 8 %/55 a day (8 % in all, as
  in the history): a visit, meeting, service request or complaint gets its satisfaction filled in
  (or raised by one), a call or e-mail stays unrated; it is re-sent with a `Modified Time` on the
  day, everything else as it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import text, vocab
from .day import RATE_DAYS, Day
from .landed import SCHEMAS, typed
from .orders import days
from .tables import latest, put, values

ACTIVITY_ID_BASE = 386_950_000_000_000_000
EDIT_P, EDIT_AGES = 0.08 / 55, (5, 60)
RATED = ("Visit", "Meeting", "Service Request")
RATED_LATER = (*RATED, "Complaint")  # calls and e-mails are edited, never rated


def crm_seconds(column: pa.ChunkedArray) -> pa.Array:
    """CRM timestamps in either style (`2024-03-05 14:02:11`, `2024/3/5 14:02`) as timestamp[s]."""
    full = pc.strptime(column, "%Y-%m-%d %H:%M:%S", "s", error_is_null=True)
    return pc.coalesce(full, pc.strptime(column, "%Y/%m/%d %H:%M", "s", error_is_null=True))


def _edits(day: Day, act: pa.Table, on: np.ndarray) -> pa.Table:
    lo, hi = EDIT_AGES
    candidates = act.filter(pa.array((on >= day.number - hi) & (on <= day.number - lo)))
    candidates = candidates.append_column("_modified", crm_seconds(candidates["modified_time"]))
    recent = latest(candidates, ["activity_id"], "_modified").drop_columns(["_modified"])
    rng = day.rng("activity-edits")
    n = recent.num_rows
    pick = rng.random(n) < EDIT_P
    rating = rng.integers(3, 6, n)[pick]
    at = day.times(rng, n, 9, 20)[pick]
    edited = typed(recent.filter(pa.array(pick)), "activities")
    sat = values(edited, "satisfaction").astype(float)
    sat = np.where(np.isnan(sat), rating, np.minimum(np.nan_to_num(sat) + 1, 5)).astype(np.int64)
    rated = pc.is_in(edited["activity_type"], value_set=pa.array(RATED_LATER)).to_numpy(zero_copy_only=False)
    sat = np.where(rated, sat, None)
    spreadsheet = pc.fill_null(pc.match_substring(edited["activity_time"], "/"), False).to_numpy(zero_copy_only=False)
    rows = np.arange(len(sat))
    edited = put(edited, "satisfaction", rows, sat)
    return put(edited, "modified_time", rows, text.crm_times(at, spreadsheet).to_pylist())


def _weights(day: Day, act: pa.Table, on: np.ndarray, accounts: pa.Table) -> pd.DataFrame:
    """Today's accounts with their number of activities in the last 90 days (those with any), by id."""
    recent = act.filter(pa.array(on >= day.number - RATE_DAYS)).select(["account_id", "activity_id"])
    counts = recent.group_by("account_id").aggregate([("activity_id", "count_distinct")]).to_pandas()
    owners = accounts.select(["account_id", "account_owner"]).to_pandas()
    return owners.merge(counts, on="account_id").sort_values("account_id", kind="stable")


def _new(day: Day, act: pa.Table, on: np.ndarray, accounts: pa.Table, contacts: pa.Table) -> pa.Table:
    weights = _weights(day, act, on, accounts)
    counts = weights["activity_id_count_distinct"].to_numpy(dtype=float)
    rng = day.rng("activities")
    recent = on[on >= day.number - RATE_DAYS]
    span = day.rate_span(int(recent.min()) if len(recent) else None)
    n = int(rng.poisson(counts.sum() / span)) if counts.sum() else 0
    account = np.sort(rng.choice(len(counts), size=n, p=counts / counts.sum())) if n else np.zeros(0, np.int64)
    types = np.array(vocab.ACTIVITY_TYPES, dtype=object)
    kind = rng.choice(len(types), size=n, p=vocab.ACTIVITY_WEIGHTS)
    kind = np.where((types[kind] == "Complaint") & (rng.random(n) < 0.5), 0, kind)
    subject = np.array([vocab.ACTIVITY_SUBJECTS[types[k]][p % len(vocab.ACTIVITY_SUBJECTS[types[k]])]
                        for k, p in zip(kind, rng.integers(0, 1 << 20, n), strict=True)], dtype=object)
    rated = np.isin(types[kind], RATED) & (rng.random(n) < 0.7)
    sat = np.where(types[kind] == "Complaint", rng.integers(1, 3, n), np.where(rated, rng.integers(3, 6, n), 0))
    at = np.sort(day.times(rng, n, 8, 21))
    modified = np.minimum(at + rng.integers(300, 2 * 3600, n), day.start_sec + 86_399)
    spreadsheet = rng.random(n) < 0.15
    account_id = weights["account_id"].to_numpy(dtype=object)[account]
    contact = _some_contact(rng, contacts, account_id)
    ids = day.ids(ACTIVITY_ID_BASE, n)
    return pa.table({
        "activity_id": pa.array([f"zcrm_{x}" for x in ids], pa.string()), "account_id": account_id,
        "contact_id": pa.array(contact, pa.string()), "activity_type": types[kind], "subject": subject,
        "activity_time": text.crm_times(at, spreadsheet),
        "owner": weights["account_owner"].to_numpy(dtype=object)[account],
        "satisfaction": pa.array(sat, pa.int64(), mask=sat == 0),
        "modified_time": text.crm_times(modified, spreadsheet),
    }).cast(SCHEMAS["activities"])


def _some_contact(rng: np.random.Generator, contacts: pa.Table, account_id: np.ndarray) -> np.ndarray:
    """A random contact of each account three times in four (None otherwise, or when it has none)."""
    order = pc.sort_indices(contacts, [("account_id", "ascending"), ("contact_id", "ascending")])
    owner = contacts["account_id"].take(order).to_numpy(zero_copy_only=False).astype(str)
    contact = contacts["contact_id"].take(order).to_numpy(zero_copy_only=False)
    wanted = account_id.astype(str)
    first, stop = np.searchsorted(owner, wanted, "left"), np.searchsorted(owner, wanted, "right")
    pick = first + (rng.random(len(wanted)) * (stop - first)).astype(np.int64)
    some = (rng.random(len(wanted)) < 0.75) & (stop > first)
    return np.where(some, contact[np.minimum(pick, len(contact) - 1)] if len(contact) else None, None)


def activities_day(day: Day, act: pa.Table, accounts: pa.Table, contacts: pa.Table) -> pa.Table:
    """The day's activities rows, by id (`act`: the activities files of the window, as text;
    `accounts`, `contacts`: today's snapshots)."""
    on = days(pc.cast(crm_seconds(act["activity_time"]), pa.date32()))  # the activity's local date
    table = pa.concat_tables([_edits(day, act, on), _new(day, act, on, accounts, contacts)])
    return table.sort_by([("activity_id", "ascending")])
