"""`python -m orchestration docs`: dbt's static docs site, or a clear message."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from orchestration import docs
from orchestration.settings import Settings


def test_missing_warehouse_says_run_first(tmp_path, capsys):
    assert docs.build_docs(Settings(warehouse_dir=tmp_path / "nowhere")) == 1
    err = capsys.readouterr().err
    assert "no warehouse at" in err and "make run" in err


def test_dbt_failure_is_reported(tmp_path, capsys, monkeypatch):
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    monkeypatch.setattr(docs, "dbt_executable", lambda: shutil.which("false"))
    assert docs.build_docs(Settings(warehouse_dir=tmp_path), target_path=tmp_path / "target") == 1
    assert "dbt docs generate failed (exit 1)" in capsys.readouterr().err


@pytest.mark.slow
def test_generates_static_index(tmp_path, capsys):
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    target = tmp_path / "target"
    assert docs.build_docs(Settings(warehouse_dir=tmp_path), target_path=target) == 0
    index = target / docs.STATIC_INDEX
    assert index.stat().st_size > 100_000
    assert str(index) in capsys.readouterr().out
    assert "customer_classification" in index.read_text(encoding="utf-8")
