{#- Generic test (no package needed): the combination of `columns` is unique in the model. -#}
{% test unique_key_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Generic test on a key column: unique and never NULL, in one query (one dbt node and one Dagster asset
    check instead of dbt's `unique` + `not_null` pair: each test costs dbt's per-node overhead and three
    events in the run's event log). Failing rows: each duplicated key with its row count, and the NULL key
    (key_value NULL) with the number of rows lacking a key. -#}
{% test primary_key(model, column_name) %}
select
    {{ column_name }} as key_value,
    count(*) as n_rows
from {{ model }}
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null
{% endtest %}

{#- The model must hold exactly one row (e.g. the active rule version). -#}
{% test has_exactly_one_row(model) %}
    select count(*) as n_rows
    from {{ model }}
    having count(*) <> 1
{% endtest %}

{#- Generic test: none of `columns` is NULL in any row. One test instead of one not_null per
    column (each is a dbt node with its own overhead); it still names what failed: one row per
    column holding NULLs, with the column name and the count of NULL rows. -#}
{% test columns_not_null(model, columns) %}
with

source_rows as (
    select * from {{ model }}
),

null_counts as (
    {%- for column in columns %}
    select '{{ column }}' as column_name, count(*) as null_rows
    from source_rows
    where {{ column }} is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from null_counts
    where null_rows > 0
)

select * from final
{% endtest %}

{#- A rules seed says who changed each rule version, when and why: every row carries
    changed_by, changed_on and change_reason, and all rows of one rule_version (of one seed)
    carry the same three. Failing rows: the version, and how many distinct records or rows
    without one it has. -#}
{% test one_change_per_rule_version(model) %}
select
    rule_version,
    count(distinct changed_by || '|' || cast(changed_on as {{ dbt.type_string() }}) || '|' || change_reason) as change_records,
    count(*) filter (where changed_by is null or changed_on is null or change_reason is null) as rows_without_record
from {{ model }}
group by rule_version
having count(distinct changed_by || '|' || cast(changed_on as {{ dbt.type_string() }}) || '|' || change_reason) <> 1
    or count(*) filter (where changed_by is null or changed_on is null or change_reason is null) > 0
{% endtest %}

{#- A published rules mart holds rows of the rule version active for D (a new version needs rows in
    every versioned rules seed). -#}
{% test has_active_version_rows(model) %}
select 'no row of the active rule version' as problem
where not exists (select 1 from {{ model }} where is_active)
{% endtest %}
