"""Publications per role (`publications.yml`): which tables and columns each role's serving file holds.

The analyst file (`serving.duckdb`) holds every table of schemas `marts` and `audit` and is written from
the working warehouse (publish/serving.py). Every other role's file is a projection of the analyst file
of the same publish: its tables, with the columns the role may see, their comments, and
`audit.publication` (which run the file holds). Written beside the analyst file under a temporary name
and swapped in with it; encrypted with the role's key when one is set (`CW_SERVING_KEY_<ROLE>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.ingest.sql_text import literal
from orchestration.publish.comments import copy_comments
from orchestration.publish.copying import copy_tables
from orchestration.spill import ScratchDuckDB

ANALYST_FILE = "serving.duckdb"
ANALYST_TABLES = {"marts.*": None, "audit.*": None}
#: Encrypted files need DuckDB's storage format v1.4.0 (readers: DuckDB >= 1.4); plain files stay at v1.0.0.
PLAIN_STORAGE_VERSION = "v1.0.0"
ENCRYPTED_STORAGE_VERSION = "v1.4.0"


class PublicationsError(ValueError):
    """publications.yml (or a key for it) cannot be used as it is; the message says why."""


@dataclass(frozen=True)
class RoleSpec:
    name: str
    file: str
    description: str
    tables: Mapping[str, tuple[str, ...] | None]  # "schema.table" or "schema.*" -> columns (None: all)
    deny_columns_like: tuple[str, ...] = ()

    @property
    def is_analyst(self) -> bool:
        return self.file == ANALYST_FILE


def load_publications(path: Path) -> tuple[RoleSpec, ...]:
    """The roles of `path`, checked: one analyst role holding everything, one file per role."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PublicationsError(f"cannot read {path}: {exc}") from None
    roles = []
    for name, spec in (data.get("roles") or {}).items():
        if not isinstance(spec, dict) or not spec.get("file") or not isinstance(spec.get("tables"), dict):
            raise PublicationsError(f"{path}: role {name!r} needs a `file` and a `tables` mapping")
        file = str(spec["file"])
        if Path(file).name != file or not file.endswith(".duckdb") or file.startswith("."):
            raise PublicationsError(f"{path}: role {name!r}: file {file!r} must be a plain *.duckdb file name")
        tables = {}
        for table, columns in spec["tables"].items():
            if str(table).count(".") != 1:
                raise PublicationsError(f"{path}: role {name!r}: {table!r} is not schema.table")
            if columns == "all":
                tables[str(table)] = None
            elif isinstance(columns, dict) and isinstance(columns.get("columns"), list) and columns["columns"]:
                tables[str(table)] = tuple(str(c) for c in columns["columns"])
            else:
                raise PublicationsError(f"{path}: role {name!r}, {table}: `all` or {{columns: [...]}}")
        roles.append(RoleSpec(str(name), file, " ".join(str(spec.get("description", "")).split()), tables,
                              tuple(str(w).lower() for w in spec.get("deny_columns_like") or ())))
    analysts = [r for r in roles if r.is_analyst]
    if len(analysts) != 1 or analysts[0].tables != ANALYST_TABLES:
        raise PublicationsError(f"{path}: exactly one role must have file {ANALYST_FILE} with tables "
                                "'marts.*': all and 'audit.*': all (every other file is a projection of it)")
    files = [r.file for r in roles]
    if len(set(files)) != len(files):
        raise PublicationsError(f"{path}: two roles name the same file")
    return tuple(roles)


def check_keys(roles: tuple[RoleSpec, ...], keys: Mapping[str, str]) -> None:
    names = {r.name: r for r in roles}
    for role in keys:
        if role not in names:
            raise PublicationsError(f"CW_SERVING_KEY_{role.upper()} is set but publications.yml has no role {role!r}")
        if names[role].is_analyst:
            raise PublicationsError(f"the analyst file {ANALYST_FILE} is not encrypted (the run plan, recovery, "
                                    f"the report and explain read it); unset CW_SERVING_KEY_{role.upper()}")


def selected(con: duckdb.DuckDBPyConnection, role: RoleSpec, catalog: str = "src") -> list[tuple[str, str, list[str]]]:
    """(schema, table, columns) the role's file holds, from the analyst file attached as `catalog`."""
    found: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = ? "
            "order by schema_name, table_name, column_index", [catalog]).fetchall():
        found.setdefault((schema, table), []).append(column)
    out: list[tuple[str, str, list[str]]] = []
    for pattern, columns in role.tables.items():
        schema, table = pattern.split(".")
        keys = sorted(k for k in found if k[0] == schema) if table == "*" else [(schema, table)]
        for key in keys:
            if key not in found:
                raise PublicationsError(f"role {role.name}: {pattern} is not a table of the published marts")
            missing = [c for c in columns or () if c not in found[key]]
            if missing:
                raise PublicationsError(f"role {role.name}: {pattern} has no column(s) {', '.join(missing)}")
            out.append((*key, list(columns) if columns else found[key]))
    denied = [f"{s}.{t}.{c}" for s, t, cols in out for c in cols if any(w in c.lower() for w in role.deny_columns_like)]
    if denied:
        raise PublicationsError(f"role {role.name} may not hold {', '.join(denied)} (deny_columns_like)")
    return out


def role_connection(scratch: ScratchDuckDB) -> duckdb.DuckDBPyConnection:
    """The in-memory connection a role's file is written through (no extension is fetched)."""
    return scratch.connect(autoinstall_known_extensions=False, autoload_known_extensions=False)


def attach_role_file(con: duckdb.DuckDBPyConnection, path: Path, key: str | None, new: bool = True) -> None:
    """Attach a role's file as `srv`, with its key when it has one; a `new` file in the storage version its
    readers need (an existing one keeps its own)."""
    options = []
    if key:
        enable_encryption(con)
        options.append(f"encryption_key '{_quote(key)}'")
    if new:
        options.append(f"storage_version '{ENCRYPTED_STORAGE_VERSION if key else PLAIN_STORAGE_VERSION}'")
    con.execute(f"attach {literal(path)} as srv{f' ({chr(44).join(options)})' if options else ''}")


def copy_projections(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]],
                     columns: Mapping[tuple[str, str], list[str]]) -> None:
    """Create each of `tables` in `srv` as its `columns` of `src` (every column for ["*"]), two at a time."""

    def copy(cursor: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
        listed = columns[schema, table]
        projection = "*" if listed == ["*"] else ", ".join(f'"{c}"' for c in listed)
        cursor.execute(f'create table srv.{schema}."{table}" as select {projection} from src.{schema}."{table}"')

    copy_tables(con, tables, source="src", copy=copy)


def row_counts(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> dict[str, int]:
    return {f"{schema}.{table}": con.execute(f'select count(*) from srv.{schema}."{table}"').fetchone()[0]
            for schema, table in tables}


def write_role_file(source: Path, target: Path, role: RoleSpec, key: str | None,
                    scratch: ScratchDuckDB) -> dict[str, int]:
    """Fill `target` (a new file) with the role's part of the analyst file `source`; rows per table."""
    con = role_connection(scratch)
    try:
        con.execute(f"attach {literal(source)} as src (read_only)")
        attach_role_file(con, target, key)
        listed = {(schema, table): columns for schema, table, columns in selected(con, role)}
        listed["audit", "publication"] = ["*"]
        for schema in sorted({schema for schema, _ in listed}):
            con.execute(f"create schema if not exists srv.{schema}")
        copy_projections(con, list(listed), listed)
        counts = row_counts(con, list(listed))
        copy_comments(con, "src", "srv", list(listed))
        con.execute("checkpoint srv")
        con.execute("detach srv")
        return counts
    finally:
        con.close()


def enable_encryption(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB writes encrypted files only with a secure random generator, which its httpfs extension (OpenSSL)
    brings. It is loaded from the local extension directory; nothing is downloaded."""
    try:
        con.execute("load httpfs")
    except duckdb.Error as exc:
        raise PublicationsError(
            "an encryption key is set (CW_SERVING_KEY_<ROLE>) but DuckDB cannot write encrypted files here: its "
            "httpfs extension (OpenSSL) is not installed in the local extension directory "
            f"({str(exc).splitlines()[0]}). Install it (`INSTALL httpfs` where the extension repository is "
            "reachable, or copy httpfs.duckdb_extension into ~/.duckdb/extensions/<version>/<platform>/), or "
            "unset the key. Nothing was published.") from None


def _quote(text: str) -> str:
    return text.replace("'", "''")
