{#- Every activity and engagement, linked or not (customer_key NULL when an engagement reaches
    no contact/customer). No PII: contact ids only, no names, mobiles or text. -#}
with

interactions as (
    select * from {{ ref('int_interactions') }}
),

final as (
    select
        interactions.interaction_id,
        interactions.customer_key,
        interactions.source,
        interactions.interaction_type,
        interactions.interaction_date,
        interactions.is_complaint,
        interactions.satisfaction,
        interactions.source_file,
        interactions.source_line
    from interactions
)

select * from final
