{#- Value class (first match wins) and fixed-cut RFM scores for every customer with a counted
    line on or before D. -#}
with

order_metrics as (
    select * from {{ ref('int_customer_order_metrics') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

rfm_cut_points as (
    select * from {{ ref('rfm_cut_points') }}
),

customer_metrics as (
    select
        order_metrics.customer_key,
        order_metrics.revenue_12m,
        order_metrics.revenue_prior_12m,
        order_metrics.revenue_12m - order_metrics.product_cost_12m as gross_profit_12m,
        order_metrics.lines_without_product_12m,
        order_metrics.orders_12m,
        case
            when order_metrics.orders_12m > 0
                then {{ money_per('order_metrics.revenue_12m', 'order_metrics.orders_12m') }}
        end as avg_order_value_12m,
        order_metrics.first_order_date,
        order_metrics.last_order_date,
        {{ days_until_as_of('order_metrics.last_order_date') }}
            as recency_days,
        {{ days_until_as_of('order_metrics.first_order_date') }}
            as days_since_first_order
    from order_metrics
),

active_cut_points as (
    select rfm_cut_points.*
    from rfm_cut_points
    inner join rules
        on rules.rule_version = rfm_cut_points.rule_version
),

metric_values as (
    select
        customer_metrics.customer_key,
        'r_score' as score_name,
        cast(customer_metrics.recency_days as decimal(18, 2)) as metric_value
    from customer_metrics
    union all
    select
        customer_metrics.customer_key,
        'f_score' as score_name,
        cast(customer_metrics.orders_12m as decimal(18, 2)) as metric_value
    from customer_metrics
    union all
    select
        customer_metrics.customer_key,
        'm_score' as score_name,
        customer_metrics.revenue_12m as metric_value
    from customer_metrics
),

matched_scores as (
    {#- The score is the highest one whose condition holds (cut points are monotone, so this is
        "first match from the top"); the `any` row gives the floor score. #}
    select
        metric_values.customer_key,
        metric_values.score_name,
        max(active_cut_points.score) as score
    from metric_values
    inner join active_cut_points
        on active_cut_points.score_name = metric_values.score_name
    where active_cut_points.comparison = 'any'
       or (active_cut_points.comparison = 'le' and metric_values.metric_value <= active_cut_points.cut_point)
       or (active_cut_points.comparison = 'ge' and metric_values.metric_value >= active_cut_points.cut_point)
       or (active_cut_points.comparison = 'gt' and metric_values.metric_value > active_cut_points.cut_point)
    group by metric_values.customer_key, metric_values.score_name
),

rfm_scores as (
    select
        matched_scores.customer_key,
        max(case when matched_scores.score_name = 'r_score' then matched_scores.score end) as r_score,
        max(case when matched_scores.score_name = 'f_score' then matched_scores.score end) as f_score,
        max(case when matched_scores.score_name = 'm_score' then matched_scores.score end) as m_score
    from matched_scores
    group by matched_scores.customer_key
),

classified as (
    select
        customer_metrics.*,
        case
            when customer_metrics.revenue_12m <= 0 then 'inactive'
            when customer_metrics.revenue_12m > rules.tier_a_above
                 and customer_metrics.orders_12m >= rules.core_orders_from then 'core'
            when customer_metrics.revenue_12m >= rules.tier_b_from then 'important'
            when (customer_metrics.revenue_prior_12m > 0
                  and customer_metrics.revenue_12m
                      >= rules.potential_growth_factor * customer_metrics.revenue_prior_12m)
                 or customer_metrics.days_since_first_order < rules.new_buyer_days then 'potential'
            else 'ordinary'
        end as value_class,
        rules.rule_version
    from customer_metrics
    cross join rules
),

final as (
    select
        classified.customer_key,
        {{ as_of_date() }} as as_of_date,
        classified.revenue_12m,
        classified.revenue_prior_12m,
        cast(classified.gross_profit_12m as decimal(18, 2)) as gross_profit_12m,
        classified.lines_without_product_12m,
        classified.orders_12m,
        classified.avg_order_value_12m,
        classified.first_order_date,
        classified.last_order_date,
        classified.recency_days,
        cast(rfm_scores.r_score as integer) as r_score,
        cast(rfm_scores.f_score as integer) as f_score,
        cast(rfm_scores.m_score as integer) as m_score,
        classified.value_class,
        classified.rule_version,
        {{ run_id() }} as run_id
    from classified
    left join rfm_scores
        on rfm_scores.customer_key = classified.customer_key
)

select * from final
