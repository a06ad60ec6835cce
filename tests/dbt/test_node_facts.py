"""What a node's materialization shows, from the facts file its post-hook wrote (transform/metadata.py)."""

from __future__ import annotations

import duckdb

from orchestration.transform.metadata import counts_metadata, read_node_facts

NODE = "model.customer_warehouse.customer_tier"


def _write_facts(folder, distributions: str) -> None:
    """A facts file as macros/node_metadata.sql has DuckDB write it."""
    path = folder / f"{NODE}.json"
    with duckdb.connect() as con:
        con.execute(f"""
            copy (
                select [{{'schema': 'marts', 'table': 'customer_tier', 'column': 'tier', 'data_type': 'VARCHAR'}},
                        {{'schema': 'marts', 'table': 'dim_customer', 'column': 'customer_key',
                          'data_type': 'VARCHAR'}}] as columns,
                       20::bigint as row_count,
                       {distributions}::struct("column" varchar, "values" struct(value varchar, n bigint)[])[]
                           as distributions
            ) to '{path}' (format json)""")


def test_tier_shares_are_among_buyers_next_to_the_guideline(tmp_path):
    _write_facts(tmp_path, "[{'column': 'tier', 'values': [{'value': '(none)', 'n': 10}, {'value': 'A', 'n': 1}, "
                           "{'value': 'B', 'n': 3}, {'value': 'C', 'n': 6}]}, "
                           "{'column': 'value_class', 'values': [{'value': '(none)', 'n': 5}, "
                           "{'value': 'core', 'n': 15}]}]")
    facts = read_node_facts(tmp_path, NODE)
    assert facts.columns == {("marts", "customer_tier"): {"tier": {"data_type": "VARCHAR"}},
                             ("marts", "dim_customer"): {"customer_key": {"data_type": "VARCHAR"}}}
    metadata = counts_metadata(facts)
    assert metadata["dagster/row_count"].value == 20
    tier = metadata["distribution_tier"].value
    assert "| A | 1 | 10.0% | 10% |" in tier and "| C | 6 | 60.0% | 60% |" in tier and "(none)" not in tier
    assert "| (none) | 5 | 25.0% |" in metadata["distribution_value_class"].value


def test_a_missing_or_torn_facts_file_gives_no_facts(tmp_path):
    assert read_node_facts(tmp_path, NODE) is None
    _write_facts(tmp_path, "[]")
    whole = (tmp_path / f"{NODE}.json").read_text()
    assert read_node_facts(tmp_path, NODE).distributions == {}
    (tmp_path / f"{NODE}.json").write_text(whole[: len(whole) // 2])
    assert read_node_facts(tmp_path, NODE) is None
    (tmp_path / f"{NODE}.json").write_text('{"columns": [{"schema": "marts"}]}')  # not what the hook writes
    assert read_node_facts(tmp_path, NODE) is None
