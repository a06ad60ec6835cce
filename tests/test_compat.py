"""Every private API the project uses (orchestration/compat.py) still works with the pinned versions:
a pinned upgrade that moves one of them fails here, loudly, rather than in a nightly run."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import pytest
from dagster._core.events import StepMaterializationData
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from sqlalchemy import Engine, event

from orchestration import compat
from orchestration.transform.project import DBT_PROJECT, TRANSLATOR, dbt_resource
from tests.conftest import project_dagster_home


def test_the_dbt_resource_skips_its_startup_probes():
    resource = dbt_resource()
    assert isinstance(resource, compat.SkipStartupProbes)
    assert resource._cli_version.major == 1
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_metadata_survives_the_round_trip():
    lineage = dg.TableColumnLineage({"a": [dg.TableColumnDep(asset_key=dg.AssetKey(["x"]), column_name="b")]})
    metadata = {"dagster/column_lineage": lineage}
    assert compat.deserialize_metadata(compat.serialize_metadata(metadata)) == metadata


def test_the_column_lineage_builder_reads_a_compiled_model(tmp_path, dbt_manifest):
    """dagster-dbt's sqlglot lineage on a model of this project (its compiled SQL in a scratch target)."""
    manifest = dbt_manifest
    unique_id = "model.customer_warehouse.dim_customer"
    props = manifest["nodes"][unique_id]
    compiled = tmp_path / "compiled" / props["package_name"] / props["original_file_path"]
    compiled.parent.mkdir(parents=True)
    parent = manifest["nodes"]["model.customer_warehouse.int_customers"]
    compiled.write_text(f"select customer_key, customer_name from {parent['relation_name']}")
    columns = {"customer_key": {"data_type": "varchar"}, "customer_name": {"data_type": "varchar"}}
    metadata = compat.column_lineage_metadata(columns, {parent["relation_name"]: columns}, props, manifest,
                                              type(TRANSLATOR)(), tmp_path, DBT_PROJECT)
    deps = metadata["dagster/column_lineage"].deps_by_column["customer_name"]
    assert {d.asset_key for d in deps} == {dg.AssetKey(["intermediate", "int_customers"])}


# --- the event log storage of the project's dagster.yaml ---------------------------------------------

@dg.asset
def _probe() -> int:
    return 1


def _instance_with_project_config(home, monkeypatch) -> dg.DagsterInstance:
    monkeypatch.setenv("DAGSTER_HOME", str(project_dagster_home(home)))
    return dg.DagsterInstance.get()


def _materializations(storage, run_id: str) -> int:
    materialization = dg.DagsterEventType.ASSET_MATERIALIZATION
    return sum(1 for e in storage.get_logs_for_run(run_id) if e.dagster_event_type == materialization)


def _latest_materialization_run(storage) -> str:
    return storage.get_latest_materialization_events([dg.AssetKey("_probe")])[dg.AssetKey("_probe")].run_id


def test_the_pooled_event_log_shares_its_files_with_dagsters_own(tmp_path, monkeypatch):
    """The UI and the daemon may read and write the same event log with Dagster's stock class: each
    side sees what the other wrote, while the pooled one keeps its connections open."""
    instance = _instance_with_project_config(tmp_path, monkeypatch)
    pooled = instance.event_log_storage
    assert isinstance(pooled, compat.PooledSqliteEventLogStorage)
    ours = dg.materialize([_probe], instance=instance).run_id
    stock = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    assert _materializations(stock, ours) == 1
    assert _latest_materialization_run(stock) == ours

    theirs = "0" * 8 + "-0000-0000-0000-" + "0" * 12
    stock.store_event(dg.EventLogEntry(
        error_info=None, level="INFO", user_message="", run_id=theirs, timestamp=time.time(),
        dagster_event=dg.DagsterEvent(dg.DagsterEventType.ASSET_MATERIALIZATION.value, "job",
                                      event_specific_data=StepMaterializationData(dg.AssetMaterialization("_probe")))))
    assert _materializations(pooled, theirs) == 1
    assert _latest_materialization_run(pooled) == theirs
    instance.dispose()


def test_the_pooled_event_log_keeps_few_databases_open(tmp_path):
    storage = compat.PooledSqliteEventLogStorage(str(tmp_path))
    run_ids = [f"{i:08d}-0000-0000-0000-000000000000" for i in range(storage.MAX_OPEN_SHARDS + 4)]
    for run_id in run_ids:
        storage.store_event(dg.EventLogEntry(error_info=None, level="INFO", user_message="hello", run_id=run_id,
                                             timestamp=time.time()))
    assert len(storage._engines) <= storage.MAX_OPEN_SHARDS
    assert [e.user_message for e in storage.get_logs_for_run(run_ids[0])] == ["hello"]  # reopened
    storage.dispose()
    assert not storage._engines


def test_a_forked_child_writes_with_its_own_connections(tmp_path):
    storage = compat.PooledSqliteEventLogStorage(str(tmp_path))
    run_id = "00000000-0000-0000-0000-000000000001"
    storage.store_event(dg.EventLogEntry(error_info=None, level="INFO", user_message="parent", run_id=run_id,
                                         timestamp=time.time()))
    pid = os.fork()
    if pid == 0:  # the child: none of the parent's connections, and its own work reaches the file
        status = 1
        try:
            if not storage._engines:
                storage.store_event(dg.EventLogEntry(error_info=None, level="INFO", user_message="child",
                                                     run_id=run_id, timestamp=time.time()))
                status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [e.user_message for e in storage.get_logs_for_run(run_id)] == ["parent", "child"]
    storage.dispose()


def _materialization(run_id: str, key: str) -> dg.EventLogEntry:
    return dg.EventLogEntry(
        error_info=None, level="INFO", user_message="", run_id=run_id, timestamp=time.time(),
        dagster_event=dg.DagsterEvent(dg.DagsterEventType.ASSET_MATERIALIZATION.value, "job",
                                      event_specific_data=StepMaterializationData(dg.AssetMaterialization(key))))


@contextmanager
def _commits() -> Iterator[list[int]]:
    """Every commit of every SQLAlchemy connection while the block runs."""
    counted = [0]

    def commit(conn) -> None:
        counted[0] += 1

    event.listen(Engine, "commit", commit)
    try:
        yield counted
    finally:
        event.remove(Engine, "commit", commit)


def test_a_batch_of_events_is_stored_in_one_transaction_per_shard(tmp_path):
    """A run's planned events come as one batch: stored as upstream stores each, in one commit per shard."""
    storage = compat.PooledSqliteEventLogStorage(str(tmp_path))
    run_id = "00000000-0000-0000-0000-000000000002"
    storage.store_event(_materialization(run_id, "_probe_first"))  # both shards' files and tables made
    with _commits() as commits:
        storage.store_event_batch([_materialization(run_id, f"_probe_{i}") for i in range(5)])
    assert commits == [2]  # the run's shard and the index shard
    with _commits() as commits:  # after a batch: one at a time again
        storage.store_event(_materialization(run_id, "_probe_single"))
    assert commits == [2]
    assert _materializations(storage, run_id) == 7
    latest = storage.get_latest_materialization_events([dg.AssetKey(f"_probe_{i}") for i in range(5)])
    assert {event.run_id for event in latest.values()} == {run_id}
    storage.dispose()


def test_a_batch_that_fails_stores_none_of_its_events(tmp_path, monkeypatch):
    storage = compat.PooledSqliteEventLogStorage(str(tmp_path))
    run_id = "00000000-0000-0000-0000-000000000003"
    original, stored = storage._store_asset_event, []

    def third_fails(conn, event, event_id):
        stored.append(event)
        if len(stored) == 3:
            raise OSError("disk full")
        return original(conn, event, event_id)

    monkeypatch.setattr(storage, "_store_asset_event", third_fails)
    with pytest.raises(OSError):
        storage.store_event_batch([_materialization(run_id, f"_probe_{i}") for i in range(5)])
    assert storage.get_logs_for_run(run_id) == []
    assert not storage.get_latest_materialization_events([dg.AssetKey("_probe_0")]).get(dg.AssetKey("_probe_0"))
    storage.store_event_batch([_materialization(run_id, "_probe_0"), _materialization(run_id, "_probe_1")])
    assert _materializations(storage, run_id) == 2  # the storage is usable again
    storage.dispose()


def test_a_runs_planned_events_reach_the_pooled_event_log_as_one_batch(tmp_path, monkeypatch):
    """With the project's dagster.yaml, Dagster hands the storage a run's planned events together (its
    DAGSTER_EVENT_BATCH_SIZE, which the storage sets when the environment does not)."""
    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    instance = _instance_with_project_config(tmp_path, monkeypatch)
    batches = []
    original = instance.event_log_storage.store_event_batch
    monkeypatch.setattr(instance.event_log_storage, "store_event_batch",
                        lambda events: (batches.append(len(events)), original(events)))

    @dg.asset
    def _downstream(_probe: int) -> int:
        return _probe + 1

    run_id = dg.materialize([_probe, _downstream], instance=instance).run_id
    assert batches == [2]
    planned = instance.event_log_storage.get_logs_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    assert len(planned) == 2
    instance.dispose()
