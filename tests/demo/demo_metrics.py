"""Test helpers: read a demo landing directory back and recompute the marts.md classes with pandas.

Deliberately independent of the generator's internals: it only reads the files, as the pipeline does.
Customers are approximated by ERP `customer_no` (CRM accounts link to them by valid USCC).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.demo.uscc import is_valid
from orchestration.feeds import FEEDS

SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "coltd", "companylimited", "limited", "ltd", "inc")


def read_feed(landing: Path, feed: str) -> pd.DataFrame:
    """Every file of a feed, rows as text, with `_export` (date) and `_row` columns."""
    spec = FEEDS[feed]
    frames = []
    for path in sorted((landing / spec.folder).iterdir()):
        export = pd.Timestamp(spec.export_date(path.name))
        if spec.fmt == "jsonl":
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            df = pd.DataFrame(rows, columns=list(spec.source_names))
        else:
            df = pd.read_csv(path, encoding=spec.encoding, dtype=str, keep_default_na=False)
        frames.append(df.assign(_export=export, _row=np.arange(len(df))))
    return pd.concat(frames, ignore_index=True)


def newest(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["_export"] == df["_export"].max()]


def latest(df: pd.DataFrame, key: list[str], updated: str | None) -> pd.DataFrame:
    order = ([updated] if updated else []) + ["_export", "_row"]
    return df.sort_values(order).drop_duplicates(key, keep="last")


def normalise_name(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).lower()
    s = "".join(ch for ch in s if not ch.isspace() and not unicodedata.category(ch).startswith("P"))
    for suffix in SUFFIXES:
        if s.endswith(suffix):
            return s[: -len(suffix)]
    return s


def clean_uscc(code: str) -> str | None:
    return code.strip().upper() if is_valid(code) else None


def crm_time(text: pd.Series) -> pd.Series:
    full = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    return full.fillna(pd.to_datetime(text, format="%Y/%m/%d %H:%M", errors="coerce"))


def mobile_key(text) -> str | None:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    digits = re.sub(r"\D", "", str(text))
    digits = digits[2:] if digits.startswith("86") else digits
    return digits if len(digits) == 11 and digits.startswith("1") else None


def order_metrics(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer_no: revenue_12m, revenue_prior_12m, orders_12m, repurchase rate, recency, windows."""
    ln = latest(lines, ["order_no", "line_no"], "updated_at")
    ln = ln[ln["status"] != "cancelled"].copy()
    ln["date"] = pd.to_datetime(ln["order_date"])
    ln = ln[ln["date"] <= as_of]
    qty = ln["quantity"].astype(float)
    ln["net"] = (qty * ln["unit_price"].astype(float) * (1 - ln["discount_rate"].astype(float))
                 * ln["fx_rate"].astype(float)).round(2)
    age = (as_of - ln["date"]).dt.days
    ln["age"] = age
    g = ln.groupby("customer_no")
    out = pd.DataFrame({
        "revenue_12m": ln[age < 365].groupby("customer_no")["net"].sum(),
        "revenue_prior_12m": ln[(age >= 365) & (age < 730)].groupby("customer_no")["net"].sum(),
    }).reindex(g.size().index).fillna(0.0)
    pos = ln[qty > 0]
    orders = pos.drop_duplicates(["customer_no", "order_no"])
    oa = orders["age"]
    out["orders_12m"] = orders[oa < 365].groupby("customer_no").size()
    out["orders_last_90d"] = orders[oa < 90].groupby("customer_no").size()
    out["orders_prior_270d"] = orders[(oa >= 90) & (oa < 360)].groupby("customer_no").size()
    out["days_since_last_order"] = orders.groupby("customer_no")["age"].min()
    out["days_since_first_order"] = orders.groupby("customer_no")["age"].max()
    out = out.fillna({"orders_12m": 0, "orders_last_90d": 0, "orders_prior_270d": 0})
    recent = pos[pos["age"] < 365]
    per_sku = recent.groupby(["customer_no", "sku"])["order_no"].nunique()
    out["repurchase_rate"] = (per_sku >= 2).groupby("customer_no").mean()
    dates = orders[oa < 730].drop_duplicates(["customer_no", "date"]).sort_values(["customer_no", "date"])
    gaps = dates.groupby("customer_no")["date"].diff().dt.days
    n_dates = dates.groupby("customer_no").size()
    out["expected_interval"] = gaps.groupby(dates["customer_no"]).median().where(n_dates >= 3)
    return out


def classify(m: pd.DataFrame) -> pd.DataFrame:
    """tier, value_class, signal_overdue_order, signal_frequency_drop and lifecycle (without the
    interaction, complaint and payment signals, which need the CRM / invoices)."""
    r = m["revenue_12m"]
    m = m.copy()
    m["tier"] = np.select([r > 100_000, r >= 50_000], ["A", "B"], "C")
    growth = (m["revenue_prior_12m"] > 0) & (r >= 1.5 * m["revenue_prior_12m"])
    first_recent = m["days_since_first_order"] <= 180
    m["value_class"] = np.select(
        [r <= 0, (r > 100_000) & (m["orders_12m"] >= 6), r >= 50_000, growth | first_recent],
        ["inactive", "core", "important", "potential"], "ordinary")
    days, interval = m["days_since_last_order"], m["expected_interval"]
    m["signal_overdue_order"] = np.where(interval.notna(), (days > 2 * interval) & (days > 30), days > 120)
    m["signal_frequency_drop"] = (m["orders_prior_270d"] >= 3) & (
        m["orders_last_90d"] < 0.5 * m["orders_prior_270d"] / 3)
    return m


def credit(invoices: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    iv = latest(invoices, ["invoice_no"], "updated_at").copy()
    iv["invoice_date"] = pd.to_datetime(iv["invoice_date"])
    iv = iv[iv["invoice_date"] <= as_of]
    paid = pd.to_datetime(iv["paid_date"].replace("", None))
    due = pd.to_datetime(iv["due_date"])
    overdue = (paid.isna() | (paid > as_of)) & (due < as_of)
    days = (as_of - due).dt.days.where(overdue, 0)
    out = days.groupby(iv["customer_no"]).max().rename("max_days_overdue").to_frame()
    out["credit_risk"] = np.select([out["max_days_overdue"] > 90, out["max_days_overdue"] > 30],
                                   ["high", "medium"], "low")
    return out
