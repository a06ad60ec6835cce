{#- Churn early warning for every customer with a counted line on or before D: five signals, a
    weighted score (weights from the rules), a band and the lifecycle stage. -#}
with

order_metrics as (
    select * from {{ ref('int_customer_order_metrics') }}
),

interaction_metrics as (
    select * from {{ ref('int_customer_interaction_metrics') }}
),

credit as (
    select * from {{ ref('customer_credit') }}
),

rules as (
    select * from {{ ref('int_classification_rules') }}
),

customer_metrics as (
    select
        order_metrics.customer_key,
        order_metrics.first_order_date,
        order_metrics.last_order_date,
        {{ days_until_as_of('order_metrics.last_order_date') }}
            as days_since_last_order,
        {{ days_until_as_of('order_metrics.first_order_date') }}
            as days_since_first_order,
        case
            when order_metrics.order_dates_730d >= rules.interval_min_dates
                then cast(order_metrics.median_gap_days_730d as double)
        end as expected_interval_days,
        order_metrics.order_dates_730d,
        order_metrics.orders_last_90d,
        order_metrics.orders_prior_270d,
        coalesce(interaction_metrics.interactions_last_90d, 0) as interactions_last_90d,
        coalesce(interaction_metrics.interactions_prior_270d, 0) as interactions_prior_270d,
        coalesce(interaction_metrics.complaints_last_90d, 0) as complaints_last_90d,
        coalesce(credit.max_days_overdue, 0) as max_days_overdue
    from order_metrics
    cross join rules
    left join interaction_metrics
        on interaction_metrics.customer_key = order_metrics.customer_key
    left join credit
        on credit.customer_key = order_metrics.customer_key
),

signals as (
    select
        customer_metrics.*,
        coalesce(
            case
                when customer_metrics.expected_interval_days is not null
                    then customer_metrics.days_since_last_order
                         > rules.overdue_order_factor * customer_metrics.expected_interval_days
                         and customer_metrics.days_since_last_order > rules.overdue_order_min_days
                else customer_metrics.days_since_last_order > rules.overdue_order_no_interval_days
            end,
            false
        ) as signal_overdue_order,
        customer_metrics.orders_prior_270d >= rules.drop_min_prior
        and customer_metrics.orders_last_90d
            < rules.drop_factor * customer_metrics.orders_prior_270d / rules.drop_prior_periods
            as signal_frequency_drop,
        customer_metrics.interactions_prior_270d >= rules.drop_min_prior
        and customer_metrics.interactions_last_90d
            < rules.drop_factor * customer_metrics.interactions_prior_270d / rules.drop_prior_periods
            as signal_interaction_drop,
        customer_metrics.complaints_last_90d >= rules.complaint_min_count as signal_complaint,
        customer_metrics.max_days_overdue > rules.overdue_payment_days as signal_overdue_payment
    from customer_metrics
    cross join rules
),

scored as (
    select
        signals.*,
        cast(
            case when signals.signal_overdue_order then rules.weight_overdue_order else 0 end
            + case when signals.signal_frequency_drop then rules.weight_frequency_drop else 0 end
            + case when signals.signal_interaction_drop then rules.weight_interaction_drop else 0 end
            + case when signals.signal_complaint then rules.weight_complaint else 0 end
            + case when signals.signal_overdue_payment then rules.weight_overdue_payment else 0 end
            as integer
        ) as churn_risk_score
    from signals
    cross join rules
),

banded as (
    select
        scored.*,
        case
            when scored.churn_risk_score >= rules.band_high_from then 'high'
            when scored.churn_risk_score >= rules.band_medium_from then 'medium'
            else 'low'
        end as churn_risk_band
    from scored
    cross join rules
),

staged as (
    select
        banded.*,
        case
            when banded.days_since_last_order > rules.churned_after_days then 'churned'
            when banded.days_since_last_order > rules.dormant_after_days then 'dormant'
            when banded.days_since_first_order < rules.new_within_days then 'new'
            when banded.churn_risk_band = 'high' then 'at_risk'
            else 'active'
        end as lifecycle_stage,
        rules.rule_version
    from banded
    cross join rules
),

final as (
    select
        staged.customer_key,
        {{ as_of_date() }} as as_of_date,
        staged.first_order_date,
        staged.last_order_date,
        staged.days_since_last_order,
        staged.expected_interval_days,
        staged.order_dates_730d,
        staged.orders_last_90d,
        staged.orders_prior_270d,
        staged.interactions_last_90d,
        staged.interactions_prior_270d,
        staged.complaints_last_90d,
        staged.max_days_overdue,
        staged.signal_overdue_order,
        staged.signal_frequency_drop,
        staged.signal_interaction_drop,
        staged.signal_complaint,
        staged.signal_overdue_payment,
        staged.churn_risk_score,
        staged.churn_risk_band,
        staged.lifecycle_stage,
        staged.rule_version,
        {{ run_id() }} as run_id
    from staged
)

select * from final
