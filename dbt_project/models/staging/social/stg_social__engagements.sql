with

source as (
    select * from {{ source('raw_social', 'engagements') }}
),

latest_versions as (
    {{ incremental_latest('source', 'event_id') }}
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
        _line_number as source_line
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
        source_line
    from localised
)

select * from final
