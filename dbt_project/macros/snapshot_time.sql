{#- The time a snapshot stamps its versions with (dbt's `snapshot_get_time`, dispatched for DuckDB): the clock, but
    never earlier than a stamp the snapshot already holds (one microsecond after the newest). A clock set back
    between two builds (a time sync after a reboot) would otherwise open a customer's new version before the
    one it closes, and the history's validity intervals would overlap (docs/decisions.md, "Run control", "The
    clock set back"). The floor is read in the statement itself; on the first build there is no table yet. -#}
{% macro duckdb__snapshot_get_time() -%}
    {%- set held = load_cached_relation(this) if execute and model.resource_type == 'snapshot' else none -%}
    {%- if held is not none -%}
        {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
        greatest(current_timestamp::timestamp, (
            select greatest(max({{ columns.dbt_valid_from }}), max({{ columns.dbt_valid_to }}),
                            max({{ columns.dbt_updated_at }})) + interval 1 microsecond
            from {{ held }}
        ))
    {%- else -%}
        current_timestamp::timestamp
    {%- endif -%}
{%- endmacro %}
