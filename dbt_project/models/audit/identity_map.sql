{#- audit.identity_map: one row per source record and the customer it belongs to. -#}
with

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

final as (
    select
        resolved.source_system,
        resolved.source_table,
        resolved.source_id,
        resolved.customer_key,
        resolved.match_rule
    from resolved
)

select * from final
