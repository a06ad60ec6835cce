"""Next-day deliveries (`demo-data --next-day`): one more day of exports added to a landing directory.

The files are read back as the pipeline would (tests.demo.demo_metrics) and loaded with the project's
own ingestion; nothing here looks at the generator's internals.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from orchestration.demo import write_demo_landing
from orchestration.demo.nextday import write_next_day, write_next_days
from orchestration.demo.uscc import is_valid
from orchestration.feeds import FEEDS
from orchestration.ingest.feed import ingest_feed
from orchestration.resources import WarehouseResource
from tests.conftest import run_cli
from tests.demo.demo_metrics import crm_time, normalise_name, read_feed

DAY1, DAY2 = date(2026, 1, 1), date(2026, 1, 2)
INCREMENTAL = {"order_lines": (["order_no", "line_no"], "updated_at"), "invoices": (["invoice_no"], "updated_at"),
               "activities": (["Activity ID"], "Modified Time")}


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small generated history (600 customers, 2024-01-01 .. 2025-12-31)."""
    out = tmp_path_factory.mktemp("next_day") / "base"
    write_demo_landing(out, customers=600, seed=3)
    return out


@pytest.fixture(scope="module")
def nights(base, tmp_path_factory) -> SimpleNamespace:
    """The history plus two next-day deliveries (seed 5), every feed read back as text."""
    landing = tmp_path_factory.mktemp("next_day") / "landing"
    shutil.copytree(base, landing)
    days = write_next_days(landing, days=2, seed=5)
    return SimpleNamespace(landing=landing, days=days, frames={name: read_feed(landing, name) for name in FEEDS})


def _of(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    return frame[frame["_export"] == pd.Timestamp(day)]


def _before(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    return frame[frame["_export"] < pd.Timestamp(day)]


def test_same_seed_and_landing_give_the_same_bytes(base, nights, tmp_path):
    for seed in (5, 6):
        shutil.copytree(base, tmp_path / f"seed{seed}")
        write_next_days(tmp_path / f"seed{seed}", days=2, seed=seed)
    assert _digests(tmp_path / "seed5") == _digests(nights.landing)
    assert _digests(tmp_path / "seed6") != _digests(nights.landing)


def test_each_call_adds_the_day_after_the_latest_export_in_the_sources_formats(nights):
    assert [d["date"] for d in nights.days] == [str(DAY1), str(DAY2)]
    for name, spec in FEEDS.items():
        new = sorted(p.name for p in (nights.landing / spec.folder).iterdir() if p.name >= spec.file_name(DAY1))
        assert new == [spec.file_name(DAY1), spec.file_name(DAY2)], name
        data = (nights.landing / spec.folder / spec.file_name(DAY1)).read_bytes()
        if spec.system == "crm":
            assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n")
        elif spec.system == "erp":
            assert b"\r\n" not in data and data.decode("gb18030").startswith('"')
        else:
            assert all(line.startswith(b"{") for line in data.splitlines())
    assert not list(nights.landing.glob(".*")), "no partial folder is left behind"


def test_every_row_of_a_day_is_loaded_by_the_ingestion(nights, tmp_path):
    landing = tmp_path / "landing"
    for spec in FEEDS.values():
        (landing / spec.folder).mkdir(parents=True)
        shutil.copy2(nights.landing / spec.folder / spec.file_name(DAY2), landing / spec.folder)
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path / "warehouse"), threads=1, memory_limit="1GB")
    for name, spec in FEEDS.items():
        (result,) = ingest_feed(spec, landing, warehouse, "run-1").files
        assert (result.status, result.rows_quarantined, result.extra_columns) == ("loaded", 0, ()), (name, result)
        assert result.rows_loaded == result.rows_read > 0, name


def test_a_day_has_new_records_and_re_sent_ones_that_supersede(nights):
    for name, (key, updated) in INCREMENTAL.items():
        frame, stamp = nights.frames[name], crm_time if name == "activities" else pd.to_datetime
        resent_days = 0
        for day in (DAY1, DAY2):
            today, earlier = _of(frame, day), _before(frame, day)
            assert (stamp(today[updated]).dt.date == day).all(), name
            previous = earlier.assign(t=stamp(earlier[updated])).groupby(key)["t"].max()
            resent = today.assign(t=stamp(today[updated])).join(previous.rename("before"), on=key, how="inner")
            assert len(resent) < len(today), (name, day)
            assert (resent["t"] > resent["before"]).all(), name
            resent_days += len(resent) > 0
        assert resent_days >= (2 if name != "activities" else 1), name  # edits of activities are rarer
    lines = _of(nights.frames["order_lines"], DAY1)
    assert set(lines["status"]) == {"open", "shipped", "cancelled", "returned"}
    assert (lines.loc[lines["status"] == "open", "order_date"] == str(DAY1)).all()
    assert (lines.loc[lines["status"] == "returned", "quantity"].astype(int) < 0).all()
    invoices = _of(nights.frames["invoices"], DAY1)
    assert (invoices["paid_date"] == str(DAY1)).any() and (invoices["invoice_date"] == str(DAY1)).any()


def test_a_day_is_about_as_busy_as_the_days_before_it(nights):
    lines = nights.frames["order_lines"]
    history = _before(lines, DAY1).drop_duplicates(["order_no", "line_no"])
    recent = history[pd.to_datetime(history["order_date"]) > pd.Timestamp("2025-10-02")]
    per_day = len(recent) / 90
    for day in (DAY1, DAY2):
        new = (_of(lines, day)["order_date"] == str(day)).sum()
        assert 0.3 * per_day < new < 3 * per_day, (day, new, per_day)


def test_snapshots_change_a_little_and_identities_change(nights):
    accounts, contacts, customers = (nights.frames[n] for n in ("accounts", "contacts", "customers"))
    before, after = _of(accounts, date(2025, 12, 31)), _of(accounts, DAY1)
    assert 0.95 < len(after) / len(before) < 1.05
    both = before.merge(after, on="Account ID", suffixes=("_0", "_1"))
    # an account without a valid USCC gains one
    code = "Unified Social Credit Code"
    assert (~both[f"{code}_0"].map(is_valid) & both[f"{code}_1"].map(is_valid)).sum() >= 1
    # a renamed account: another legal-form suffix, the same normalised name
    renamed = both[both["Account Name_0"] != both["Account Name_1"]]
    assert len(renamed) >= 1
    assert (renamed["Account Name_0"].map(normalise_name) == renamed["Account Name_1"].map(normalise_name)).all()
    assert (crm_time(renamed["Modified Time_1"]).dt.date == DAY1).all()
    # a new account that is a duplicate of an ERP customer by normalised name and city
    erp = _of(customers, DAY1).assign(n=lambda c: c["customer_name"].map(normalise_name))
    new = after[~after["Account ID"].isin(before["Account ID"])]
    new = new.assign(n=new["Account Name"].map(normalise_name))
    assert len(new.merge(erp, left_on=["n", "City"], right_on=["n", "city"])) >= 1
    # a duplicate merged away: its contacts now belong to an account of the same name and city
    gone = before[~before["Account ID"].isin(after["Account ID"])]
    moved = _of(contacts, date(2025, 12, 31)).merge(_of(contacts, DAY1), on="Contact ID", suffixes=("_0", "_1"))
    moved = moved[moved["Account ID_0"] != moved["Account ID_1"]]
    assert set(moved["Account ID_0"]) <= set(gone["Account ID"]) and len(moved) >= 1
    key = before.set_index("Account ID")[["Account Name", "City"]]
    for a, b in zip(moved["Account ID_0"], moved["Account ID_1"], strict=True):
        assert normalise_name(key.loc[a, "Account Name"]) == normalise_name(key.loc[b, "Account Name"])
        assert key.loc[a, "City"] == key.loc[b, "City"] != ""


def test_the_second_day_continues_the_first(nights):
    lines = nights.frames["order_lines"]
    new1 = _of(lines, DAY1).query("status == 'open'")["order_no"]
    new2 = _of(lines, DAY2).query("status == 'open'")["order_no"]
    assert new2.min() > new1.max()
    resolved = _of(lines, DAY2).query("status in ('shipped', 'cancelled')")
    assert resolved["order_no"].isin(new1).any(), "lines opened on day 1 ship on day 2"
    accounts = nights.frames["accounts"]
    added = set(_of(accounts, DAY1)["Account ID"]) - set(_of(accounts, date(2025, 12, 31))["Account ID"])
    assert added and added <= set(_of(accounts, DAY2)["Account ID"])


def test_cli_adds_days_and_refuses_a_directory_without_exports(base, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(base, landing)
    done = run_cli("demo-data", "--out", str(landing), "--next-day", "--days", "2", "--seed", "5")
    assert done.returncode == 0, done.stderr
    assert "next day 2026-01-02" in done.stdout
    assert (landing / FEEDS["order_lines"].folder / "order_lines_20260102.csv").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no export files"):
        write_next_day(tmp_path / "empty")
    refused = run_cli("demo-data", "--out", str(tmp_path / "missing"), "--next-day")
    assert refused.returncode == 2 and "demo-data first" in refused.stderr
