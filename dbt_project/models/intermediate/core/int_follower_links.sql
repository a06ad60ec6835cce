{#- Follower -> contact -> customer (sources.md). A follower belongs to the contact whose WeChat
    UnionID equals its unionid; otherwise to the contact with the same normalised mobile. When
    several contacts share the union id or mobile, the smallest Contact ID wins. A union-id
    match decides even when that contact has no current customer. Unlinked followers are kept. -#}
with

followers as (
    select * from {{ ref('stg_social__followers') }}
),

contacts as (
    select * from {{ ref('int_contacts') }}
),

contact_by_unionid as (
    select
        contacts.wechat_unionid,
        min(contacts.contact_id) as contact_id
    from contacts
    where contacts.wechat_unionid is not null
    group by contacts.wechat_unionid
),

contact_by_mobile as (
    select
        contacts.mobile_key,
        min(contacts.contact_id) as contact_id
    from contacts
    where contacts.mobile_key is not null
    group by contacts.mobile_key
),

matched as (
    select
        followers.channel,
        followers.user_id,
        contact_by_unionid.contact_id as unionid_contact_id,
        contact_by_mobile.contact_id as mobile_contact_id
    from followers
    left join contact_by_unionid
        on followers.unionid = contact_by_unionid.wechat_unionid
    left join contact_by_mobile
        on followers.mobile_key = contact_by_mobile.mobile_key
),

final as (
    select
        matched.channel,
        matched.user_id,
        coalesce(matched.unionid_contact_id, matched.mobile_contact_id) as contact_id,
        case
            when matched.unionid_contact_id is not null then 'unionid'
            when matched.mobile_contact_id is not null then 'mobile'
            else 'unlinked'
        end as link_rule,
        contacts.account_id,
        contacts.customer_key
    from matched
    left join contacts
        on coalesce(matched.unionid_contact_id, matched.mobile_contact_id) = contacts.contact_id
)

select * from final
