{#- One row per customer of dim_customer with its classes for D. Customers without a counted
    line on or before D: tier, value class and churn band NULL, lifecycle stage `prospect`.
    Customers without an invoice on or before D: credit_risk `low`. -#}
with

customers as (
    select * from {{ ref('dim_customer') }}
),

tiers as (
    select * from {{ ref('customer_tier') }}
),

values_ as (
    select * from {{ ref('customer_value') }}
),

churn as (
    select * from {{ ref('customer_churn') }}
),

credit as (
    select * from {{ ref('customer_credit') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

final as (
    select
        customers.customer_key,
        {{ as_of_date() }} as as_of_date,
        tiers.tier,
        tiers.tier_label,
        values_.value_class,
        churn.churn_risk_band,
        coalesce(churn.lifecycle_stage, 'prospect') as lifecycle_stage,
        coalesce(credit.credit_risk, 'low') as credit_risk,
        tiers.customer_key is not null as is_buyer,
        coalesce(tiers.revenue_12m, 0) as revenue_12m,
        rules.rule_version,
        {{ run_id() }} as run_id
    from customers
    cross join rules
    left join tiers
        on tiers.customer_key = customers.customer_key
    left join values_
        on values_.customer_key = customers.customer_key
    left join churn
        on churn.customer_key = customers.customer_key
    left join credit
        on credit.customer_key = customers.customer_key
)

select * from final
