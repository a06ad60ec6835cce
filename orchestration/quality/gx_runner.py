"""Run a GX suite on a pandas DataFrame and summarise the result as a `CheckOutcome`.

GX 1.x on pandas: an ephemeral context, a pandas datasource, a dataframe asset and a
whole-dataframe batch definition (GX's SQL datasource returns no rows on DuckDB).
GX is imported lazily, by the first validation that needs it: importing it takes ~3 s and ~190 MB, and
the pipeline's own suites all validate in SQL (`gx_checks.run_suite`), so a run normally never imports it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from orchestration.quality.results import CheckOutcome

if TYPE_CHECKING:  # pandas costs ~1.2 s to import: only when a check actually runs
    import pandas as pd

#: lineage columns that point at the source row of a failing value (raw zone, then marts)
LINEAGE_PAIRS = (("_file_path", "_line_number"), ("source_file", "source_line"))
SAMPLE_ROWS = 5
#: GX computes a result's details (unexpected counts, samples, the failing rows' indexes) only in the formats that
#: show them, and a batch's verdict alone costs half as much. So a batch is validated for its verdict, and again
#: with the details when an expectation failed (most batches pass: a night at S validates ~40, ~2 s less).
VERDICT_FORMAT = "BOOLEAN_ONLY"
DETAIL_FORMAT = "SUMMARY"


_BATCH_DEFINITION: list = []
_BATCH_DEFINITION_LOCK = threading.Lock()


def _batch_definition():
    """One ephemeral GX context per process, reused by every validation (building one costs ~0.3 s);
    each validation passes its own dataframe as a batch parameter."""
    with _BATCH_DEFINITION_LOCK:  # two threads validating at once build one context
        if not _BATCH_DEFINITION:
            context = _context()
            asset = context.data_sources.add_pandas("quality").add_dataframe_asset("batch")
            _BATCH_DEFINITION.append(asset.add_batch_definition_whole_dataframe("whole"))
        return _BATCH_DEFINITION[0]


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _target(config) -> str:
    kwargs = config.kwargs
    if "column" in kwargs:
        return str(kwargs["column"])
    for key in ("column_list", "column_A"):
        if key in kwargs:
            cols = kwargs[key] if key == "column_list" else [kwargs["column_A"], kwargs["column_B"]]
            return ",".join(str(c) for c in cols)
    return ""


def _where(df: pd.DataFrame, indexes: list) -> list[str]:
    """`file:line` of the first failing rows, when the frame carries lineage columns."""
    for file_col, line_col in LINEAGE_PAIRS:
        if file_col in df.columns and line_col in df.columns:
            rows = df.loc[[i for i in indexes[:SAMPLE_ROWS] if i in df.index], [file_col, line_col]]
            return [f"{f}:{n}" for f, n in rows.itertuples(index=False)]
    return []


def _summary(df: pd.DataFrame, expectation_result) -> dict[str, Any]:
    config = expectation_result.expectation_config
    result = expectation_result.result or {}
    exception = (expectation_result.exception_info or {}).get("exception_message")
    return {
        "expectation": config.type,
        "column": _target(config),
        "unexpected_count": result.get("unexpected_count"),
        "unexpected_percent": result.get("unexpected_percent"),
        "observed_value": result.get("observed_value"),
        "sample": [str(v) for v in (result.get("partial_unexpected_list") or [])[:SAMPLE_ROWS]],
        "where": _where(df, list(result.get("partial_unexpected_index_list") or [])),
        "exception": exception,
    }


def _observed(failures: list[dict[str, Any]], evaluated: int, rows: int) -> str:
    if not failures:
        return f"{evaluated} expectations passed on {rows} rows"
    parts = []
    for f in failures:
        detail = (f"error: {f['exception']}" if f["exception"] else
                  f"{f['unexpected_count']} unexpected" if f["unexpected_count"] is not None else
                  f"observed {f['observed_value']}")
        parts.append(f"{f['expectation']}({f['column']}) {detail}")
    return f"{len(failures)} of {evaluated} expectations failed on {rows} rows: " + "; ".join(parts)


def _merge(failures: dict[tuple, dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Fold one chunk's failed expectations into the running summary (counts add up)."""
    for f in new:
        key = (f["expectation"], f["column"], str(f["observed_value"]) if f["unexpected_count"] is None else "")
        if key not in failures:
            failures[key] = dict(f)
            continue
        seen = failures[key]
        if f["unexpected_count"] is not None:
            seen["unexpected_count"] = (seen["unexpected_count"] or 0) + f["unexpected_count"]
            seen["unexpected_percent"] = None  # recomputed below from the totals
        seen["sample"] = (seen["sample"] + f["sample"])[:SAMPLE_ROWS]
        seen["where"] = (seen["where"] + f["where"])[:SAMPLE_ROWS]


def validate_frames(frames: Iterable[pd.DataFrame], suite, evidence: str) -> CheckOutcome:
    """Validate a batch that arrives in chunks (bounded memory on big first loads) with the GX `suite`.

    The outcome lists each failed expectation with its unexpected count (summed over chunks),
    observed value, sample values and, with lineage columns, the `file:line` of failing rows.
    Row-wise expectations are exact over chunks; aggregate ones (`mostly`, uniqueness) hold per chunk.
    """
    definition = _batch_definition()
    failures: dict[tuple, dict[str, Any]] = {}
    rows = evaluated = 0
    for frame in frames:
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(suite, result_format=VERDICT_FORMAT)
        if not validation.success:  # again, for the details of what failed (counts, samples, rows)
            validation = batch.validate(suite, result_format=DETAIL_FORMAT)
        _merge(failures, [_summary(frame, r) for r in validation.results if not r.success])
        rows += len(frame)
        evaluated = len(validation.results)
    failed = list(failures.values())
    for f in failed:
        if f["unexpected_count"] is not None and f["unexpected_percent"] is None:
            f["unexpected_percent"] = 100.0 * f["unexpected_count"] / rows if rows else None
    return CheckOutcome(
        passed=not failed and evaluated == len(suite.expectations),
        observed=_observed(failed, evaluated, rows),
        evidence=evidence,
        metadata={"rows_validated": rows, "expectations_evaluated": evaluated,
                  "expectations_failed": len(failed), "failed_expectations": failed},
    )
