"""An in-memory DuckDB of a run spills beside the warehouse, never into the process's working directory."""

from __future__ import annotations

import threading

from orchestration.spill import SPILL_GLOB, ScratchDuckDB

#: sorting these rows needs well over the 50MB limit below, so DuckDB must spill (~1 s)
SPILLING_QUERY = "select count(*) from (select i, md5(cast(i as varchar)) as m from range(2000000) t(i) order by m)"


def test_a_query_over_the_memory_limit_spills_into_the_warehouse_and_cleans_up(tmp_path, monkeypatch):
    started_in, warehouse = tmp_path / "cron_cwd", tmp_path / "warehouse"
    started_in.mkdir()
    warehouse.mkdir()
    monkeypatch.chdir(started_in)
    seen: list[str] = []
    stop = threading.Event()

    def watch():  # the spill folder exists only while the database is open
        while not stop.is_set() and not seen:
            seen.extend(p.name for p in warehouse.glob(SPILL_GLOB))
            stop.wait(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    con = ScratchDuckDB(1, "50MB", warehouse).connect()
    try:
        assert con.execute(SPILLING_QUERY).fetchone() == (2_000_000,)
    finally:
        con.close()
        stop.set()
        watcher.join()
    assert seen, "DuckDB did not spill into the warehouse directory"
    assert list(started_in.iterdir()) == []  # no `.tmp` where the process was started
    assert list(warehouse.glob(SPILL_GLOB)) == []  # DuckDB removed its folder on close
