"""What `serving.duckdb` holds: one row in its `audit.publication` table, written by the publish step
into the new file before it is swapped in, read by the run plan (is there anything to rebuild?) and by
recovery (did a killed run's swap happen?); and how much of the file is free space, read by the publish
step (a file mostly free is written whole rather than copied: publish/assets.py).
"""

from __future__ import annotations

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
