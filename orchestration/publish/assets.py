"""The publish asset: the only step that writes `serving.duckdb`, and only when the run may publish.

It re-verifies the run's gate itself (publish/gate.py), then, as the run plan says:
- `full`: a new serving file with every mart and the audit schema;
- `history_only`: the run's as-of date is older than the one serving holds: serving keeps its newer
  marts and gains this date's history rows;
- nothing, when the plan said `skip`: serving already holds the marts these inputs give (built by the
  run `audit.publication` names); the run is recorded in the warehouse's `audit.runs` as a success that
  had nothing to publish, and serving is not copied again.
Every role's file of `publications.yml` (publish/roles.py) is written in the same publish, through the same
gate and swap, and the new files are archived under `published/<run id>/` (control/archive.py).
`audit.runs` says `publishing` before the swap and `success`/published only after the rename and the
fsync; a run killed in between is settled by the next run against what serving holds.
"""


import warnings
from collections.abc import Collection, Sequence
from pathlib import Path

import dagster as dg

from orchestration import audit
from orchestration.audit.writes import utc_now_after
from orchestration.control.plan import PUBLISH_ASSET_PATH, RunPlan
from orchestration.control.resource import RunControlResource
from orchestration.control.serving_state import Publication, file_stamps, free_space
from orchestration.machine_faults import advice
from orchestration.publish.delta import Since, since
from orchestration.publish.gate import gate_message, refusals
from orchestration.publish.roles import load_publications
from orchestration.publish.runs import current_rule_version
from orchestration.publish.serving import PublishedFile, Targets, update_serving, write_serving
from orchestration.report import write_report
from orchestration.resources import WarehouseResource
from orchestration.settings import Publishing

SERVING_KEY = dg.AssetKey(list(PUBLISH_ASSET_PATH))
#: A live serving file with more free space than both of these is written whole, not updated from a copy of it. A
#: night leaves some (the customer-level marts it copies whole replace last night's): ~10 % (95 MB) at L, ~14 % at M,
#: ~38 % of a 26 MB file at S.
MAX_FREE_SHARE = 0.25
MAX_FREE_BYTES = 128 * 1024**2


class GateFailed(dg.Failure):
    """Raised when the run may not publish; the message lists each reason."""


def publication_of(plan: RunPlan, rule_version: str | None) -> Publication:
    """What serving will hold once this run has published; published after what serving holds, whatever the clock
    reads (the archives are kept and pruned in that order)."""
    serving = plan.serving
    now = utc_now_after(serving.published_at if serving is not None else None)
    if serving is not None and serving.as_of and plan.as_of and plan.as_of < serving.as_of:
        return Publication(plan.run_id, serving.as_of, serving.marts_run_id, serving.marts_fingerprint,
                           serving.rule_version, "history_only", now)
    return Publication(plan.run_id, plan.as_of, plan.run_id, plan.inputs_fingerprint, rule_version, "full", now)


def _message(publication: Publication, plan: RunPlan) -> str:
    if publication.kind == "history_only":
        return (f"as-of {plan.as_of} is older than the {publication.as_of} serving holds: its history rows were "
                f"published, the marts of {publication.as_of} kept")
    distrusted = f"; {plan.serving_distrusted}: written whole, not from it" if plan.serving_distrusted else ""
    return f"published the marts of as-of {plan.as_of}{distrusted}"


def _distrusted_history(plan: RunPlan, publication: Publication) -> str:
    """Why a history-only publish does not happen on live files changed after their publish: it would keep their
    marts (of a D this run does not build), so serving must first be published afresh for that D."""
    return (f"{plan.serving_distrusted}. As-of {plan.as_of} is older than the {publication.as_of} serving holds, "
            f"and its history rows would be added to those files as they are now: nothing published. Run "
            f"`run --as-of {publication.as_of}` first (it rebuilds and publishes serving whole), then {plan.as_of} "
            "again; the nightly run does the first by itself")


def build_publish_asset(upstream: Sequence[dg.AssetKey], expected_checks: Collection[tuple[str, str]],
                        partitions_def: dg.PartitionsDefinition | None = None,
                        publishing: Publishing | None = None) -> dg.AssetsDefinition:
    """`expected_checks`: (asset, check name) of every check on the published tables (the gate wants a
    result of each in the run). `publishing`: the roles' files, their mode, keys and archives (settings of the
    code location, like the gates: not run config)."""
    publishing = publishing or Publishing()
    targets = Targets(load_publications(publishing.publications_file), publishing.file_mode, publishing.keys,
                      publishing.keep_published)

    def serving_database(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                         run_control: RunControlResource) -> dg.MaterializeResult:
        plan = run_control.plan
        with warehouse.connect() as con:
            rule_version = current_rule_version(con)
            failures = refusals(con, plan, expected_checks)
            if failures:
                audit.record_run(con, plan.run_id, status="failed", published=False, rule_version=rule_version,
                                 message=gate_message(failures) + advice(f["observed"] for f in failures))
                raise GateFailed(description=gate_message(failures))
            if plan.mode == "skip":
                message = (f"inputs unchanged since run {plan.serving.marts_run_id}: serving.duckdb already holds "
                           "its marts; nothing to publish")
                audit.record_run(con, plan.run_id, status="success", published=False, message=message,
                                 rule_version=plan.serving.rule_version)
                context.log.info(message)
                return dg.MaterializeResult(metadata={"kind": "unchanged", "marts_run_id": plan.serving.marts_run_id,
                                                      "as_of_date": str(plan.serving.as_of)})
            publication = publication_of(plan, rule_version)
            if publication.kind == "history_only" and plan.serving_distrusted:
                message = _distrusted_history(plan, publication)
                audit.record_run(con, plan.run_id, status="failed", published=False, message=message,
                                 rule_version=rule_version)
                raise GateFailed(description=message)
            changed = since(con, plan.serving.marts_run_id, plan.as_of) \
                if plan.serving and not plan.serving_distrusted and warehouse.serving_path.exists() else None
            audit.record_run(con, plan.run_id, status="publishing", rule_version=rule_version, finished=False)
        try:
            published = _publish(warehouse, publication, changed, targets)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            with warehouse.connect() as con:
                audit.record_run(con, plan.run_id, status="failed", published=False,
                                 message=f"publish failed, serving.duckdb left as it was: {error}{advice([error])}")
            raise
        message = _message(publication, plan)
        stamps = file_stamps([published.path, *(role.path for role in published.roles.values())])
        with warehouse.connect() as con:
            audit.record_run(con, plan.run_id, status="success", published=True, message=message,
                             published_files=stamps)
        report = write_report(published.path, published.path.with_name("report.html"))
        context.log.info(f"{message}: {published.path} ({published.bytes:,} bytes) and {report}")
        table = "\n".join(["| table | rows |", "| --- | ---: |"]
                          + [f"| {name} | {rows:,} |" for name, rows in published.tables.items()])
        files = "\n".join(["| role | file | tables |", "| --- | --- | ---: |"]
                          + [f"| {role} | {f.path.name} | {len(f.tables)} |" for role, f in published.roles.items()])
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(published.path)),
            "bytes": published.bytes,
            "role_files": dg.MetadataValue.md(files),
            "archive": dg.MetadataValue.path(str(published.archive)) if published.archive else "not archived",
            "report": dg.MetadataValue.path(str(report)),
            "kind": publication.kind,
            "as_of_date": str(publication.as_of),
            "marts_run_id": publication.marts_run_id,
            "rule_version": str(publication.rule_version),
            "tables": dg.MetadataValue.md(table),
            "changes": dg.MetadataValue.json(published.how or {"*": "copied"}),
        })

    # One as-of date per run, as the dbt assets (transform/assets.py): a backfill over a date range is one run
    # per date. (`backfill_policy` of @asset is a beta parameter: its notice is not a run-time warning.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.asset(
            key=SERVING_KEY, deps=list(upstream), group_name="publish", kinds={"duckdb"}, owners=["team:data-platform"],
            partitions_def=partitions_def,
            backfill_policy=dg.BackfillPolicy.multi_run(1) if partitions_def else None,
            description="serving.duckdb (schemas marts, audit) and every role's file of publications.yml for BI "
                        "tools: replaced atomically, and only when the run built every mart and every blocking check "
                        "of the run passed; archived under published/<run id>/.",
        )(serving_database)


def _publish(warehouse: WarehouseResource, publication: Publication, changed: Since | None,
             targets: Targets) -> PublishedFile:
    """What changed since serving's run when the warehouse knows it (publish/delta.py), else everything. Also
    everything after a build in full since that run, and when the live file is mostly free space (MAX_FREE_SHARE
    and MAX_FREE_BYTES) — but not for a history-only publish, which keeps serving's marts. After a full build the
    facts are copied whole, and copied into a copy of the live file they left their old blocks in it as free
    space: the file grew by the facts' size (1.05 → 1.8 GB at L), and every later night copied and fsynced the
    bigger file. A file grown that way before is written whole once and stays compact."""
    args = (warehouse.db_path, warehouse.serving_path, publication)
    whole = changed is None or (publication.kind != "history_only" and (
        changed.full_refresh or _mostly_free(warehouse.serving_path)))
    if whole:
        return write_serving(*args, warehouse.threads, warehouse.memory_limit, targets=targets)
    return update_serving(*args, changed, warehouse.threads, warehouse.memory_limit, targets=targets)


def _mostly_free(serving_path: Path) -> bool:
    free_bytes, share = free_space(serving_path)
    return free_bytes > MAX_FREE_BYTES and share > MAX_FREE_SHARE
