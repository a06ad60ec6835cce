{#- Customers and revenue_12m per tier and industry for D. Every customer of dim_customer is
    counted; customers without a counted line (no tier) form their own row with tier NULL and
    is_buyer false. Shares are over all customers / all revenue_12m of D (NULL when the total
    revenue is 0). -#}
with

classification as (
    select * from {{ ref('customer_classification') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

segments as (
    select
        classification.as_of_date,
        classification.tier,
        classification.tier_label,
        classification.is_buyer,
        coalesce(customers.industry, 'unknown') as industry,
        count(*) as customers,
        sum(classification.revenue_12m) as revenue_12m,
        max(classification.rule_version) as rule_version,
        max(classification.run_id) as run_id
    from classification
    inner join customers
        on customers.customer_key = classification.customer_key
    group by
        classification.as_of_date,
        classification.tier,
        classification.tier_label,
        classification.is_buyer,
        coalesce(customers.industry, 'unknown')
),

totals as (
    select
        sum(segments.customers) as all_customers,
        sum(segments.revenue_12m) as all_revenue_12m
    from segments
),

final as (
    select
        segments.as_of_date,
        segments.tier,
        segments.tier_label,
        segments.is_buyer,
        segments.industry,
        segments.customers,
        cast(segments.revenue_12m as decimal(18, 2)) as revenue_12m,
        cast(segments.customers as double) / totals.all_customers as share_of_customers,
        case
            when totals.all_revenue_12m <> 0
                then cast(segments.revenue_12m as double) / cast(totals.all_revenue_12m as double)
        end as share_of_revenue,
        segments.rule_version,
        segments.run_id
    from segments
    cross join totals
)

select * from final
