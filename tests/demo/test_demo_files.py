"""Layout, encodings, determinism and speed of the demo landing directory."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date

import pytest

from orchestration.demo import write_demo_landing
from orchestration.feeds import FEEDS


def _digests(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_identical_bytes(tmp_path):
    a = write_demo_landing(tmp_path / "a", customers=300, seed=7)
    b = write_demo_landing(tmp_path / "b", customers=300, seed=7)
    write_demo_landing(tmp_path / "c", customers=300, seed=8)
    assert a["rows"] == b["rows"]
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


def test_every_feed_has_files_named_by_export_date(default_landing):
    landing, summary = default_landing
    exports = summary["export_dates"]
    assert len(exports) == 6 and exports[-1] == "2025-12-31" and exports[0] > "2024-01-01"
    assert len(summary["snapshot_dates"]) == 3 and summary["snapshot_dates"][-1] == "2025-12-31"
    for name, spec in FEEDS.items():
        files = sorted(p.name for p in (landing / spec.folder).iterdir())
        assert all(spec.file_regex.match(f) for f in files), files
        dates = [str(spec.export_date(f)) for f in files]
        expected = summary["snapshot_dates"] if spec.kind == "snapshot" else exports
        assert dates == expected, name
        assert summary["feeds"][name]["files"] == len(files)
        assert summary["feeds"][name]["rows"] > 0


def test_crm_files_are_utf8_with_bom_crlf_and_zoho_headers(landing):
    for name in ("accounts", "contacts", "activities"):
        spec = FEEDS[name]
        for path in (landing / spec.folder).iterdir():
            data = path.read_bytes()
            assert data.startswith(b"\xef\xbb\xbf")
            assert data.count(b"\n") == data.count(b"\r\n") > 1
            text = data.decode("utf-8-sig")
            header = text.split("\r\n", 1)[0]
            assert header == ",".join(f'"{s}"' for s in spec.source_names)
    accounts = (landing / "crm/accounts/accounts_20251231.csv").read_text(encoding="utf-8-sig")
    assert "有限公司" in accounts


def test_erp_files_are_gb18030_lf_snake_case(landing):
    for name in ("customers", "products", "order_lines", "invoices"):
        spec = FEEDS[name]
        for path in (landing / spec.folder).iterdir():
            data = path.read_bytes()
            assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
            text = data.decode("gb18030")
            assert text.split("\n", 1)[0] == ",".join(f'"{s}"' for s in spec.source_names)
    customers = (landing / "erp/customers/customers_20251231.csv").read_bytes()
    assert "有限公司" in customers.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):  # really GB18030, not UTF-8
        customers.decode("utf-8")


def test_social_files_are_json_lines_with_both_offset_styles(landing):
    stamps = []
    for name in ("followers", "engagements"):
        spec = FEEDS[name]
        for path in (landing / spec.folder).iterdir():
            lines = path.read_text(encoding="utf-8").splitlines()
            assert lines
            for line in lines:
                obj = json.loads(line)
                assert list(obj) == list(spec.source_names)
            stamps += [json.loads(x)["followed_at" if name == "followers" else "occurred_at"] for x in lines[:200]]
    assert any(s.endswith("Z") for s in stamps) and any(s.endswith("+08:00") for s in stamps)


def test_small_run_is_fast(tmp_path):
    began = time.perf_counter()
    summary = write_demo_landing(tmp_path / "s", customers=3000, seed=2, start=date(2024, 1, 1),
                                 end=date(2025, 6, 30))
    assert time.perf_counter() - began < 15
    # roughly 50 order lines per buying customer and year
    assert 40_000 < summary["order_lines_distinct"] < 250_000


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        write_demo_landing(tmp_path / "x", customers=0)
    with pytest.raises(ValueError):
        write_demo_landing(tmp_path / "y", start=date(2025, 1, 1), end=date(2024, 1, 1))
