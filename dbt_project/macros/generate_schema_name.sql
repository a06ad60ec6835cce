{#- Models land in the schema their folder names (staging, intermediate, marts, audit, rules),
    not in `<target>_<custom>`: BI tools and the publish step address `marts.*` directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
