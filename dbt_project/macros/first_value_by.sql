{#- Aggregate: the value of `value` on the row with the smallest `order_by` among the rows where
    `value` is not NULL (deterministic golden-record pick). Dispatched: DuckDB has arg_min; the
    default uses min_by (Spark 3.3+). -#}
{% macro first_value_by(value, order_by) -%}
    {{ return(adapter.dispatch('first_value_by', 'customer_warehouse')(value, order_by)) }}
{%- endmacro %}

{% macro default__first_value_by(value, order_by) -%}
    min_by({{ value }}, case when {{ value }} is not null then {{ order_by }} end)
{%- endmacro %}

{% macro duckdb__first_value_by(value, order_by) -%}
    arg_min({{ value }}, {{ order_by }}) filter (where {{ value }} is not null)
{%- endmacro %}
