"""What each audit table and column means: written as DuckDB comments on the warehouse's audit tables
(`schema.ensure_audit_schema`), and copied with them into serving (publish/comments.py), where BI tools
and auditors see them. `audit.identity_map` is a dbt model: its descriptions are in its yml."""

from __future__ import annotations

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "load_log": ("One row per landed file seen by ingestion: its hash, status and row counts.", {
        "path": "The landed file, relative to the landing directory.",
        "feed": "The feed the file belongs to (orchestration/feeds.py).",
        "sha256": "sha256 of the file's bytes: the idempotency key of ingestion.",
        "bytes": "Size of the file in bytes.",
        "export_date": "Export date from the file name; NULL when the name does not match the feed's pattern.",
        "rows_read": "Data rows read from the file.",
        "rows_loaded": "Rows loaded into the raw zone.",
        "rows_quarantined": "Rows rejected into audit.quarantine.",
        "status": "loaded, skipped_duplicate or rejected.",
        "reason": "Why the file was skipped or rejected.",
        "extra_columns": "Unknown columns of the file, ignored and reported.",
        "raw_path": "The file's folder of the raw zone, relative to the warehouse directory (loaded files).",
        "run_id": "The run that saw the file.",
        "loaded_at": "When the file was logged (UTC); later than the feed's earlier files even if the clock was set "
                     "back (then 1 µs after the previous): the incremental models' load watermark.",
        "mtime_ns": "The landed file's modification time when its bytes were read (ns).",
    }),
    "quarantine": ("One row per rejected row of a landed file, with the physical line and the reason.", {
        "feed": "The feed of the file.",
        "file": "The landed file, relative to the landing directory.",
        "file_sha256": "sha256 of the file.",
        "line_number": "Physical 1-based line of the row (the header is line 1).",
        "raw_record": "The line's text; NULL in serving for the personal-data feeds and activities.",
        "reason": "Why the row was rejected.",
        "run_id": "The run that loaded the file.",
        "quarantined_at": "When the row was quarantined (UTC).",
    }),
    "check_results": ("One row per data-quality check evaluated in a run (GX, dbt, reconciliation).", {
        "run_id": "The run that evaluated the check.",
        "asset": "The checked asset (schema/table or raw feed).",
        "check_name": "The check.",
        "severity": "error (blocks publishing) or warn.",
        "passed": "Whether the check passed.",
        "observed": "What the check observed (counts, values).",
        "evidence": "Where the failing rows are (a table or a query).",
        "evaluated_at": "When the check was evaluated (UTC).",
    }),
    "reconciliation_totals": ("The raw order lines' totals each passing net_amount_reconciles compared with "
                              "marts.fct_order_lines; a night starts from the newest and adds what its files "
                              "changed.", {
        "run_id": "The run whose check derived the totals.",
        "feed": "The raw feed totalled (order_lines).",
        "lines": "Order lines: the latest version of every line ever loaded.",
        "net_amount_cny": "Σ of those versions' net amounts in CNY, each rounded to the cent.",
        "files": "How many loaded raw files the totals count: every file loaded up to files_through.",
        "files_through": "The newest load time (UTC) of the files counted.",
        "derived": "full (every raw row read again) or incremental (the previous totals and the new files).",
        "derived_in_full_at": "When the full derivation this chain of totals starts from was made (UTC); "
                              "after 7 days the next check derives them in full again.",
        "recorded_at": "When the totals were recorded (UTC).",
    }),
    "runs": ("One row per pipeline run: what started it, the code and rules it ran with, whether it published.", {
        "run_id": "The run (Dagster run id).",
        "as_of_date": "The as-of date D the run classified for.",
        "started_at": "When the run started (UTC).",
        "finished_at": "When the run finished (UTC); NULL while it runs.",
        "status": "started, publishing, success, failed or interrupted.",
        "rule_version": "The rule version its marts were built with.",
        "published": "True once the run's serving files were swapped in.",
        "message": "What happened: the published kind, or why it failed.",
        "trigger": "What started the run: cli, schedule, sensor, backfill or ui.",
        "mode": "skip, incremental, full or ingest_only (the run plan).",
        "gate_overrides": "Gates an operator overrode for this run (e.g. accept_snapshot_shrink).",
        "code_version": "The code the run ran: git:<commit> (+dirty when the work tree differed) when git knew it, "
                        "else fingerprint:<code fingerprint of audit.run_inputs>.",
        "published_files": "The files the run swapped in, each with its size and modification time (JSON): a later "
                           "run builds on a live file only while both are unchanged.",
    }),
    "run_inputs": ("The plan of each run, fixed at its start: what its marts are a function of, and how it builds "
                   "them.", {
        "run_id": "The run.",
        "inputs_fingerprint": "Fingerprint of the landing files, D and the code: equal fingerprints, equal marts.",
        "as_of_date": "The as-of date D (NULL for a run that only loads files).",
        "raw_files": "Files of the raw zone at the start of the run.",
        "code_fingerprint": "Fingerprint of the code (dbt project with its rules, GX suites, orchestration).",
        "recorded_at": "When the plan was recorded (UTC); later than every earlier run's even if the clock was set "
                       "back (then 1 µs after the previous): the order of the runs.",
        "dbt_fingerprint": "Fingerprint of the dbt project alone.",
        "dbt_full_refresh": "Whether dbt rebuilt the incremental models in full.",
        "dbt_succeeded": "Whether dbt built the whole project without error.",
        "trigger": "What started the run.",
        "mode": "skip, incremental, full or ingest_only.",
        "mode_reason": "Why the plan chose that mode.",
        "landing_files": "Settled regular landing files seen.",
        "landing_fingerprint": "Fingerprint of those files (path, size, mtime).",
        "settle_seconds": "How long a landing file had to be quiet to be read.",
        "serving_run_id": "The run whose publication serving held when the run started.",
    }),
    "accepted_shrinks": ("Snapshot files whose drop in rows an operator accepted (run --accept-snapshot-shrink).", {
        "feed": "The snapshot feed.",
        "sha256": "sha256 of the accepted file.",
        "path": "The accepted file, relative to the landing directory.",
        "rows_before": "Rows of the snapshot before it.",
        "rows_after": "Rows of the accepted snapshot.",
        "run_id": "The run that accepted it.",
        "accepted_at": "When it was accepted (UTC).",
    }),
    "publication": ("Which run this serving file holds (one row), written by the publish step before the swap.", {
        "run_id": "The run that wrote this file.",
        "as_of_date": "D of the marts the file holds.",
        "marts_run_id": "The run that built those marts.",
        "marts_fingerprint": "That run's inputs fingerprint.",
        "rule_version": "The rule version of the marts.",
        "kind": "full (every mart of the run) or history_only (an older D: its history rows only).",
        "published_at": "When the file was written (UTC); later than the publication it replaced even if the "
                        "clock was set back.",
    }),
}


def comment_statements(catalog: str, existing: dict[tuple[str, str], str]) -> list[str]:
    """COMMENT ON statements for the audit tables of `catalog` whose comments differ from the descriptions above
    (`existing`: (table, column or '') -> comment now; only tables present are commented)."""
    tables = {table for table, _ in existing}
    out = []
    for table, (description, columns) in TABLES.items():
        if table not in tables:
            continue
        if existing.get((table, "")) != description:
            out.append(f"comment on table {catalog}.audit.{table} is {_literal(description)}")
        for column, text in columns.items():
            if (table, column) in existing and existing[(table, column)] != text:
                out.append(f'comment on column {catalog}.audit.{table}."{column}" is {_literal(text)}')
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
