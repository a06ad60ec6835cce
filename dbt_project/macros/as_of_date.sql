{#- The as-of date D as a SQL date expression. The run command always passes `--vars
    {as_of_date: YYYY-MM-DD}`; a hand-run `dbt build` without it uses the latest order date. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(order_date) from {{ ref('stg_erp__order_lines') }})
    {%- endif -%}
{%- endmacro %}
