{#- Gate tests of tables that only grow (the incremental facts, the classification history) look at the rows
    written since the last verified build, not at every row every night (docs/decisions.md, "Tests of what a
    build wrote").

    A test opts in with `config: {where: "__written_since_verified_build__(<stamp column>)"}`, the stamp being
    the column each build sets to its run id on every row it writes (`built_run_id`, the history's `run_id`).
    dbt's `where` config is rendered when the project is parsed and cannot call a macro, so it carries this
    marker and dbt's `get_where_subquery` (overridden here, the hook dbt documents for this) turns it into
    the filter when the test executes:

        rows whose stamp is not the id of a run recorded (audit.run_inputs) at or before `CW_VERIFIED_BUILD`

    `CW_VERIFIED_BUILD` is the run whose dbt build of the whole project last succeeded, which an incremental
    run builds on (orchestration/control/plan.py): every gate test passed on every row it held then. By
    induction such a test passing on the rows written since means it passes on the whole table: a row not
    written since is one that passed, and a key or value check involving a written row sees that row (a
    delete+insert build replaces every row of the keys it writes, so a duplicate key has a written row).
    Rows of a failed build, of a hand run (`manual`) or without a stamp are always looked at. Without the
    variable (a full build, a hand run, the Spark build, dbt's own tests) the test looks at every row.

    Only tests that gate (severity error) take the marker: a warning reports the state of the whole table.
    The variable is read only when dbt executes, so it does not cost dbt's partial parse (as_of_date.sql). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set marker = '__written_since_verified_build__(' -%}
    {%- if where and where.startswith(marker) and where.endswith(')') -%}
        {{ return(written_since_verified_build(relation, where[marker | length:-1].strip())) }}
    {%- endif -%}
    {{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}
{%- endmacro %}

{% macro written_since_verified_build(relation, stamp) -%}
    {%- set verified = (env_var('CW_VERIFIED_BUILD', '') if execute else '') | replace("'", "''") -%}
    {%- if verified -%}
    (
        select *
        from {{ relation }}
        where {{ stamp }} is null
            or {{ stamp }} not in (
                select run_id
                from audit.run_inputs
                where recorded_at <= (select recorded_at from audit.run_inputs where run_id = '{{ verified }}')
            )
    ) as dbt_subquery
    {%- else -%}
    {{ relation }}
    {%- endif -%}
{%- endmacro %}
