{#- Latest version of every order line ever loaded (cancelled included, any date; the marts
    apply D). Money is exact DECIMAL arithmetic rounded half away from zero to 0.01. -#}
with

order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

priced as (
    select
        order_lines.*,
        {{ money_cny('order_lines.quantity * order_lines.unit_price * (1 - order_lines.discount_rate) * order_lines.fx_rate') }}
            as net_amount_cny
    from order_lines
),

final as (
    select
        priced.order_no,
        priced.line_no,
        resolved.customer_key,
        priced.customer_no,
        priced.order_date,
        priced.sku,
        priced.quantity,
        priced.unit_price,
        priced.discount_rate,
        priced.currency,
        priced.fx_rate,
        priced.net_amount_cny,
        products.unit_cost_cny,
        products.sku is not null as has_product,
        priced.status,
        coalesce(priced.status in ('open', 'shipped', 'returned'), false) as is_counted,
        priced.updated_at,
        priced.source_file,
        priced.source_line
    from priced
    left join products
        on priced.sku = products.sku
    left join resolved
        on priced.customer_no = resolved.source_id
        and resolved.source_system = 'erp'
)

select * from final
