with

source as (
    select * from {{ source('raw_erp', 'customers') }}
),

load_log as (
    select * from {{ source('audit', 'load_log') }}
),

current_file as (
    {{ snapshot_current_file('load_log', 'customers') }}
),

current_rows as (
    {{ snapshot_current('source', 'customer_no', 'current_file') }}
),

cleaned as (
    select
        customer_no,
        {{ text_clean('customer_name') }} as customer_name,
        {{ squeeze_company_name('customer_name') }} as customer_name_squeezed,
        {{ uscc_clean('tax_id') }} as tax_id,
        {{ uscc_invalid('tax_id') }} as uscc_invalid,
        {{ text_clean('city') }} as city,
        cast(credit_limit as decimal(18, 2)) as credit_limit,
        cast(payment_terms_days as {{ dbt.type_int() }}) as payment_terms_days,
        created_on,
        upper({{ text_clean('blocked') }}) = 'Y' as is_blocked,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line
    from current_rows
),

final as (
    select
        customer_no,
        customer_name,
        {{ strip_legal_suffix('customer_name_squeezed') }} as customer_name_key,
        tax_id,
        uscc_invalid,
        city,
        credit_limit,
        payment_terms_days,
        created_on,
        is_blocked,
        export_date,
        source_file,
        source_line
    from cleaned
)

select * from final
