"""What `serving.duckdb` holds: one row in its `audit.publication` table, written by the publish step
into the new file before it is swapped in, read by the run plan (is there anything to rebuild?) and by
recovery (did a killed run's swap happen?); whether the live files are still those the publish swapped in
(their size and modification time, recorded in the warehouse's `audit.runs`); and how much of the file is
free space, read by the publish step (a file mostly free is written whole rather than copied:
publish/assets.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

PUBLICATION_DDL = """
create table if not exists {catalog}.audit.publication (
    run_id varchar not null,             -- the run that wrote this file
    as_of_date date,                     -- D of the marts it holds
    marts_run_id varchar not null,       -- the run that built those marts (a history-only publish keeps them)
    marts_fingerprint varchar not null,  -- that run's inputs fingerprint (control/fingerprint.py)
    rule_version varchar,
    kind varchar not null,               -- full | history_only
    published_at timestamp not null
)
"""


@dataclass(frozen=True)
class Publication:
    run_id: str
    as_of: date | None
    marts_run_id: str
    marts_fingerprint: str
    rule_version: str | None
    kind: str
    published_at: datetime


def read_publication(serving_path: Path) -> Publication | None:
    """What the live serving file holds; None when there is none (or it predates this record)."""
    if not Path(serving_path).exists():
        return None
    try:
        con = duckdb.connect(str(serving_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("select run_id, as_of_date, marts_run_id, marts_fingerprint, rule_version, kind, "
                          "published_at from audit.publication").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return Publication(*row) if row else None


def free_space(serving_path: Path) -> tuple[int, float]:
    """(free bytes, free share of the blocks) of the live serving file; (0, 0.0) when there is no file or it
    cannot be read."""
    if not Path(serving_path).exists():
        return 0, 0.0
    try:
        with duckdb.connect(str(serving_path), read_only=True) as con:
            size, free, total = con.execute("select block_size, free_blocks, total_blocks from pragma_database_size() "
                                            "where database_name = current_database()").fetchone()
    except (duckdb.Error, TypeError):
        return 0, 0.0
    return size * free, free / total if total else 0.0


def file_stamps(paths: Iterable[Path]) -> str:
    """What a publish records of the files it swapped in (`audit.runs.published_files`): each file's size and
    modification time (ns), JSON by file name."""
    stamps = {}
    for path in paths:
        st = Path(path).stat()
        stamps[Path(path).name] = [st.st_size, st.st_mtime_ns]
    return json.dumps(stamps, sort_keys=True)


def changed_files(folder: Path, recorded: str | None) -> list[str]:
    """The files of `recorded` (file_stamps) whose size or modification time in `folder` differ now, or that are
    gone. A file is published read-only (publish/serving.published_mode), but root writes it anyway: a DuckDB
    opened read-write on it that changed a row also changed its modification time. (A copy that keeps it,
    `cp -p` or rsync -t, still matches; one that does not is taken for changed: one publish in full.)"""
    changed = []
    for name, (size, mtime_ns) in (json.loads(recorded) if recorded else {}).items():
        try:
            st = (Path(folder) / name).stat()
        except FileNotFoundError:
            changed.append(name)
            continue
        if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            changed.append(name)
    return changed


def live_publication(con: duckdb.DuckDBPyConnection, serving_path: Path) -> tuple[Publication | None, str | None]:
    """What the live serving file holds, and why a run may not build on the live files (None: it may; `con`: the
    working warehouse). A run builds on them: it keeps them when nothing is new, and starts a publish from
    copies of them. A file changed after its publish would carry the change into every later publish, so the
    run publishes in full from the warehouse instead (publish/assets.py). A publish without a record of its
    files (a warehouse from before the record, a run killed between its swap and its record) is built on."""
    publication = read_publication(serving_path)
    if publication is None:
        return None, None
    row = con.execute("select published_files from audit.runs where run_id = ?", [publication.run_id]).fetchone()
    changed = changed_files(Path(serving_path).parent, row[0] if row else None)
    if not changed:
        return publication, None
    return publication, (f"{', '.join(changed)} changed since run {publication.run_id} published "
                         f"{'it' if len(changed) == 1 else 'them'} (size or modification time)")
