{#- One wide row per customer of dim_customer for BI (marts.md "Published tables"): master data
    without personal data, the classes, needs and next action of D, and the key figures. A
    customer with no row in a mart has NULL for that mart's fields (non-buyers: no revenue_12m,
    orders_12m or last_order_date; no invoice: no outstanding_amount). -#}
with

customers as (
    select * from {{ ref('dim_customer') }}
),

classification as (
    select * from {{ ref('customer_classification') }}
),

tiers as (
    select * from {{ ref('customer_tier') }}
),

needs as (
    select * from {{ ref('customer_needs') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

credit as (
    select * from {{ ref('customer_credit') }}
),

interactions as (
    select * from {{ ref('fct_interactions') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

last_interactions as (
    select
        interactions.customer_key,
        max(interactions.interaction_date) as last_interaction_date
    from interactions
    where interactions.customer_key is not null
      and interactions.interaction_date <= {{ as_of_date() }}
    group by interactions.customer_key
),

final as (
    select
        customers.customer_key,
        customers.customer_name,
        customers.industry,
        customers.province,
        customers.city,
        customers.sales_owner,
        classification.tier,
        classification.value_class,
        classification.churn_risk_band,
        classification.lifecycle_stage,
        classification.credit_risk,
        needs.primary_need,
        actions.service_level,
        actions.next_action,
        actions.action_due_date,
        tiers.revenue_12m,
        tiers.orders_12m,
        tiers.last_order_date,
        last_interactions.last_interaction_date,
        credit.outstanding_amount,
        {{ as_of_date() }} as as_of_date,
        rules.rule_version,
        {{ run_id() }} as run_id
    from customers
    cross join rules
    left join classification
        on classification.customer_key = customers.customer_key
    left join tiers
        on tiers.customer_key = customers.customer_key
    left join needs
        on needs.customer_key = customers.customer_key
    left join actions
        on actions.customer_key = customers.customer_key
    left join credit
        on credit.customer_key = customers.customer_key
    left join last_interactions
        on last_interactions.customer_key = customers.customer_key
)

select * from final
