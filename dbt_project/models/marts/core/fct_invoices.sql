{{ config(materialized='incremental', unique_key='invoice_no') }}
{#- Latest version of every invoice; amount_cny = amount x fx_rate, rounded half away from zero.
    Incremental (docs/decisions.md, "Incremental facts"): a run rebuilds the invoices whose staging
    row is newer than the newest invoice built and those of customer numbers whose customer_key
    changed; every other invoice is as it was. -#}
with

invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

changed_invoices as (
    {{ rows_to_rebuild('invoices', 'resolved') }}
),

final as (
    select
        changed_invoices.invoice_no,
        resolved.customer_key,
        changed_invoices.customer_no,
        changed_invoices.invoice_date,
        changed_invoices.due_date,
        changed_invoices.amount,
        changed_invoices.currency,
        changed_invoices.fx_rate,
        {{ money_cny('changed_invoices.amount * changed_invoices.fx_rate') }} as amount_cny,
        changed_invoices.paid_date,
        changed_invoices.updated_at,
        changed_invoices.source_file,
        changed_invoices.source_line,
        changed_invoices.loaded_at,
        {{ run_id() }} as built_run_id
    from changed_invoices
    left join resolved
        on changed_invoices.customer_no = resolved.source_id
        and resolved.source_system = 'erp'
)

select * from final
