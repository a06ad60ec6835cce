{#- The run context: the as-of date D and the orchestrating run's id.

    Both come from the environment (`CW_AS_OF`, `CW_RUN_ID`, set by the Dagster dbt asset for its
    dbt subprocess from the run plan) rather than from `--vars`: dbt re-parses the whole project
    whenever `--vars` change. The environment is read only when dbt executes (`execute`), never while
    it parses: dbt re-parses every file that read an environment variable at parse time once the
    variable's value changes (the eleven models that call these macros, ~1.3 s every night), while a
    value read at execution is not recorded, so a nightly run re-parses nothing. Parsing needs no D:
    it renders these macros to a NULL of the right type. A `--vars` value still wins (unit tests and
    hand-run builds use `{as_of_date: ..., run_id: ...}`).

    D has one fallback rule, in one place, and it is not here: the run plan
    (orchestration/control/as_of.py) fixes D before dbt starts. A build without D fails at once
    rather than guessing one. -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) or (env_var('CW_AS_OF', '') if execute else '') -%}
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
    '{{ var("run_id", none) or (env_var("CW_RUN_ID", "manual") if execute else "manual") }}'
{%- endmacro %}
