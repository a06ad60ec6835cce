{#- accepted_values on Spark (issue #15): the same test as dbt's, except that a boolean value (`values: [false]`
    in a yml) is written as a boolean literal. dbt quotes every value ('False'); DuckDB casts that text to a
    boolean, Spark (ANSI mode) refuses to compare a boolean column with text. -#}
{% macro spark__test_accepted_values(model, column_name, values, quote=True) %}

with all_values as (

    select
        {{ column_name }} as value_field,
        count(*) as n_records

    from {{ model }}
    group by {{ column_name }}

)

select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
        {%- elif quote -%}
        '{{ value }}'
        {%- else -%}
        {{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)

{% endmacro %}
