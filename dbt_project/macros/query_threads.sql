{#- The build's first statement (dbt_project.yml's on-run-start): how many DuckDB threads each of dbt's queries
    may use in this build, when the pipeline says (`CW_DBT_QUERY_THREADS`, set by the dbt step from the run plan:
    all of the warehouse's threads on a full build, its share of them per dbt thread on an incremental one;
    orchestration/transform/assets.py, `dbt_query_threads`). DuckDB's `threads` is a setting of the database
    instance, so it holds for every cursor dbt opens after it. Not in the profile's config_options: the profile is
    part of the hash dbt keeps its parse state under, and a full build between two nights would then cost the
    next night a full parse. Read only when dbt executes (as as_of_date.sql does), so parsing records no
    environment variable. A hand-run dbt (no variable) and Spark keep their profile's threads. -#}
{% macro set_query_threads() -%}
    {{ return(adapter.dispatch('set_query_threads', 'customer_warehouse')()) }}
{%- endmacro %}

{% macro default__set_query_threads() -%}
{%- endmacro %}

{% macro duckdb__set_query_threads() -%}
    {%- set threads = env_var('CW_DBT_QUERY_THREADS', '') if execute else '' -%}
    {%- if threads %}set threads = {{ threads | int }}{% endif -%}
{%- endmacro %}
