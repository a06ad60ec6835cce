"""Asset checks generated from the GX suites in `expectations/`: one check per suite and severity
(run in their asset's check step, see check_steps.py).

Every check is `blocking`: downstream assets (dbt models after a raw feed, the publish step after
a mart) wait for it, and a failed `gx_error` stops them; a failed `gx_warn` returns WARN severity,
which Dagster records without blocking. Every check records its evaluation in `audit.check_results`.
"""

import logging
from contextlib import nullcontext
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.feeds import FEEDS, FeedSpec
from orchestration.quality.batches import MartBatch, iter_raw_rows, raw_rows_query, run_raw_files, sql_list
from orchestration.quality.check_steps import CheckDef, CheckRun
from orchestration.quality.gx_runner import validate_frames
from orchestration.quality.results import CheckOutcome, Severity
from orchestration.quality.sql_suite import Untranslatable, validate_sql
from orchestration.quality.suites import build_suite, read_suite, severities, suite_files
from orchestration.resources import WarehouseResource

RAW_LAYER = "raw"
logger = logging.getLogger(__name__)

#: How a mart's rows are selected when it is not validated whole: big facts by this run's files.
MART_BATCHES: dict[tuple[str, ...], MartBatch] = {
    ("marts", "fct_order_lines"): MartBatch(
        "marts.fct_order_lines", lineage_column="source_file",
        joins="left join marts.dim_customer as dim on dim.customer_key = t.customer_key",
        extra_columns=("dim.customer_key is not null as customer_resolves",),
    ),
    ("marts", "fct_invoices"): MartBatch("marts.fct_invoices", lineage_column="source_file"),
    ("marts", "fct_interactions"): MartBatch("marts.fct_interactions", lineage_column="source_file"),
    ("marts", "customer_classification_history"): MartBatch(
        "marts.customer_classification_history",
        where="t.as_of_date = (select max(as_of_date) from marts.customer_classification_history)",
    ),
}


def raw_spec(asset_key: dg.AssetKey) -> FeedSpec | None:
    """The feed spec of a raw-zone asset key (`raw/<system>/<feed>`), else None."""
    if len(asset_key.path) == 3 and asset_key.path[0] == RAW_LAYER:
        spec = FEEDS.get(asset_key.path[2])
        if spec is not None and spec.system == asset_key.path[1]:
            return spec
    return None


def mart_batch(asset_key: dg.AssetKey) -> MartBatch:
    return MART_BATCHES.get(tuple(asset_key.path)) or MartBatch(".".join(asset_key.path))


def check_name(severity: Severity) -> str:
    return f"gx_{severity}"


#: When a big batch must go to GX (an expectation without an exact SQL form), a `warn` suite (formats,
#: distributions) looks at a repeatable sample of at most this many of its rows; an `error` suite (the
#: gate) always looks at every row.
WARN_SAMPLE_ROWS = 500_000


def run_suite(warehouse: WarehouseResource, run_id: str, asset_key: dg.AssetKey, suite_file: Path,
              severity: Severity, con: duckdb.DuckDBPyConnection | None = None, *, held: bool = True) -> CheckOutcome:
    """Validate this run's rows of the asset with the suite's expectations of one severity: those of the files
    in its scope (batches.loads_in_scope: `held` False leaves out the held files of earlier runs).

    Every batch, whatever its size, is validated by SQL in DuckDB (`sql_suite`) when every expectation of the
    suite translates exactly (all of the project's do); a suite that does not translate is validated by GX on
    pandas (a big batch's `warn` suite on a sample), and only then is GX imported. The evidence is the batch
    query either way.
    `con`: an open connection to the warehouse to use (the check step's), else short-lived ones.
    """

    def warehouse_connection():
        return nullcontext(con) if con is not None else warehouse.connect()

    suite = read_suite(suite_file)
    spec = raw_spec(asset_key)
    if spec is not None:
        with warehouse_connection() as audit:
            files = run_raw_files(audit, run_id, spec, warehouse.root, held=held)
        if not files:  # validate only what is new: no file, no rows, nothing to validate
            return CheckOutcome(passed=True, observed="no new rows: no file of this feed to check in this run",
                                evidence=f"audit.load_log: no {spec.folder} file loaded in run {run_id}",
                                metadata={"rows_validated": 0, "expectations_evaluated": 0,
                                          "expectations_failed": 0, "failed_expectations": []})
        params: list = []
        count = f"select coalesce(sum(num_rows), 0) from parquet_file_metadata({sql_list(files)})"  # footers

        def query(sample=None):
            return raw_rows_query(files, sample)

        evidence = query

        def connect():  # raw files are read in an in-memory database: warehouse.duckdb is not held
            return warehouse.scratch.connect()

        def frames(_con, sample):
            return iter_raw_rows(files, spec, sample)
    else:
        batch = mart_batch(asset_key)
        params = [run_id] if batch.lineage_column else []
        count, connect = f"select count(*) from ({batch.query(held=held)}) as t", warehouse_connection

        def query(sample=None):
            return batch.query(sample, held=held)

        def evidence(sample=None):
            return batch.evidence(run_id, sample, held=held)

        def frames(con, sample):
            return batch.iter_rows(con, run_id, sample, held=held)
    with connect() as batch_con:
        expectations = [e for e in suite["expectations"] if e["meta"]["severity"] == severity]
        try:
            return validate_sql(batch_con, query(), params, expectations, evidence())
        except Untranslatable as exc:
            logger.info("%s %s: validated with GX, not SQL: %s", suite_file.name, severity, exc)
        rows = batch_con.execute(count, params).fetchone()[0]
        sample = WARN_SAMPLE_ROWS if severity == "warn" and rows > WARN_SAMPLE_ROWS else None
        return validate_frames(frames(batch_con, sample), build_suite(suite, severity), evidence=evidence(sample))


def _gx_check(asset_key: dg.AssetKey, suite_file: Path, severity: Severity, n: int) -> CheckDef:
    scope = ("the rows of this run's files and of files held by earlier runs"
             if raw_spec(asset_key) or mart_batch(asset_key).lineage_column else "the table")

    def body(run: CheckRun) -> CheckOutcome:
        return run_suite(run.warehouse, run.run_id, asset_key, suite_file, severity, con=run.con,
                         held=not run.plan.accept_held_files)

    return CheckDef(asset_key, check_name(severity), f"GX suite {suite_file.name}: {n} {severity} expectation(s) "
                    f"on {scope}.", body, severity=severity, metadata={"suite": suite_file.name, "severity": severity})


def gx_check_defs(expectations_dir: Path) -> list[CheckDef]:
    """One check per (suite file, severity used in it)."""
    checks = []
    for suite_file in suite_files(expectations_dir):
        suite = read_suite(suite_file)
        asset_key = dg.AssetKey(suite_file.stem.split("."))
        for severity in severities(suite):
            n = sum(1 for e in suite["expectations"] if e["meta"]["severity"] == severity)
            checks.append(_gx_check(asset_key, suite_file, severity, n))
    return checks
