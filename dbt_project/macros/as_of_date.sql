{#- The run context: the as-of date D and the orchestrating run's id.

    Both come from the environment (`CW_AS_OF`, `CW_RUN_ID`, set by the Dagster dbt asset for its
    dbt subprocess from the run plan) rather than from `--vars`: dbt re-parses the whole project
    whenever `--vars` change, but only the few files that read a changed environment variable, so a
    nightly run keeps dbt's partial parse. A `--vars` value still wins (unit tests and hand-run builds
    use `{as_of_date: ..., run_id: ...}`).

    D has one fallback rule, in one place, and it is not here: the run plan
    (orchestration/control/as_of.py) fixes D before dbt starts. A build without D fails at once
    rather than guessing one. -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) or env_var('CW_AS_OF', '') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- elif execute -%}
        {{ exceptions.raise_compiler_error("no as-of date: set CW_AS_OF or --vars '{as_of_date: YYYY-MM-DD}' "
                                           "(the pipeline sets it from the run plan)") }}
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}

{% macro run_id() -%}
    '{{ var("run_id", none) or env_var("CW_RUN_ID", "manual") }}'
{%- endmacro %}
