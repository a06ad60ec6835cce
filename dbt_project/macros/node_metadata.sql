{#- What a node's Dagster materialization shows, written by the node itself (a post-hook of every model,
    seed and snapshot: dbt_project.yml) so that the Dagster step can report the node while dbt still runs
    (orchestration/transform/metadata.py). dbt holds the DuckDB file until it exits, so these can
    only be read in dbt's own connection:
    - the columns of the relation and of the relations it selects from (the column lineage's input);
    - its row count, when it is a table;
    - the distribution of each of its class columns (`meta: class_columns` in the model's yml).
    One JSON file per node, `<CW_NODE_METADATA_DIR>/<unique id>.json`, written with DuckDB's COPY. Nothing
    happens when the variable is unset (dbt run by hand, the dbt tests) or on Spark. -#}
{% macro node_metadata() -%}
    {{ return(adapter.dispatch('node_metadata', 'customer_warehouse')()) }}
{%- endmacro %}

{% macro default__node_metadata() -%}
{%- endmacro %}

{% macro duckdb__node_metadata() -%}
    {#- read only when dbt executes: an environment variable read while parsing is recorded, and its new value
        in every run would make dbt parse every node again (see as_of_date.sql) -#}
    {%- set folder = env_var('CW_NODE_METADATA_DIR', '') if execute else '' -%}
    {%- if folder -%}
        {%- set relations = [(this.schema, this.identifier)] -%}
        {%- for parent_id in model.depends_on.nodes if parent_id in graph.nodes -%}
            {%- set parent = graph.nodes[parent_id] -%}
            {%- do relations.append((parent.schema, parent.alias or parent.name)) -%}
        {%- endfor -%}
        {%- set is_table = config.get('materialized') != 'view' -%}
        {%- set target_file = folder ~ '/' ~ model.unique_id ~ '.json' -%}
copy (
    select
        (
            select list(
                {'schema': table_schema, 'table': table_name, 'column': column_name, 'data_type': data_type}
                order by table_schema, table_name, ordinal_position
            )
            from information_schema.columns
            where table_catalog = current_database()
              and (table_schema, table_name) in (
                {%- for schema, name in relations %}({{ node_metadata_literal(schema) }}, {{ node_metadata_literal(name) }}){{ ', ' if not loop.last }}{% endfor -%}
              )
        ) as columns,
        {{ '(select count(*) from ' ~ this ~ ')' if is_table else 'null' }} as row_count,
        [
            {%- for column in (config.get('meta') or {}).get('class_columns', []) %}
            {
                'column': {{ node_metadata_literal(column) }},
                'values': (
                    select list({'value': value, 'n': n} order by value)
                    from (
                        select coalesce(cast({{ adapter.quote(column) }} as varchar), '(none)') as value, count(*) as n
                        from {{ this }}
                        group by 1
                    )
                )
            }{{ ',' if not loop.last }}
            {%- endfor %}
        ]::struct("column" varchar, "values" struct(value varchar, n bigint)[])[] as distributions
) to {{ node_metadata_literal(target_file) }} (format json)
    {%- endif -%}
{%- endmacro %}

{% macro node_metadata_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}
