"""The audit trail of the working warehouse (`marts.md`, schema `audit`): its tables and every write to them.

Nothing else in the project inserts into or updates an audit table: ingestion, checks, the run plan,
the dbt step and the publish step all call the functions here (`writes`). The tables themselves
are declared once (`schema`). Reads stay with the modules that need them.
"""

from orchestration.audit.schema import AUDIT_DDL, ensure_audit_schema
from orchestration.audit.writes import (
    record_accepted_shrink,
    record_check_result,
    record_dbt_outcome,
    record_dbt_results,
    record_file,
    record_plan,
    record_run,
    utc_now_after,
)

__all__ = [
    "AUDIT_DDL",
    "ensure_audit_schema",
    "record_accepted_shrink",
    "record_check_result",
    "record_dbt_outcome",
    "record_dbt_results",
    "record_file",
    "record_plan",
    "record_run",
    "utc_now_after",
]
