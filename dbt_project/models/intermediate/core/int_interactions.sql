{#- Every CRM activity and social engagement as one interaction (marts.md "interactions").
    Activities: dated by Activity Time (local), customer of their Account ID. Engagements: dated by
    the local date of occurred_at, customer of the follower's contact (NULL when unlinked).
    Complaints: activity type Complaint, engagement type complaint. Satisfaction (1-5): the
    activity's, NULL for engagements. -#}
with

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

engagements as (
    select * from {{ ref('stg_social__engagements') }}
),

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

follower_links as (
    select * from {{ ref('int_follower_links') }}
),

crm_interactions as (
    select
        activities.activity_id as interaction_id,
        resolved.customer_key,
        'crm' as source,
        activities.activity_type as interaction_type,
        activities.activity_date as interaction_date,
        activities.activity_time as occurred_at,
        coalesce(activities.activity_type = 'Complaint', false) as is_complaint,
        activities.satisfaction,
        activities.account_id,
        activities.contact_id,
        activities.source_file,
        activities.source_line
    from activities
    left join resolved
        on activities.account_id = resolved.source_id
        and resolved.source_system = 'crm'
),

social_interactions as (
    select
        engagements.event_id as interaction_id,
        follower_links.customer_key,
        engagements.channel as source,
        engagements.engagement_type as interaction_type,
        engagements.occurred_date as interaction_date,
        engagements.occurred_at,
        coalesce(engagements.engagement_type = 'complaint', false) as is_complaint,
        cast(null as {{ dbt.type_int() }}) as satisfaction,
        follower_links.account_id,
        follower_links.contact_id,
        engagements.source_file,
        engagements.source_line
    from engagements
    left join follower_links
        on engagements.channel = follower_links.channel
        and engagements.user_id = follower_links.user_id
),

final as (
    select * from crm_interactions
    union all
    select * from social_interactions
)

select * from final
