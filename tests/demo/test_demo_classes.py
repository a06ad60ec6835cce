"""Every class of marts.md is reachable from the default demo, as of its end date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.demo.demo_metrics import (
    classify,
    clean_uscc,
    credit,
    crm_time,
    latest,
    mobile_key,
    newest,
    order_metrics,
)

AS_OF = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def customers(frames) -> pd.DataFrame:
    m = classify(order_metrics(frames["order_lines"], AS_OF))
    return m.join(credit(frames["invoices"], AS_OF))


def _interactions(frames) -> pd.DataFrame:
    """Dated interactions (activities + engagements) per customer_no, CRM linked to ERP by valid USCC."""
    acc, cust, ct, fo = (newest(frames[f]) for f in ("accounts", "customers", "contacts", "followers"))
    link = acc.assign(u=acc["Unified Social Credit Code"].map(clean_uscc)).merge(
        cust.assign(u=cust["tax_id"].map(clean_uscc)), on="u")[["Account ID", "customer_no"]]
    act = latest(frames["activities"], ["Activity ID"], "Modified Time")
    act = act.assign(date=crm_time(act["Activity Time"]).dt.normalize(),
                     complaint=act["Activity Type"] == "Complaint")[["Account ID", "date", "complaint"]]
    by_union = ct[ct["WeChat UnionID"] != ""].set_index("WeChat UnionID")["Account ID"]
    by_mobile = ct.assign(m=ct["Mobile"].map(mobile_key)).dropna(subset=["m"]).set_index("m")["Account ID"]
    by_mobile = by_mobile[~by_mobile.index.duplicated()]
    fo = fo.assign(account=fo["unionid"].map(by_union).fillna(fo["mobile"].map(mobile_key).map(by_mobile)))
    eng = latest(frames["engagements"], ["event_id"], None).merge(fo, on=["channel", "user_id"])
    local = pd.to_datetime(eng["occurred_at"], utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    eng = pd.DataFrame({"Account ID": eng["account"], "date": local.dt.normalize(),
                        "complaint": eng["type"] == "complaint"})
    return pd.concat([act, eng]).merge(link, on="Account ID")


def test_tiers_occur_in_a_realistic_mix(customers):
    counts = customers["tier"].value_counts(normalize=True)
    assert set(counts.index) == {"A", "B", "C"}
    active = customers[customers["revenue_12m"] > 0]
    share_a = (active["tier"] == "A").mean()
    assert 0.03 <= share_a <= 0.25, share_a
    assert 0.1 <= (active["tier"] == "B").mean() <= 0.45
    assert customers["orders_12m"].gt(12).any() and customers["orders_12m"].between(1, 12).any()
    loyal = customers["repurchase_rate"] > 0.30
    assert loyal.any() and (~loyal & customers["repurchase_rate"].notna()).any()


def test_every_value_class_occurs(customers):
    assert set(customers["value_class"]) == {"core", "important", "potential", "ordinary", "inactive"}


def test_every_churn_signal_lifecycle_and_credit_class_occurs(frames, customers):
    inter = _interactions(frames)
    age = (AS_OF - inter["date"]).dt.days
    inter = inter[age >= 0]
    age = age[age >= 0]
    g = pd.DataFrame({
        "last_90": inter[age < 90].groupby("customer_no").size(),
        "prior_270": inter[(age >= 90) & (age < 360)].groupby("customer_no").size(),
        "complaints_90": inter[(age < 90) & inter["complaint"]].groupby("customer_no").size(),
    })
    c = customers.join(g).fillna({"last_90": 0, "prior_270": 0, "complaints_90": 0})
    c["signal_interaction_drop"] = (c["prior_270"] >= 3) & (c["last_90"] < 0.5 * c["prior_270"] / 3)
    c["signal_complaint"] = c["complaints_90"] >= 1
    c["signal_overdue_payment"] = c["max_days_overdue"].fillna(0) > 30
    signals = ["signal_overdue_order", "signal_frequency_drop", "signal_interaction_drop", "signal_complaint",
               "signal_overdue_payment"]
    for s in signals:
        assert c[s].sum() >= 3, s
    score = c[signals].astype(int) @ np.array([35, 25, 15, 15, 10])
    days = c["days_since_last_order"]
    stage = np.select([days > 365, days > 180, c["days_since_first_order"] < 90, score >= 60],
                      ["churned", "dormant", "new", "at_risk"], "active")
    assert set(stage) == {"churned", "dormant", "new", "at_risk", "active"}
    assert set(c["credit_risk"].dropna()) == {"low", "medium", "high"}


def test_prospects_are_crm_accounts_without_orders(frames):
    acc, cust = newest(frames["accounts"]), newest(frames["customers"])
    prospects = acc[acc["Account Type"] == "Prospect"]
    assert len(prospects) > 50
    erp_codes = set(cust["tax_id"].map(clean_uscc).dropna())
    codes = prospects["Unified Social Credit Code"].map(clean_uscc).dropna()
    assert len(codes) > 10 and not codes.isin(erp_codes).any()
