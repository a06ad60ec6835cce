{{ config(materialized='incremental', unique_key='event_id') }}
{#- Incremental like stg_erp__order_lines (docs/decisions.md, "Incremental facts"). -#}
with

source as (
    select * from {{ source('raw_social', 'engagements') }}
),

candidates as (
    {{ rows_to_derive('source', 'event_id') }}
),

latest_versions as (
    {{ incremental_latest('candidates', 'event_id') }}
),

localised as (
    select
        event_id,
        lower(channel) as channel,
        user_id,
        lower(engagement_type) as engagement_type,
        text,
        occurred_at_utc,
        {{ utc_to_local('occurred_at_utc') }} as occurred_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line,
        _loaded_at as loaded_at
    from latest_versions
),

final as (
    select
        event_id,
        channel,
        user_id,
        engagement_type,
        text,
        occurred_at_utc,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        export_date,
        source_file,
        source_line,
        loaded_at
    from localised
),

latest as (
    {{ with_built_versions('final', 'event_id') }}
)

select * from latest
