"""Social channels: followers (WeChat, Weibo, Douyin) and their engagements.

Followers come in three kinds: linked to a CRM contact by WeChat union id; linked by mobile only
(written in another phone form than in the CRM); and anonymous consumers that link to nobody.
Engagement times are uniform over the clock in UTC, so many fall on the next local day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from . import text, vocab
from .contacts import mobile_digits, union_ids
from .erp import NEVER
from .timeline import DAY, Timeline, stream

TZ = 8 * 3600
LINKED_UNION, LINKED_MOBILE, UNLINKED = 0, 1, 2


@dataclass
class Engagements:
    follower: np.ndarray  # per event, sorted by time
    type: np.ndarray
    text: np.ndarray  # index into the type's texts
    utc: np.ndarray
    zulu: np.ndarray
    rows_event: np.ndarray  # per exported row (re-sent events appear twice)
    rows_export: np.ndarray


def build_followers(seed: int, co: pd.DataFrame, ct: pd.DataFrame, tl: Timeline) -> pd.DataFrame:
    rng = stream(seed, "followers")
    n_ct = len(ct)
    has_union = ct["unionid"].notna().to_numpy()
    by_union = has_union & (rng.random(n_ct) < 0.7)
    has_mobile = ct["mobile"].notna().to_numpy()
    by_mobile = ~by_union & has_mobile & (rng.random(n_ct) < 0.3)
    linked = np.concatenate([np.flatnonzero(by_union), np.flatnonzero(by_mobile)])
    kind = np.concatenate([np.full(by_union.sum(), LINKED_UNION), np.full(by_mobile.sum(), LINKED_MOBILE)])
    n_anon = int(0.8 * len(linked)) + 5
    contact = np.concatenate([linked, np.full(n_anon, -1)])
    kind = np.concatenate([kind, np.full(n_anon, UNLINKED)])
    n = len(contact)
    fo = pd.DataFrame({"contact": contact, "kind": kind})
    channel = np.where(kind == LINKED_UNION, 0, rng.choice(3, size=n, p=[0.3, 0.35, 0.35]))
    fo["channel"] = channel
    fo["company"] = np.where(contact >= 0, ct["company"].to_numpy()[np.maximum(contact, 0)], -1)
    idx = np.arange(n)
    wechat_id = "oW" + text.random_strings(rng, n, 8, "abcdefghijklmnopqrstuvwxyz") + np.char.zfill(
        idx.astype(str), 9).astype(object)
    weibo_id = (5_000_000_000 + idx * 13).astype(str).astype(object)
    douyin_id = "dy" + np.char.zfill((idx * 31 + 7).astype(str), 12).astype(object)
    fo["user_id"] = np.select([channel == 0, channel == 1], [wechat_id, weibo_id], douyin_id)
    anon_union = union_ids(rng, 500_000_000 + idx)
    union = np.where(kind == LINKED_UNION, ct["unionid"].to_numpy()[np.maximum(contact, 0)], None)
    fo["unionid"] = np.where(channel == 0, np.where(kind == UNLINKED, anon_union, union), None)
    digits = np.where(contact >= 0, ct["mobile_digits"].to_numpy()[np.maximum(contact, 0)],
                      mobile_digits(10_000_000 + idx))
    show = (kind == LINKED_MOBILE) | (rng.random(n) < 0.3)
    forms = text.mobile_forms(pa.array(digits.astype(str)), rng.integers(0, 5, n))
    fo["mobile"] = np.where(show, forms.to_numpy(zero_copy_only=False), None)
    heads = np.array(vocab.NICKNAME_HEADS, dtype=object)[rng.integers(0, len(vocab.NICKNAME_HEADS), n)]
    tails = np.array(vocab.NICKNAME_TAILS, dtype=object)[rng.integers(0, len(vocab.NICKNAME_TAILS), n)]
    fo["nickname"] = heads + tails
    ct_created = np.where(contact >= 0, ct["created_sec"].to_numpy()[np.maximum(contact, 0)], 0)
    earliest = np.maximum(ct_created, (tl.start - 400) * DAY)
    fo["followed_utc"] = earliest + (rng.random(n) * ((tl.end - 5) * DAY - earliest)).astype(np.int64) - TZ
    unfollow = fo["followed_utc"].to_numpy() + rng.integers(20 * DAY, 500 * DAY, n)
    fo["unfollowed_utc"] = np.where((rng.random(n) < 0.08) & (unfollow < tl.end * DAY - TZ), unfollow, NEVER)
    fo["zulu"] = rng.random(n) < 0.5
    fo["dropped_day"] = NEVER
    if n >= 50 and len(tl.snapshots) > 1:
        gone = rng.choice(n, size=max(1, n // 200), replace=False)
        fo.loc[gone, "dropped_day"] = tl.snapshots[-2] + 1
    return fo


def followers_lines(fo: pd.DataFrame, day: int) -> pa.Array:
    """JSON lines of the followers snapshot on `day` (local)."""
    f = fo[((fo["followed_utc"] + TZ) // DAY <= day) & (fo["dropped_day"] > day)]
    zulu = f["zulu"].to_numpy()
    unf = f["unfollowed_utc"].to_numpy()
    gone = (unf + TZ) // DAY <= day
    unfollowed = text.null_where(~gone, text.iso_offset(np.where(gone, unf, 0), zulu))
    return text.join(
        '{"channel": ', text.json_value(vocab.CHANNELS, f["channel"].to_numpy()),
        ', "user_id": ', text.json_str(text.col(f["user_id"].to_numpy())),
        ', "unionid": ', text.json_str(text.col(f["unionid"].to_numpy())),
        ', "nickname": ', text.json_str(text.col(f["nickname"].to_numpy())),
        ', "mobile": ', text.json_str(text.col(f["mobile"].to_numpy())),
        ', "followed_at": ', text.json_str(text.iso_offset(f["followed_utc"].to_numpy(), zulu)),
        ', "unfollowed_at": ', text.json_str(unfollowed), "}\n",
    )


def build_engagements(seed: int, co: pd.DataFrame, fo: pd.DataFrame, tl: Timeline) -> Engagements:
    rng = stream(seed, "engagements")
    comp = fo["company"].to_numpy()
    linked = comp >= 0
    rate = np.where(linked, 5.0, 2.0)
    start = np.maximum(fo["followed_utc"].to_numpy(), (tl.start * DAY) - TZ)
    stop = np.minimum(fo["unfollowed_utc"].to_numpy(), (tl.end + 1) * DAY - TZ - 1)
    quiet = linked & co["interaction_drop"].to_numpy()[np.maximum(comp, 0)]
    stop = np.where(quiet, np.minimum(stop, (tl.end - 90) * DAY - TZ - 1), stop)
    length = np.maximum(stop - start, 0)
    count = rng.poisson(rate * length / (365.0 * DAY))
    follower = np.repeat(np.arange(len(fo)), count)
    utc = start[follower] + (rng.random(len(follower)) * length[follower]).astype(np.int64)
    order = np.lexsort((follower, utc))
    follower, utc = follower[order], utc[order]
    n = len(utc)
    kind = rng.choice(len(vocab.ENGAGEMENT_TYPES), size=n, p=vocab.ENGAGEMENT_WEIGHTS)
    export = tl.export_index((utc + TZ) // DAY)
    resend = (rng.random(n) < 0.03) & (export < len(tl.exports) - 1)
    idx = np.arange(n)
    return Engagements(
        follower=follower, type=kind, text=rng.integers(0, 1 << 20, n), utc=utc, zulu=rng.random(n) < 0.5,
        rows_event=np.concatenate([idx, idx[resend]]), rows_export=np.concatenate([export, export[resend] + 1]),
    )


def engagement_lines(e: Engagements, fo: pd.DataFrame, rows: np.ndarray) -> pa.Array:
    """JSON lines of the given exported rows."""
    ev = e.rows_event[rows]
    kind = e.type[ev]
    texts, codes, offset = [], np.zeros(len(ev), dtype=np.int64), 0
    for k, name in enumerate(vocab.ENGAGEMENT_TYPES):  # one step per type (6)
        options = vocab.ENGAGEMENT_TEXTS[name]
        m = kind == k
        codes[m] = offset + e.text[ev][m] % len(options)
        texts.extend(options)
        offset += len(options)
    f = e.follower[ev]
    return text.join(
        '{"event_id": "ev', text.num(ev + 1, 12),
        '", "channel": ', text.json_value(vocab.CHANNELS, fo["channel"].to_numpy()[f]),
        ', "user_id": ', text.json_str(text.col(fo["user_id"].to_numpy()[f])),
        ', "type": ', text.json_value(vocab.ENGAGEMENT_TYPES, kind),
        ', "text": ', text.json_value(texts, codes),
        ', "occurred_at": ', text.json_str(text.iso_offset(e.utc[ev], e.zulu[ev])), "}\n",
    )
