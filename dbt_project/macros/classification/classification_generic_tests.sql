
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

{#- Every customer of dim_customer has a row in the model (marts of grain "customer in
    dim_customer", prospects included). Returns the customers without one. -#}
{% test has_a_row_per_customer(model, column_name) %}
    with

    customers as (
        select * from {{ ref('dim_customer') }}
    ),

    model_rows as (
        select {{ column_name }} as customer_key from {{ model }}
    ),

    final as (
        select customers.customer_key
        from customers
        where not exists (
            select 1 from model_rows where model_rows.customer_key = customers.customer_key
        )
    )

    select * from final
{% endtest %}
