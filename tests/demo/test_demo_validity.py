"""Every generated row is valid per sources.md "Precise readings": a clean demo quarantines nothing."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from orchestration.feeds import FEEDS

PATTERNS = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "integer": r"-?\d+",
    "number": r"-?\d+(\.\d+)?",
    "erp_local": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
    "crm_local": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}",
    "iso_offset": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|\+08:00)",
}


@pytest.mark.parametrize("feed", list(FEEDS))
def test_every_value_parses_and_required_keys_are_present(frames, feed):
    spec = FEEDS[feed]
    df = frames[feed]
    assert len(df) > 0
    for column in spec.columns:
        values = df[column.source].dropna().astype(str).str.strip()
        values = values[values != ""]
        if column.required:
            assert len(values) == len(df), f"{feed}.{column.source} has empty required values"
        kind = spec.timestamp_style if column.type == "timestamp" else column.type
        if kind in PATTERNS:
            bad = values[~values.str.fullmatch(PATTERNS[kind])]
            assert bad.empty, f"{feed}.{column.source}: {bad.head().tolist()}"
        if column.type in ("date", "timestamp") and kind != "iso_offset":
            parsed = pd.to_datetime(values.str.replace("/", "-"), format="mixed", errors="coerce")
            assert parsed.notna().all(), f"{feed}.{column.source} has impossible dates"


def test_keys_are_unique_inside_each_file(frames):
    for feed, spec in FEEDS.items():
        keys = [spec.column(k).source for k in spec.key] + ["_export"]
        assert not frames[feed].duplicated(keys).any(), feed


def test_order_line_values_are_in_range(frames):
    ol = frames["order_lines"]
    disc = ol["discount_rate"].astype(float)
    assert ((disc >= 0) & (disc < 1)).all()
    assert (ol["unit_price"].astype(float) >= 0).all()
    assert set(ol["status"]) == {"open", "shipped", "cancelled", "returned"}
    negative = ol["quantity"].astype(int) < 0
    assert (negative == (ol["status"] == "returned")).all()
    assert set(ol["currency"]) == {"CNY", "USD", "EUR", "HKD"}
    assert (ol.loc[ol["currency"] == "CNY", "fx_rate"].astype(float) == 1).all()
    assert (ol.loc[ol["currency"] != "CNY", "fx_rate"].astype(float) != 1).all()
    assert ol.groupby("order_no")["order_date"].nunique().max() == 1


def test_vocabularies(frames):
    assert set(frames["accounts"]["Account Type"]) == {"Customer", "Prospect", "Partner"}
    assert set(frames["activities"]["Activity Type"]) == {"Call", "Visit", "Email", "Meeting", "Complaint",
                                                          "Service Request"}
    sat = frames["activities"]["Satisfaction"]
    assert set(sat[sat != ""].astype(int)) == {1, 2, 3, 4, 5}
    assert set(frames["products"]["grade"]) == {"premium", "standard", "economy"}
    assert set(frames["customers"]["blocked"]) == {"Y", "N"}
    assert set(frames["followers"]["channel"]) == {"wechat", "weibo", "douyin"}
    assert set(frames["engagements"]["type"]) == {"message", "comment", "like", "share", "inquiry", "complaint"}
    fo = frames["followers"]
    assert fo.loc[fo["channel"] != "wechat", "unionid"].isna().all()
    assert frames["accounts"]["Account ID"].str.fullmatch(r"zcrm_\d{18}").all()
    assert frames["contacts"]["Contact ID"].str.fullmatch(r"zcrm_\d{18}").all()
    assert frames["customers"]["customer_no"].str.fullmatch(r"K\d{6}").all()
    assert all(re.fullmatch(r"K\d{6}", c) for c in frames["order_lines"]["customer_no"].unique())


def test_invoices_are_consistent(frames):
    iv = frames["invoices"]
    paid = iv[iv["paid_date"] != ""]
    assert (paid["paid_date"] > paid["invoice_date"]).all()
    assert (iv["due_date"] > iv["invoice_date"]).all()
    assert (iv["amount"].astype(float) > 0).all()
