with

source as (
    select * from {{ source('raw_crm', 'accounts') }}
),

load_log as (
    select * from {{ source('audit', 'load_log') }}
),

current_file as (
    {{ snapshot_current_file('load_log', 'accounts') }}
),

current_rows as (
    {{ snapshot_current('source', 'account_id', 'current_file') }}
),

cleaned as (
    select
        account_id,
        {{ text_clean('account_name') }} as account_name,
        {{ squeeze_company_name('account_name') }} as account_name_squeezed,
        {{ uscc_clean('uscc') }} as uscc,
        {{ uscc_invalid('uscc') }} as uscc_invalid,
        {{ text_clean('industry') }} as industry_text,
        lower({{ text_clean('industry') }}) as industry_key,
        {{ text_clean('province') }} as province,
        {{ text_clean('city') }} as city,
        {{ text_clean('account_owner') }} as account_owner,
        {{ phone_canonical('phone') }} as phone,
        {{ email_clean('email') }} as email,
        {{ text_clean('account_type') }} as account_type,
        created_time as created_at,
        modified_time as modified_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line
    from current_rows
),

final as (
    select
        account_id,
        account_name,
        {{ strip_legal_suffix('account_name_squeezed') }} as account_name_key,
        uscc,
        uscc_invalid,
        industry_text,
        industry_key,
        province,
        city,
        account_owner,
        phone,
        email,
        account_type,
        created_at,
        modified_at,
        export_date,
        source_file,
        source_line
    from cleaned
)

select * from final
