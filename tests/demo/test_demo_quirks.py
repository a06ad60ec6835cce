"""Every quirk of sources.md occurs in the default demo."""

from __future__ import annotations

import pandas as pd

from orchestration.demo.uscc import is_valid
from tests.demo.demo_metrics import clean_uscc, crm_time, latest, mobile_key, newest, normalise_name


def _ids(df: pd.DataFrame, key: str) -> set:
    return set(df[key])


def test_company_names_are_spelled_differently_across_systems(frames):
    acc, cust = newest(frames["accounts"]), newest(frames["customers"])
    names = acc["Account Name"]
    assert names.str.contains("（").any() and names.str.contains(r"\(").any()
    assert names.str.contains(" ").any()
    assert names.str.contains("Co., Ltd.", regex=False).any()
    for suffix in ("有限公司", "有限责任公司", "股份有限公司"):
        assert cust["customer_name"].str.endswith(suffix).any()
    a = acc.assign(u=acc["Unified Social Credit Code"].map(clean_uscc)).dropna(subset=["u"])
    c = cust.assign(u=cust["tax_id"].map(clean_uscc)).dropna(subset=["u"])
    pairs = a.merge(c, on="u")
    differ = pairs[pairs["Account Name"] != pairs["customer_name"]]
    assert len(differ) > 20
    assert (differ["Account Name"].map(normalise_name) == differ["customer_name"].map(normalise_name)).all()


def test_crm_duplicates_and_same_name_in_two_cities(frames):
    acc, cust = newest(frames["accounts"]), newest(frames["customers"])
    acc = acc.assign(n=acc["Account Name"].map(normalise_name))
    cust = cust.assign(n=cust["customer_name"].map(normalise_name))
    # two CRM accounts of one ERP customer (same normalised name, same or empty city)
    joined = acc.merge(cust, on="n")
    joined = joined[(joined["City"] == joined["city"]) | (joined["City"] == "")]
    assert (joined.groupby("customer_no")["Account ID"].nunique() >= 2).sum() >= 3
    # the same name in two cities: two ERP customers, never to be merged
    cities = cust.groupby("n")["city"].nunique()
    assert (cities >= 2).sum() >= 2
    # each normalised name is otherwise unique per city
    assert not cust.duplicated(["n", "city"]).any()


def test_uscc_quirks(frames):
    for df, col in ((frames["accounts"], "Unified Social Credit Code"), (frames["customers"], "tax_id")):
        codes = newest(df)[col]
        codes = codes[codes != ""]
        assert (~codes.map(is_valid)).sum() >= 3, f"{col}: bad check digits"
        odd = codes[(codes != codes.str.strip()) | (codes != codes.str.upper())]
        assert len(odd) >= 3 and odd.map(is_valid).all()
        assert codes.str.strip().str.len().eq(18).all()


def test_crm_text_quirks(frames):
    acc = newest(frames["accounts"])
    times = pd.concat([acc["Created Time"], frames["activities"]["Activity Time"]])
    assert times.str.contains("/").any() and times.str.fullmatch(r"\S+ \d\d:\d\d:\d\d").any()
    assert crm_time(times).notna().all()
    phone = acc["Phone"]
    for pattern in (r"\+86 \d{2,3} \d{4} \d{4}", r"0\d{2,3}-\d{8}", r"1\d{10}", r"1\d\d \d{4} \d{4}"):
        assert phone.str.fullmatch(pattern).any(), pattern
    assert (phone == "").any()
    email = acc["Email"]
    assert (email != email.str.strip()).any() and email.str.contains("[A-Z]").any()
    industries = set(acc["Industry"])
    assert {"服装制造", "Apparel", "家纺", "工业用布", "零售", "批发", "", "其他"} <= industries


def test_order_quirks(frames):
    ol, cust, prod = frames["order_lines"], newest(frames["customers"]), newest(frames["products"])
    assert (ol["status"] == "returned").any() and (ol["status"] == "cancelled").any()
    assert {"USD", "EUR", "HKD"} <= set(ol["currency"])
    assert not set(ol["sku"]) <= set(prod["sku"])  # unknown SKUs
    missing = set(ol["customer_no"]) - set(cust["customer_no"])
    assert len(missing) >= 2  # orphans and customers dropped from the newest snapshot
    # a line re-sent with a later status
    versions = ol.groupby(["order_no", "line_no"])["status"].agg(["nunique", "size"])
    assert ((versions["nunique"] == 2) & (versions["size"] == 2)).sum() > 100
    resent = ol[ol.duplicated(["order_no", "line_no"], keep=False)].sort_values("_export")
    first = resent.drop_duplicates(["order_no", "line_no"], keep="first")
    last = resent.drop_duplicates(["order_no", "line_no"], keep="last")
    assert (first["status"].to_numpy() == "open").all()
    assert (last["updated_at"].to_numpy() > first["updated_at"].to_numpy()).all()


def test_invoices_and_activities_are_re_sent(frames):
    iv = frames["invoices"]
    twice = iv[iv.duplicated("invoice_no", keep=False)].sort_values(["invoice_no", "_export"])
    assert len(twice) > 50
    assert (twice.groupby("invoice_no")["paid_date"].first() == "").all()
    assert (twice.groupby("invoice_no")["paid_date"].last() != "").all()
    act = frames["activities"]
    assert act.duplicated("Activity ID").any()
    assert (act["Activity Type"] == "Complaint").any()


def test_social_quirks(frames):
    fo, eng = newest(frames["followers"]), frames["engagements"]
    ct = newest(frames["contacts"])
    unions = set(ct.loc[ct["WeChat UnionID"] != "", "WeChat UnionID"])
    mobiles = set(ct["Mobile"].map(mobile_key).dropna())
    by_union = fo["unionid"].isin(unions)
    by_mobile = ~by_union & fo["mobile"].map(mobile_key).isin(mobiles)
    assert by_union.sum() > 50 and by_mobile.sum() > 50 and (~by_union & ~by_mobile).sum() > 50
    # the mobile-only links are written differently from the CRM
    assert (~fo.loc[by_mobile, "mobile"].isin(set(ct["Mobile"]))).any()
    assert fo["unfollowed_at"].notna().any()
    utc = eng["occurred_at"][eng["occurred_at"].str.endswith("Z")]
    local_date = (pd.to_datetime(utc, utc=True) + pd.Timedelta(hours=8)).dt.date
    assert (local_date != pd.to_datetime(utc, utc=True).dt.date).sum() > 100  # crosses local midnight
    assert eng["event_id"].duplicated().any()
    assert (eng["type"] == "complaint").any()


def test_records_disappear_from_the_newest_snapshot(frames):
    for feed, key in (("accounts", "Account ID"), ("contacts", "Contact ID"), ("customers", "customer_no"),
                      ("products", "sku"), ("followers", "user_id")):
        df = frames[feed]
        older = _ids(df[df["_export"] < df["_export"].max()], key)
        assert older - _ids(newest(df), key), feed


def test_records_change_between_snapshots(frames):
    acc = frames["accounts"]
    owners = acc.groupby("Account ID")["Account Owner"].nunique()
    types = acc.groupby("Account ID")["Account Type"].nunique()
    assert (owners > 1).any() and (types > 1).any()
    prod = frames["products"]
    assert (prod.groupby("sku")["list_price"].nunique() > 1).any()
    assert latest(acc, ["Account ID"], None)["Account ID"].is_unique
