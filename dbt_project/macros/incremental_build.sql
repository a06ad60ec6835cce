{#- Incremental latest-version models (docs/decisions.md, "Incremental facts"). A model built this
    way carries `loaded_at` (when the winning row's file was loaded into the raw zone); the newest
    `loaded_at` it holds is its watermark. Only valid inside `{% if is_incremental() %}`. -#}

{#- The model's watermark: one row, one column `loaded_at` (a timestamp before any load when empty). -#}
{% macro built_watermark() -%}
    select coalesce(max(loaded_at), cast('1900-01-01' as timestamp)) as loaded_at from {{ this }}
{%- endmacro %}

{#- Staging: every raw row (all versions, old files included) of every key that occurs in a file
    loaded after the watermark, so that the latest version is chosen among all of them. -#}
{% macro rows_of_keys_loaded_since_build(relation, key) -%}
    {%- set keys = [key] if key is string else key -%}
    select {{ relation }}.*
    from {{ relation }}
    inner join (
        select distinct {{ keys | join(', ') }}
        from {{ relation }}
        where _loaded_at > ({{ built_watermark() }})
    ) as new_keys
        on {% for k in keys %}{{ relation }}.{{ k }} = new_keys.{{ k }}{% if not loop.last %}
        and {% endif %}{% endfor %}
{%- endmacro %}

{#- True when this incremental build rewrites the whole table: a strategy that overwrites (Spark's
    insert_overwrite on Parquet, dbt_project.yml) on a model without partitions. Such a build must select
    every row, as a full build does. -#}
{% macro incremental_rewrites_table() -%}
    {{ return(config.get('incremental_strategy') == 'insert_overwrite' and not config.get('partition_by')) }}
{%- endmacro %}

{#- An incremental staging model's input: on an incremental build the rows above, on a full build
    (or one that rewrites the table) every raw row. -#}
{% macro rows_to_derive(relation, key) -%}
    {%- if is_incremental() and not incremental_rewrites_table() -%}
        {{ rows_of_keys_loaded_since_build(relation, key) }}
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
