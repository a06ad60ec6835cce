{#- Generic test: the label propagation of int_identity_resolved converged, i.e. the two ends
    of every identity edge carry the same customer_key. Fails with the edges that do not. -#}
{% test identity_labels_converged(model, column_name, edges) %}
with

resolved as (
    select * from {{ model }}
),

edges as (
    select * from {{ edges }}
),

final as (
    select
        edges.source_id_a,
        edges.source_id_b,
        resolved_a.{{ column_name }} as key_a,
        resolved_b.{{ column_name }} as key_b
    from edges
    inner join resolved as resolved_a
        on edges.source_id_a = resolved_a.source_id
    inner join resolved as resolved_b
        on edges.source_id_b = resolved_b.source_id
    where resolved_a.{{ column_name }} <> resolved_b.{{ column_name }}
)

select * from final
{% endtest %}
