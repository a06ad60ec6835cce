{#- `with x as {{ cte_not_materialized() }} (...)`: a CTE read more than once that the engine must not
    hold in memory. DuckDB materializes such a CTE by default, every row of it (~1 GB of order lines at L);
    Spark has no such keyword (it inlines CTEs). -#}
{% macro cte_not_materialized() -%}
    {{ return(adapter.dispatch('cte_not_materialized', 'customer_warehouse')()) }}
{%- endmacro %}

{% macro default__cte_not_materialized() -%}
{%- endmacro %}

{% macro duckdb__cte_not_materialized() -%}
    not materialized
{%- endmacro %}
