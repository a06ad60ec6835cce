"""The working warehouse's connections: what a connection wrote is in the write-ahead log until the run's last
connection checkpoints it, and every later connection reads it (read-only ones too)."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.resources import WarehouseDamaged, WarehouseResource


def test_writes_stay_in_the_log_until_a_checkpointing_connection_closes(tmp_path):
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path), threads=1, memory_limit="256MB")
    wal = warehouse.db_path.with_name(warehouse.db_path.name + ".wal")
    with warehouse.connect() as con:
        con.execute("create table audit.probe as select 42 as answer")
    assert wal.exists()  # not checkpointed into the file on close
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select answer from audit.probe").fetchall() == [(42,)]
    with duckdb.connect(":memory:") as con:  # as the publish step reads it
        con.execute(f"attach '{warehouse.db_path}' as wh (read_only)")
        assert con.execute("select answer from wh.audit.probe").fetchall() == [(42,)]
    with warehouse.connect() as con:
        con.execute("insert into audit.probe values (43)")
    assert wal.exists()

    with warehouse.connect(checkpoint=True) as con:  # the run's last connection (control/resource.py)
        assert con.execute("select count(*) from audit.probe").fetchone() == (2,)
    assert not wal.exists()
    with duckdb.connect(str(warehouse.db_path), read_only=True) as con:
        assert con.execute("select sum(answer) from audit.probe").fetchone() == (85,)


@pytest.mark.parametrize("damage", ["blocks", "header", "truncated"])
def test_a_damaged_warehouse_is_named_damaged_with_the_way_to_rebuild_it_not_busy(tmp_path, damage):
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path), threads=1, memory_limit="256MB")
    with warehouse.connect(checkpoint=True) as con:
        con.execute("create table audit.probe as select range as n, repeat('x', 200) as text from range(50000)")
    size = warehouse.db_path.stat().st_size
    with warehouse.db_path.open("r+b") as file:
        if damage == "truncated":
            file.truncate(size // 2)
        else:  # past DuckDB's 12 KB of headers, its blocks (the catalog among them); or the header itself
            file.seek(12288 if damage == "blocks" else 0)
            file.write(bytes(range(256)) * ((size - 12288) // 256 if damage == "blocks" else 16))
    expected = (r"cannot be read as a database \(IO Error: .*\)\. serving.duckdb is untouched.*"
                r"\(mv warehouse\.duckdb warehouse\.duckdb\.damaged")
    with pytest.raises(WarehouseDamaged, match=expected), warehouse.connect() as con:
        con.execute("select count(*) from audit.probe").fetchone()
