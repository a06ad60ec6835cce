{#- Money per unit of a count (e.g. revenue / orders), rounded half away from zero to 0.01, exactly. Spark
    divides DECIMALs exactly; DuckDB divides them as DOUBLE, which rounds a tie down when its binary value
    falls below it (4151.11 / 2 = 2075.555 gave 2075.55): in integer cents the division is exact. `count` > 0. -#}
{% macro money_per(amount, count) -%}
    {{ return(adapter.dispatch('money_per', 'customer_warehouse')(amount, count)) }}
{%- endmacro %}

{% macro default__money_per(amount, count) -%}
    cast(round({{ amount }} / {{ count }}, 2) as decimal(18, 2))
{%- endmacro %}

{% macro duckdb__money_per(amount, count) -%}
    cast(cast(sign({{ amount }}) * ((abs(cast({{ amount }} * 100 as hugeint)) * 2 + {{ count }}) // (2 * {{ count }}))
              as decimal(38, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}
