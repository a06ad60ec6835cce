{#- Tier A/B/C, purchase frequency and loyalty for every customer with a counted line on or before D. -#}
with

order_metrics as (
    select * from {{ ref('int_customer_order_metrics') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

classified as (
    select
        order_metrics.customer_key,
        order_metrics.revenue_12m,
        order_metrics.orders_12m,
        order_metrics.skus_12m,
        order_metrics.repurchased_skus_12m,
        order_metrics.repurchase_rate,
        case
            when order_metrics.revenue_12m > rules.tier_a_above then 'A'
            when order_metrics.revenue_12m >= rules.tier_b_from then 'B'
            else 'C'
        end as tier,
        order_metrics.orders_12m > rules.high_frequency_above as is_high_frequency,
        coalesce(order_metrics.repurchase_rate > rules.loyal_above, false) as is_loyal,
        order_metrics.first_order_date,
        order_metrics.last_order_date,
        rules.rule_version
    from order_metrics
    cross join rules
),

final as (
    select
        classified.customer_key,
        {{ as_of_date() }} as as_of_date,
        classified.revenue_12m,
        classified.orders_12m,
        classified.skus_12m,
        classified.repurchased_skus_12m,
        classified.repurchase_rate,
        classified.tier,
        case classified.tier when 'A' then 'high' when 'B' then 'mid' when 'C' then 'low' end as tier_label,
        classified.is_high_frequency,
        classified.is_loyal,
        classified.first_order_date,
        classified.last_order_date,
        classified.rule_version,
        {{ run_id() }} as run_id
    from classified
)

select * from final
