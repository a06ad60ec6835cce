{#- Per-customer purchase mix of the last 12 months for the needs profile (marts.md "Needs
    profile"). Purchases = counted lines (open/shipped/returned) with quantity > 0 dated in the
    last 12 months; a line's product is its SKU in the current products snapshot (as for gross
    profit). Exact DECIMAL sums; customer_needs turns them into shares and flags. One row per
    customer with at least one purchase. -#}
with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

purchases as (
    select
        order_lines.customer_key,
        order_lines.quantity * order_lines.unit_price * order_lines.fx_rate as list_amount_cny,
        order_lines.quantity * order_lines.unit_price * order_lines.discount_rate * order_lines.fx_rate
            as discount_amount_cny,
        order_lines.net_amount_cny,
        products.sku is not null as has_product,
        products.grade,
        products.product_line
    from order_lines
    left join products
        on order_lines.sku = products.sku
    where order_lines.is_counted
      and order_lines.quantity > 0
      and order_lines.customer_key is not null
      and {{ in_classification_window('order_lines.order_date', 'last_12m') }}
),

{# One aggregation over the purchases, per customer and product line; customer totals and line totals are
   rolled up from it (read twice, the purchases were held in memory: DuckDB's buffer peak 2.4 GB at L, now
   1.15 GB). Sums of exact DECIMAL sums are exact. #}
customer_line_sums as (
    select
        purchases.customer_key,
        purchases.has_product,
        purchases.product_line,
        count(*) as purchase_lines,
        sum(purchases.list_amount_cny) as list_amount,
        sum(purchases.discount_amount_cny) as discount_amount,
        sum(purchases.net_amount_cny) as net_amount,
        sum(case when purchases.grade = 'premium' then purchases.net_amount_cny else 0 end) as premium_net,
        sum(case when purchases.grade = 'economy' then purchases.net_amount_cny else 0 end) as economy_net
    from purchases
    group by purchases.customer_key, purchases.has_product, purchases.product_line
),

purchase_totals as (
    select
        customer_line_sums.customer_key,
        cast(sum(customer_line_sums.purchase_lines) as bigint) as purchase_lines_12m,
        sum(customer_line_sums.list_amount) as list_amount_12m,
        sum(customer_line_sums.discount_amount) as discount_amount_12m,
        sum(case when customer_line_sums.has_product then customer_line_sums.net_amount else 0 end)
            as product_net_12m,
        sum(case when customer_line_sums.has_product then customer_line_sums.premium_net else 0 end)
            as premium_net_12m,
        sum(case when customer_line_sums.has_product then customer_line_sums.economy_net else 0 end)
            as economy_net_12m
    from customer_line_sums
    group by customer_line_sums.customer_key
),

line_totals as (
    {#- a product without a product_line is in the denominator of the shares, but is no line #}
    select
        customer_line_sums.customer_key,
        customer_line_sums.product_line,
        customer_line_sums.net_amount as line_net_12m
    from customer_line_sums
    where customer_line_sums.has_product
      and customer_line_sums.product_line is not null
),

ranked_lines as (
    select
        line_totals.customer_key,
        line_totals.product_line,
        line_totals.line_net_12m,
        row_number() over (
            partition by line_totals.customer_key
            order by line_totals.line_net_12m desc, line_totals.product_line asc
        ) as line_rank
    from line_totals
),

top_lines as (
    select
        ranked_lines.customer_key,
        ranked_lines.product_line as top_product_line,
        ranked_lines.line_net_12m as top_line_net_12m
    from ranked_lines
    where ranked_lines.line_rank = 1
),

final as (
    select
        purchase_totals.customer_key,
        purchase_totals.purchase_lines_12m,
        purchase_totals.list_amount_12m,
        purchase_totals.discount_amount_12m,
        cast(purchase_totals.product_net_12m as decimal(18, 2)) as product_net_12m,
        cast(purchase_totals.premium_net_12m as decimal(18, 2)) as premium_net_12m,
        cast(purchase_totals.economy_net_12m as decimal(18, 2)) as economy_net_12m,
        top_lines.top_product_line,
        cast(top_lines.top_line_net_12m as decimal(18, 2)) as top_line_net_12m
    from purchase_totals
    left join top_lines
        on top_lines.customer_key = purchase_totals.customer_key
)

select * from final
