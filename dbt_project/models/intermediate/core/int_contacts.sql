{#- Contacts of the current snapshot with the customer of their account (NULL when the account
    is not in the current accounts snapshot). Holds PII: stays in the working warehouse. -#}
with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

resolved as (
    select * from {{ ref('int_identity_resolved') }}
),

final as (
    select
        contacts.contact_id,
        contacts.account_id,
        resolved.customer_key,
        contacts.full_name,
        contacts.title,
        contacts.mobile,
        contacts.mobile_key,
        contacts.email,
        contacts.wechat_unionid
    from contacts
    left join resolved
        on contacts.account_id = resolved.source_id
        and resolved.source_system = 'crm'
)

select * from final
