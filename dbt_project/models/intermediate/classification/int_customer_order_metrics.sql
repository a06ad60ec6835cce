{#- Compact per-customer order aggregates for D: one row per customer with at least one counted
    line (status open/shipped/returned) dated on or before D. Money sums are sums of the already
    rounded line amounts. "Counted order" = an order with a counted line of quantity > 0.
    Rebuilt per customer (macros/classification/customer_rebuild.sql): a night aggregates again only
    the customers whose counted lines changed or who have a line on a window edge that moved with D;
    a change of repurchase_min_orders (another rule version for this D) aggregates every customer. -#}
{%- set previous = previous_customer_build(also_requires=['repurchase_min_orders']) %}
{%- set counted_line -%}
    order_lines.is_counted
      and order_lines.order_date <= {{ as_of_date() }}
      and order_lines.customer_key is not null
{%- endset %}
with

-- read twice (customer_fingerprints, counted_lines): a pass over the table each, none held in memory
order_lines as {{ cte_not_materialized() }} (
    select * from {{ ref('fct_order_lines') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),
{% if previous %}
previous_build as (
    select * from {{ previous }}
),

previous_as_of as (
    select max(previous_build.built_as_of) as built_as_of
    from previous_build
),
{% endif %}
{# One pass over every counted line (no line is held in memory): a customer's fingerprint and, when
    this build starts from the previous one, whether a line is on a window edge that moved. #}
customer_fingerprints as (
    select
        order_lines.customer_key,
        {{ lines_fingerprint(['order_lines.order_no', 'order_lines.line_no', 'order_lines.order_date',
                              'order_lines.sku', 'order_lines.quantity', 'order_lines.net_amount_cny',
                              'order_lines.unit_cost_cny']) }} as lines_fingerprint
        {%- if previous %},
        {{ on_moved_window_edge('order_lines.order_date', 'previous_as_of.built_as_of') }} as on_moved_edge
        {%- endif %}
    from order_lines
    {%- if previous %}
    cross join previous_as_of
    {%- endif %}
    where {{ counted_line }}
    group by order_lines.customer_key
),
{% if previous %}
customers_to_rebuild as (
    {{ customers_to_rebuild('previous_build', 'customer_fingerprints',
        rebuild_all='(select max(previous_build.repurchase_min_orders) from previous_build)'
                    ' is distinct from (select rules.repurchase_min_orders from rules)') }}
),
{% endif %}
{# The lines of the customers aggregated again (a second pass; every counted line on a full build). #}
counted_lines as (
    select
        order_lines.customer_key,
        order_lines.order_no,
        order_lines.line_no,
        order_lines.order_date,
        order_lines.sku,
        order_lines.quantity,
        order_lines.net_amount_cny,
        order_lines.unit_cost_cny
    from order_lines
    where {{ counted_line }}
    {%- if previous %}
      and order_lines.customer_key in (select customers_to_rebuild.customer_key from customers_to_rebuild)
    {%- endif %}
),

line_totals as (
    select
        counted_lines.customer_key,
        min(counted_lines.order_date) as first_counted_line_date,
        sum(case when {{ in_classification_window('counted_lines.order_date', 'last_12m') }}
            then counted_lines.net_amount_cny else 0 end) as revenue_12m,
        sum(case when {{ in_classification_window('counted_lines.order_date', 'prior_12m') }}
            then counted_lines.net_amount_cny else 0 end) as revenue_prior_12m,
        sum(case when {{ in_classification_window('counted_lines.order_date', 'last_12m') }}
            then counted_lines.quantity * counted_lines.unit_cost_cny end) as product_cost_12m,
        sum(case when {{ in_classification_window('counted_lines.order_date', 'last_12m') }}
                  and counted_lines.unit_cost_cny is null
            then 1 else 0 end) as lines_without_product_12m
    from counted_lines
    group by counted_lines.customer_key
),

counted_orders as (
    select distinct
        counted_lines.customer_key,
        counted_lines.order_no,
        counted_lines.order_date
    from counted_lines
    where counted_lines.quantity > 0
),

order_totals as (
    select
        counted_orders.customer_key,
        min(counted_orders.order_date) as first_order_date,
        max(counted_orders.order_date) as last_order_date,
        count(distinct case when {{ in_classification_window('counted_orders.order_date', 'last_12m') }}
            then counted_orders.order_no end) as orders_12m,
        count(distinct case when {{ in_classification_window('counted_orders.order_date', 'last_90d') }}
            then counted_orders.order_no end) as orders_last_90d,
        count(distinct case when {{ in_classification_window('counted_orders.order_date', 'prior_270d') }}
            then counted_orders.order_no end) as orders_prior_270d
    from counted_orders
    group by counted_orders.customer_key
),

sku_orders_12m as (
    select
        counted_lines.customer_key,
        counted_lines.sku,
        count(distinct counted_lines.order_no) as n_orders
    from counted_lines
    where counted_lines.quantity > 0
      and counted_lines.sku is not null
      and {{ in_classification_window('counted_lines.order_date', 'last_12m') }}
    group by counted_lines.customer_key, counted_lines.sku
),

repurchase as (
    select
        sku_orders_12m.customer_key,
        count(*) as skus_12m,
        sum(case when sku_orders_12m.n_orders >= rules.repurchase_min_orders then 1 else 0 end) as repurchased_skus_12m
    from sku_orders_12m
    cross join rules
    group by sku_orders_12m.customer_key
),

order_dates_730d as (
    select distinct
        counted_orders.customer_key,
        counted_orders.order_date
    from counted_orders
    where {{ in_classification_window('counted_orders.order_date', 'last_730d') }}
),

previous_order_dates as (
    select
        order_dates_730d.customer_key,
        order_dates_730d.order_date,
        lag(order_dates_730d.order_date) over (
            partition by order_dates_730d.customer_key order by order_dates_730d.order_date
        ) as previous_order_date
    from order_dates_730d
),

order_date_gaps as (
    select
        previous_order_dates.customer_key,
        {{ dbt.datediff('previous_order_dates.previous_order_date', 'previous_order_dates.order_date', 'day') }}
            as gap_days
    from previous_order_dates
),

order_intervals as (
    select
        order_date_gaps.customer_key,
        count(*) as order_dates_730d,
        {{ classification_median('order_date_gaps.gap_days') }} as median_gap_days_730d
    from order_date_gaps
    group by order_date_gaps.customer_key
),

aggregated as (
    select
        line_totals.customer_key,
        cast(line_totals.revenue_12m as decimal(18, 2)) as revenue_12m,
        cast(line_totals.revenue_prior_12m as decimal(18, 2)) as revenue_prior_12m,
        cast(round(coalesce(line_totals.product_cost_12m, 0), 2) as decimal(18, 2)) as product_cost_12m,
        line_totals.lines_without_product_12m,
        line_totals.first_counted_line_date,
        order_totals.first_order_date,
        order_totals.last_order_date,
        coalesce(order_totals.orders_12m, 0) as orders_12m,
        coalesce(order_totals.orders_last_90d, 0) as orders_last_90d,
        coalesce(order_totals.orders_prior_270d, 0) as orders_prior_270d,
        coalesce(repurchase.skus_12m, 0) as skus_12m,
        coalesce(repurchase.repurchased_skus_12m, 0) as repurchased_skus_12m,
        case
            when repurchase.skus_12m > 0
                then cast(repurchase.repurchased_skus_12m as double) / repurchase.skus_12m
        end as repurchase_rate,
        coalesce(order_intervals.order_dates_730d, 0) as order_dates_730d,
        order_intervals.median_gap_days_730d,
        rules.repurchase_min_orders,
        customer_fingerprints.lines_fingerprint,
        {{ as_of_date() }} as built_as_of
    from line_totals
    cross join rules
    inner join customer_fingerprints
        on customer_fingerprints.customer_key = line_totals.customer_key
    left join order_totals
        on order_totals.customer_key = line_totals.customer_key
    left join repurchase
        on repurchase.customer_key = line_totals.customer_key
    left join order_intervals
        on order_intervals.customer_key = line_totals.customer_key
),
{% if previous %}
kept as (
    select previous_build.* replace ({{ as_of_date() }} as built_as_of)
    from previous_build
    anti join customers_to_rebuild
        on previous_build.customer_key = customers_to_rebuild.customer_key
),
{% endif %}
final as (
    select * from aggregated
    {%- if previous %}
    union all by name
    select * from kept
    {%- endif %}
)

select * from final
