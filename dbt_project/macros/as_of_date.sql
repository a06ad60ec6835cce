{#- The run context: the as-of date D and the orchestrating run's id.

    Both come from the environment (`CW_AS_OF`, `CW_RUN_ID`, set by the Dagster dbt asset for its
    dbt subprocess) rather than from `--vars`: dbt re-parses the whole project whenever `--vars`
    change, but only the few files that read a changed environment variable, so a nightly run keeps
    dbt's partial parse (about 3 s a run). A `--vars` value still wins (unit tests and hand-run
    builds use `{as_of_date: ..., run_id: ...}`); without either, D is the latest order date. -#}
{% macro as_of_date() -%}
    {#- At parse time ref() is called whatever the branch: the DAG (the dependencies of every model
        using D) must not depend on whether D is given, or Dagster's manifest and the running dbt
        disagree on the order of the models. When compiling, only the branch taken calls it (a unit
        test gives D and no order lines). -#}
    {%- if not execute -%}
        {%- do ref('stg_erp__order_lines') -%}
    {%- endif -%}
    {%- set value = var('as_of_date', none) or env_var('CW_AS_OF', '') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        (select max(order_date) from {{ ref('stg_erp__order_lines') }})
    {%- endif -%}
{%- endmacro %}

{% macro run_id() -%}
    '{{ var("run_id", none) or env_var("CW_RUN_ID", "manual") }}'
{%- endmacro %}
