"""Whole tables are copied into the new serving file two at a time: every table arrives complete, and a
copy that fails fails the publish (the caller then discards the file)."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.publish.copying import copy_tables


@pytest.fixture
def con(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(wh)) as setup:
        setup.execute("create schema marts")
        for i in range(7):  # different sizes, so the two workers take them in a different order than listed
            setup.execute(f"create table marts.t{i} as select range as id, 'row ' || range as label "
                          f"from range({(i + 1) * 20_000})")
    con = duckdb.connect(config={"threads": 2})
    con.execute(f"attach '{wh}' as wh (read_only)")
    con.execute(f"attach '{tmp_path / 'serving.duckdb'}' as srv")
    con.execute("create schema srv.marts")
    yield con
    con.close()


def test_every_table_arrives_whole(con):
    tables = [("marts", f"t{i}") for i in range(7)]
    copy_tables(con, tables, workers=2)
    for _, table in tables:
        assert con.execute(f"select count(*), sum(id), count(distinct label) from srv.marts.{table}").fetchone() == \
            con.execute(f"select count(*), sum(id), count(distinct label) from wh.marts.{table}").fetchone()


def test_a_failed_copy_fails_the_publish(con):
    con.execute("create table srv.marts.t3 (id bigint)")  # a copy cannot create it
    with pytest.raises(duckdb.CatalogException, match="t3"):
        copy_tables(con, [("marts", f"t{i}") for i in range(7)], workers=2)
