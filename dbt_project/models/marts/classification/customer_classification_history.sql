{#- Every published as-of date: one partition per as_of_date. Re-running a D deletes that D's
    rows and inserts the new ones (delete+insert on as_of_date), other dates are kept. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    on_schema_change='append_new_columns',
) }}

with

classification as (
    select * from {{ ref('customer_classification') }}
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
        classification.run_id
    from classification
)

select * from final
