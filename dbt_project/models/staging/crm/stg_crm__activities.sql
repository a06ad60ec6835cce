{{ config(materialized='incremental', unique_key='activity_id') }}
{#- Incremental like stg_erp__order_lines (docs/decisions.md, "Incremental facts"). -#}
with

source as (
    select * from {{ source('raw_crm', 'activities') }}
),

candidates as (
    {{ rows_to_derive('source', 'activity_id') }}
),

latest_versions as (
    {{ incremental_latest('candidates', 'activity_id', updated_at='modified_time') }}
),

final as (
    select
        activity_id,
        account_id,
        {{ text_clean('contact_id') }} as contact_id,
        {{ text_clean('activity_type') }} as activity_type,
        {{ text_clean('subject') }} as subject,
        activity_time,
        cast(activity_time as date) as activity_date,
        {{ text_clean('owner') }} as owner,
        cast(satisfaction as {{ dbt.type_int() }}) as satisfaction,
        modified_time as modified_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line,
        _loaded_at as loaded_at
    from latest_versions
),

latest as (
    {{ with_built_versions('final', 'activity_id', updated_at='modified_at') }}
)

select * from latest
