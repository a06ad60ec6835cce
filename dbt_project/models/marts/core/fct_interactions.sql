{{ config(materialized='incremental', unique_key=['source', 'interaction_id']) }}
{#- Every activity and engagement, linked or not (customer_key NULL when an engagement reaches
    no contact/customer). No PII: no contact or follower ids, names, mobiles or text.
    Incremental (docs/decisions.md, "Incremental facts"): a run writes the interactions whose row in
    int_interactions differs from the one held (new, changed, re-keyed) and stamps them with its run
    id, so that publishing copies only those. -#}
with

interactions as (
    select * from {{ ref('int_interactions') }}
),

{% if is_incremental() and not incremental_rewrites_table() %}
changed as (
    select interactions.*
    from interactions
    left join {{ this }} as built
        on interactions.source = built.source
        and interactions.interaction_id = built.interaction_id
    where built.interaction_id is null
        or interactions.customer_key is distinct from built.customer_key
        or interactions.interaction_type is distinct from built.interaction_type
        or interactions.interaction_date is distinct from built.interaction_date
        or interactions.is_complaint is distinct from built.is_complaint
        or interactions.satisfaction is distinct from built.satisfaction
        or interactions.source_file is distinct from built.source_file
        or interactions.source_line is distinct from built.source_line
),
{% else %}
changed as (
    select * from interactions
),
{% endif %}

final as (
    select
        changed.interaction_id,
        changed.customer_key,
        changed.source,
        changed.interaction_type,
        changed.interaction_date,
        changed.is_complaint,
        changed.satisfaction,
        changed.source_file,
        changed.source_line,
        {{ run_id() }} as built_run_id
    from changed
)

select * from final
