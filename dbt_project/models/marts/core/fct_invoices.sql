{#- Latest version of every invoice; amount_cny = amount x fx_rate, rounded half away from zero. -#}
with

invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

final as (
    select
        invoices.invoice_no,
        resolved.customer_key,
        invoices.customer_no,
        invoices.invoice_date,
        invoices.due_date,
        invoices.amount,
        invoices.currency,
        invoices.fx_rate,
        {{ money_cny('invoices.amount * invoices.fx_rate') }} as amount_cny,
        invoices.paid_date,
        invoices.updated_at,
        invoices.source_file,
        invoices.source_line
    from invoices
    left join resolved
        on invoices.customer_no = resolved.source_id
        and resolved.source_system = 'erp'
)

select * from final
