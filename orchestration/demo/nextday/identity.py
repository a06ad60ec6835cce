"""Identity changes of a night: CRM edits that change which records are one customer.

Chosen among the newest accounts and ERP customers snapshots, `max(1, accounts // 60,000)` of each kind:

- **gains a valid USCC** — an account without a USCC that matches an ERP customer by normalised
  name and city gets that customer's code (repaired when the ERP typed it with spaces, in lower
  case or with a wrong check character);
- **renamed** — an account's legal-form suffix is typed another way (`有限公司` ↔ `有限责任公司`,
  `股份有限公司` → `有限公司`): the normalised name does not change;
- **duplicate added** — a new account for an ERP customer that already has a matching account: a
  variant of the legal name (half-width brackets, a space before the suffix, or `Co., Ltd.`), the
  same city, no USCC: the pipeline must merge it by normalised name + city;
- **duplicate merged away** — of two accounts with the same normalised name and city, the newer is
  removed in the CRM and its contacts move to the one that stays.

The normalised name is marts.md's (the dbt macro `company_name_key`): half-width, lower case, no
whitespace or punctuation, one legal-form suffix removed (see `name_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import vocab
from ..uscc import CHARSET, check_char
from .day import Day
from .tables import values

CHINESE_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
OTHER_SUFFIX = {"股份有限公司": "有限公司", "有限责任公司": "有限公司", "有限公司": "有限责任公司"}
KEY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "coltd", "companylimited", "limited", "ltd", "inc")
#: Every character of the demo's company names that marts.md's normalisation removes: brackets of both
#: widths, spaces, and the commas and periods of the English suffixes (the rest is CJK and letters).
DROPPED = "[（）() ,.\u3000]"
PER_KIND = 60_000


def name_keys(names: pa.ChunkedArray | pa.Array) -> pa.Array:
    """marts.md's normalised company name of each of the demo's names (NULL when empty).

    The dbt macro `company_name_key` also folds full-width letters and removes every punctuation
    and space character; the demo's names hold no other such characters than `DROPPED`. One
    suffix is removed: anchored at the end, the leftmost alternative is the one the macro tries first."""
    squeezed = pc.utf8_lower(pc.replace_substring_regex(names, DROPPED, ""))
    key = pc.replace_substring_regex(squeezed, "(" + "|".join(KEY_SUFFIXES) + ")$", "")
    return pc.if_else(pc.equal(key, ""), pa.scalar(None, pa.string()), key)


def repaired_uscc(code: str | None) -> str | None:
    """The valid USCC a typed code stands for: trimmed, upper case, check character recomputed."""
    body = (code or "").strip().upper()[:17]
    if len(body) != 17 or any(c not in CHARSET for c in body):
        return None
    return body + check_char(body)


def suffix_of(name: str) -> str | None:
    return next((s for s in CHINESE_SUFFIXES if name.endswith(s)), None)


def name_variant(legal_name: str, pick: int) -> str:
    """Another spelling of a legal name with the same normalised name."""
    suffix = suffix_of(legal_name) or ""
    core = legal_name[: len(legal_name) - len(suffix)]
    forms = [core + " " + suffix, core + vocab.ENGLISH_SUFFIXES[pick % len(vocab.ENGLISH_SUFFIXES)]]
    if "（" in legal_name:
        forms.insert(0, legal_name.replace("（", "(").replace("）", ")"))
    return forms[pick % len(forms)]


@dataclass
class IdentityPlan:
    gains_uscc: dict[str, str] = field(default_factory=dict)  # account id → its new (valid) USCC
    renamed: dict[str, str] = field(default_factory=dict)  # account id → new name
    duplicates: list[dict] = field(default_factory=list)  # new accounts: name, city, customer_no
    merged: dict[str, str] = field(default_factory=dict)  # removed account id → the account that stays

    @property
    def touched(self) -> set[str]:
        return set(self.gains_uscc) | set(self.renamed) | set(self.merged) | set(self.merged.values())

    def summary(self) -> dict:
        return {"uscc_gained": sorted(self.gains_uscc), "renamed": sorted(self.renamed),
                "duplicates_added_for": sorted(d["customer_no"] for d in self.duplicates),
                "merged_away": dict(sorted(self.merged.items()))}


def _pick(rng: np.random.Generator, table: pa.Table, k: int, taken: set[str], ids: tuple[str, ...],
          valid=None) -> list[tuple]:
    """Up to k rows of `table` (as tuples), in a random order, whose `ids` columns hold no id taken yet
    (and, with `valid`, for which valid(row) is not None: the row is then (row[0], valid(row)))."""
    columns = [values(table, name) for name in table.column_names]
    id_at = [table.column_names.index(name) for name in ids]
    out = []
    for i in rng.permutation(table.num_rows):
        row = tuple(c[i] for c in columns)
        if any(row[j] in taken for j in id_at):
            continue
        if valid is not None:
            row = (row[0], valid(row))
            if row[1] is None:
                continue
        taken.update(row[j] for j in id_at)
        out.append(row)
        if len(out) == k:
            break
    return out


def plan(day: Day, accounts: pa.Table, customers: pa.Table) -> IdentityPlan:
    """The night's identity changes, from the newest accounts and ERP customers snapshots."""
    k = max(1, accounts.num_rows // PER_KIND)
    rng = day.rng("identity")
    acc = pa.table({"account_id": accounts["account_id"], "account_name": accounts["account_name"],
                    "uscc": accounts["uscc"], "city": accounts["city"], "key": name_keys(accounts["account_name"])})
    cus = pa.table({"customer_no": customers["customer_no"], "customer_name": customers["customer_name"],
                    "tax_id": customers["tax_id"], "city": customers["city"],
                    "key": name_keys(customers["customer_name"])})
    matches = acc.join(cus, keys=["key", "city"], join_type="inner").sort_by(
        [("account_id", "ascending"), ("customer_no", "ascending")])
    result, taken = IdentityPlan(), set()
    located = acc.filter(pc.and_(pc.is_valid(acc["city"]), pc.is_valid(acc["key"])))
    pairs = located.group_by(["key", "city"]).aggregate([("account_id", "min"), ("account_id", "max"),
                                                          ("account_id", "count")])
    pairs = pairs.filter(pc.equal(pairs["account_id_count"], 2)).select(["account_id_min", "account_id_max"])
    pairs = pairs.sort_by([("account_id_min", "ascending")])
    merged = _pick(rng, pairs, k, taken, ("account_id_min", "account_id_max"))
    result.merged = {gone: stays for stays, gone in merged}
    gains = matches.filter(pc.and_(pc.is_null(matches["uscc"]), pc.is_valid(matches["tax_id"])))
    gains = gains.select(["account_id", "tax_id"])
    result.gains_uscc = dict(_pick(rng, gains, k, taken, ("account_id",), valid=lambda row: repaired_uscc(row[1])))
    names = acc["account_name"]
    legal = pc.or_(pc.ends_with(names, "有限责任公司"), pc.ends_with(names, "有限公司"))  # 股份有限公司 too
    for account, name in _pick(rng, acc.filter(legal).select(["account_id", "account_name"]), k, taken,
                               ("account_id",)):
        suffix = suffix_of(name)
        result.renamed[account] = name[: len(name) - len(suffix)] + OTHER_SUFFIX[suffix]
    matched = matches.select(["customer_no", "customer_name", "city"]).group_by(
        ["customer_no", "customer_name", "city"]).aggregate([]).sort_by([("customer_no", "ascending")])
    for customer_no, name, city in _pick(rng, matched, k, taken, ("customer_no",)):
        result.duplicates.append({"customer_no": customer_no, "city": city,
                                  "name": name_variant(name, int(rng.integers(0, 1 << 20)))})
    return result
