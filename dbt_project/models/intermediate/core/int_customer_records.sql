{#- Identity step 1: every source record that can make a customer (marts.md "Identity").
    CRM accounts and ERP customers of the current snapshots, plus customer_nos that order lines
    or invoices name but the current ERP snapshot lacks (a customer of their own). -#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

crm_records as (
    select
        'crm' as source_system,
        'accounts' as source_table,
        accounts.account_id as source_id,
        accounts.account_name as record_name,
        accounts.account_name_key as name_key,
        accounts.city,
        accounts.uscc,
        accounts.uscc_invalid
    from accounts
),

erp_records as (
    select
        'erp' as source_system,
        'customers' as source_table,
        customers.customer_no as source_id,
        customers.customer_name as record_name,
        customers.customer_name_key as name_key,
        customers.city,
        customers.tax_id as uscc,
        customers.uscc_invalid
    from customers
),

referenced_customer_nos as (
    select order_lines.customer_no
    from order_lines
    union
    select invoices.customer_no
    from invoices
    where invoices.customer_no is not null
),

orphan_records as (
    select
        'erp' as source_system,
        'order_lines/invoices' as source_table,
        referenced_customer_nos.customer_no as source_id,
        cast(null as {{ dbt.type_string() }}) as record_name,
        cast(null as {{ dbt.type_string() }}) as name_key,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as uscc,
        false as uscc_invalid
    from referenced_customer_nos
    left join customers
        on referenced_customer_nos.customer_no = customers.customer_no
    where customers.customer_no is null
),

final as (
    select * from crm_records
    union all
    select * from erp_records
    union all
    select * from orphan_records
)

select * from final
