{#- Names of the parameters of seed `classification_rules`, pivoted to one column each by
    int_classification_rules. A parameter missing from the active rule version is caught by
    the test int_classification_rules_parameters_not_null. -#}
{% macro classification_rule_parameters() -%}
    {{ return([
        'tier_a_above', 'tier_b_from', 'high_frequency_above', 'repurchase_min_orders', 'loyal_above',
        'core_orders_from', 'potential_growth_factor', 'new_buyer_days', 'interval_min_dates',
        'overdue_order_factor', 'overdue_order_min_days', 'overdue_order_no_interval_days',
        'drop_min_prior', 'drop_factor', 'drop_prior_periods', 'complaint_min_count', 'overdue_payment_days',
        'weight_overdue_order', 'weight_frequency_drop', 'weight_interaction_drop', 'weight_complaint',
        'weight_overdue_payment', 'band_high_from', 'band_medium_from', 'churned_after_days',
        'dormant_after_days', 'new_within_days', 'credit_high_above', 'credit_medium_above',
        'tier_a_share_min', 'tier_a_share_max',
        'price_discount_share_from', 'price_economy_share_from', 'quality_premium_share_from',
        'line_loyal_share_from', 'line_loyal_orders_from', 'service_requests_from', 'satisfaction_trend_step',
    ]) }}
{%- endmacro %}
