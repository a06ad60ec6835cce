"""CRM contacts: the people of each account, with their mobiles and WeChat union ids (PII)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from . import text, vocab
from .companies import PROSPECT
from .erp import NEVER
from .timeline import DAY, Timeline, stream

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def mobile_digits(index: np.ndarray) -> np.ndarray:
    """A distinct 11-digit mobile per distinct index (index < 10**8)."""
    index = np.asarray(index, dtype=np.int64)
    prefix = np.array(vocab.MOBILE_PREFIXES)[index % len(vocab.MOBILE_PREFIXES)]
    return (prefix + np.char.zfill(((index * 7919 + 10_007) % 100_000_000).astype(str), 8)).astype(object)


def union_ids(rng, index: np.ndarray) -> np.ndarray:
    """WeChat-style union ids, distinct per distinct index."""
    body = np.char.zfill(np.asarray(index, dtype=np.int64).astype(str), 9).astype(object)
    return "o6_bm" + body + text.random_strings(rng, len(index), 14, ALNUM)


def person_names(rng, n: int) -> np.ndarray:
    sur = np.array(vocab.SURNAMES, dtype=object)[rng.integers(0, len(vocab.SURNAMES), n)]
    given = np.array(vocab.GIVEN_CHARS, dtype=object)
    g1 = given[rng.integers(0, len(given), n)]
    g2 = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(given), n)], "")
    return sur + g1 + g2


def build_contacts(seed: int, acc: pd.DataFrame, co: pd.DataFrame, tl: Timeline) -> pd.DataFrame:
    rng = stream(seed, "crm-contacts")
    role = co["role"].to_numpy()[acc["company"].to_numpy()]
    u = rng.random((2, len(acc)))
    per = np.where(acc["is_dup"], 1, 1 + (u[0] < 0.5) + ((u[1] < 0.2) & (role != PROSPECT)))
    account = np.repeat(np.arange(len(acc)), per)
    n = len(account)
    ct = pd.DataFrame({"account": account, "company": acc["company"].to_numpy()[account]})
    ct["contact_id"] = ("zcrm_" + text.num(385_000_000_000_000_000 + np.arange(n) * 89 + 1)
                        .to_numpy(zero_copy_only=False)).astype(object)
    ct["account_id"] = acc["account_id"].to_numpy()[account]
    ct["full_name"] = person_names(rng, n)
    ct["title"] = np.array(vocab.TITLES, dtype=object)[rng.integers(0, len(vocab.TITLES), n)]
    ct["mobile_digits"] = mobile_digits(np.arange(n))
    form = rng.integers(0, 5, n)
    shown = text.mobile_forms(text.col(ct["mobile_digits"].to_numpy()), form)
    ct["mobile"] = text.null_where(rng.random(n) < 0.08, shown).to_numpy(zero_copy_only=False)
    local = np.array(["li", "wang", "zhang", "liu", "chen", "yang", "zhao", "huang"], dtype=object)[
        rng.integers(0, 8, n)]
    domain = np.array(vocab.EMAIL_DOMAINS, dtype=object)[rng.integers(0, len(vocab.EMAIL_DOMAINS), n)]
    mail = local + text.num(np.arange(n)).to_numpy(zero_copy_only=False).astype(object) + "@" + domain
    q = rng.random(n)
    ct["email"] = np.select([q < 0.1, q < 0.18, q < 0.26], [None, np.char.upper(mail.astype(str)).astype(object),
                                                            " " + mail], mail)
    has_union = rng.random(n) < 0.45
    ct["unionid"] = np.where(has_union, union_ids(rng, np.arange(n)), None)
    acc_created = acc["created_sec"].to_numpy()[account]
    created = np.minimum(acc_created + rng.integers(0, 200 * DAY, n), tl.end * DAY + 40_000)
    ct["created_sec"] = created
    ct["modified_sec"] = np.minimum(created + rng.integers(60, 30 * DAY, n), tl.end * DAY + 80_000)
    ct["spreadsheet"] = rng.random(n) < 0.15
    dropped = acc["dropped_day"].to_numpy()[account].copy()
    leavers = rng.random(n) < 0.01
    if len(tl.snapshots) > 1:
        dropped[leavers] = np.minimum(dropped[leavers], tl.snapshots[-2] + 1)
    ct["dropped_day"] = np.where(dropped >= NEVER, NEVER, dropped)
    return ct


def contacts_snapshot(ct: pd.DataFrame, day: int) -> pa.Table:
    c = ct[(ct["created_sec"] // DAY <= day) & (ct["dropped_day"] > day)]
    created = c["created_sec"].to_numpy()
    modified = np.where(c["modified_sec"] // DAY <= day, c["modified_sec"], created)
    spread = c["spreadsheet"].to_numpy()
    return pa.table({
        "contact_id": text.col(c["contact_id"].to_numpy()),
        "account_id": text.col(c["account_id"].to_numpy()),
        "full_name": text.col(c["full_name"].to_numpy()),
        "title": text.col(c["title"].to_numpy()),
        "mobile": text.col(c["mobile"].to_numpy()),
        "email": text.col(c["email"].to_numpy()),
        "wechat_unionid": text.col(c["unionid"].to_numpy()),
        "created_time": text.crm_times(created, spread),
        "modified_time": text.crm_times(modified, spread),
    })
