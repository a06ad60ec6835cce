{#- Rows whose combination of `combination_of_columns` is not unique (dbt_utils is not available). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select {{ columns }}, count(*) as n_rows
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}

{#- Distribution guard: the share of rows (after the test's `where`) whose `column_name` equals
    `value` must lie between two parameters of the active rule version (int_classification_rules).
    Returns one row (observed share and bounds) when it does not; no row when there are no rows. -#}
{% test share_between_rule_parameters(model, column_name, value, min_parameter, max_parameter) %}
    with

    population as (
        select {{ column_name }} as tested_value from {{ model }}
    ),

    rules as (
        select * from {{ ref('int_classification_rules') }}
    ),

    observed as (
        select
            count(*) as n_rows,
            sum(case when population.tested_value = '{{ value }}' then 1 else 0 end) * 1.0 / count(*) as observed_share
        from population
        having count(*) > 0
    ),

    final as (
        select
            observed.n_rows,
            observed.observed_share,
            rules.{{ min_parameter }} as min_share,
            rules.{{ max_parameter }} as max_share
        from observed
        cross join rules
        where observed.observed_share < rules.{{ min_parameter }}
           or observed.observed_share > rules.{{ max_parameter }}
    )

    select * from final
{% endtest %}

{#- The model must hold exactly one row (e.g. the active rule version). -#}
{% test has_exactly_one_row(model) %}
    select count(*) as n_rows
    from {{ model }}
    having count(*) <> 1
{% endtest %}

{#- Generic test: none of `columns` is NULL in any row. One test instead of one not_null per
    column (each is a dbt node with its own overhead); it still names what failed: one row per
    column holding NULLs, with the column name and the count of NULL rows. -#}
{% test columns_not_null(model, columns) %}
with

source_rows as (
    select * from {{ model }}
),

null_counts as (
    {%- for column in columns %}
    select '{{ column }}' as column_name, count(*) as null_rows
    from source_rows
    where {{ column }} is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from null_counts
    where null_rows > 0
)

select * from final
{% endtest %}
