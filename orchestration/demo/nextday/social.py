"""Social feeds of the next day: the followers snapshot and the day's engagements.

Followers (the newest snapshot's lines, untouched ones copied byte for byte): 0.05 % unfollow
today, 0.01 % disappear, 0.03 % new followers come (a third of the new WeChat ones are CRM contacts
by union id, the others anonymous, three in ten showing a mobile). Engagements: as many new events
as the daily average of the last 90 days (Poisson), from followers still following, picked as often
as they engaged in those days; times uniform over the local day, written in UTC or +08:00; and 3 %
of the previous day's events come again, unchanged (resolved by export date downstream).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import text, vocab
from ..contacts import mobile_digits, union_ids
from ..timeline import DAY
from .day import RATE_DAYS, Day, handful
from .landed import iso_utc_seconds
from .tables import values

TZ = 8 * 3600
UNFOLLOWED, REMOVED, ADDED = 0.0005, 0.0001, 0.0003
RESEND_P = 0.03
CHANNEL_INDEX = {c: i for i, c in enumerate(vocab.CHANNELS)}


@dataclass
class Followers:
    lines: list[bytes]  # the day's snapshot, one JSON line each
    following: pa.Table  # channel, user_id of those who still follow


def _follower_lines(channel, user_id, unionid, nickname, mobile, followed_utc, zulu) -> pa.Array:
    n = len(followed_utc)
    return text.join(
        '{"channel": ', text.json_value(vocab.CHANNELS, channel),
        ', "user_id": ', text.json_str(text.col(user_id)), ', "unionid": ', text.json_str(text.col(unionid)),
        ', "nickname": ', text.json_str(text.col(nickname)), ', "mobile": ', text.json_str(text.col(mobile)),
        ', "followed_at": ', text.json_str(text.iso_offset(followed_utc, zulu)),
        ', "unfollowed_at": ', text.json_str(pa.nulls(n, pa.string())), "}\n")


def _new_followers(day: Day, rng, n: int, union_pool: np.ndarray) -> pa.Array:
    if n > 1_000:
        raise ValueError("at most 1,000 new followers a day")
    local = (day.number % 10_000) * 1_000 + np.arange(n)  # index spaces of their own (see below)
    index = 800_000_000 + local
    channel = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])
    letters = text.random_strings(rng, n, 8, "abcdefghijklmnopqrstuvwxyz")
    digits = np.char.zfill(index.astype(str), 9).astype(object)
    user_id = np.select([channel == 0, channel == 1], ["oW" + letters + digits, (5_000_000_000 + index * 13)
                                                       .astype(str).astype(object)],
                        "dy" + np.char.zfill((index * 31 + 7).astype(str), 12).astype(object))
    linked = (channel == 0) & (rng.random(n) < 1 / 3) & (len(union_pool) > 0)
    known = union_pool[rng.integers(0, max(len(union_pool), 1), n)] if len(union_pool) else np.full(n, None)
    unionid = np.where(channel == 0, np.where(linked, known, union_ids(rng, index)), None)
    mobile = text.mobile_forms(pa.array(mobile_digits(80_000_000 + local).astype(str)), rng.integers(0, 5, n))
    mobile = np.where(rng.random(n) < 0.3, mobile.to_numpy(zero_copy_only=False), None)
    heads = np.array(vocab.NICKNAME_HEADS, dtype=object)[rng.integers(0, len(vocab.NICKNAME_HEADS), n)]
    tails = np.array(vocab.NICKNAME_TAILS, dtype=object)[rng.integers(0, len(vocab.NICKNAME_TAILS), n)]
    followed = day.times(rng, n, 0, 24) - TZ
    return _follower_lines(channel, user_id, unionid, heads + tails, mobile, followed, rng.random(n) < 0.5)


def followers_day(day: Day, table: pa.Table, lines: list[bytes], contact_unionids: pa.Array) -> Followers:
    n = table.num_rows
    rng = day.rng("followers")
    following = np.flatnonzero(pc.is_null(table["unfollowed_at_utc"]).to_numpy(zero_copy_only=False))
    rows = rng.permutation(following)
    leaving = rows[:handful(len(following), UNFOLLOWED)]
    removed = set(rng.choice(n, size=handful(n, REMOVED), replace=False).tolist()) if n else set()
    removed -= set(leaving.tolist())
    zulu = pc.ends_with(table["followed_at_utc"], "Z").to_numpy(zero_copy_only=False)[leaving]
    stamp = text.iso_offset(day.times(rng, len(leaving), 0, 24) - TZ, zulu).to_pylist()
    out = list(lines)
    for row, when in zip(leaving.tolist(), stamp, strict=True):
        out[row] = out[row].replace(b'"unfollowed_at": null}', b'"unfollowed_at": "' + when.encode() + b'"}')
    out = [line for i, line in enumerate(out) if i not in removed]
    followed = set(table["unionid"].drop_null().to_pylist())
    pool = np.array(sorted(set(contact_unionids.drop_null().to_pylist()) - followed), dtype=object)
    new = _new_followers(day, rng, handful(n, ADDED), pool)
    out += [line.encode() for line in new.to_pylist()]
    stay = np.ones(n, bool)
    stay[leaving] = False
    stay[sorted(removed)] = False
    stay &= pc.is_null(table["unfollowed_at_utc"]).to_numpy(zero_copy_only=False)
    kept = table.filter(pa.array(stay)).select(["channel", "user_id"])
    return Followers(out, kept)


def _weights(day: Day, eng: pa.Table, local_day: np.ndarray, following: pa.Table) -> pd.DataFrame:
    """Followers still following with their number of events in the last 90 days (those with any)."""
    recent = eng.filter(pa.array(local_day >= day.number - RATE_DAYS)).select(["channel", "user_id", "event_id"])
    counts = recent.group_by(["channel", "user_id"]).aggregate([("event_id", "count_distinct")]).to_pandas()
    return following.to_pandas().merge(counts, on=["channel", "user_id"]).sort_values(["channel", "user_id"],
                                                                                       kind="stable")


def engagements_day(day: Day, eng: pa.Table, raw: list[bytes], following: pa.Table) -> list[bytes]:
    """The day's engagement lines: re-sent events of yesterday first, then today's new events (`eng`,
    `raw`: the engagements files of the window and their lines; `following`: today's followers)."""
    local_day = (iso_utc_seconds(eng["occurred_at_utc"]).to_numpy(zero_copy_only=False) + TZ) // DAY
    yesterday = np.flatnonzero(local_day == day.number - 1)
    _, first = np.unique(values(eng, "event_id")[yesterday].astype(str), return_index=True)
    yesterday = yesterday[np.sort(first)]
    rng = day.rng("engagements")
    again = [raw[i] for i in yesterday[rng.random(len(yesterday)) < RESEND_P]]
    weights = _weights(day, eng, local_day, following)
    top = pc.max(eng["event_id"]).as_py() or "ev000000000000"
    counts = weights["event_id_count_distinct"].to_numpy(dtype=float)
    recent = local_day[local_day >= day.number - RATE_DAYS]
    span = day.rate_span(int(recent.min()) if len(recent) else None)
    n = int(rng.poisson(counts.sum() / span)) if counts.sum() else 0
    who = rng.choice(len(counts), size=n, p=counts / counts.sum()) if n else np.zeros(0, np.int64)
    kind = rng.choice(len(vocab.ENGAGEMENT_TYPES), size=n, p=vocab.ENGAGEMENT_WEIGHTS)
    pick = rng.integers(0, 1 << 20, n)
    texts, codes, offset = [], np.zeros(n, np.int64), 0
    for k, name in enumerate(vocab.ENGAGEMENT_TYPES):  # one step per type (6), as the history's writer
        options = vocab.ENGAGEMENT_TEXTS[name]
        codes[kind == k] = offset + pick[kind == k] % len(options)
        texts.extend(options)
        offset += len(options)
    utc = np.sort(day.start_sec + rng.integers(0, DAY, n)) - TZ
    channel = np.array([CHANNEL_INDEX[c] for c in weights["channel"]], dtype=np.int64)[who]
    lines = text.join(
        '{"event_id": "ev', text.num(int(top[2:]) + 1 + np.arange(n), 12),
        '", "channel": ', text.json_value(vocab.CHANNELS, channel),
        ', "user_id": ', text.json_str(text.col(weights["user_id"].to_numpy(dtype=object)[who])),
        ', "type": ', text.json_value(vocab.ENGAGEMENT_TYPES, kind), ', "text": ', text.json_value(texts, codes),
        ', "occurred_at": ', text.json_str(text.iso_offset(utc, rng.random(n) < 0.5)), "}\n")
    return again + [line.encode() for line in lines.to_pylist()]
