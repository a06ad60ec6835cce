{{ config(materialized='incremental', unique_key='invoice_no') }}
{#- Incremental like stg_erp__order_lines (docs/decisions.md, "Incremental facts"). -#}
with

source as (
    select * from {{ source('raw_erp', 'invoices') }}
),

candidates as (
    {{ rows_to_derive('source', 'invoice_no') }}
),

latest_versions as (
    {{ incremental_latest('candidates', 'invoice_no', updated_at='updated_at') }}
),

final as (
    select
        invoice_no,
        {{ text_clean('customer_no') }} as customer_no,
        invoice_date,
        due_date,
        cast(amount as decimal(18, 6)) as amount,
        upper({{ text_clean('currency') }}) as currency,
        cast(coalesce(fx_rate, 1) as decimal(18, 6)) as fx_rate,
        paid_date,
        updated_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line,
        _loaded_at as loaded_at
    from latest_versions
),

latest as (
    {{ with_built_versions('final', 'invoice_no', updated_at='updated_at') }}
)

select * from latest
