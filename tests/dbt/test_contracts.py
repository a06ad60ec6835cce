"""The published marts have enforced dbt contracts: a change that drops or retypes a published column fails
the build, whatever the materialization (table or incremental); the rules seeds say who changed each
version; every published code has a display label."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
PUBLISHED_YMLS = ("models/marts/core/_core__models.yml", "models/marts/classification/_classification__models.yml",
                  "models/marts/rules/_rules__models.yml", "models/audit/_audit__models.yml")


def _models() -> dict[str, dict]:
    found = {}
    for name in PUBLISHED_YMLS:
        for model in yaml.safe_load((DBT_PROJECT / name).read_text(encoding="utf-8"))["models"]:
            found[model["name"]] = model
    return found


ENFORCED = "{{ var('enforce_contracts', true) }}"


def test_every_published_model_has_an_enforced_contract_with_a_type_per_column():
    models = _models()
    published = {p.stem for folder in ("models/marts", "models/audit") for p in (DBT_PROJECT / folder).rglob("*.sql")}
    assert published == set(models)
    # enforced on DuckDB: the project's var (false only on the Spark build, whose values are compared instead)
    project = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["enforce_contracts"] is True
    for name, model in models.items():
        assert model.get("config", {}).get("contract", {}).get("enforced") == ENFORCED, name
        untyped = [c["name"] for c in model["columns"] if not c.get("data_type")]
        assert not untyped, f"{name}: {untyped}"


def _literal_select(model: dict, change: str | None = None) -> str:
    """A stand-in body for a contracted model: NULLs of the contracted types, one column dropped or retyped."""
    cells = []
    for column in model["columns"]:
        name, data_type = column["name"], column["data_type"]
        if change == f"drop {name}":
            continue
        if change == f"retype {name}":
            data_type = "varchar"
        required = any(c.get("type") == "not_null" for c in column.get("constraints", []))
        value = ("'2025-12-31'" if data_type == "date" else "'x'" if data_type == "varchar" else "1") if required \
            else "null"
        cells.append(f"cast({value} as {data_type}) as {name}")
    return "select " + ", ".join(cells) + "\n"


def _replace(project: Path, name: str, body: str) -> None:
    """Replace a model's SQL by `body`, keeping its config block (the incremental models' materialization)."""
    path = next(project.rglob(f"models/**/{name}.sql"))
    match = re.match(r"\{\{\s*config\(.*?\)\s*\}\}", path.read_text(encoding="utf-8"), re.S)
    path.write_text((match.group(0) + "\n" if match else "") + body, encoding="utf-8")


def _dbt_run(project: Path, *models: str) -> tuple[subprocess.CompletedProcess, dict[str, tuple[str, str]]]:
    env = {**os.environ, "CW_WAREHOUSE_DIR": str(project.parent / "warehouse"), "CW_AS_OF": "2025-12-31",
           "CW_RUN_ID": "contract-test"}
    result = subprocess.run([str(DBT), "run", "--project-dir", str(project), "--profiles-dir", str(project),
                             "--select", *models], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    statuses = {r["unique_id"].split(".")[-1]: (r["status"], r["message"] or "") for r in
                json.loads((project / "target" / "run_results.json").read_text())["results"]}
    return result, statuses


def test_a_change_that_breaks_a_published_column_fails_the_build(tmp_path):
    """Contracted models of a scratch copy of the project are replaced by stand-ins: those that keep the
    contract build; a table that retypes a column, a table that drops one, and an incremental model (already
    built) that retypes one on its next, incremental, build all fail, naming the contract."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (tmp_path / "warehouse").mkdir()
    models = _models()
    changes = {"customer_credit": None, "fct_invoices": None, "customer_tier": "retype revenue_12m",
               "customer_value": "drop value_class"}
    for name, change in changes.items():
        _replace(project, name, _literal_select(models[name], change))
    result, statuses = _dbt_run(project, *changes)
    assert statuses["customer_credit"][0] == "success" and statuses["fct_invoices"][0] == "success", \
        result.stdout[-3000:]
    for name in ("customer_tier", "customer_value"):
        status, message = statuses[name]
        assert status == "error" and "contract" in message.lower(), (name, message)
    assert result.returncode != 0

    _replace(project, "fct_invoices", _literal_select(models["fct_invoices"], "retype amount_cny"))
    result, statuses = _dbt_run(project, "fct_invoices")
    status, message = statuses["fct_invoices"]
    assert status == "error" and "contract" in message.lower(), message


def test_every_rules_seed_says_who_changed_each_version_when_and_why():
    seeds = [p for p in (DBT_PROJECT / "seeds").glob("*.csv")]
    assert {p.name for p in seeds} >= {"classification_rules.csv", "display_labels.csv", "service_playbook.csv"}
    for path in seeds:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and all(r["changed_by"] and r["changed_on"] and r["change_reason"] for r in rows), path.name


def _accepted_values() -> dict[str, set[str]]:
    """Column -> the codes the published marts' data tests accept (the codes a BI tool meets)."""
    codes: dict[str, set[str]] = {}
    for model in _models().values():
        for column in model["columns"]:
            for test in column.get("data_tests") or []:
                if isinstance(test, dict) and "accepted_values" in test:
                    values = test["accepted_values"]["arguments"]["values"]
                    if isinstance(values, list) and not any(isinstance(v, bool) for v in values):
                        codes.setdefault(column["name"], set()).update(str(v) for v in values)
    return codes


def test_every_published_code_has_a_chinese_and_an_english_label():
    with (DBT_PROJECT / "seeds" / "display_labels.csv").open(encoding="utf-8", newline="") as handle:
        labels = list(csv.DictReader(handle))
    labelled = {(r["code_type"], r["code"]) for r in labels if r["label_set"] == "default" and r["label_en"]
                and r["label_zh"]}
    wanted = {"tier", "tier_label", "value_class", "lifecycle_stage", "churn_risk_band", "credit_risk",
              "service_level", "primary_need", "industry", "match_rule"}
    codes = _accepted_values()
    assert wanted <= set(codes)
    missing = [(t, c) for t in wanted for c in codes[t] if (t, c) not in labelled]
    assert not missing
    with (DBT_PROJECT / "seeds" / "service_playbook.csv").open(encoding="utf-8", newline="") as handle:
        actions = {r["action"] for r in csv.DictReader(handle)}
    assert {("next_action", a) for a in actions} <= labelled
    # the two trade vocabularies of the contract
    tiers = {(r["label_set"], r["code"]): r["label_zh"] for r in labels if r["code_type"] == "tier"}
    assert [tiers[("textile", t)] for t in "ABC"] == ["大客户", "中型客户", "小客户"]
    assert [tiers[("stationery", t)] for t in "ABC"] == ["高端", "中级", "低端"]
