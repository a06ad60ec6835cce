{#- Per-customer service figures for D from the CRM activities (fct_interactions, source crm): an
    activity counts for the customer of its Account ID and is dated by the local date of its
    Activity Time. Service requests of the last 12 months, and the sum and count of the
    satisfaction scores given in the last and the prior 12 months (exact: customer_needs compares
    the means by cross-multiplication and rounds them only to publish). -#}
with

interactions as (
    select * from {{ ref('fct_interactions') }}
),

activities as (
    select
        interactions.customer_key,
        interactions.interaction_type,
        interactions.interaction_date,
        interactions.satisfaction
    from interactions
    where interactions.source = 'crm'
      and interactions.customer_key is not null
      and {{ in_classification_window('interactions.interaction_date', 'last_730d') }}
),

final as (
    select
        activities.customer_key,
        sum(case when {{ in_classification_window('activities.interaction_date', 'last_12m') }}
                  and activities.interaction_type = 'Service Request'
            then 1 else 0 end) as service_requests_12m,
        sum(case when {{ in_classification_window('activities.interaction_date', 'last_12m') }}
            then activities.satisfaction end) as satisfaction_sum_12m,
        count(case when {{ in_classification_window('activities.interaction_date', 'last_12m') }}
            then activities.satisfaction end) as satisfaction_count_12m,
        sum(case when {{ in_classification_window('activities.interaction_date', 'prior_12m') }}
            then activities.satisfaction end) as satisfaction_sum_prior_12m,
        count(case when {{ in_classification_window('activities.interaction_date', 'prior_12m') }}
            then activities.satisfaction end) as satisfaction_count_prior_12m
    from activities
    group by activities.customer_key
)

select * from final
