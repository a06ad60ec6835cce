"""CRM activities: calls, visits, e-mails, meetings, service requests and complaints per account.

Big customers get more attention. Companies flagged `interaction_drop` are served until 91 days
before the end and then go quiet; `complainer` companies complain within the last 85 days.
Some activities are edited later (satisfaction filled in) and re-sent in a later export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import vocab
from .companies import CHURNED, DORMANT
from .timeline import DAY, Timeline, stream

COMPLAINT = vocab.ACTIVITY_TYPES.index("Complaint")


@dataclass
class Activities:
    account: np.ndarray  # per activity, sorted by activity time
    contact: np.ndarray  # index into contacts, -1 = none
    type: np.ndarray
    subject: np.ndarray
    at: np.ndarray  # local seconds
    spreadsheet: np.ndarray
    rows_activity: np.ndarray  # per exported row
    rows_satisfaction: np.ndarray  # 0 = empty
    rows_updated: np.ndarray
    rows_export: np.ndarray


def _periods(co: pd.DataFrame, acc: pd.DataFrame, tl: Timeline):
    comp = acc["company"].to_numpy()
    start = np.maximum(acc["created_sec"].to_numpy() // DAY + 1, tl.start)
    arch = co["arch"].to_numpy()[comp]
    stop = np.where((arch == CHURNED) | (arch == DORMANT),
                    np.minimum(co["last_day"].to_numpy()[comp] + 120, tl.end), tl.end)
    stop = np.where(co["interaction_drop"].to_numpy()[comp], np.minimum(stop, tl.end - 91), stop)
    tier = co["tier"].to_numpy()[comp]
    rate = np.where(co["buyer"].to_numpy()[comp], np.array([16.0, 8.0, 4.0])[tier], 3.0)
    rate = np.where(acc["is_dup"].to_numpy(), 1.0, rate)
    return start, np.maximum(stop, start), rate


def build(seed: int, co: pd.DataFrame, acc: pd.DataFrame, ct: pd.DataFrame, tl: Timeline) -> Activities:
    rng = stream(seed, "activities")
    start, stop, rate = _periods(co, acc, tl)
    n_acc = len(acc)
    count = rng.poisson(rate * (stop - start + 1) / 365.0)
    account = np.repeat(np.arange(n_acc), count)
    day = start[account] + (rng.random(len(account)) * (stop - start + 1)[account]).astype(np.int64)
    kind = rng.choice(len(vocab.ACTIVITY_TYPES), size=len(account), p=vocab.ACTIVITY_WEIGHTS)
    kind = np.where(kind == COMPLAINT, np.where(rng.random(len(kind)) < 0.5, 0, kind), kind)
    comp = acc["company"].to_numpy()
    main = ~acc["is_dup"].to_numpy()
    # quiet companies: at least three activities in the 270 days before the last 90
    quiet = np.flatnonzero(main & co["interaction_drop"].to_numpy()[comp] & (start <= tl.end - 340))
    q_acc = np.repeat(quiet, 3)
    q_day = tl.end - 95 - rng.integers(0, 240, len(q_acc))
    # complaining companies: one complaint in the last 85 days
    loud = np.flatnonzero(main & co["complainer"].to_numpy()[comp])
    c_day = tl.end - rng.integers(0, 85, len(loud))
    account = np.concatenate([account, q_acc, loud])
    day = np.concatenate([day, q_day, c_day])
    kind = np.concatenate([kind, rng.integers(0, 4, len(q_acc)), np.full(len(loud), COMPLAINT)])
    at = day * DAY + rng.integers(8 * 3600, 21 * 3600, len(day)) + 1
    order = np.lexsort((account, at))
    account, at, kind = account[order], at[order], kind[order]
    n = len(at)

    per = np.bincount(ct["account"].to_numpy(), minlength=n_acc)
    first = np.cumsum(per) - per
    has_contact = (rng.random(n) < 0.75) & (per[account] > 0)
    contact = np.where(has_contact, first[account] + (rng.random(n) * per[account]).astype(np.int64), -1)
    subj_pick = rng.integers(0, 1 << 20, n)
    subject = np.empty(n, dtype=object)
    for k, name in enumerate(vocab.ACTIVITY_TYPES):  # one vectorised step per type (6)
        m = kind == k
        options = np.array(vocab.ACTIVITY_SUBJECTS[name], dtype=object)
        subject[m] = options[subj_pick[m] % len(options)]
    rated = np.isin(kind, [2, 3, 4]) & (rng.random(n) < 0.7)
    sat = np.where(kind == COMPLAINT, rng.integers(1, 3, n), np.where(rated, rng.integers(3, 6, n), 0))
    end_sec = tl.end * DAY + DAY - 1
    m1 = np.minimum(at + rng.integers(300, 2 * DAY, n), end_sec)
    edited = rng.random(n) < 0.08
    m2 = m1 + rng.integers(5 * DAY, 60 * DAY, n)
    edited &= m2 <= end_sec
    sat2 = np.where(sat == 0, rng.integers(3, 6, n), np.clip(sat + 1, 1, 5))
    sat2 = np.where(np.isin(kind, [2, 3, 4, 5]), sat2, 0)  # calls and e-mails are edited, never rated
    e1, e2 = tl.export_index(m1 // DAY), tl.export_index(m2 // DAY)
    send1 = ~edited | (e2 > e1)
    idx = np.arange(n)
    rows_activity = np.concatenate([idx[send1], idx[edited]])
    rows_updated = np.concatenate([m1[send1], m2[edited]])
    return Activities(
        account=account, contact=contact, type=kind, subject=subject, at=at,
        spreadsheet=rng.random(n) < 0.15, rows_activity=rows_activity,
        rows_satisfaction=np.concatenate([sat[send1], sat2[edited]]), rows_updated=rows_updated,
        rows_export=tl.export_index(rows_updated // DAY),
    )
