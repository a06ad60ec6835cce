{#- The active rule version as one row, one column per parameter of seed classification_rules.
    Active = var('rule_version') when given, else the version with the latest effective_from on
    or before D (ties: the greatest rule_version). -#}
with

rule_rows as (
    select * from {{ ref('classification_rules') }}
),

versions as (
    select distinct
        rule_rows.rule_version,
        rule_rows.effective_from
    from rule_rows
),

active_version as (
    select versions.rule_version
    from versions
    {%- if var('rule_version', none) %}
    where versions.rule_version = '{{ var("rule_version") }}'
    {%- else %}
    where versions.effective_from <= {{ as_of_date() }}
    {%- endif %}
    order by versions.effective_from desc, versions.rule_version desc
    limit 1
),

final as (
    select
        active_version.rule_version,
        {%- for parameter in classification_rule_parameters() %}
        max(case when rule_rows.parameter = '{{ parameter }}' then rule_rows.value end)
            as {{ parameter }}{{ ',' if not loop.last }}
        {%- endfor %}
    from active_version
    inner join rule_rows
        on rule_rows.rule_version = active_version.rule_version
    group by active_version.rule_version
)

select * from final
