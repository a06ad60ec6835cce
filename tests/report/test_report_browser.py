"""The report renders in headless Chromium (no network, no scripts needed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from orchestration.report import write_report
from tests.report.builders import build_serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(tmp_path):
    html = write_report(build_serving(tmp_path / "serving.duckdb"), tmp_path / "report.html")
    png = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium'}", f"--screenshot={png}", "--window-size=1280,2000",
         html.resolve().as_uri()],
        check=True, capture_output=True, timeout=120)
    assert png.exists()
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank 1280x2000 page compresses to a few KB
