{#- The golden record: one row per customer (customer_key). ERP first for the legal name, tax
    id and city; CRM for industry, owner, province, account type and the company phone/email.
    Every attribute takes the first non-NULL value of its system's records ordered by source id
    (deterministic); a mapped industry code wins over `unknown`. -#}
with

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

industry_map as (
    select * from {{ ref('industry_map') }}
),

crm_attributes as (
    select
        resolved.customer_key,
        accounts.account_id,
        accounts.account_name,
        accounts.uscc,
        coalesce(industry_map.industry_code, 'unknown') as industry,
        accounts.province,
        accounts.city,
        accounts.account_owner,
        accounts.account_type,
        accounts.phone,
        accounts.email,
        row_number() over (
            partition by resolved.customer_key
            order by case when industry_map.industry_code is null then 1 else 0 end, accounts.account_id
        ) as industry_rank
    from resolved
    inner join accounts
        on resolved.source_id = accounts.account_id
        and resolved.source_system = 'crm'
    left join industry_map
        on accounts.industry_key = industry_map.industry_text
),

erp_attributes as (
    select
        resolved.customer_key,
        customers.customer_no,
        customers.customer_name,
        customers.tax_id,
        customers.city,
        customers.credit_limit,
        customers.payment_terms_days,
        customers.is_blocked
    from resolved
    inner join customers
        on resolved.source_id = customers.customer_no
        and resolved.source_table = 'customers'
),

crm_golden as (
    select
        customer_key,
        min(account_id) as first_account_id,
        {{ first_value_by('account_name', 'account_id') }} as account_name,
        {{ first_value_by('uscc', 'account_id') }} as uscc,
        max(case when industry_rank = 1 then industry end) as industry,
        {{ first_value_by('province', 'account_id') }} as province,
        {{ first_value_by('city', 'account_id') }} as city,
        {{ first_value_by('account_owner', 'account_id') }} as sales_owner,
        {{ first_value_by('account_type', 'account_id') }} as account_type,
        {{ first_value_by('phone', 'account_id') }} as phone,
        {{ first_value_by('email', 'account_id') }} as email
    from crm_attributes
    group by customer_key
),

erp_golden as (
    select
        customer_key,
        min(customer_no) as first_customer_no,
        {{ first_value_by('customer_name', 'customer_no') }} as customer_name,
        {{ first_value_by('tax_id', 'customer_no') }} as tax_id,
        {{ first_value_by('city', 'customer_no') }} as city,
        {{ first_value_by('credit_limit', 'customer_no') }} as credit_limit,
        {{ first_value_by('payment_terms_days', 'customer_no') }} as payment_terms_days,
        max(case when is_blocked then 1 else 0 end) = 1 as is_blocked
    from erp_attributes
    group by customer_key
),

groups as (
    select
        customer_key,
        min(customer_anchor_id) as customer_anchor_id,
        sum(case when source_system = 'crm' then 1 else 0 end) as n_crm_accounts,
        sum(case when source_system = 'erp' then 1 else 0 end) as n_erp_customers,
        case
            when max(case when match_rule = 'uscc' then 1 else 0 end) = 1 then 'uscc'
            when max(case when match_rule = 'name_city' then 1 else 0 end) = 1 then 'name_city'
            else 'single_source'
        end as match_rule
    from resolved
    group by customer_key
),

final as (
    select
        groups.customer_key,
        groups.customer_anchor_id,
        coalesce(erp_golden.customer_name, crm_golden.account_name) as customer_name,
        coalesce(erp_golden.tax_id, crm_golden.uscc) as uscc,
        coalesce(crm_golden.industry, 'unknown') as industry,
        crm_golden.province,
        coalesce(erp_golden.city, crm_golden.city) as city,
        crm_golden.sales_owner,
        crm_golden.account_type,
        crm_golden.phone,
        crm_golden.email,
        erp_golden.credit_limit,
        erp_golden.payment_terms_days,
        coalesce(erp_golden.is_blocked, false) as is_blocked,
        crm_golden.first_account_id,
        erp_golden.first_customer_no,
        groups.n_crm_accounts,
        groups.n_erp_customers,
        groups.match_rule
    from groups
    left join crm_golden
        on groups.customer_key = crm_golden.customer_key
    left join erp_golden
        on groups.customer_key = erp_golden.customer_key
)

select * from final
