{#- The raw zone as Spark tables (issue #15). On DuckDB every source is an external Parquet glob
    (meta.external_location, read in place at each build); on Spark each source becomes an external
    Parquet table over the same folders, declared once per build by
    `dbt run-operation register_raw_zone --target spark` (orchestration/scale_out/spark_build.py runs it
    before `dbt build`). Columns and types come from the source ymls, so a feed folder holding only
    `_schema.parquet` (which Spark skips, as every file whose name starts with `_`) still reads, with no rows.
    Locations: `CW_SPARK_RAW_URI` (default <CW_WAREHOUSE_DIR>/raw; a cluster path such as hdfs:// or s3a://
    on a cluster) holds raw/<system>/<feed>/<sha256>/part-*.parquet, read recursively; `audit.load_log`
    (written by DuckDB's ingestion) is read from its Parquet export under `CW_SPARK_LAKE_URI`/audit/load_log. -#}
{% macro register_raw_zone() -%}
    {%- set warehouse = env_var('CW_WAREHOUSE_DIR', '../data/warehouse') -%}
    {%- set raw_uri = env_var('CW_SPARK_RAW_URI', warehouse ~ '/raw') -%}
    {%- set lake_uri = env_var('CW_SPARK_LAKE_URI', warehouse ~ '/lake') -%}
    {%- set sources = graph.sources.values() | selectattr('package_name', 'equalto', project_name) | list -%}
    {%- for source in sources | sort(attribute='unique_id') -%}
        {%- if source.source_name.startswith('raw_') -%}
            {%- set location = raw_uri ~ '/' ~ source.source_name[4:] ~ '/' ~ source.name -%}
        {%- else -%}
            {%- set location = lake_uri ~ '/' ~ source.schema ~ '/' ~ source.name -%}
        {%- endif -%}
        {%- set columns = [] -%}
        {%- for column in source.columns.values() -%}
            {%- do columns.append(column.name ~ ' ' ~ spark_type(column.data_type)) -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists ' ~ source.schema) -%}
        {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.name) -%}
        {%- do run_query('create table ' ~ source.schema ~ '.' ~ source.name ~ ' (' ~ columns | join(', ') ~ ')'
                         ~ " using parquet options (recursiveFileLookup 'true') location '" ~ location ~ "'") -%}
        {%- do log('raw zone: ' ~ source.schema ~ '.' ~ source.name ~ ' -> ' ~ location, info=true) -%}
    {%- endfor -%}
{%- endmacro %}

{#- A type of the source ymls (DuckDB spelling) in Spark's: varchar has no length in DuckDB. -#}
{% macro spark_type(data_type) -%}
    {{- 'string' if data_type | lower in ('varchar', 'text', 'string') else data_type -}}
{%- endmacro %}

{#- One trivial query: `dbt run-operation engine_probe` times dbt's and the engine's start-up. -#}
{% macro engine_probe() -%}
    {%- do run_query('select 1 as probe') -%}
{%- endmacro %}
