"""GX suites as JSON files in `expectations/`, one per validated dataset.

A suite file is named after its dataset, which is the Dagster asset key joined by dots
(`raw.erp.order_lines.json` validates `raw/erp/order_lines`). Every expectation carries
`meta.severity`: `error` (blocks publishing) or `warn`. A regex must be written in the syntax Python's
`re` and RE2 read alike (regex_dialect.py): a suite with another one does not load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from orchestration.quality.regex_dialect import UncommonRegex, check_common
from orchestration.quality.results import SEVERITIES, Severity

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

SUITE_SUFFIX = ".json"


def dataset_name(asset_key: dg.AssetKey) -> str:
    return ".".join(asset_key.path)


def suite_path(expectations_dir: Path, asset_key: dg.AssetKey) -> Path:
    return expectations_dir / f"{dataset_name(asset_key)}{SUITE_SUFFIX}"


def suite_files(expectations_dir: Path) -> list[Path]:
    return sorted(expectations_dir.glob(f"*{SUITE_SUFFIX}"))


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def read_suite(path: Path) -> dict[str, Any]:
    """The suite file as a dict (validated: a name, a list of expectations, each with a severity)."""
    suite = _read(path)
    if not suite.get("name") or not isinstance(suite.get("expectations"), list):
        raise ValueError(f"{path}: a suite needs a name and a list of expectations")
    for i, expectation in enumerate(suite["expectations"]):
        severity = expectation.get("meta", {}).get("severity")
        if severity not in SEVERITIES:
            raise ValueError(f"{path}: expectation {i} ({expectation.get('type')}) has severity {severity!r}; "
                             f"expected one of {SEVERITIES}")
        regex = expectation.get("kwargs", {}).get("regex")
        if regex is not None:
            try:
                check_common(regex)
            except UncommonRegex as exc:
                raise ValueError(f"{path}: expectation {i} ({expectation.get('type')}): {exc}") from exc
    return suite


def severities(suite: dict[str, Any]) -> list[Severity]:
    """The severities a suite uses, in a fixed order (error first)."""
    used = {e["meta"]["severity"] for e in suite["expectations"]}
    return [s for s in SEVERITIES if s in used]


def build_suite(suite: dict[str, Any], severity: Severity | None = None) -> ExpectationSuite:
    """A GX ExpectationSuite of the suite's expectations (only those of `severity` when given).

    Raises when GX did not accept every expectation: GX may skip an invalid one with a log line.
    """
    from great_expectations.core import ExpectationSuite  # lazy: importing GX takes seconds

    wanted = [e for e in suite["expectations"] if severity is None or e["meta"]["severity"] == severity]
    name = suite["name"] if severity is None else f"{suite['name']}.{severity}"
    built = ExpectationSuite(name=name, expectations=[dict(e) for e in wanted], meta=suite.get("meta"))
    if len(built.expectations) != len(wanted):
        raise ValueError(f"suite {name}: GX accepted {len(built.expectations)} of {len(wanted)} expectations")
    return built
