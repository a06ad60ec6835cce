"""Data quality: GX suites, reconciliation checks, the check-results audit trail and the publish gate.

- `gx_checks`: one asset check per suite in `expectations/` and severity (`gx_error`, `gx_warn`);
- `raw_checks`: `quarantine_rate`, `rows_reconcile`, `files_not_rejected`, `snapshot_not_shrunk` per raw feed;
- `recon_checks`: raw-to-mart reconciliations;
- `check_steps`: the checks above as data, run as one Dagster step per raw feed and one for what dbt builds;
- `results`: `record_check_result` (every evaluation) and `failed_blocking_checks` (the gate).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.quality.check_steps import build_check_steps
from orchestration.quality.gx_checks import gx_check_defs
from orchestration.quality.raw_checks import raw_check_defs
from orchestration.quality.recon_checks import recon_check_defs
from orchestration.settings import EXPECTATIONS_DIR, Gates


def build_quality_checks(gates: Gates, expectations_dir: Path = EXPECTATIONS_DIR) -> list[dg.AssetChecksDefinition]:
    """Every check of the project, one step per raw feed and one for the dbt-built assets; `gates`: the blocking
    thresholds."""
    return build_check_steps([*gx_check_defs(expectations_dir), *raw_check_defs(gates), *recon_check_defs()])
