"""The audit tables of the working warehouse, created when missing and upgraded in place.

`ALTER ... ADD COLUMN IF NOT EXISTS` statements upgrade a warehouse made by an earlier release; they
are no-ops afterwards.
"""

from __future__ import annotations

import duckdb

from orchestration.audit.descriptions import comment_statements

AUDIT_DDL = """
create schema if not exists audit;

create table if not exists audit.load_log (
    path varchar not null,            -- relative to the landing directory
    feed varchar not null,
    sha256 varchar not null,
    bytes bigint not null,
    export_date date,                 -- NULL when the file name does not match its pattern
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    status varchar not null,          -- loaded | skipped_duplicate | rejected
    reason varchar,
    extra_columns varchar,            -- unknown columns, ignored and reported
    raw_path varchar,                 -- the Parquet file of the raw zone (loaded files)
    run_id varchar not null,
    loaded_at timestamp not null
);
-- The landed file's modification time when its bytes were read: a file whose path, size and mtime
-- are unchanged since is not read again (orchestration/landing.py).
alter table audit.load_log add column if not exists mtime_ns bigint;

create table if not exists audit.quarantine (
    feed varchar not null,
    file varchar not null,            -- relative to the landing directory
    file_sha256 varchar,
    line_number bigint,               -- physical 1-based line, header = line 1
    raw_record varchar,               -- the line's text; never published for personal-data feeds
    reason varchar not null,
    run_id varchar not null,
    quarantined_at timestamp
);

create table if not exists audit.check_results (
    run_id varchar not null,
    asset varchar not null,
    check_name varchar not null,
    severity varchar not null,        -- error (blocks publishing) | warn
    passed boolean not null,
    observed varchar,
    evidence varchar,                 -- table or query holding the failing rows
    evaluated_at timestamp not null
);

create table if not exists audit.runs (
    run_id varchar primary key,
    as_of_date date,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,          -- started | publishing | success | failed | interrupted
    rule_version varchar,
    published boolean not null default false,
    message varchar
);
alter table audit.runs add column if not exists trigger varchar;         -- cli | schedule | sensor | backfill | ui
alter table audit.runs add column if not exists mode varchar;            -- skip | incremental | full | ingest_only
alter table audit.runs add column if not exists gate_overrides varchar;  -- e.g. accept_snapshot_shrink
alter table audit.runs add column if not exists code_version varchar;    -- git:<commit>[+dirty] | fingerprint:<fp>
alter table audit.runs add column if not exists published_files varchar; -- JSON {file: [bytes, mtime_ns]} it swapped in

-- The run plan (orchestration/control/plan.py), fixed once at the start of every run: what the
-- marts of the run are a function of, and how the run builds them.
create table if not exists audit.run_inputs (
    run_id varchar primary key,
    inputs_fingerprint varchar not null,
    as_of_date date,
    raw_files bigint not null,        -- files of the raw zone (audit.load_log, status loaded) at the start
    code_fingerprint varchar not null, -- dbt project (rules included), GX suites and orchestration code
    recorded_at timestamp not null
);
alter table audit.run_inputs add column if not exists dbt_fingerprint varchar;  -- the dbt project alone
alter table audit.run_inputs add column if not exists dbt_full_refresh boolean;
alter table audit.run_inputs add column if not exists dbt_succeeded boolean;    -- the whole project built
alter table audit.run_inputs add column if not exists trigger varchar;
alter table audit.run_inputs add column if not exists mode varchar;
alter table audit.run_inputs add column if not exists mode_reason varchar;
alter table audit.run_inputs add column if not exists landing_files bigint;     -- settled regular files seen
alter table audit.run_inputs add column if not exists landing_fingerprint varchar;
alter table audit.run_inputs add column if not exists settle_seconds bigint;
alter table audit.run_inputs add column if not exists serving_run_id varchar;   -- the run serving held

-- Snapshot files whose drop in rows an operator accepted (`run --accept-snapshot-shrink`).
create table if not exists audit.accepted_shrinks (
    feed varchar not null,
    sha256 varchar not null,
    path varchar not null,
    rows_before bigint,
    rows_after bigint,
    run_id varchar not null,
    accepted_at timestamp not null
);

-- The raw order lines' totals a passing `net_amount_reconciles` compared with the mart: the next night
-- starts from them (orchestration/quality/recon_totals.py).
create table if not exists audit.reconciliation_totals (
    run_id varchar not null,
    feed varchar not null,
    lines bigint not null,
    net_amount_cny decimal(38, 2) not null,
    files bigint not null,            -- the loaded files counted: every file loaded up to files_through
    files_through timestamp,
    derived varchar not null,         -- full | incremental
    derived_in_full_at timestamp not null,
    recorded_at timestamp not null
);
"""


def ensure_audit_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit schema and tables when missing, upgrade older ones, and keep their descriptions as
    DuckDB comments (audit/descriptions.py; only what differs is written) (idempotent)."""
    con.execute(AUDIT_DDL)
    _upgrade(con)
    comment_audit_tables(con)


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Upgrades that are not idempotent DDL, run only where still needed: an `alter table` writes to the WAL
    even when it changes nothing, which every later connection of the run replays and the checkpointing one
    folds in (resources.py)."""
    nullable = con.execute(
        "select is_nullable from duckdb_columns() where database_name = current_database() and schema_name = "
        "'audit' and table_name = 'run_inputs' and column_name = 'as_of_date'").fetchone()
    if nullable is not None and not nullable[0]:  # as_of_date was not null before ingest-only runs
        con.execute("alter table audit.run_inputs alter column as_of_date drop not null")


def comment_audit_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> None:
    """The descriptions of audit/descriptions.py on the audit tables of `catalog` (default: the current one)."""
    catalog = catalog or con.execute("select current_database()").fetchone()[0]
    existing: dict[tuple[str, str], str | None] = {}
    for table, comment in con.execute("select table_name, comment from duckdb_tables() where database_name = ? "
                                      "and schema_name = 'audit'", [catalog]).fetchall():
        existing[(table, "")] = comment
    for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() where database_name = ? "
            "and schema_name = 'audit'", [catalog]).fetchall():
        existing[(table, column)] = comment
    for statement in comment_statements(catalog, existing):
        con.execute(statement)
