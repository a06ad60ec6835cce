{{ config(materialized='incremental', unique_key=['order_no', 'line_no']) }}
{#- Latest version of every order line ever loaded (cancelled included, any date; the marts
    apply D). Money is exact DECIMAL arithmetic rounded half away from zero to 0.01.
    Incremental (docs/decisions.md, "Incremental facts"): a run rebuilds the lines whose
    staging row is newer than the newest line built, the lines of customer numbers whose
    customer_key changed (identity clusters merge or split) and the lines of SKUs whose product
    cost or presence changed (a new products snapshot); every other line is as it was. -#}
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

{% if is_incremental() and not incremental_rewrites_table() %}
built_skus as (
    select distinct
        sku,
        unit_cost_cny,
        has_product
    from {{ this }}
),

repriced_skus as (
    select built_skus.sku
    from built_skus
    left join products
        on built_skus.sku = products.sku
    where products.unit_cost_cny is distinct from built_skus.unit_cost_cny
        or (products.sku is not null) <> built_skus.has_product
),
{% endif %}

changed_lines as (
    {{ rows_to_rebuild('order_lines', 'resolved',
                       also_changed='order_lines.sku in (select repriced_skus.sku from repriced_skus)') }}
),

priced as (
    {%- set net_amount = 'changed_lines.quantity * changed_lines.unit_price'
        ~ ' * (1 - changed_lines.discount_rate) * changed_lines.fx_rate' %}
    select
        changed_lines.*,
        {{ money_cny(net_amount) }} as net_amount_cny
    from changed_lines
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
        priced.source_line,
        priced.loaded_at,
        {{ run_id() }} as built_run_id
    from priced
    left join products
        on priced.sku = products.sku
    left join resolved
        on priced.customer_no = resolved.source_id
        and resolved.source_system = 'erp'
)

select * from final
