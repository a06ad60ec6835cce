with

source as (
    select * from {{ source('raw_crm', 'contacts') }}
),

load_log as (
    select * from {{ source('audit', 'load_log') }}
),

current_file as (
    {{ snapshot_current_file('load_log', 'contacts') }}
),

current_rows as (
    {{ snapshot_current('source', 'contact_id', 'current_file') }}
),

final as (
    select
        contact_id,
        account_id,
        {{ text_clean('full_name') }} as full_name,
        {{ text_clean('title') }} as title,
        {{ phone_canonical('mobile') }} as mobile,
        {{ mobile_key('mobile') }} as mobile_key,
        {{ email_clean('email') }} as email,
        {{ text_clean('wechat_unionid') }} as wechat_unionid,
        created_time as created_at,
        modified_time as modified_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line
    from current_rows
)

select * from final
