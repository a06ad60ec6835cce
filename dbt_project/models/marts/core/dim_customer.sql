{#- One row per current customer (marts.md "Identity"). first_order_date is the first counted
    order (an order with a counted line of quantity > 0) dated on or before D. No PII. -#}
with

customers as (
    select * from {{ ref('int_customers') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

first_orders as (
    select
        order_lines.customer_key,
        min(order_lines.order_date) as first_order_date
    from order_lines
    where order_lines.is_counted
      and order_lines.quantity > 0
      and order_lines.order_date <= {{ as_of_date() }}
    group by order_lines.customer_key
),

final as (
    select
        customers.customer_key,
        customers.customer_name,
        customers.uscc,
        customers.industry,
        customers.province,
        customers.city,
        customers.sales_owner,
        customers.account_type,
        first_orders.first_order_date,
        customers.n_crm_accounts,
        customers.n_erp_customers,
        customers.match_rule,
        customers.phone as company_phone,
        customers.credit_limit,
        customers.payment_terms_days,
        customers.is_blocked,
        customers.customer_anchor_id
    from customers
    left join first_orders
        on customers.customer_key = first_orders.customer_key
)

select * from final
