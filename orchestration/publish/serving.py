"""Write `serving.duckdb`: a complete file, swapped in atomically; nothing ever writes the live file.

The new file is written beside the old one under a temporary name, check-pointed, fsynced and
renamed over it (`os.replace`, atomic on POSIX), then the folder is fsynced. A BI tool that holds
the old file open keeps reading the old inode; the next connection sees the new file. A failed or
interrupted publish leaves the live file byte-for-byte untouched (recovery removes the temporary).

Two ways to fill the new file, one swap:
- `write_serving`: every table of schemas `marts` and `audit` of the working warehouse (the first
  publish, or when the warehouse no longer knows the run whose marts serving holds);
- `update_serving`: a copy of the live file that takes what changed since the run whose marts it
  holds (publish/delta.py) and the warehouse's `audit` schema — also for a run for an as-of date older
  than the one serving holds (`history_only`: it adds its history and keeps the newer marts).
(A run whose inputs equal those of the marts serving holds writes nothing: publish/assets.py.)

Every way writes the same audit: the personal-data feeds' quarantined lines lose their raw text
(feed, file, line and reason stay), this run's `audit.runs` row says it published, and
`audit.publication` records which run the file holds (control/serving_state.py).

Every table and column keeps its description as a DuckDB comment (publish/comments.py). With
`Targets`, the same publish also writes every other role's file (publish/roles.py: a projection of
the new analyst file) and archives the new files (control/archive.py): all files are complete and
fsynced before the first rename; the analyst file, whose `audit.publication` says the run published,
is renamed last.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.audit.schema import comment_audit_tables
from orchestration.control import archive
from orchestration.control.serving_state import PUBLICATION_DDL, Publication
from orchestration.ingest.sql_text import literal
from orchestration.publish.comments import copy_comments
from orchestration.publish.copying import copy_tables
from orchestration.publish.delta import Since, apply_changes
from orchestration.publish.role_delta import update_role_file
from orchestration.publish.roles import RoleSpec, check_keys, write_role_file
from orchestration.settings import DUCKDB_MEMORY_LIMIT
from orchestration.spill import ScratchDuckDB

PUBLISHED_SCHEMAS = ("marts", "audit")
#: (the publish's in-memory DuckDB, new analyst file, live role file, the role file's temporary, role, its key)
#: -> rows per table
RoleWriter = Callable[[ScratchDuckDB, Path, Path, Path, RoleSpec, "str | None"], dict[str, int]]
# BI drivers lag behind DuckDB releases: write a storage format every DuckDB >= 1.0 can open.
STORAGE_VERSION = "v1.0.0"
#: Serving files are their owner's only unless configured otherwise (CW_SERVING_FILE_MODE), and read-only:
#: nothing writes a published file (a publish writes a new one and renames it over the live one), so no write
#: bit is ever set (`published_mode`). A program that opens one read-write by mistake (`duckdb serving.duckdb`)
#: is refused rather than changing the marts, the base of the next delta publish and the archive (a hard link).
SERVING_MODE = 0o400


def published_mode(mode: int) -> int:
    """The mode a published file gets: the configured one without its write bits."""
    return mode & ~0o222


@dataclass(frozen=True)
class Targets:
    """What one publish writes beside the analyst file: the other roles' files (publications.yml), their
    mode, the roles' encryption keys, and how many archives to keep (0: none)."""

    roles: tuple[RoleSpec, ...] = ()
    file_mode: int = SERVING_MODE
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    keep_archives: int = 0


@dataclass(frozen=True)
class PublishedFile:
    path: Path
    bytes: int
    tables: dict[str, int]  # "schema.table" -> rows
    roles: dict[str, PublishedFile] = field(default_factory=dict)  # the other roles' files
    archive: Path | None = None  # published/<run id>/ when archived
    how: dict[str, str] = field(default_factory=dict)  # marts table -> how it was brought (update_serving)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
            ) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? and list_contains(?, "
        "schema_name) order by 1, 2", [catalog, list(schemas)]).fetchall()
    return [(schema, table) for schema, table in rows]


def _write_audit(con: duckdb.DuckDBPyConnection, publication: Publication) -> None:
    """The warehouse's audit schema (without personal data), this run marked published, and the
    publication record."""
    copy_tables(con, [(schema, table) for schema, table in _tables(con, "wh", ("audit",)) if table != "publication"])
    # every table's descriptions, those of marts edited in the dbt docs too (a delta publish keeps the rows)
    copy_comments(con, "wh", "srv", [t for t in _tables(con, "srv") if t != ("audit", "publication")])
    con.execute("update srv.audit.runs set status = 'success', published = true, "
                "finished_at = coalesce(finished_at, now()::timestamp) where run_id = ?", [publication.run_id])
    con.execute(PUBLICATION_DDL.format(catalog="srv"))
    con.execute("insert into srv.audit.publication values (?, ?, ?, ?, ?, ?, ?)",
                [publication.run_id, publication.as_of, publication.marts_run_id, publication.marts_fingerprint,
                 publication.rule_version, publication.kind, publication.published_at])
    comment_audit_tables(con, "srv")  # the descriptions of the tables written here (publication)


def write_serving(warehouse_db: Path, serving_path: Path, publication: Publication, threads: int = 2,
                  memory_limit: str = DUCKDB_MEMORY_LIMIT, targets: Targets = Targets()) -> PublishedFile:
    """Copy marts + audit of `warehouse_db` into a new file and rename it over `serving_path`."""

    def fill(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"attach {literal(tmp)} as srv (storage_version '{STORAGE_VERSION}')")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists srv.{schema}")
        copy_tables(con, _tables(con, "wh", ("marts",)))
        _write_audit(con, publication)

    return _swap_in(warehouse_db, serving_path, fill, threads, memory_limit, publication, targets, whole_role_file)


def whole_role_file(scratch: ScratchDuckDB, source: Path, live: Path, target: Path, role: RoleSpec,
                    key: str | None) -> dict[str, int]:
    """The role writer of a publish that writes every role's file whole (roles.write_role_file)."""
    return write_role_file(source, target, role, key, scratch)


def update_serving(warehouse_db: Path, serving_path: Path, publication: Publication, changed: Since,
                   threads: int = 2, memory_limit: str = DUCKDB_MEMORY_LIMIT,
                   targets: Targets = Targets()) -> PublishedFile:
    """A new serving file made from a copy of the live one and what changed since (publish/delta.py),
    with the warehouse's audit schema, swapped in the same atomic way."""
    how: dict[str, str] = {}

    def fill(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"attach {literal(tmp)} as srv")  # a copy of the live file: it keeps its storage version
        how.update(apply_changes(con, changed, publication.kind == "history_only",
                                 lambda tables: copy_tables(con, tables)))
        con.execute("drop schema if exists srv.audit cascade")
        con.execute("create schema srv.audit")
        _write_audit(con, publication)

    def write_role(scratch: ScratchDuckDB, source: Path, live: Path, target: Path, role: RoleSpec,
                   key: str | None) -> dict[str, int]:
        counts = update_role_file(source, live, target, role, key, scratch, changed, how)
        how[role.file] = "written whole" if counts is None else "from the live file and what changed"
        return counts if counts is not None else write_role_file(source, target, role, key, scratch)

    published = _swap_in(warehouse_db, serving_path, fill, threads, memory_limit, publication, targets, write_role,
                         start_from_current=True)
    return PublishedFile(published.path, published.bytes, published.tables, published.roles, published.archive, how)


def _swap_in(warehouse_db: Path, serving_path: Path, fill: Callable[[duckdb.DuckDBPyConnection, Path], None],
             threads: int, memory_limit: str, publication: Publication, targets: Targets, write_role: RoleWriter,
             start_from_current: bool = False) -> PublishedFile:
    """Build the new file under a hidden temporary name beside `serving_path` (`fill(con, tmp)`
    attaches it as `srv` and fills it from `wh`), checkpoint, then every other role's file from it; fsync
    them all, stage their archive, rename the role files and last the analyst file over the live ones.
    `write_role(scratch, new analyst file, live role file, its temporary, role, key)` writes a role's file;
    `start_from_current`: the temporary file starts as a copy of the live one. Every in-memory DuckDB of the
    publish has `threads` and `memory_limit` and spills beside `warehouse_db` (spill.py)."""
    check_keys(targets.roles, targets.keys)
    folder = serving_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(serving_path)
    others = [(role, folder / role.file) for role in targets.roles if not role.is_analyst]
    tmps = {role.name: _tmp_name(path) for role, path in others}
    staged = None
    scratch = ScratchDuckDB(threads, memory_limit, warehouse_db.parent)
    try:
        if start_from_current:
            shutil.copyfile(serving_path, tmp)
        con = scratch.connect()
        try:
            con.execute(f"attach {literal(warehouse_db)} as wh (read_only)")
            fill(con, tmp)
            counts = {f"{schema}.{table}": con.execute(f'select count(*) from srv.{schema}."{table}"').fetchone()[0]
                      for schema, table in _tables(con, "srv")}
            con.execute("checkpoint srv")
            con.execute("detach srv")
        finally:
            con.close()
        role_counts = {role.name: write_role(scratch, tmp, path, tmps[role.name], role,
                                             targets.keys.get(role.name))
                       for role, path in others}
        for path in (*tmps.values(), tmp):
            os.chmod(path, published_mode(targets.file_mode))
            _fsync(path)
        if targets.keep_archives > 0:
            analyst = next((r.name for r in targets.roles if r.is_analyst), "analyst")
            files = {analyst: (serving_path.name, tmp), **{r.name: (path.name, tmps[r.name]) for r, path in others}}
            staged = archive.stage(folder, publication, files)
        for role, path in others:
            os.replace(tmps[role.name], path)
        os.replace(tmp, serving_path)
        _fsync(folder)
    except BaseException:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    finally:
        for path in (tmp, *tmps.values()):
            path.unlink(missing_ok=True)
    archived = None
    if staged is not None:
        archived = archive.finish(staged)
        archive.prune(folder, targets.keep_archives)
    roles = {role.name: PublishedFile(path, path.stat().st_size, role_counts[role.name]) for role, path in others}
    return PublishedFile(serving_path, serving_path.stat().st_size, counts, roles, archived)


def _tmp_name(path: Path) -> Path:
    """Every temporary file of a publish: `.<file>.<uuid>.tmp` beside it (recovery removes leftovers)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
