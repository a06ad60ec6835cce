"""Auditors can reopen any answer published lately: each publish archives its files under
published/<run id>/ with what it holds; retention removes only the oldest archives; a publish killed
between the swap and the archive's final rename is finished by recovery."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import duckdb

from orchestration.audit import ensure_audit_schema, writes
from orchestration.audit.writes import utc_now
from orchestration.control import archive
from orchestration.control.recovery import recover
from orchestration.control.serving_state import Publication
from orchestration.publish.assets import publication_of
from orchestration.publish.serving import Targets, write_serving
from tests.conftest import a_run_plan
from tests.publish.test_roles import ROLES, make_warehouse

D = date(2025, 12, 31)


def publish(tmp_path, run_id: str, as_of: date, keep: int, tier: str = "A"):
    wh = make_warehouse(tmp_path / "warehouse.duckdb", tier=tier)
    publication = Publication(run_id, as_of, run_id, f"fp-{run_id}", "v1", "full", utc_now())
    return write_serving(wh, tmp_path / "serving.duckdb", publication,
                         targets=Targets(ROLES, 0o600, {}, keep_archives=keep))


def test_each_publish_archives_every_role_file_with_its_publication(tmp_path):
    published = publish(tmp_path, "r1", D, keep=30)
    assert published.archive == tmp_path / "published" / "r1"
    [found] = archive.archives(tmp_path)
    assert (found.run_id, found.as_of, found.kind) == ("r1", D, "full")
    assert set(found.files) == {r.name for r in ROLES}
    assert found.serving.read_bytes() == (tmp_path / "serving.duckdb").read_bytes()
    for role in ROLES:
        assert (found.folder / role.file).samefile(tmp_path / role.file)  # a hard link: no copy, no space
    publish(tmp_path, "r2", D + timedelta(days=1), keep=30, tier="B")
    old = archive.for_as_of(tmp_path, D)  # the file that published D is still there, unchanged
    with duckdb.connect(str(old.serving), read_only=True) as con:
        assert con.execute("select distinct tier from marts.customer_profile").fetchall() == [("A",)]
        assert con.execute("select run_id from audit.publication").fetchall() == [("r1",)]


def test_retention_removes_only_the_oldest_archives(tmp_path):
    for day in range(5):
        publish(tmp_path, f"r{day}", D + timedelta(days=day), keep=3)
    kept = archive.archives(tmp_path)
    assert [a.run_id for a in kept] == ["r2", "r3", "r4"]
    assert sorted(p.name for p in (tmp_path / "published").iterdir()) == ["r2", "r3", "r4"]
    assert kept[-1].serving.samefile(tmp_path / "serving.duckdb")  # the live file is the newest archive
    assert archive.for_as_of(tmp_path, D) is None and archive.for_as_of(tmp_path, D + timedelta(days=2)).run_id == "r2"
    assert archive.prune(tmp_path, 1) == [tmp_path / "published" / "r2", tmp_path / "published" / "r3"]


def test_no_archive_when_none_is_kept(tmp_path):
    published = publish(tmp_path, "r1", D, keep=0)
    assert published.archive is None and not (tmp_path / "published").exists()


def test_recovery_finishes_the_archive_of_a_run_that_published_and_removes_another(tmp_path):
    published = publish(tmp_path, "r1", D, keep=30)
    staged_live = published.archive.rename(tmp_path / "published" / ".r1.tmp")  # killed before the final rename
    (tmp_path / "published" / ".r0.tmp").mkdir()  # killed before its swap: its files never went live
    with duckdb.connect(str(tmp_path / "run.duckdb")) as con:
        ensure_audit_schema(con)
        found = recover(con, run_id="now", warehouse_root=tmp_path, serving_path=tmp_path / "serving.duckdb")
    assert not staged_live.exists() and (tmp_path / "published" / "r1" / "serving.duckdb").exists()
    assert sorted(p.name for p in (tmp_path / "published").iterdir()) == ["r1"]
    assert any("finished archive" in line for line in found.lines())


def test_a_publication_after_the_clock_was_set_back_is_still_the_newest(monkeypatch):
    """Archives are kept and pruned by publication time: a run publishing once the clock was set back (a time
    sync after a reboot) must still be newer than what serving holds, or retention would remove its archive
    first and keep the one it replaced."""
    live = Publication("r1", date(2025, 12, 30), "r1", "fp-r1", "v1", "full", utc_now())
    monkeypatch.setattr(writes, "utc_now", lambda: live.published_at - timedelta(hours=2))
    for plan in (replace(a_run_plan("r2"), serving=live), replace(a_run_plan("r3", date(2025, 12, 1)), serving=live)):
        publication = publication_of(plan, "v1")
        assert publication.published_at > live.published_at, publication.kind
