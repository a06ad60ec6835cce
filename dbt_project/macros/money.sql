{#- CNY money of marts.md: DECIMAL(18,2), rounded half away from zero to 0.01. The expression
    must be DECIMAL arithmetic (exact); both DuckDB and Spark round DECIMAL half away from zero. -#}
{% macro money_cny(expr) -%}
    cast(round({{ expr }}, 2) as decimal(18, 2))
{%- endmacro %}
