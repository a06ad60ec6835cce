with

source as (
    select * from {{ source('raw_social', 'followers') }}
),

load_log as (
    select * from {{ source('audit', 'load_log') }}
),

current_file as (
    {{ snapshot_current_file('load_log', 'followers') }}
),

current_rows as (
    {{ snapshot_current('source', ['channel', 'user_id'], 'current_file') }}
),

final as (
    select
        lower(channel) as channel,
        user_id,
        {{ text_clean('unionid') }} as unionid,
        {{ text_clean('nickname') }} as nickname,
        {{ phone_canonical('mobile') }} as mobile,
        {{ mobile_key('mobile') }} as mobile_key,
        {{ utc_to_local('followed_at_utc') }} as followed_at,
        {{ utc_to_local('unfollowed_at_utc') }} as unfollowed_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line
    from current_rows
)

select * from final
