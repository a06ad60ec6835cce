"""The publish asset: verify the run's gates itself, then swap `serving.duckdb` atomically.

Dagster's `blocking` asset checks already stop most bad runs earlier, but public reports show
downstream assets running after failing dbt tests, so this step re-reads `audit.check_results`
for its own run and refuses to publish when any `error` check failed (or none was recorded).
"""


from collections.abc import Sequence

import dagster as dg

from orchestration.publish.runs import as_of_of_run, current_rule_version, record_run, run_started_at
from orchestration.publish.serving import write_serving
from orchestration.quality.results import failed_blocking_checks
from orchestration.report import write_report
from orchestration.resources import WarehouseResource

SERVING_KEY = dg.AssetKey(["publish", "serving_database"])


class GateFailed(dg.Failure):
    """Raised when a blocking check of the run failed; the message lists each one."""


def gate_message(failures: Sequence[dict]) -> str:
    lines = [f"{len(failures)} blocking check(s) failed; serving.duckdb was left untouched:"]
    for f in failures:
        lines.append(f"  - {f['asset']} :: {f['check_name']}: observed {f['observed']}; evidence: {f['evidence']}")
    return "\n".join(lines)


def build_publish_asset(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=SERVING_KEY, deps=list(upstream), group_name="publish", kinds={"duckdb"},
              owners=["team:data-platform"],
              description="serving.duckdb (schemas marts, audit) for BI tools: replaced atomically, and only "
                          "when every blocking check of the run passed.")
    def serving_database(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        run_id = context.run_id
        with warehouse.connect() as con:
            failures = failed_blocking_checks(con, run_id)
            recorded = con.execute("select count(*) from audit.check_results where run_id = ?", [run_id]).fetchone()[0]
            as_of, rule_version = as_of_of_run(con), current_rule_version(con)
            if not recorded:
                failures = [{"asset": "publish", "check_name": "checks_recorded", "observed": "no check results",
                             "evidence": "audit.check_results"}]
            if failures:
                record_run(con, run_id, status="failed", as_of=as_of, rule_version=rule_version,
                           started_at=run_started_at(context), message=gate_message(failures))
                raise GateFailed(description=gate_message(failures))
            record_run(con, run_id, status="success", as_of=as_of, rule_version=rule_version, published=True,
                       started_at=run_started_at(context))
        try:
            published = write_serving(warehouse.db_path, warehouse.serving_path, warehouse.threads,
                                      warehouse.memory_limit)
        except Exception as exc:
            with warehouse.connect() as con:
                record_run(con, run_id, status="failed", published=False, message=f"publish failed: {exc}")
            raise
        report = write_report(published.path, published.path.with_name("report.html"))
        context.log.info(f"published {published.path} ({published.bytes:,} bytes) and {report}")
        table = "\n".join(["| table | rows |", "| --- | ---: |"]
                          + [f"| {name} | {rows:,} |" for name, rows in published.tables.items()])
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(published.path)),
            "bytes": published.bytes,
            "report": dg.MetadataValue.path(str(report)),
            "as_of_date": str(as_of),
            "rule_version": str(rule_version),
            "tables": dg.MetadataValue.md(table),
        })

    return serving_database
