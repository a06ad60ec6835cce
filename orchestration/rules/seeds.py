"""The rule seeds as files: the committed `classification_rules.csv` and drafts of it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
RULES_SEED = SEEDS_DIR / "classification_rules.csv"
#: the other seeds keyed by rule_version: a new version needs rows in each (data tests of the nightly run)
VERSIONED_SEEDS = ("rfm_cut_points.csv", "industry_expected_needs.csv", "service_levels.csv", "service_playbook.csv",
                   "display_labels.csv")


class RulesFileError(ValueError):
    """A rules file that cannot be used (the message says why)."""


@dataclass(frozen=True)
class RuleRow:
    rule_version: str
    effective_from: date
    parameter: str
    value: Decimal


def read_rules(path: Path = RULES_SEED) -> list[RuleRow]:
    """The rows of a classification_rules.csv (committed or draft), checked: same columns as the
    committed seed, dates and numbers that parse, one value per version and parameter."""
    expected = _header(RULES_SEED)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != expected:
                raise RulesFileError(f"{path}: columns {reader.fieldnames} are not those of {RULES_SEED.name}: "
                                     f"{expected}")
            rows = []
            for number, record in enumerate(reader, start=2):
                try:
                    rows.append(RuleRow(record["rule_version"].strip(), date.fromisoformat(record["effective_from"]),
                                        record["parameter"].strip(), Decimal(record["value"])))
                except (ValueError, InvalidOperation, AttributeError) as exc:
                    raise RulesFileError(f"{path}, line {number}: {exc}") from None
    except OSError as exc:
        raise RulesFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise RulesFileError(f"{path} holds no rules")
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.rule_version, row.parameter) in seen:
            raise RulesFileError(f"{path}: parameter {row.parameter} given twice for rule version {row.rule_version}")
        seen.add((row.rule_version, row.parameter))
    return rows


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def parameters(rows: list[RuleRow], version: str) -> dict[str, Decimal]:
    found = {r.parameter: r.value for r in rows if r.rule_version == version}
    if not found:
        raise RulesFileError(f"rule version {version!r} is not in the rules file "
                             f"(versions: {', '.join(sorted({r.rule_version for r in rows}))})")
    return found


def versions_lacking_rows(version: str, seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """The versioned seeds of `seeds_dir` that have no row for `version`."""
    lacking = []
    for name in VERSIONED_SEEDS:
        with open(seeds_dir / name, encoding="utf-8", newline="") as handle:
            if not any(record.get("rule_version") == version for record in csv.DictReader(handle)):
                lacking.append(name)
    return lacking
