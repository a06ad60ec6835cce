{#- Text clean-up used by staging. Engine-specific pieces are dispatched (duckdb__ / default__). -#}

{#- Replace every match of a regular expression (DuckDB needs the 'g' flag; Spark replaces all). -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'customer_warehouse')(expr, pattern, replacement)) }}
{%- endmacro %}

{#- Spark string literals unescape backslashes, so the pattern's backslashes are doubled. -#}
{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Full-width forms U+FF01..U+FF5E and the ideographic space U+3000 to their half-width
    forms: the part of NFKC that matters for company names (DuckDB has no NFKC). U+FF07 and
    U+FF3C are left out on purpose (their half-width forms are a quote and a backslash, which
    are awkward in SQL literals); both are punctuation and are removed by company_name_key. -#}
{% macro fullwidth_to_halfwidth(expr) -%}
    {{ return(adapter.dispatch('fullwidth_to_halfwidth', 'customer_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__fullwidth_to_halfwidth(expr) -%}
    translate({{ expr }}, '！＂＃＄％＆（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~ ')
{%- endmacro %}

{#- DuckDB's translate costs ~2.5 us for a short name whatever it holds (0.48 s for L's 187k CRM names); a
    name with none of the mapped characters (three in four at L) is what translate would return, so only
    a name with one of them (U+FF01..U+FF5E, U+3000: a superset of the mapped ones) is translated. -#}
{% macro duckdb__fullwidth_to_halfwidth(expr) -%}
    case
        when regexp_matches({{ expr }}, '[\x{FF01}-\x{FF5E}\x{3000}]')
            then {{ default__fullwidth_to_halfwidth(expr) }}
        else {{ expr }}
    end
{%- endmacro %}

{#- marts.md normalised company name: half-width, lower case, no whitespace and no Unicode
    punctuation (P*, brackets included), then ONE trailing legal-form suffix removed, tried in
    the contract's order. Empty becomes NULL (an empty name never matches anything). -#}
{% macro company_name_key(expr) -%}
    {{ strip_legal_suffix(squeeze_company_name(expr)) }}
{%- endmacro %}

{#- First half of company_name_key: half-width, lower case, no whitespace or punctuation. -#}
{% macro squeeze_company_name(expr) -%}
    {{ regexp_replace_all('lower(' ~ fullwidth_to_halfwidth(expr) ~ ')', '[\\p{P}\\p{Z}\\s]', '') }}
{%- endmacro %}

{#- Second half of company_name_key: remove one legal-form suffix of a squeezed name; '' -> NULL. -#}
{% macro strip_legal_suffix(squeezed) -%}
    {%- set suffixes = ['股份有限公司', '有限责任公司', '有限公司', '集团', 'coltd', 'companylimited', 'limited', 'ltd', 'inc'] -%}
    nullif(
        case
            {%- for suffix in suffixes %}
            when right({{ squeezed }}, {{ suffix | length }}) = '{{ suffix }}'
                then substr({{ squeezed }}, 1, length({{ squeezed }}) - {{ suffix | length }})
            {%- endfor %}
            else {{ squeezed }}
        end,
        ''
    )
{%- endmacro %}

{#- Digits only. -#}
{% macro digits_only(expr) -%}
    {{ regexp_replace_all(expr, '[^0-9]', '') }}
{%- endmacro %}

{#- sources.md mobile for linking: digits, a leading 86 dropped (13 digits), only an 11-digit
    number starting with 1 is a mobile; anything else is NULL. -#}
{% macro mobile_key(expr) -%}
    {%- set digits = digits_only(expr) -%}
    {%- set national = "case when length(" ~ digits ~ ") = 13 and substr(" ~ digits ~ ", 1, 2) = '86' then substr(" ~ digits ~ ", 3) else " ~ digits ~ " end" -%}
    case
        when length({{ national }}) = 11 and substr({{ national }}, 1, 1) = '1' then {{ national }}
    end
{%- endmacro %}

{#- One canonical phone form: a mobile as 1xxxxxxxxxx, any other number as +86 followed by
    its national digits without the trunk 0 (0512-65238899 and +86 512 6523 8899 both give
    +8651265238899). NULL when there are no digits. -#}
{% macro phone_canonical(expr) -%}
    {%- set digits = digits_only(expr) -%}
    {%- set no_intl = "case when substr(" ~ digits ~ ", 1, 2) = '00' then substr(" ~ digits ~ ", 3) else " ~ digits ~ " end" -%}
    {%- set no_country = "case when substr(" ~ no_intl ~ ", 1, 2) = '86' and length(" ~ no_intl ~ ") >= 12 then substr(" ~ no_intl ~ ", 3) else " ~ no_intl ~ " end" -%}
    case
        when {{ digits }} = '' or {{ digits }} is null then null
        when {{ mobile_key(expr) }} is not null then {{ mobile_key(expr) }}
        when substr({{ no_country }}, 1, 1) = '0' then '+86' || substr({{ no_country }}, 2)
        else '+86' || {{ no_country }}
    end
{%- endmacro %}

{#- Emails compare trimmed, lower case and without any inner whitespace. -#}
{% macro email_clean(expr) -%}
    nullif(lower({{ regexp_replace_all(expr, '\\s', '') }}), '')
{%- endmacro %}

{#- Trimmed text, empty as NULL. -#}
{% macro text_clean(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}
