{#- Incremental latest-version models (docs/decisions.md, "Incremental facts"). A model built this
    way carries `loaded_at` (when the winning row's file was loaded into the raw zone); the newest
    `loaded_at` it holds is its watermark. Only valid inside `{% if is_incremental() %}`. -#}

{#- The model's watermark: one row, one column `loaded_at` (a timestamp before any load when empty). -#}
{% macro built_watermark() -%}
    select coalesce(max(loaded_at), cast('1900-01-01' as timestamp)) as loaded_at from {{ this }}
{%- endmacro %}

{#- Staging: the raw rows of the files loaded after the watermark. Their keys' latest versions among them are
    then weighed against the versions the model holds (`with_built_versions`): the model holds, per key, the
    latest version among every file loaded up to the watermark, so the latest of both is the latest of all,
    without reading every raw row of those keys again (~2 s at L for the order lines). -#}
{% macro rows_loaded_since_build(relation) -%}
    select {{ relation }}.*
    from {{ relation }}
    where _loaded_at > ({{ built_watermark() }})
{%- endmacro %}

{#- The last step of an incremental staging model (`relation`: its final CTE, one row per key, built from
    `rows_to_derive`): on an incremental build, per key the later of that row and the row the model holds,
    in the order of incremental_latest (greatest `updated_at`, NULL the smallest, then the later export date,
    file and load; the model's columns export_date, source_file and loaded_at). Never a tie: a row the model
    holds was loaded no later than the watermark, every new row after it. On a full build the relation.
    Every row it gives is stamped `built_run_id` (this build's run id; a held version written again too): the
    model's gate tests read the rows written since the last verified build (macros/testing/verified_scope.sql). -#}
{% macro with_built_versions(relation, key, updated_at=none) -%}
    {%- set keys = [key] if key is string else key -%}
    {%- if is_incremental() and not incremental_rewrites_table() -%}
    select * exclude (_built_rank), {{ run_id() }} as built_run_id
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by
                    {% if updated_at %}{{ updated_at }} desc nulls last,{% endif %}
                    export_date desc, source_file desc, loaded_at desc
            ) as _built_rank
        from (
            select * from {{ relation }}
            union all by name
            select built.* exclude (built_run_id)
            from {{ this }} as built
            semi join {{ relation }}
                on {% for k in keys %}built.{{ k }} = {{ relation }}.{{ k }}{% if not loop.last %}
                and {% endif %}{% endfor %}
        ) as versions
    ) as ranked
    where _built_rank = 1
    {%- else -%}
    select *, {{ run_id() }} as built_run_id from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- True when this incremental build rewrites the whole table: a strategy that overwrites (Spark's
    insert_overwrite on Parquet, dbt_project.yml) on a model without partitions. Such a build must select
    every row, as a full build does. -#}
{% macro incremental_rewrites_table() -%}
    {{ return(config.get('incremental_strategy') == 'insert_overwrite' and not config.get('partition_by')) }}
{%- endmacro %}

{#- An incremental staging model's input: on an incremental build the rows above, on a full build
    (or one that rewrites the table) every raw row. A model that takes it ends with `with_built_versions`. -#}
{% macro rows_to_derive(relation, key) -%}
    {%- if is_incremental() and not incremental_rewrites_table() -%}
        {{ rows_loaded_since_build(relation) }}
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Rows keyed to customers through a source record id (`id_column`: an ERP customer_no, a CRM account id):
    the ids whose customer_key in `resolved` (an import CTE over int_identity_resolved) differs from the
    one the model holds (identity clusters merge or split when snapshots change). `where`: which of the
    model's rows carry such ids. -#}
{% macro rekeyed_source_ids(resolved, id_column, source_system, where=none) -%}
    select built.{{ id_column }}
    from (
        select distinct {{ id_column }}, customer_key from {{ this }}{% if where %} where {{ where }}{% endif %}
    ) as built
    left join {{ resolved }}
        on built.{{ id_column }} = {{ resolved }}.source_id
        and {{ resolved }}.source_system = '{{ source_system }}'
    where {{ resolved }}.customer_key is distinct from built.customer_key
{%- endmacro %}

{#- An incremental fact's input (`relation`: its staging import CTE, with customer_no and
    loaded_at): on an incremental build the rows newer than the watermark and those of re-keyed
    customer numbers, plus those matching `also_changed` (a condition on `relation`); on a full
    build (or one that rewrites the table) every row. -#}
{% macro rows_to_rebuild(relation, resolved, also_changed=none) -%}
    {%- if is_incremental() and not incremental_rewrites_table() -%}
    select {{ relation }}.*
    from {{ relation }}
    where {{ relation }}.loaded_at > ({{ built_watermark() }})
        or {{ relation }}.customer_no in ({{ rekeyed_source_ids(resolved, 'customer_no', 'erp') }})
        {%- if also_changed %}
        or {{ also_changed }}
        {%- endif %}
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}
