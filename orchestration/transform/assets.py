"""dbt models as Dagster assets (dagster-dbt), partitioned by the as-of date D: one `dbt build` per run.

The step only runs dbt, as the run plan says (control/plan.py): in full (`--full-refresh`: first build,
changed dbt project, `--rebuild`), incrementally, or not at all when nothing changed (`skip`: see
carry_over.py). D and the run id reach dbt as environment variables (`CW_AS_OF`, `CW_RUN_ID`; see
dbt_project/macros/as_of_date.sql), not `--vars`, which would cost a full re-parse every run, and so does the
run whose build an incremental run builds on (`CW_VERIFIED_BUILD`: the gate tests of the growing tables read
the rows written since; dbt_project/macros/testing/verified_scope.sql). Each run writes dbt's artifacts to its
own target folder (`target/runs/<run id>`), the evidence of its dbt tests; it starts from the parse state the
last run on the same warehouse and the same project files left (parse_state.py), and a build whose parse lacks
a node of the code location's manifest is not a successful build. Each node is reported to Dagster as dbt
finishes it, in dbt's order (every node after its parents, every test after its model), with the facts the node
wrote about itself (transform/metadata.py); every dbt test result is also written to `audit.check_results` once
dbt has exited (dbt holds the DuckDB file while it runs).
"""


import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration import audit
from orchestration.control.fingerprint import dbt_code_fingerprint
from orchestration.control.plan import RunPlan
from orchestration.control.resource import RunControlResource
from orchestration.quality.carry_over import carried_over_events
from orchestration.resources import WarehouseResource
from orchestration.settings import DBT_RUN_TARGETS, run_target, secret_names
from orchestration.transform import parse_state
from orchestration.transform.lineage import LineageCache, column_lineage, columns_of
from orchestration.transform.metadata import column_schema, counts_metadata, read_node_facts
from orchestration.transform.project import DBT_PROJECT, TRANSLATOR, dbt_resource, ensure_manifest, lost_nodes

PUBLISHED_LAYERS = ("marts", "audit")
# Same asset keys as TRANSLATOR, without code references (the lineage builder asks for specs per column).
LINEAGE_TRANSLATOR = type(TRANSLATOR)()
# Unit tests are for `make test`; a nightly run builds models and runs data tests only.
DBT_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]
#: Each run's dbt artifacts (settings.run_target): the newest KEEP_RUN_TARGETS are kept.
KEEP_RUN_TARGETS = 10
#: dbt's own file log (dbt_project/logs/dbt.log) is off unless the environment sets DBT_LOG_LEVEL_FILE: at its
#: default (debug) every event of every node is written there (~4.5 MB a night), ~1.2-1.5 s of each dbt run;
#: the run's log (warehouse logs/run-*.log) has dbt's output, and target/runs/<run id> its results and SQL.
DBT_FILE_LOG_LEVEL = "none"
#: Where each node of a run writes its facts (macros/node_metadata.sql), inside the run's dbt target folder.
NODE_FACTS = "node_facts"
#: dbt's own threads when CW_DBT_THREADS is unset: profiles.yml's default (a test keeps the two equal).
DBT_THREADS_DEFAULT = 2


def dbt_query_threads(warehouse_threads: int, full: bool, dbt_threads: str | None = None) -> int:
    """The DuckDB threads each of dbt's queries may use (`CW_DBT_QUERY_THREADS`, which the build's first statement
    reads: macros/query_threads.sql). A full build gives every query all of the warehouse's threads: its longest
    nodes (the order lines' staging and fact) are its critical path. An incremental build shares them among dbt's
    threads (`dbt_threads`, CW_DBT_THREADS): its ~50 mid-sized models keep dbt's threads busy side by side, and
    DuckDB parallelising inside each of them too only oversubscribed the cores (docs/decisions.md, "dbt
    invocation")."""
    if full:
        return warehouse_threads
    try:
        sharing = max(1, int(dbt_threads or DBT_THREADS_DEFAULT))
    except ValueError:  # not a whole number (profiles.yml's `| int` renders it 0): nothing to share with
        sharing = 1
    return max(1, warehouse_threads // sharing)


@contextmanager
def dbt_environment(warehouse: WarehouseResource, plan: RunPlan, node_facts: Path | None = None) -> Iterator[None]:
    """The environment the dbt subprocess starts with (dagster-dbt copies `os.environ` when it starts
    dbt): its connection (profiles.yml), the run context (macros) and where its nodes write their facts
    (none written without `node_facts`), and no secret. Restored as soon as the subprocess has started."""
    wanted = {"CW_WAREHOUSE_DIR": str(warehouse.root.resolve()), "CW_DUCKDB_THREADS": str(warehouse.threads),
              "CW_DUCKDB_MEMORY_LIMIT": warehouse.memory_limit, "CW_AS_OF": plan.as_of.isoformat(),
              "CW_RUN_ID": plan.run_id, "CW_DBT_PARENT_PID": str(os.getpid()),  # (dbt_child.py)
              # the build whose tests verified what this one builds on (macros/testing/verified_scope.sql)
              "CW_VERIFIED_BUILD": plan.verified_build or "",
              "CW_NODE_METADATA_DIR": str(node_facts or ""),
              "CW_DBT_QUERY_THREADS": str(dbt_query_threads(warehouse.threads, plan.mode == "full",
                                                            os.environ.get("CW_DBT_THREADS"))),
              "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or DBT_FILE_LOG_LEVEL}
    secrets = secret_names()
    before = {k: os.environ.get(k) for k in [*wanted, *secrets]}
    os.environ.update(wanted)
    for name in secrets:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _prune_run_targets(keep: int = KEEP_RUN_TARGETS) -> None:
    folder = DBT_PROJECT.project_dir / DBT_RUN_TARGETS
    if not folder.is_dir():
        return
    runs = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _check_row(result: dg.AssetCheckResult, target: Path) -> Mapping[str, object]:
    metadata = result.metadata or {}
    failures = metadata.get("dagster_dbt/failed_row_count")
    observed = f"{failures.value} failing rows" if failures is not None else ("passed" if result.passed else "failed")
    severity = "warn" if result.severity == dg.AssetCheckSeverity.WARN else "error"
    return {
        "asset": result.asset_key.to_user_string() if result.asset_key else "dbt",
        "check_name": result.check_name or "dbt_test",
        "severity": severity,
        "passed": bool(result.passed),
        "observed": observed,
        "evidence": f"dbt test {result.check_name}: its SQL is under dbt_project/{target}/compiled, its result in "
                    f"dbt_project/{target}/run_results.json",
    }


def _event_key(context: dg.AssetExecutionContext, event) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    return getattr(event, "asset_key", None)


def _with_metadata(context: dg.AssetExecutionContext, event, manifest, node_facts: Path, cache, plan: RunPlan,
                   target: Path):
    """The same event, its metadata extended with column lineage, column types, a table's row count, a mart's
    class distributions (from the facts the node wrote as dbt built it) and the fingerprint of the run's
    inputs."""
    key = _event_key(context, event)
    if not isinstance(event, dg.Output) or key is None:
        return event
    unique_id = event.metadata.get("unique_id")
    unique_id = unique_id.value if unique_id else ""
    facts = read_node_facts(node_facts, unique_id)
    extra = {}
    if facts is None:  # its post-hook did not run (the project's dbt_project.yml lacks it): no lineage, no counts
        context.log.warning(f"{unique_id} wrote no facts in {node_facts}: its materialization has no column "
                            "lineage or row count")
    else:
        extra.update(column_lineage(unique_id, manifest, facts.columns, LINEAGE_TRANSLATOR, DBT_PROJECT,
                                    DBT_PROJECT.project_dir / target, cache))
        node = manifest["nodes"][unique_id]
        extra.update(column_schema(columns_of(node, facts.columns), node.get("columns") or {}))
        extra.update(counts_metadata(facts))
    extra["cw/rebuilt"] = True
    extra["cw/inputs_fingerprint"] = plan.inputs_fingerprint
    return event.with_metadata({**event.metadata, **extra})


def topological(deps: Mapping[dg.AssetKey, Iterable[dg.AssetKey]]) -> list[dg.AssetKey]:
    """The keys of `deps` (key -> its upstream keys), every key after its upstream keys (Dagster wants a
    multi-asset's outputs in that order)."""
    order: list[dg.AssetKey] = []
    seen: set[dg.AssetKey] = set()

    def visit(key: dg.AssetKey) -> None:
        if key in seen:
            return
        seen.add(key)
        for parent in sorted(deps.get(key, ()), key=lambda k: k.path):
            if parent in deps:
                visit(parent)
        order.append(key)

    for key in sorted(deps, key=lambda k: k.path):
        visit(key)
    return order


def build_dbt_assets(partitions_def: dg.PartitionsDefinition,
                     published: Sequence[dg.AssetKey] | None = None) -> dg.AssetsDefinition:
    @dbt_assets(manifest=ensure_manifest(), project=DBT_PROJECT, dagster_dbt_translator=TRANSLATOR,
                partitions_def=partitions_def, backfill_policy=dg.BackfillPolicy.multi_run(1))
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                   run_control: RunControlResource):
        plan = run_control.plan
        if plan.as_of is None or context.partition_key != plan.as_of.isoformat():
            raise dg.Failure(f"the run plan's as-of date ({plan.as_of}) is not this step's partition "
                             f"({context.partition_key})")
        if plan.mode == "skip":
            context.log.info(f"nothing to rebuild: {plan.mode_reason}")
            keys = [k for k in topological(context.assets_def.asset_deps)
                    if k.path[0] in PUBLISHED_LAYERS and (published is None or k in published)]
            with warehouse.connect() as con:
                events = list(carried_over_events(context, con, plan, keys))
            yield from events
            return
        yield from _build(context, dbt, warehouse, plan)

    return dbt_models


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, plan: RunPlan):
    full = plan.mode == "full"
    context.log.info(f"dbt build for as-of date {plan.as_of} ({plan.mode}: {plan.mode_reason})")
    target = run_target(plan.run_id)
    states = DBT_PROJECT.project_dir / parse_state.STATES
    project = plan.dbt_fingerprint or dbt_code_fingerprint()  # the dbt project's files, as the plan read them
    node_facts = DBT_PROJECT.project_dir / target / NODE_FACTS
    shutil.rmtree(node_facts, ignore_errors=True)  # only this build's facts
    node_facts.mkdir(parents=True)
    with dbt_environment(warehouse, plan, node_facts):
        profile = parse_state.profile_key(os.environ)
        restored = parse_state.restore(states, profile, project, DBT_PROJECT.project_dir / target)
        if not restored:  # nor from the state dagster-dbt would copy from the code location's target/
            context.log.info("dbt parses the project in full: no run on this warehouse saved a parse state of "
                             "these project files")
        args = [*DBT_BUILD_ARGS, *(["--full-refresh"] if full else []), *([] if restored else ["--no-partial-parse"])]
        invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=target)
    # Each event is yielded as dbt reports its node: dbt's order is the one Dagster wants (a node after its
    # parents, a test after its model), and the node's facts are already written (its post-hook).
    cache = LineageCache(DBT_PROJECT.project_dir / DBT_PROJECT.target_path / "column_lineage_cache.json", project)
    checks: list[Mapping[str, object]] = []
    try:
        for event in invocation.stream():
            if isinstance(event, dg.AssetCheckResult):
                checks.append(_check_row(event, target))
            yield _with_metadata(context, event, invocation.manifest, node_facts, cache, plan, target)
    finally:  # never leave a dbt process behind holding the DuckDB file (e.g. on a manifest error)
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait(timeout=30)
    lost = lost_nodes(DBT_PROJECT.project_dir / target / "manifest.json", invocation.manifest)
    if lost:  # dbt did not build them: the state it started from is not used again
        parse_state.forget(states, profile, project)
        context.log.error(f"dbt's parse in this run lacks {len(lost)} node(s) of the project ({', '.join(lost[:5])}"
                          f"{', ...' if len(lost) > 5 else ''}): they were not built and nothing is published. The "
                          "next run parses the project in full; if the project was edited since the code location "
                          "loaded, reload it first (the UI's Reload, or a new CLI run)")
    else:
        parse_state.keep(states, profile, project, DBT_PROJECT.project_dir / target)
    cache.save()
    ok = invocation.is_successful() and not lost
    with warehouse.connect() as con:
        # a subset (some models picked in the UI) does not vouch for the incremental models it left out
        results = Path(target) / "run_results.json"
        audit.record_dbt_results(con, context.run_id, checks, built=ok, whole_project=not context.is_subset,
                                 evidence=f"dbt_project/{results}",
                                 errors="" if ok else node_errors(DBT_PROJECT.project_dir / results))
    _prune_run_targets()
    if not ok:
        context.log.error("dbt build reported errors; the publish step will refuse to publish this run")


def build_transform_defs(partitions_def: dg.PartitionsDefinition,
                         published: Sequence[dg.AssetKey] | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[build_dbt_assets(partitions_def, published)],
        resources={"dbt": dbt_resource()},
    )


def node_errors(run_results: Path) -> str:
    """The nodes dbt reported in error (not a failed data test: those are checks of their own), each with the
    last line of its message (the database's words, below dbt's "Runtime Error in model ..."), e.g.
    "int_customer_purchase_mix: IO Error: ... No space left on device": what the operator reads in the
    `dbt_build_succeeded` failure, and where a machine fault's remedy is found."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    except (OSError, ValueError):
        return ""
    named = []
    for result in results:
        lines = [line.strip() for line in (result.get("message") or "").splitlines() if line.strip()]
        if result.get("status") == "error" and lines:
            named.append(f"{result['unique_id'].rsplit('.', 1)[-1]}: {lines[-1]}")
    return "; ".join(named)
