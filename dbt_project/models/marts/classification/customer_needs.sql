{#- Needs profile (marts.md "Needs profile") for every customer with a counted line on or before D
    (the tier population): price, quality and product-line figures from the purchases of the last
    12 months, service requests and satisfaction from the CRM activities, four flags (thresholds
    from int_classification_rules), the primary need and the need the customer's industry usually
    leads with (seed industry_expected_needs). Rules compare unrounded values; shares are published
    rounded to 4 decimals, satisfaction means to 2. -#}
with

order_metrics as (
    select * from {{ ref('int_customer_order_metrics') }}
),

purchase_mix as (
    select * from {{ ref('int_customer_purchase_mix') }}
),

service_metrics as (
    select * from {{ ref('int_customer_service_metrics') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

expected_needs as (
    select * from {{ ref('industry_expected_needs') }}
),

customer_figures as (
    select
        order_metrics.customer_key,
        order_metrics.orders_12m,
        purchase_mix.list_amount_12m,
        purchase_mix.discount_amount_12m,
        purchase_mix.product_net_12m,
        purchase_mix.premium_net_12m,
        purchase_mix.economy_net_12m,
        case when purchase_mix.product_net_12m > 0 then purchase_mix.top_product_line end as top_product_line,
        purchase_mix.top_line_net_12m,
        coalesce(service_metrics.service_requests_12m, 0) as service_requests_12m,
        service_metrics.satisfaction_sum_12m,
        coalesce(service_metrics.satisfaction_count_12m, 0) as satisfaction_count_12m,
        service_metrics.satisfaction_sum_prior_12m,
        coalesce(service_metrics.satisfaction_count_prior_12m, 0) as satisfaction_count_prior_12m
    from order_metrics
    left join purchase_mix
        on purchase_mix.customer_key = order_metrics.customer_key
    left join service_metrics
        on service_metrics.customer_key = order_metrics.customer_key
),

satisfaction_change as (
    {#- the change of the mean satisfaction times both counts (exact integers): last/n - prior/m
        compared with +-step is (last x m - prior x n) compared with +-step x n x m #}
    select
        customer_figures.*,
        case
            when customer_figures.satisfaction_count_12m > 0 and customer_figures.satisfaction_count_prior_12m > 0
                then customer_figures.satisfaction_sum_12m * customer_figures.satisfaction_count_prior_12m
                     - customer_figures.satisfaction_sum_prior_12m * customer_figures.satisfaction_count_12m
        end as scaled_change,
        customer_figures.satisfaction_count_12m * customer_figures.satisfaction_count_prior_12m as scale
    from customer_figures
),

flagged as (
    select
        satisfaction_change.*,
        {{ share_at_least('satisfaction_change.discount_amount_12m', 'satisfaction_change.list_amount_12m',
                          'rules.price_discount_share_from') }}
        or {{ share_at_least('satisfaction_change.economy_net_12m', 'satisfaction_change.product_net_12m',
                             'rules.price_economy_share_from') }} as is_price_sensitive,
        {{ share_at_least('satisfaction_change.premium_net_12m', 'satisfaction_change.product_net_12m',
                          'rules.quality_premium_share_from') }} as is_quality_seeking,
        {{ share_at_least('satisfaction_change.top_line_net_12m', 'satisfaction_change.product_net_12m',
                          'rules.line_loyal_share_from') }}
        and satisfaction_change.orders_12m >= rules.line_loyal_orders_from as is_line_loyal,
        satisfaction_change.service_requests_12m >= rules.service_requests_from as is_service_intensive,
        case
            when satisfaction_change.scaled_change <= -rules.satisfaction_trend_step * satisfaction_change.scale
                then 'falling'
            when satisfaction_change.scaled_change >= rules.satisfaction_trend_step * satisfaction_change.scale
                then 'rising'
            when satisfaction_change.scaled_change is not null then 'stable'
        end as satisfaction_trend,
        rules.rule_version
    from satisfaction_change
    cross join rules
),

needs as (
    select
        flagged.*,
        case
            when flagged.is_quality_seeking then 'quality'
            when flagged.is_price_sensitive then 'price'
            when flagged.is_line_loyal then 'line_loyal'
            when flagged.is_service_intensive then 'service'
            else 'general'
        end as primary_need
    from flagged
),

final as (
    select
        needs.customer_key,
        {{ as_of_date() }} as as_of_date,
        {{ published_share('needs.discount_amount_12m', 'needs.list_amount_12m') }} as discount_share_12m,
        {{ published_share('needs.premium_net_12m', 'needs.product_net_12m') }} as premium_share_12m,
        {{ published_share('needs.economy_net_12m', 'needs.product_net_12m') }} as economy_share_12m,
        needs.top_product_line,
        {{ published_share('needs.top_line_net_12m', 'needs.product_net_12m') }} as top_line_share_12m,
        needs.service_requests_12m,
        case when needs.satisfaction_count_12m > 0
            then round(cast(needs.satisfaction_sum_12m as double) / needs.satisfaction_count_12m, 2)
        end as avg_satisfaction_12m,
        case when needs.satisfaction_count_prior_12m > 0
            then round(cast(needs.satisfaction_sum_prior_12m as double) / needs.satisfaction_count_prior_12m, 2)
        end as avg_satisfaction_prior_12m,
        needs.satisfaction_trend,
        needs.is_price_sensitive,
        needs.is_quality_seeking,
        needs.is_line_loyal,
        needs.is_service_intensive,
        needs.primary_need,
        expected_needs.expected_need,
        case
            when expected_needs.expected_need is not null and needs.primary_need <> 'general'
                then needs.primary_need = expected_needs.expected_need
        end as needs_match,
        needs.rule_version,
        {{ run_id() }} as run_id
    from needs
    left join customers
        on customers.customer_key = needs.customer_key
    left join expected_needs
        on expected_needs.rule_version = needs.rule_version
        and expected_needs.industry_code = customers.industry
)

select * from final
