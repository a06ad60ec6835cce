{#- A rules seed as published in schema marts (models/marts/rules): every row of every version,
    with who changed it, when and why (the seed's own columns), flagged `is_active` for the version
    active for D (int_classification_rules decides it, as for every mart), and D itself.
    `versioned=false` for a seed without rule_version (industry_map): every row holds. -#}
{% macro published_rule_seed(seed_name, versioned=true) %}
with

seed_rows as (
    select * from {{ ref(seed_name) }}
),
{%- if versioned %}

active_version as (
    select rule_version from {{ ref('int_classification_rules') }}
),
{%- endif %}

final as (
    select
        seed_rows.*,
        {%- if versioned %}
        seed_rows.rule_version = active_version.rule_version as is_active,
        {%- else %}
        true as is_active,
        {%- endif %}
        {{ as_of_date() }} as as_of_date
    from seed_rows
    {%- if versioned %}
    cross join active_version
    {%- endif %}
)

select * from final
{% endmacro %}
