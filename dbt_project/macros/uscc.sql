{#- GB 32100-2015 Unified Social Credit Code. `code` must already be trimmed and upper-cased.
    Valid = 18 characters of the charset 0-9 A-H J-N P-R T U W-Y and the 18th is the check
    character (31 - sum(weight_i * value_i) mod 31) mod 31 of the first 17. -#}
{% macro uscc_charset() -%}0123456789ABCDEFGHJKLMNPQRTUWXY{%- endmacro %}

{% macro uscc_is_valid(code) -%}
    {%- set charset = uscc_charset() -%}
    {%- set weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] -%}
    coalesce(
        length({{ code }}) = 18
        {%- for position in range(1, 19) %}
        and instr('{{ charset }}', substr({{ code }}, {{ position }}, 1)) > 0
        {%- endfor %}
        and substr('{{ charset }}', (31 - (
            {%- for weight in weights %}
            {{ weight }} * (instr('{{ charset }}', substr({{ code }}, {{ loop.index }}, 1)) - 1){{ ' +' if not loop.last }}
            {%- endfor %}
        ) % 31) % 31 + 1, 1) = substr({{ code }}, 18, 1),
        false
    )
{%- endmacro %}

{#- The valid code (trimmed, upper-cased) or NULL. -#}
{% macro uscc_clean(expr) -%}
    case when {{ uscc_is_valid('upper(trim(' ~ expr ~ '))') }} then upper(trim({{ expr }})) end
{%- endmacro %}

{#- True when a non-empty code was given but fails the checksum (reported, treated as absent). -#}
{% macro uscc_invalid(expr) -%}
    (nullif(trim({{ expr }}), '') is not null and not {{ uscc_is_valid('upper(trim(' ~ expr ~ '))') }})
{%- endmacro %}
