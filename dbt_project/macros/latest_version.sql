{#- Which raw rows are the current records of a feed (sources.md "Precise readings").
    `snapshot_current` and `incremental_latest` return a select over `relation` (an import CTE
    name) keeping only the winning rows. -#}

{#- Snapshot feed, step 1: the current file of `feed` (a feed name, e.g. 'accounts') from
    `load_log` (an import CTE over source('audit', 'load_log'), one row per landed file): the loaded
    file with the greatest export date (ties: the greater path, then the later load, then the
    sha). A header-only file is loaded too, so when it is the newest it is current - with no rows.
    Returns one row (sha256, export_date, path) or none when the feed has no loaded file. -#}
{% macro snapshot_current_file(load_log, feed) -%}
    select
        sha256,
        export_date,
        path
    from (
        select
            sha256,
            export_date,
            path,
            row_number() over (
                order by export_date desc, path desc, loaded_at desc, sha256 desc
            ) as _file_rank
        from {{ load_log }}
        where feed = '{{ feed }}' and status = 'loaded' and export_date is not null
    ) as ranked_files
    where _file_rank = 1
{%- endmacro %}

{#- Snapshot feed, step 2: the raw rows of `relation` (an import CTE over the feed's raw source)
    that belong to `current_file` (the CTE of step 1), matched on the file's sha256; inside that
    file a key appearing twice keeps its later row. Empty when the current file has no rows. -#}
{% macro snapshot_current(relation, key, current_file) -%}
    {%- set keys = [key] if key is string else key -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ relation }}._file_sha256
                    {%- for k in keys %}, {{ relation }}.{{ k }}{% endfor %}
                order by {{ relation }}._row_number desc
            ) as _key_rank
        from {{ relation }}
        inner join {{ current_file }}
            on {{ relation }}._file_sha256 = {{ current_file }}.sha256
    ) as ranked
    where _key_rank = 1
{%- endmacro %}

{#- Incremental feed: per key the greatest version timestamp (NULL is the smallest), then the
    later export date, then the later file (path, load time), then the later row. Feeds without a
    version column (engagements) pass updated_at=none. -#}
{% macro incremental_latest(relation, key, updated_at=none) -%}
    {%- set keys = [key] if key is string else key -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by
                    {% if updated_at %}{{ updated_at }} desc nulls last,{% endif %}
                    _export_date desc, _file_path desc, _loaded_at desc, _row_number desc
            ) as _version_rank
        from {{ relation }}
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
