{#- Shares of marts.md "Needs profile": the rule compares the exact (unrounded) share by
    cross-multiplication, part >= threshold x whole, in DECIMAL arithmetic (no division, no
    float); a share whose whole is not positive (or NULL) is NULL, and a rule on it is false. -#}
{% macro share_at_least(part, whole, threshold) -%}
    coalesce({{ whole }} > 0 and {{ part }} >= {{ threshold }} * {{ whole }}, false)
{%- endmacro %}

{#- The published share: part / whole rounded to `digits` decimals (DOUBLE), NULL when the whole
    is not positive. -#}
{% macro published_share(part, whole, digits=4) -%}
    case
        when {{ whole }} > 0
            then round(cast({{ part }} as double) / cast({{ whole }} as double), {{ digits }})
    end
{%- endmacro %}
