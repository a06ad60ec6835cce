"""The run plan's fingerprints of the code: the dbt project's changes with any file dbt parses (it names the
parse state a run starts from, transform/parse_state.py, and decides a full rebuild), not with the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestration.control.fingerprint import code_fingerprint, dbt_code_fingerprint
from orchestration.settings import PROJECT_ROOT


def _copy(root: Path, edit: str | None = None) -> Path:
    for folder in ("dbt_project/macros", "dbt_project/snapshots", "orchestration/control"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    shutil.copy2(PROJECT_ROOT / "dbt_project" / "dbt_project.yml", root / "dbt_project" / "dbt_project.yml")
    if edit:
        with open(root / edit, "a", encoding="utf-8") as f:
            f.write("\n")
    return root


def test_an_edit_dbt_parses_changes_the_dbt_fingerprint_and_the_rest_only_the_code(tmp_path):
    same = _copy(tmp_path / "same")
    macro = _copy(tmp_path / "macro", edit="dbt_project/macros/testing/verified_scope.sql")
    snapshot = _copy(tmp_path / "snapshot", edit="dbt_project/snapshots/dim_customer_history.yml")
    python = _copy(tmp_path / "python", edit="orchestration/control/plan.py")
    base = _copy(tmp_path / "base")
    assert dbt_code_fingerprint(same) == dbt_code_fingerprint(base)
    assert dbt_code_fingerprint(macro) != dbt_code_fingerprint(base)
    assert dbt_code_fingerprint(snapshot) != dbt_code_fingerprint(base)
    assert dbt_code_fingerprint(python) == dbt_code_fingerprint(base)
    assert code_fingerprint(python) != code_fingerprint(base)
