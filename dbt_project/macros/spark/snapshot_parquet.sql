{#- dbt snapshots on Spark Parquet tables (issue #15). dbt-spark's snapshot MERGEs into the table, which
    only Delta, Iceberg and Hudi tables support; their jars are not in pyspark (Maven only), so the lake is
    Parquet (docs/decisions.md, "Scale-out"). This materialization computes the same result as that MERGE
    (close the current version of every updated or deleted key, append the new versions: dbt's own
    snapshot staging rows decide which) into a scratch Parquet table, then rewrites the snapshot from it:
    a snapshot is a dimension (one row per customer version), small enough to rewrite whole.
    A Delta/Iceberg/Hudi table keeps dbt-spark's own MERGE. -#}
{% materialization snapshot, adapter='spark' %}
    {%- set file_format = config.get('file_format') or 'parquet' -%}
    {%- set strategy_name = config.get('strategy') -%}
    {%- set target_relation_exists, target_relation = get_or_create_relation(
            database=none, schema=model.schema, identifier=model.get('alias', model.get('name')), type='table') -%}

    {% if not adapter.check_schema_exists(model.database, model.schema) %}
        {% do create_schema(model.schema) %}
    {% endif %}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% set strategy_macro = strategy_dispatch(strategy_name) %}
    {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}

    {% if not target_relation_exists %}
        {% set final_sql = create_table_as(False, target_relation, build_snapshot_table(strategy, model['compiled_code'])) %}
        {% call statement('main') %}{{ final_sql }}{% endcall %}
    {% elif file_format in ['delta', 'iceberg', 'hudi'] %}
        {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}
        {% set insert_cols = adapter.get_columns_in_relation(target_relation) | map(attribute='quoted') | list %}
        {% call statement('main') %}
            {{ snapshot_merge_sql(target=target_relation, source=staging_table, insert_cols=insert_cols) }}
        {% endcall %}
    {% else %}
        {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}
        {{ adapter.valid_snapshot_target(target_relation, columns) }}
        {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}
        {% set target_columns = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | list %}
        {% set next_relation = target_relation.incorporate(path={'identifier': target_relation.identifier ~ '__dbt_next'}) %}
        {% call statement('build_next_snapshot') %}
            drop table if exists {{ next_relation }}
        {% endcall %}
        {% call statement('main') %}
            create table {{ next_relation }} using parquet as
            select
                {%- for column in target_columns %}
                {% if column == columns.dbt_valid_to -%}
                case when changes.{{ columns.dbt_scd_id }} is not null then changes.{{ columns.dbt_valid_to }}
                     else snapshotted.{{ column }} end as {{ column }}
                {%- else -%}
                snapshotted.{{ column }}
                {%- endif %}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ target_relation }} as snapshotted
            left join (
                select {{ columns.dbt_scd_id }}, {{ columns.dbt_valid_to }}
                from {{ staging_table }}
                where dbt_change_type in ('update', 'delete')
            ) as changes
                on changes.{{ columns.dbt_scd_id }} = snapshotted.{{ columns.dbt_scd_id }}
                and snapshotted.{{ columns.dbt_valid_to }} is null
            union all
            select {{ target_columns | join(', ') }}
            from {{ staging_table }}
            where dbt_change_type = 'insert'
        {% endcall %}
        {% call statement('rewrite_snapshot') %}
            insert overwrite table {{ target_relation }} select * from {{ next_relation }}
        {% endcall %}
        {% do adapter.drop_relation(next_relation) %}
    {% endif %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {% if staging_table is defined %}
        {% do post_snapshot(staging_table) %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
