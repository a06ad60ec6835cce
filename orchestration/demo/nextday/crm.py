"""CRM snapshots of the next day: the newest accounts and contacts with a night's edits.

Accounts: 0.05 % edited (owner, industry, a prospect becomes a customer), 0.02 % added (new
prospects), 0.01 % removed — each at least one — plus the identity changes of `identity.py`.
Contacts: the same shares edited (title, mobile, e-mail), added (and one for each new account) and
removed; a removed account takes its contacts with it, a merged one hands them to the account that
stays. Every edited record gets a `Modified Time` on the day, in the style it had (a spreadsheet-saved
row keeps `2026/1/1 10:15`); untouched rows are written exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import text, vocab
from ..contacts import mobile_digits, person_names, union_ids
from . import identity
from .companies import PROVINCE, new_companies
from .day import Day, handful
from .landed import SCHEMAS
from .tables import put, values, without

ACCOUNT_ID_BASE = 384_950_000_000_000_000
CONTACT_ID_BASE = 385_950_000_000_000_000
EDITED, ADDED, REMOVED = 0.0005, 0.0002, 0.0001
INDUSTRIES = np.array([t for texts in vocab.INDUSTRY_TEXTS.values() for t in texts], dtype=object)
REPS = np.array(vocab.SALES_REPS, dtype=object)
TITLES = np.array(vocab.TITLES, dtype=object)
DOMAINS = np.array(vocab.EMAIL_DOMAINS, dtype=object)


@dataclass
class CrmDay:
    accounts: pa.Table
    contacts: pa.Table
    identity: identity.IdentityPlan


def _stamp(day: Day, rng: np.random.Generator, table: pa.Table, rows: np.ndarray) -> pa.Table:
    """`table` with a `Modified Time` on the day at `rows`, each in the style of its previous one."""
    previous = pa.array(values(table, "modified_time")[rows], pa.string())
    spreadsheet = pc.fill_null(pc.match_substring(previous, "/"), False).to_numpy(zero_copy_only=False)
    stamps = text.crm_times(day.times(rng, len(rows), 9, 18), spreadsheet).to_pylist()
    return put(table, "modified_time", rows, stamps)


def _ids(day: Day, base: int, n: int) -> np.ndarray:
    return np.array([f"zcrm_{x}" for x in day.ids(base, n)], dtype=object)


def _edit_accounts(rng, acc: pa.Table, rows: np.ndarray) -> pa.Table:
    """Owner changes, industries filled in or changed, prospects that become customers."""
    kind = rng.integers(0, 3, len(rows))
    shift = rng.integers(1, len(REPS), len(rows))
    industry = INDUSTRIES[rng.integers(0, len(INDUSTRIES), len(rows))]
    promote = (kind == 2) & (values(acc, "account_type")[rows] == "Prospect")
    new_industry = kind == 1
    owner = ~promote & ~new_industry
    current = pd.Index(REPS).get_indexer(values(acc, "account_owner")[rows])
    acc = put(acc, "account_owner", rows[owner], REPS[(np.maximum(current, 0) + shift) % len(REPS)][owner])
    acc = put(acc, "industry", rows[new_industry], industry[new_industry])
    return put(acc, "account_type", rows[promote], "Customer")


def _new_accounts(day: Day, rng, plan: identity.IdentityPlan, n_prospects: int) -> pa.Table:
    co = new_companies(day, rng, n_prospects)
    dup = plan.duplicates
    n = n_prospects + len(dup)
    ids = _ids(day, ACCOUNT_ID_BASE, n)
    with_code = rng.random(n_prospects) < 0.5
    created = text.crm_times(day.times(rng, n, 9, 18), np.zeros(n, bool))
    city = np.concatenate([co["city"], np.array([d["city"] for d in dup], dtype=object)])
    return pa.table({
        "account_id": ids,
        "account_name": np.concatenate([co["name"], np.array([d["name"] for d in dup], dtype=object)]),
        "uscc": np.concatenate([np.where(with_code, co["uscc"], None), np.full(len(dup), None)]),
        "industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), n)],
        "province": np.array([PROVINCE.get(c) for c in city], dtype=object),
        "city": city,
        "account_owner": REPS[rng.integers(0, len(REPS), n)],
        "phone": pa.nulls(n, pa.string()),
        "email": np.array([f"info.{x[-6:]}@" for x in ids], dtype=object) + DOMAINS[rng.integers(0, len(DOMAINS), n)],
        "account_type": np.array(["Prospect"] * n_prospects + ["Customer"] * len(dup), dtype=object),
        "created_time": created, "modified_time": created,
    }, schema=SCHEMAS["accounts"])


def accounts_day(day: Day, accounts: pa.Table, customers: pa.Table
                 ) -> tuple[pa.Table, identity.IdentityPlan, set[str], np.ndarray]:
    """The day's accounts, its identity changes, the ids of accounts removed outright and the ids of
    the accounts added."""
    n = accounts.num_rows
    plan = identity.plan(day, accounts, customers)
    rng = day.rng("accounts")
    touched = pc.is_in(accounts["account_id"], value_set=pa.array(sorted(plan.touched), pa.string()))
    free = rng.permutation(np.flatnonzero(~touched.to_numpy(zero_copy_only=False)))
    edited = free[:handful(n, EDITED)]
    removed = free[len(edited):len(edited) + handful(n, REMOVED)]
    acc = _edit_accounts(rng, accounts, edited)
    ids = values(accounts, "account_id")
    position = pd.Index(ids)  # edits keep every row in place

    def rows(of) -> np.ndarray:
        return position.get_indexer(list(of)).astype(np.int64)

    acc = put(acc, "uscc", rows(plan.gains_uscc), list(plan.gains_uscc.values()))
    acc = put(acc, "account_name", rows(plan.renamed), list(plan.renamed.values()))
    acc = _stamp(day, rng, acc, np.unique(np.concatenate([edited, rows(plan.gains_uscc), rows(plan.renamed)])))
    gone = set(ids[removed])
    acc = without(acc, np.concatenate([removed, rows(plan.merged)]))
    added = _new_accounts(day, rng, plan, handful(n, ADDED))
    return pa.concat_tables([acc, added]), plan, gone, values(added, "account_id")


def _edit_contacts(rng, ct: pa.Table, rows: np.ndarray, fresh: np.ndarray) -> pa.Table:
    """New titles, new mobiles, new e-mail domains."""
    k = len(rows)
    kind = rng.integers(0, 3, k)
    title = TITLES[rng.integers(0, len(TITLES), k)]
    mobile = text.mobile_forms(pa.array(mobile_digits(fresh).astype(str)), rng.integers(0, 5, k))
    domain = DOMAINS[rng.integers(0, len(DOMAINS), k)]
    local = pd.Series(values(ct, "email")[rows], dtype=object).fillna("contact").str.strip().str.lower()
    email = (local.str.split("@").str[0].to_numpy(dtype=object) + "@" + domain)
    ct = put(ct, "title", rows[kind == 0], title[kind == 0])
    ct = put(ct, "mobile", rows[kind == 1], mobile.to_numpy(zero_copy_only=False)[kind == 1])
    return put(ct, "email", rows[kind == 2], email[kind == 2])


def _new_contacts(day: Day, rng, owners: np.ndarray, fresh: np.ndarray) -> pa.Table:
    m = len(owners)
    created = text.crm_times(day.times(rng, m, 9, 18), np.zeros(m, bool))
    return pa.table({
        "contact_id": _ids(day, CONTACT_ID_BASE, m), "account_id": owners, "full_name": person_names(rng, m),
        "title": TITLES[rng.integers(0, len(TITLES), m)],
        "mobile": text.mobile_forms(pa.array(mobile_digits(fresh).astype(str)), rng.integers(0, 5, m)),
        "email": np.array([f"c{x}@" for x in fresh], dtype=object) + DOMAINS[rng.integers(0, len(DOMAINS), m)],
        "wechat_unionid": np.where(rng.random(m) < 0.45, union_ids(rng, 700_000_000 + fresh), None),
        "created_time": created, "modified_time": created,
    }, schema=SCHEMAS["contacts"])


def contacts_day(day: Day, contacts: pa.Table, plan: identity.IdentityPlan, gone: set[str],
                 existing: np.ndarray, new_accounts: np.ndarray) -> pa.Table:
    """The day's contacts: those of removed accounts leave, those of merged ones move, a few change."""
    ct = contacts.filter(pc.invert(pc.is_in(contacts["account_id"], value_set=pa.array(sorted(gone), pa.string()))))
    n = ct.num_rows
    rng = day.rng("contacts")
    owner = values(ct, "account_id")
    moved = np.flatnonzero(pc.is_in(ct["account_id"], value_set=pa.array(sorted(plan.merged), pa.string()))
                           .to_numpy(zero_copy_only=False))
    ct = put(ct, "account_id", moved, [plan.merged[a] for a in owner[moved]])
    stays = np.ones(n, dtype=bool)
    stays[moved] = False
    free = rng.permutation(np.flatnonzero(stays))
    edited = free[:handful(n, EDITED)]
    removed = free[len(edited):len(edited) + handful(n, REMOVED)]
    owners = np.concatenate([existing[rng.integers(0, len(existing), handful(n, ADDED))], new_accounts])
    # fresh mobiles and union ids: an index range of their own per day (mobile_digits is distinct below 10**8)
    fresh = 60_000_000 + (day.number % 10_000) * 1_000 + np.arange(len(edited) + len(owners))
    if len(fresh) > 1_000:
        raise ValueError("too many contact changes for one day")
    ct = _edit_contacts(rng, ct, edited, fresh[:len(edited)])
    ct = _stamp(day, rng, ct, np.unique(np.concatenate([edited, moved])).astype(np.int64))
    return pa.concat_tables([without(ct, removed), _new_contacts(day, rng, owners, fresh[len(edited):])])


def crm_day(day: Day, accounts: pa.Table, contacts: pa.Table, customers: pa.Table) -> CrmDay:
    """The day's accounts and contacts snapshots (from the newest ones and the newest ERP customers)."""
    acc, plan, gone, new_ids = accounts_day(day, accounts, customers)
    existing = values(acc, "account_id")[: acc.num_rows - len(new_ids)]
    return CrmDay(acc, contacts_day(day, contacts, plan, gone, existing, new_ids), plan)
