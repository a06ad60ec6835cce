{#- Customer-level models rebuilt per customer (docs/decisions.md, "Incremental facts").
    Such a model is a table of one row per customer_key, aggregated from per-customer lines. Besides
    its measures each row carries the state its next build is checked against: `lines_fingerprint`
    (the lines it was aggregated from: their number and an XOR of one mixed 64-bit hash per line) and
    `built_as_of` (the D it was built for). A build that may start from the previous one re-aggregates
    only the customers whose lines' fingerprint changed (new, changed, re-keyed or removed lines: an
    identity merge or split changes the fingerprints of both clusters) or who have a line on a window
    edge that moved between the previous D and this one (either way: D may move back); every other
    customer's row is kept as it was, stamped with this D. Measures that depend on anything else
    (a rule parameter) are named in `rebuild_all`, which rebuilds every customer when it holds.

    The table is rewritten whole each time (a few hundred thousand small rows, ~0.1 s at L), so a
    customer that lost its last line simply is not written again; no delete is needed. -#}

{#- The previous build of this model when this build may start from it, else none: not on a full
    refresh, not on an engine whose incremental builds rewrite tables (Spark), and only when the
    existing table carries the state columns and `also_requires` (the columns `rebuild_all` reads). -#}
{% macro previous_customer_build(also_requires=[]) -%}
    {%- if not execute or this is none or should_full_refresh() or incremental_rewrites_table() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if previous is none or not previous.is_table -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(previous) | map(attribute='name') | list -%}
    {%- for column in ['customer_key', 'lines_fingerprint', 'built_as_of'] + also_requires -%}
        {%- if column not in columns -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(previous) }}
{%- endmacro %}

{#- Aggregate: the fingerprint of a customer's lines (`columns`: everything of a line its measures read). -#}
{% macro lines_fingerprint(columns) -%}
    {{ return(adapter.dispatch('lines_fingerprint', 'customer_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__lines_fingerprint(columns) -%}
    cast(count(*) as string) || '/' || cast(bit_xor(xxhash64({{ columns | join(', ') }})) as string)
{%- endmacro %}

{#- DuckDB's hash of several values is XOR-linear in the last one (hash(a, x) xor hash(b, x) does not
    depend on x), so an XOR over rows of it cancels a change of the last column on an even number of
    rows: each row's hash is hashed again (a non-linear mix) before the XOR. -#}
{% macro duckdb__lines_fingerprint(columns) -%}
    cast(count(*) as varchar) || '/' || cast(bit_xor(hash(hash({{ columns | join(', ') }}))) as varchar)
{%- endmacro %}

{#- Aggregate: whether any of a customer's lines is dated on a window edge that moved between the previous
    build's D (`previous_as_of`, a column of a one-row relation joined to the lines) and this one. The
    edges are those of classification_window_bounds: a line dated in (P - k, D - k] or (D - k, P - k] for
    an edge k may have entered or left a window (either way: D may move back). -#}
{% macro on_moved_window_edge(date_column, previous_as_of) -%}
    {%- set edges = classification_window_bounds().values() | sum(start=[]) | unique | sort -%}
    bool_or(
    {%- for days in edges %}
        {%- set now_edge = classification_days_before(days) -%}
        {%- set previous_edge = 'cast(' ~ dbt.dateadd('day', -days, previous_as_of) ~ ' as date)' %}
        ({{ date_column }} > least({{ previous_edge }}, {{ now_edge }})
            and {{ date_column }} <= greatest({{ previous_edge }}, {{ now_edge }}))
        {%- if not loop.last %}
        or{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{#- The customer_keys to aggregate again: `previous` (the previous build's relation), `fingerprints`
    (customer_key, lines_fingerprint and on_moved_edge (on_moved_window_edge) of every customer with a
    line now), `rebuild_all` (a SQL condition: every customer). A customer that lost its last line is
    in `previous` only: its fingerprint differs (none now). -#}
{% macro customers_to_rebuild(previous, fingerprints, rebuild_all='false') -%}
    select coalesce(now_built.customer_key, previous_built.customer_key) as customer_key
    from {{ fingerprints }} as now_built
    full join {{ previous }} as previous_built
        on now_built.customer_key = previous_built.customer_key
    where now_built.lines_fingerprint is distinct from previous_built.lines_fingerprint
        or coalesce(now_built.on_moved_edge, false)
        or ({{ rebuild_all }})
{%- endmacro %}

