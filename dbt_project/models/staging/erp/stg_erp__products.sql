with

source as (
    select * from {{ source('raw_erp', 'products') }}
),

load_log as (
    select * from {{ source('audit', 'load_log') }}
),

current_file as (
    {{ snapshot_current_file('load_log', 'products') }}
),

current_rows as (
    {{ snapshot_current('source', 'sku', 'current_file') }}
),

final as (
    select
        sku,
        {{ text_clean('product_name') }} as product_name,
        {{ text_clean('product_line') }} as product_line,
        lower({{ text_clean('grade') }}) as grade,
        cast(unit_cost as decimal(18, 6)) as unit_cost_cny,
        cast(list_price as decimal(18, 6)) as list_price_cny,
        _export_date as export_date,
        _file_path as source_file,
        _line_number as source_line
    from current_rows
)

select * from final
