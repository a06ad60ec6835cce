"""Archives of published serving files, for auditors: `<warehouse>/published/<run id>/` holds the files a
publish swapped in (every role's, the analyst's `serving.duckdb` among them) and `publication.json`
(which run, which D, which kind, when). The last `CW_PUBLISHED_KEEP` (default 30) are kept.

The files are hard links of the published ones: the publish step never writes a published file in
place (it only renames new files over them), so an archive costs no copy and no space while its file
is live. The archive is staged as `published/.<run id>.tmp/` before the swap and renamed to its final
name after it; recovery finishes or removes a staged archive of a run that was killed in between (which is
why this module sits with the run control, below the publish step that stages the archives).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from orchestration.control.serving_state import Publication

ARCHIVE_DIR = "published"
MANIFEST = "publication.json"
ANALYST_FILE = "serving.duckdb"


@dataclass(frozen=True)
class Archive:
    folder: Path
    run_id: str
    as_of: date | None
    marts_run_id: str
    rule_version: str | None
    kind: str
    published_at: datetime
    files: dict[str, str]  # role -> file name in the folder

    @property
    def serving(self) -> Path:
        """The archived analyst file (serving.duckdb)."""
        return self.folder / ANALYST_FILE


def archive_root(warehouse_root: Path) -> Path:
    return Path(warehouse_root) / ARCHIVE_DIR


def stage(warehouse_root: Path, publication: Publication, files: dict[str, tuple[str, Path]]) -> Path:
    """Hard-link the new files (role -> (published name, temporary file)) into a staged archive folder."""
    root = archive_root(warehouse_root)
    root.mkdir(mode=0o700, exist_ok=True)
    staged = root / f".{publication.run_id}.tmp"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(mode=0o700)
    for name, tmp in files.values():
        try:
            os.link(tmp, staged / name)
        except OSError:  # a file system without hard links: a copy
            shutil.copyfile(tmp, staged / name)
    as_of = publication.as_of.isoformat() if publication.as_of else None
    manifest = {"run_id": publication.run_id, "as_of_date": as_of,
                "marts_run_id": publication.marts_run_id, "rule_version": publication.rule_version,
                "kind": publication.kind, "published_at": publication.published_at.isoformat(),
                "files": {role: name for role, (name, _) in files.items()}}
    (staged / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return staged


def finish(staged: Path) -> Path:
    """The staged archive under its final name `published/<run id>/` (after the swap)."""
    final = staged.with_name(staged.name.removeprefix(".").removesuffix(".tmp"))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staged, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return final


def archives(warehouse_root: Path) -> list[Archive]:
    """Every finished archive, oldest first (by publication time, then run id)."""
    root = archive_root(warehouse_root)
    found = []
    for folder in root.iterdir() if root.is_dir() else ():
        manifest = folder / MANIFEST
        if folder.name.startswith(".") or not manifest.is_file():
            continue
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
            found.append(Archive(folder, m["run_id"], date.fromisoformat(m["as_of_date"]) if m["as_of_date"] else None,
                                 m["marts_run_id"], m.get("rule_version"), m["kind"],
                                 datetime.fromisoformat(m["published_at"]), dict(m["files"])))
        except (ValueError, KeyError, TypeError):
            continue  # not an archive this code wrote: left alone
    return sorted(found, key=lambda a: (a.published_at, a.run_id))


def prune(warehouse_root: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` archives (the oldest go first); the removed folders."""
    old = archives(warehouse_root)[: -keep or None] if keep > 0 else archives(warehouse_root)
    for archive in old:
        shutil.rmtree(archive.folder, ignore_errors=True)
    return [a.folder for a in old]


def for_as_of(warehouse_root: Path, as_of: date) -> Archive | None:
    """The newest archive whose marts are those of `as_of` (with an analyst file)."""
    matching = [a for a in archives(warehouse_root) if a.as_of == as_of and a.serving.exists()]
    return matching[-1] if matching else None


def settle_staged(warehouse_root: Path, live_run_id: str | None) -> list[str]:
    """After a killed run: finish the staged archive of the run whose files are live, remove any other."""
    root = archive_root(warehouse_root)
    done = []
    for staged in sorted(root.glob(".*.tmp")) if root.is_dir() else ():
        if live_run_id is not None and staged.name == f".{live_run_id}.tmp":
            done.append(f"finished archive {finish(staged)}")
        else:
            shutil.rmtree(staged, ignore_errors=True)
            done.append(f"removed leftover {staged}")
    return done
