{#- Per-customer interaction counts for D (CRM activities + social engagements linked to a
    customer), over the last 90 days and the prior 270 days. -#}
with

interactions as (
    select * from {{ ref('fct_interactions') }}
),

recent_interactions as (
    select
        interactions.customer_key,
        interactions.interaction_date,
        interactions.is_complaint
    from interactions
    where interactions.customer_key is not null
      and interactions.interaction_date <= {{ as_of_date() }}
      and interactions.interaction_date
          > {{ classification_days_before(classification_window_bounds()['prior_270d'][0]) }}
),

final as (
    select
        recent_interactions.customer_key,
        sum(case when {{ in_classification_window('recent_interactions.interaction_date', 'last_90d') }}
            then 1 else 0 end) as interactions_last_90d,
        sum(case when {{ in_classification_window('recent_interactions.interaction_date', 'prior_270d') }}
            then 1 else 0 end) as interactions_prior_270d,
        sum(case when {{ in_classification_window('recent_interactions.interaction_date', 'last_90d') }}
                  and recent_interactions.is_complaint
            then 1 else 0 end) as complaints_last_90d
    from recent_interactions
    group by recent_interactions.customer_key
)

select * from final
