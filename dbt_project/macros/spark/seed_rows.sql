{#- Seed rows on Spark (issue #15). dbt-spark binds seed values with `%s` formatting in a local session, which
    writes an empty CSV cell (None) as the text 'None' instead of NULL; the rules seeds mean "no value" by an
    empty cell (service_playbook.and_condition, service_levels.value_class, ...). Here every value is a literal
    written into the statement: NULL for an empty cell, else a quoted string cast to the column's type. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
            ({%- for value in row -%}
                {%- set type = column_override.get(agate_table.column_names[loop.index0],
                                                   adapter.convert_type(agate_table, loop.index0)) -%}
                {%- if value is none -%}
                cast(null as {{ spark_type(type) }})
                {%- else -%}
                cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ spark_type(type) }})
                {%- endif -%}{{ ', ' if not loop.last }}
            {%- endfor -%}){{ ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
