{#- Half-open windows that end at the as-of date D (contract README "Words used throughout"):
    a date d is in window (start, end) when D - start days < d <= D - end days. These are
    definitions of the contract's words, not tunable thresholds (those live in the rule seeds). -#}
{% macro classification_window_bounds() -%}
    {{ return({
        'last_12m': [365, 0],
        'prior_12m': [730, 365],
        'last_90d': [90, 0],
        'prior_270d': [360, 90],
        'last_730d': [730, 0],
    }) }}
{%- endmacro %}

{#- D minus `days` days, as a SQL date. -#}
{% macro classification_days_before(days) -%}
    {%- if days == 0 -%}
        {{ as_of_date() }}
    {%- else -%}
        cast({{ dbt.dateadd('day', -days, as_of_date()) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- Boolean SQL expression: `column` lies in the named window. -#}
{% macro in_classification_window(column, window_name) -%}
    {%- set bounds = classification_window_bounds()[window_name] -%}
    ({{ column }} > {{ classification_days_before(bounds[0]) }} and {{ column }} <= {{ classification_days_before(bounds[1]) }})
{%- endmacro %}

{#- Whole days from `earlier` to the as-of date D (D - earlier). -#}
{% macro days_until_as_of(earlier) -%}
    {{ dbt.datediff(earlier, as_of_date(), 'day') }}
{%- endmacro %}
