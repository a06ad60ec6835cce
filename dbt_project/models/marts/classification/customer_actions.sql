{#- Service playbook (marts.md "Service playbook") for every customer of dim_customer, prospects
    included: the service level of the value class (seed service_levels) and the next action of
    the first playbook rule that holds (seed service_playbook, by ascending priority; conditions
    from the vocabulary of macro playbook_conditions, a condition on a NULL field being false).
    Facts come from the classification marts of the same D. -#}
with

customers as (
    select * from {{ ref('dim_customer') }}
),

classification as (
    select * from {{ ref('customer_classification') }}
),

churn as (
    select * from {{ ref('customer_churn') }}
),

needs as (
    select * from {{ ref('customer_needs') }}
),

credit as (
    select * from {{ ref('customer_credit') }}
),

values_ as (
    select * from {{ ref('customer_value') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

playbook as (
    select * from {{ ref('service_playbook') }}
),

service_levels as (
    select * from {{ ref('service_levels') }}
),

facts as (
    select
        customers.customer_key,
        customers.sales_owner,
        classification.value_class,
        classification.churn_risk_band,
        classification.lifecycle_stage,
        credit.credit_risk,
        credit.max_days_overdue,
        credit.overdue_amount,
        churn.churn_risk_score,
        churn.signal_overdue_order,
        churn.signal_frequency_drop,
        churn.signal_interaction_drop,
        churn.signal_complaint,
        churn.signal_overdue_payment,
        churn.complaints_last_90d,
        churn.days_since_last_order,
        churn.first_order_date,
        needs.satisfaction_trend,
        needs.avg_satisfaction_12m,
        needs.avg_satisfaction_prior_12m,
        values_.revenue_12m,
        values_.revenue_prior_12m
    from customers
    left join classification
        on classification.customer_key = customers.customer_key
    left join churn
        on churn.customer_key = customers.customer_key
    left join needs
        on needs.customer_key = customers.customer_key
    left join credit
        on credit.customer_key = customers.customer_key
    left join values_
        on values_.customer_key = customers.customer_key
),

active_playbook as (
    select playbook.*
    from playbook
    inner join rules
        on rules.rule_version = playbook.rule_version
),

matched_rules as (
    select
        facts.customer_key,
        active_playbook.priority,
        active_playbook.action,
        active_playbook.condition,
        active_playbook.and_condition,
        active_playbook.due_days
    from facts
    cross join active_playbook
    where {{ playbook_condition_holds('active_playbook.condition', 'facts') }}
      and (
          active_playbook.and_condition is null
          or {{ playbook_condition_holds('active_playbook.and_condition', 'facts') }}
      )
),

ranked_rules as (
    select
        matched_rules.*,
        row_number() over (partition by matched_rules.customer_key order by matched_rules.priority) as match_rank
    from matched_rules
),

first_rules as (
    select ranked_rules.*
    from ranked_rules
    where ranked_rules.match_rank = 1
),

active_levels as (
    select service_levels.*
    from service_levels
    inner join rules
        on rules.rule_version = service_levels.rule_version
),

final as (
    select
        facts.customer_key,
        {{ as_of_date() }} as as_of_date,
        coalesce(class_level.service_level, other_level.service_level) as service_level,
        first_rules.action as next_action,
        first_rules.priority as action_priority,
        case
            when first_rules.due_days is not null
                then cast({{ dbt.dateadd('day', 'first_rules.due_days', as_of_date()) }} as date)
        end as action_due_date,
        facts.sales_owner as action_owner,
        concat_ws(
            '; ',
            nullif({{ playbook_condition_reason('first_rules.condition', 'facts') }}, ''),
            nullif({{ playbook_condition_reason('first_rules.and_condition', 'facts') }}, '')
        ) as action_reason,
        first_rules.condition
        || coalesce(' and ' || first_rules.and_condition, '') as action_condition,
        rules.rule_version,
        {{ run_id() }} as run_id
    from facts
    cross join rules
    left join first_rules
        on first_rules.customer_key = facts.customer_key
    left join active_levels as class_level
        on class_level.value_class = facts.value_class
    left join active_levels as other_level
        on other_level.value_class is null
)

select * from final
