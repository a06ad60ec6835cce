"""Every use of a library's private API, in one place, each behind a small function.

The pinned versions (requirements/requirements.lock) are known to work; `tests/test_compat.py`
calls each function, so a pinned upgrade that moves or changes one of them fails loudly there,
not in the middle of a nightly run.

- dagster-dbt: its column-lineage builder (sqlglot over the compiled SQL) and the event history it
  reads; `DbtCliResource`'s CLI-version probe and in-process adapter, which this project skips;
- dagster: serialisation of metadata values (the lineage cache); the SQLite event log storage's
  connection handling and batches (`PooledSqliteEventLogStorage`, selected by the project's dagster.yaml).
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import deserialize_value, serialize_value
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject
from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata, _build_column_lineage_metadata
from packaging import version
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

__all__ = [
    "PooledSqliteEventLogStorage",
    "SkipStartupProbes",
    "WarehouseDbtResource",
    "column_lineage_metadata",
    "deserialize_metadata",
    "serialize_metadata",
]


def column_lineage_metadata(columns: Mapping[str, Any], parents: Mapping[str, Any], props: Mapping[str, Any],
                            manifest: Mapping[str, Any], translator: DagsterDbtTranslator, target_path: Path,
                            project: DbtProject) -> dict[str, Any]:
    """dagster-dbt's `dagster/column_lineage` metadata of one model."""
    history = EventHistoryMetadata(columns=dict(columns), parents=dict(parents))
    return _build_column_lineage_metadata(history, props, manifest, translator, target_path, project)


def serialize_metadata(metadata: dict[str, Any]) -> str:
    return serialize_value(metadata)


def deserialize_metadata(text: str) -> dict[str, Any]:
    return deserialize_value(text, dict)


class SkipStartupProbes:
    """Mixin for a DbtCliResource: no `dbt --version` subprocess (~2.8 s; dbt runs from this
    interpreter's environment, so the installed dbt-core's version is the CLI's) and no in-process
    dbt adapter (~2.2 s; dagster-dbt only uses it for row counts and column types while dbt runs,
    which this project reads once dbt has exited)."""

    @property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


class WarehouseDbtResource(SkipStartupProbes, DbtCliResource):
    """dagster-dbt's CLI resource without the start-up probes this project does not need."""


#: Dagster's `DAGSTER_EVENT_BATCH_SIZE` when the environment does not set it: a run's planned events (one batch,
#: one per asset and check of the run) are stored together; other events come one at a time (batches of one).
EVENT_BATCH_SIZE = "1000"

_LIVE_STORAGES: weakref.WeakSet[PooledSqliteEventLogStorage] = weakref.WeakSet()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log — the same files (`<DAGSTER_HOME>/history/runs/*.db`), schema, WAL
    journal and busy timeout, readable and writable side by side with the stock class (the UI, the
    daemon) — that keeps one SQLAlchemy engine per shard, with its connection open between events.

    The stock class creates a new engine for every connection and disposes of it afterwards, and
    storing one event takes one to three connections (the run's shard, the index shard). Each new
    engine initialises its dialect, and closing a WAL database's last connection checkpoints it: a
    night's ~1,200 events cost seconds of that alone. Here, as upstream, every use of a shard holds the
    storage's lock, so an open connection is used by one thread at a time; it sits outside any
    transaction between uses, so it holds no lock another process could wait for — but while it stores a
    batch (`store_event_batch`: Dagster's planned events at a run's start, a fraction of a second). At most
    `MAX_OPEN_SHARDS` shards keep an engine (least recently used first out), so a long-lived process
    (the daemon, the UI) does not collect one open file per run. A forked child never uses its
    parent's connections (SQLAlchemy's fork rule): it starts with none.

    Configured in dagster.yaml as `event_log_storage` with `dagster_home: {env: DAGSTER_HOME}`.
    """

    MAX_OPEN_SHARDS = 8

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_found: set[str] = set()
        self._batch = threading.local()  # .connections: shard -> Connection while this thread stores a batch
        # Dagster hands a storage batches only when this is set (read at each event); an operator's value wins
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)
        _LIVE_STORAGES.add(self)
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict:
        return {"dagster_home": dg.StringSource}

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Mapping[str, Any]) -> PooledSqliteEventLogStorage:
        return cls(os.path.join(config_value["dagster_home"], "history", "runs"), inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                # pool of one kept connection; _initdb briefly opens a second one (inspect) on a new shard
                engine = create_engine(self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                                       max_overflow=2, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                                                     "check_same_thread": False})
            self._engines[shard] = engine
            while len(self._engines) > self.MAX_OPEN_SHARDS:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            batch = getattr(self._batch, "connections", None)
            if batch is None:
                with engine.connect() as conn, conn.begin():
                    yield conn
                return
            if shard not in batch:  # the batch's one transaction on this shard, committed when the batch ends
                conn = engine.connect()
                conn.begin()
                batch[shard] = conn
            yield batch[shard]

    def store_event_batch(self, events: Sequence[dg.EventLogEntry]) -> None:
        """A batch of events in one transaction per shard: upstream's `store_event` for each, on the batch's
        connections (`_connect`), committed at the end (a run's planned events, ~320 at the start of a night:
        0.79 -> 0.26-0.31 s; one to three commits each otherwise). An error rolls back what was not committed
        and reaches Dagster, which then stores the events one by one (should the index's commit fail after the
        run's succeeded, the run's database holds those events twice: a full disk, which fails the run anyway)."""
        if len(events) < 2 or getattr(self._batch, "connections", None) is not None:
            for event in events:
                self.store_event(event)
            return
        self._batch.connections = {}
        try:
            for event in events:
                self.store_event(event)
            with self._db_lock:
                for conn in self._batch.connections.values():
                    conn.commit()
        finally:
            connections, self._batch.connections = self._batch.connections, None
            with self._db_lock:
                for conn in connections.values():
                    conn.close()  # rolls back what was not committed

    def has_table(self, table_name: str) -> bool:
        """Upstream creates an engine for this on every asset event (`_store_asset_event_tags`); a table
        that exists stays (migrations only add), so a found one is remembered."""
        if table_name in self._tables_found:
            return True
        engine = self._engine(INDEX_SHARD_NAME)  # not under _db_lock: called inside index transactions
        with engine.connect() as conn:
            found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables_found.add(table_name)
        return found

    def close_connections(self, *, close: bool = True) -> None:
        """Dispose of every kept engine (`close=False`: forget them without touching the connections,
        which belong to the parent of a forked child)."""
        with self._engines_lock:
            engines, self._engines = list(self._engines.values()), OrderedDict()
        for engine in engines:
            engine.dispose(close=close)

    def wipe(self) -> None:
        self.close_connections()  # the shards' files are deleted
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self.close_connections()


def _forget_connections_after_fork() -> None:
    for storage in list(_LIVE_STORAGES):
        storage._engines_lock = threading.Lock()
        storage.close_connections(close=False)


os.register_at_fork(after_in_child=_forget_connections_after_fork)
