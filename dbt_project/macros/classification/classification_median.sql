{#- Continuous median (the mean of the two middle values for an even count). DuckDB-specific
    spelling behind a dispatch so that the project stays portable (Spark: percentile_cont). -#}
{% macro classification_median(expression) -%}
    {{ return(adapter.dispatch('classification_median')(expression)) }}
{%- endmacro %}

{% macro default__classification_median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__classification_median(expression) -%}
    quantile_cont({{ expression }}, 0.5)
{%- endmacro %}
