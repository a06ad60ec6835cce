{#- The vocabulary of the service playbook (seed service_playbook, column `condition` and
    `and_condition`): each name is a predicate on one customer's facts, implemented once here,
    with the short text that names the facts when it fires (customer_actions.action_reason).

    `facts` is the alias of a relation with one row per customer and the columns of
    customer_actions' `facts` CTE (classification, churn signals, needs, credit, value). A
    condition on a NULL field is false (marts.md "Precise readings"): every predicate is wrapped
    in coalesce(..., false) by playbook_condition_holds. Adding a name here makes it usable in the
    seed (its accepted_values test reads playbook_condition_names). -#}
{% macro playbook_conditions(facts) -%}
    {%- set f = facts ~ '.' -%}
    {%- set text = dbt.type_string() -%}
    {%- set signal_names = {
        'signal_overdue_order': 'overdue order',
        'signal_frequency_drop': 'fewer orders',
        'signal_interaction_drop': 'fewer interactions',
        'signal_complaint': 'complaint',
        'signal_overdue_payment': 'overdue payment',
    } -%}
    {%- set fired_signals -%}
        concat_ws(', '
        {%- for column, label in signal_names.items() %},
            case when {{ f }}{{ column }} then '{{ label }}' end
        {%- endfor %})
    {%- endset -%}
    {%- set credit_reason -%}
        'credit risk ' || {{ f }}credit_risk || ': ' || cast({{ f }}max_days_overdue as {{ text }})
        || ' days overdue, ' || cast({{ f }}overdue_amount as {{ text }}) || ' CNY overdue'
    {%- endset -%}
    {%- set churn_reason -%}
        'churn risk ' || {{ f }}churn_risk_band || ' (score ' || cast({{ f }}churn_risk_score as {{ text }})
        || ': ' || {{ fired_signals }} || ')'
    {%- endset -%}
    {%- set satisfaction_reason -%}
        'satisfaction falling (' || cast({{ f }}avg_satisfaction_12m as {{ text }}) || ' in the last 12 months vs '
        || cast({{ f }}avg_satisfaction_prior_12m as {{ text }}) || ' before)'
    {%- endset -%}
    {%- set complaint_reason -%}
        cast({{ f }}complaints_last_90d as {{ text }}) || ' complaint(s) in the last 90 days'
    {%- endset -%}
    {%- set value_reason -%}
        'value class ' || {{ f }}value_class || ' (revenue_12m ' || cast({{ f }}revenue_12m as {{ text }})
        || ', prior 12 months ' || cast({{ f }}revenue_prior_12m as {{ text }})
        || coalesce(', first order ' || cast({{ f }}first_order_date as {{ text }}), '') || ')'
    {%- endset -%}
    {{ return({
        'credit_risk_high': {
            'when': f ~ "credit_risk = 'high'",
            'reason': credit_reason,
        },
        'credit_risk_medium': {
            'when': f ~ "credit_risk = 'medium'",
            'reason': credit_reason,
        },
        'churn_band_high': {
            'when': f ~ "churn_risk_band = 'high'",
            'reason': churn_reason,
        },
        'churn_band_medium': {
            'when': f ~ "churn_risk_band = 'medium'",
            'reason': churn_reason,
        },
        'value_core_or_important': {
            'when': f ~ "value_class in ('core', 'important')",
            'reason': value_reason,
        },
        'value_core': {'when': f ~ "value_class = 'core'", 'reason': value_reason},
        'value_important': {'when': f ~ "value_class = 'important'", 'reason': value_reason},
        'value_potential': {'when': f ~ "value_class = 'potential'", 'reason': value_reason},
        'value_ordinary': {'when': f ~ "value_class = 'ordinary'", 'reason': value_reason},
        'value_inactive': {'when': f ~ "value_class = 'inactive'", 'reason': value_reason},
        'satisfaction_falling_or_complaint': {
            'when': f ~ "satisfaction_trend = 'falling' or " ~ f ~ "signal_complaint",
            'reason': "concat_ws('; ', case when " ~ f ~ "satisfaction_trend = 'falling' then "
                      ~ satisfaction_reason ~ " end, case when " ~ f ~ "signal_complaint then "
                      ~ complaint_reason ~ " end)",
        },
        'satisfaction_falling': {
            'when': f ~ "satisfaction_trend = 'falling'",
            'reason': satisfaction_reason,
        },
        'complaint_signal': {'when': f ~ "signal_complaint", 'reason': complaint_reason},
        'lifecycle_dormant_or_churned': {
            'when': f ~ "lifecycle_stage in ('dormant', 'churned')",
            'reason': f ~ "lifecycle_stage || ': ' || cast(" ~ f ~ "days_since_last_order as " ~ text ~ ")"
                      ~ " || ' days since the last order'",
        },
        'lifecycle_new': {
            'when': f ~ "lifecycle_stage = 'new'",
            'reason': "'new: first order on ' || cast(" ~ f ~ "first_order_date as " ~ text ~ ")",
        },
        'lifecycle_at_risk': {
            'when': f ~ "lifecycle_stage = 'at_risk'",
            'reason': churn_reason,
        },
        'lifecycle_prospect': {
            'when': f ~ "lifecycle_stage = 'prospect'",
            'reason': "'prospect: no counted order on or before the as-of date'",
        },
        'always': {'when': 'true', 'reason': "''"},
    }) }}
{%- endmacro %}

{#- The vocabulary's names (the seed's accepted values). -#}
{% macro playbook_condition_names() -%}
    {{ return(playbook_conditions('facts').keys() | list) }}
{%- endmacro %}

{#- Boolean SQL: the condition named by the SQL expression `name` holds for `facts` (false for an
    unknown name or a condition on NULL fields). -#}
{% macro playbook_condition_holds(name, facts) -%}
    coalesce(case {{ name }}
    {%- for condition, spec in playbook_conditions(facts).items() %}
        when '{{ condition }}' then {{ spec.when }}
    {%- endfor %}
    end, false)
{%- endmacro %}

{#- Text SQL: the facts that make the condition named by `name` hold ('' when it names none). -#}
{% macro playbook_condition_reason(name, facts) -%}
    coalesce(case {{ name }}
    {%- for condition, spec in playbook_conditions(facts).items() %}
        when '{{ condition }}' then {{ spec.reason }}
    {%- endfor %}
    end, '')
{%- endmacro %}
