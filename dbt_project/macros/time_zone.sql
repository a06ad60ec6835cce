{#- Social timestamps land in UTC; the contract's local time is Asia/Shanghai (UTC+8, no DST). -#}
{% macro utc_to_local(expr) -%}
    {{ return(adapter.dispatch('utc_to_local', 'customer_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__utc_to_local(expr) -%}
    from_utc_timestamp({{ expr }}, 'Asia/Shanghai')
{%- endmacro %}

{% macro duckdb__utc_to_local(expr) -%}
    ({{ expr }} + interval 8 hour)
{%- endmacro %}
