{{ config(materialized='incremental', unique_key=['source', 'interaction_id']) }}
{#- Every CRM activity and social engagement as one interaction (marts.md "interactions").
    Activities: dated by Activity Time (local), customer of their Account ID. Engagements: dated by
    the local date of occurred_at, customer of the follower's contact (NULL when unlinked).
    Complaints: activity type Complaint, engagement type complaint. Satisfaction (1-5): the
    activity's, NULL for engagements.
    Incremental (docs/decisions.md, "Incremental facts"): a run rebuilds the interactions whose
    staging row is newer than the newest one built, the activities of accounts whose customer_key
    changed and the engagements of followers whose contact, account or customer changed; every
    other interaction is as it was. -#}
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

{% if is_incremental() and not incremental_rewrites_table() %}
watermark as (
    {{ built_watermark() }}
),

relinked_followers as (
    select distinct
        built.source as channel,
        built.user_id
    from (
        select distinct source, user_id, contact_id, account_id, customer_key
        from {{ this }}
        where source <> 'crm'
    ) as built
    left join follower_links
        on built.source = follower_links.channel
        and built.user_id = follower_links.user_id
    where follower_links.contact_id is distinct from built.contact_id
        or follower_links.account_id is distinct from built.account_id
        or follower_links.customer_key is distinct from built.customer_key
),

changed_activities as (
    select activities.*
    from activities
    where activities.loaded_at > (select watermark.loaded_at from watermark)
        or activities.account_id in ({{ rekeyed_source_ids('resolved', 'account_id', 'crm', where="source = 'crm'") }})
),

changed_engagements as (
    select engagements.*
    from engagements
    left join relinked_followers
        on engagements.channel = relinked_followers.channel
        and engagements.user_id = relinked_followers.user_id
    where engagements.loaded_at > (select watermark.loaded_at from watermark)
        or relinked_followers.user_id is not null
),
{% else %}
changed_activities as (
    select * from activities
),

changed_engagements as (
    select * from engagements
),
{% endif %}

crm_interactions as (
    select
        changed_activities.activity_id as interaction_id,
        resolved.customer_key,
        'crm' as source,
        changed_activities.activity_type as interaction_type,
        changed_activities.activity_date as interaction_date,
        changed_activities.activity_time as occurred_at,
        coalesce(changed_activities.activity_type = 'Complaint', false) as is_complaint,
        changed_activities.satisfaction,
        changed_activities.account_id,
        changed_activities.contact_id,
        cast(null as {{ dbt.type_string() }}) as user_id,
        changed_activities.source_file,
        changed_activities.source_line,
        changed_activities.loaded_at,
        {{ run_id() }} as built_run_id
    from changed_activities
    left join resolved
        on changed_activities.account_id = resolved.source_id
        and resolved.source_system = 'crm'
),

social_interactions as (
    select
        changed_engagements.event_id as interaction_id,
        follower_links.customer_key,
        changed_engagements.channel as source,
        changed_engagements.engagement_type as interaction_type,
        changed_engagements.occurred_date as interaction_date,
        changed_engagements.occurred_at,
        coalesce(changed_engagements.engagement_type = 'complaint', false) as is_complaint,
        cast(null as {{ dbt.type_int() }}) as satisfaction,
        follower_links.account_id,
        follower_links.contact_id,
        changed_engagements.user_id,
        changed_engagements.source_file,
        changed_engagements.source_line,
        changed_engagements.loaded_at,
        {{ run_id() }} as built_run_id
    from changed_engagements
    left join follower_links
        on changed_engagements.channel = follower_links.channel
        and changed_engagements.user_id = follower_links.user_id
),

final as (
    select * from crm_interactions
    union all
    select * from social_interactions
)

select * from final
