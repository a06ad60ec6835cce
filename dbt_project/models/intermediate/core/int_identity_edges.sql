{#- Identity step 2: pairwise match edges between source records (marts.md rules 1 and 2).
    uscc: same valid USCC. name_city: same normalised name, same city (trimmed) or one city
    unknown, and not two different valid USCCs. Each pair once, source_id_a < source_id_b. -#}
with

records as (
    select * from {{ ref('int_customer_records') }}
),

uscc_edges as (
    select
        record_a.source_id as source_id_a,
        record_b.source_id as source_id_b,
        'uscc' as match_rule
    from records as record_a
    inner join records as record_b
        on record_a.uscc = record_b.uscc
        and record_a.source_id < record_b.source_id
),

name_city_edges as (
    select
        record_a.source_id as source_id_a,
        record_b.source_id as source_id_b,
        'name_city' as match_rule
    from records as record_a
    inner join records as record_b
        on record_a.name_key = record_b.name_key
        and record_a.source_id < record_b.source_id
    where
        (record_a.city = record_b.city or record_a.city is null or record_b.city is null)
        and not coalesce(record_a.uscc <> record_b.uscc, false)
),

final as (
    select * from uscc_edges
    union all
    select * from name_city_edges
)

select * from final
