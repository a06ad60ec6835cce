"""The audit tables of the working warehouse (`marts.md`, schema `audit`).

Ingestion writes `load_log` and `quarantine`, the checks write `check_results`, the run command
writes `runs` and the dbt step `run_inputs`; dbt builds `audit.identity_map`. Publishing copies
the whole schema to serving.
"""

from __future__ import annotations

import duckdb

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

create table if not exists audit.quarantine (
    feed varchar not null,
    file varchar not null,            -- relative to the landing directory
    file_sha256 varchar,
    line_number bigint,               -- physical 1-based line, header = line 1
    raw_record varchar,
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
    status varchar not null,          -- started | success | failed
    rule_version varchar,
    published boolean not null default false,
    message varchar
);

-- What a run's marts are a function of (see orchestration/transform/inputs.py): a run whose
-- fingerprint equals the last published run's rebuilds nothing.
create table if not exists audit.run_inputs (
    run_id varchar primary key,
    inputs_fingerprint varchar not null,
    as_of_date date not null,
    raw_files bigint not null,        -- files of the raw zone (audit.load_log, status loaded)
    code_fingerprint varchar not null, -- dbt project, GX suites and orchestration code
    recorded_at timestamp not null
);
-- How the dbt step built (incremental models: transform/inputs.py `full_refresh_reason`).
alter table audit.run_inputs add column if not exists dbt_fingerprint varchar;  -- the dbt project alone
alter table audit.run_inputs add column if not exists dbt_full_refresh boolean;
alter table audit.run_inputs add column if not exists dbt_succeeded boolean;
"""


def ensure_audit_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit schema and tables when missing (idempotent)."""
    con.execute(AUDIT_DDL)
