{#- Identity step 3: transitive closure of the edges (marts.md rule 3) and the rule per record.
    Connected components by min-label propagation unrolled in a fixed number of passes (portable
    SQL: no recursion); the test `identity_labels_converged` fails if a component needed more.
    customer_key = md5 of the smallest source id of the component (stable across runs).
    match_rule: uscc when the record has a uscc edge, else name_city when it has a name_city
    edge, else single_source. -#}
{%- set passes = var('identity_label_passes', 12) -%}
with

records as (
    select * from {{ ref('int_customer_records') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

{# The passes join and group record numbers, not ids: numbered in source id order, so the smallest number of a
   component is its smallest source id (joining and grouping the ids was ~40 % of the closure's time at L). #}
numbered_records as (
    select
        records.source_system,
        records.source_table,
        records.source_id,
        dense_rank() over (order by records.source_id) as record_no
    from records
),

numbered_edges as (
    select
        record_a.record_no as record_no_a,
        record_b.record_no as record_no_b
    from edges
    inner join numbered_records as record_a
        on edges.source_id_a = record_a.source_id
    inner join numbered_records as record_b
        on edges.source_id_b = record_b.source_id
),

neighbours as (
    select
        numbered_edges.record_no_a as record_no,
        numbered_edges.record_no_b as neighbour_no
    from numbered_edges
    union all
    select
        numbered_edges.record_no_b as record_no,
        numbered_edges.record_no_a as neighbour_no
    from numbered_edges
    union all
    select
        numbered_records.record_no,
        numbered_records.record_no as neighbour_no
    from numbered_records
),

labels_0 as (
    select
        numbered_records.record_no,
        numbered_records.record_no as label
    from numbered_records
),
{% for pass in range(1, passes + 1) %}
labels_{{ pass }} as (
    select
        neighbours.record_no,
        min(previous.label) as label
    from neighbours
    inner join labels_{{ pass - 1 }} as previous
        on neighbours.neighbour_no = previous.record_no
    group by neighbours.record_no
),
{% endfor %}
record_labels as (
    select
        numbered_records.source_system,
        numbered_records.source_table,
        numbered_records.source_id,
        anchors.source_id as label
    from numbered_records
    inner join labels_{{ passes }} as labels
        on numbered_records.record_no = labels.record_no
    inner join numbered_records as anchors
        on labels.label = anchors.record_no
),

record_rules as (
    select
        record_edges.source_id,
        max(case when record_edges.match_rule = 'uscc' then 1 else 0 end) as has_uscc_edge,
        max(case when record_edges.match_rule = 'name_city' then 1 else 0 end) as has_name_city_edge
    from (
        select
            edges.source_id_a as source_id,
            edges.match_rule
        from edges
        union all
        select
            edges.source_id_b as source_id,
            edges.match_rule
        from edges
    ) as record_edges
    group by record_edges.source_id
),

final as (
    select
        record_labels.source_system,
        record_labels.source_table,
        record_labels.source_id,
        record_labels.label as customer_anchor_id,
        {{ dbt.hash('record_labels.label') }} as customer_key,
        case
            when record_rules.has_uscc_edge = 1 then 'uscc'
            when record_rules.has_name_city_edge = 1 then 'name_city'
            else 'single_source'
        end as match_rule
    from record_labels
    left join record_rules
        on record_labels.source_id = record_rules.source_id
)

select * from final
