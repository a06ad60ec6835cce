{#- Every published as-of date: one partition per as_of_date. Re-running a D deletes that D's
    rows and inserts the new ones (delete+insert on as_of_date; on Spark insert_overwrite of the as_of_date
    partition: dbt_project.yml), other dates are kept.
    full_refresh=false: the history cannot be rebuilt from anything, so a --full-refresh build
    (the pipeline runs one whenever the dbt project changed) keeps it; a column added to the
    model is appended to an existing table (on_schema_change), its earlier rows NULL.
    Beside the classes it keeps the metric values behind them (revenue, orders, repurchase rate,
    churn score and signals, credit figures, primary need), so a past D is explained by its own
    figures, not by today's marts. -#}
{{ config(
    materialized='incremental',
    unique_key='as_of_date',
    on_schema_change='append_new_columns',
    full_refresh=false,
) }}

with

classification as (
    select * from {{ ref('customer_classification') }}
),

needs as (
    select * from {{ ref('customer_needs') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
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

final as (
    select
        classification.customer_key,
        classification.as_of_date,
        classification.tier,
        classification.tier_label,
        classification.value_class,
        classification.churn_risk_band,
        classification.lifecycle_stage,
        classification.credit_risk,
        classification.is_buyer,
        classification.revenue_12m,
        classification.rule_version,
        classification.run_id,
        needs.primary_need,
        actions.service_level,
        actions.next_action,
        tiers.orders_12m,
        tiers.repurchase_rate,
        values_.revenue_prior_12m,
        values_.gross_profit_12m,
        churn.days_since_last_order,
        churn.expected_interval_days,
        churn.churn_risk_score,
        churn.signal_overdue_order,
        churn.signal_frequency_drop,
        churn.signal_interaction_drop,
        churn.signal_complaint,
        churn.signal_overdue_payment,
        credit.outstanding_amount,
        credit.overdue_amount,
        credit.max_days_overdue
    from classification
    left join needs
        on needs.customer_key = classification.customer_key
    left join actions
        on actions.customer_key = classification.customer_key
    left join tiers
        on tiers.customer_key = classification.customer_key
    left join values_
        on values_.customer_key = classification.customer_key
    left join churn
        on churn.customer_key = classification.customer_key
    left join credit
        on credit.customer_key = classification.customer_key
)

select * from final
