{{ config(materialized='incremental', unique_key=['order_no', 'line_no']) }}
{#- Incremental (docs/decisions.md, "Incremental facts"): a run re-derives only the keys that
    occur in raw files loaded after the newest row already built (`loaded_at`): their latest version
    among those files, weighed against the version the model holds (the latest among the older files),
    replaces those keys. A full build (first run, code change, `--rebuild`) derives every key from
    every raw row; both give the same rows. -#}
with

source as (
    select * from {{ source('raw_erp', 'order_lines') }}
),

candidates as (
    {{ rows_to_derive('source', ['order_no', 'line_no']) }}
),

latest_versions as (
    {{ incremental_latest('candidates', ['order_no', 'line_no'], updated_at='updated_at') }}
),

final as (
    select
        order_no,
        line_no,
        customer_no,
        order_date,
        {{ text_clean('sku') }} as sku,
        cast(quantity as bigint) as quantity,
        cast(unit_price as decimal(18, 6)) as unit_price,
        cast(coalesce(discount_rate, 0) as decimal(18, 6)) as discount_rate,
        upper({{ text_clean('currency') }}) as currency,
        cast(coalesce(fx_rate, 1) as decimal(18, 6)) as fx_rate,
        lower({{ text_clean('status') }}) as status,
        updated_at,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line,
        _loaded_at as loaded_at
    from latest_versions
),

latest as (
    {{ with_built_versions('final', ['order_no', 'line_no'], updated_at='updated_at') }}
)

select * from latest
