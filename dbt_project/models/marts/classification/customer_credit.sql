{#- Receivables as of D for every customer with an invoice dated on or before D. An invoice is
    unpaid as of D when its paid_date is empty or after D. -#}
with

invoices as (
    select * from {{ ref('fct_invoices') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

dated_invoices as (
    select
        invoices.customer_key,
        invoices.invoice_no,
        invoices.invoice_date,
        invoices.due_date,
        invoices.paid_date,
        invoices.amount_cny,
        invoices.paid_date is null or invoices.paid_date > {{ as_of_date() }} as is_unpaid
    from invoices
    where invoices.invoice_date <= {{ as_of_date() }}
      and invoices.customer_key is not null
),

invoice_status as (
    select
        dated_invoices.*,
        dated_invoices.is_unpaid and dated_invoices.due_date < {{ as_of_date() }} as is_overdue,
        case
            when dated_invoices.paid_date is not null
                 and {{ in_classification_window('dated_invoices.paid_date', 'last_12m') }}
                then {{ dbt.datediff('dated_invoices.invoice_date', 'dated_invoices.paid_date', 'day') }}
        end as collection_days
    from dated_invoices
),

per_customer as (
    select
        invoice_status.customer_key,
        count(*) as invoices,
        sum(case when invoice_status.is_unpaid then invoice_status.amount_cny else 0 end) as outstanding_amount,
        sum(case when invoice_status.is_overdue then invoice_status.amount_cny else 0 end) as overdue_amount,
        max(case when invoice_status.is_overdue
            then {{ days_until_as_of('invoice_status.due_date') }}
        end) as max_days_overdue,
        avg(invoice_status.collection_days) as avg_collection_days_12m
    from invoice_status
    group by invoice_status.customer_key
),

final as (
    select
        per_customer.customer_key,
        {{ as_of_date() }} as as_of_date,
        per_customer.invoices,
        cast(per_customer.outstanding_amount as decimal(18, 2)) as outstanding_amount,
        cast(per_customer.overdue_amount as decimal(18, 2)) as overdue_amount,
        cast(coalesce(per_customer.max_days_overdue, 0) as integer) as max_days_overdue,
        per_customer.avg_collection_days_12m,
        case
            when coalesce(per_customer.max_days_overdue, 0) > rules.credit_high_above then 'high'
            when coalesce(per_customer.max_days_overdue, 0) > rules.credit_medium_above then 'medium'
            else 'low'
        end as credit_risk,
        rules.rule_version,
        {{ run_id() }} as run_id
    from per_customer
    cross join rules
)

select * from final
