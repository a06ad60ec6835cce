{#- Unit-test fixture for a raw-zone source (use with `format: sql`, inside {% raw %}).
    dbt cannot read column types of a dbt-duckdb external source for a fixture, and the unit-test
    context has no `graph`, so the raw-zone columns are listed here (business columns; the
    lineage columns are common). tests/dbt/test_core_sources.py checks this list against
    orchestration/feeds.py and the source yml. Every column a row does not give is a typed NULL.
    Usage: rows: "{% raw %}{{ raw_fixture('crm', 'accounts', [{'account_id': 'zcrm_1'}]) }}{% endraw %}" -#}
{% macro raw_fixture(system, feed, rows) -%}
    {%- set columns = raw_feed_columns()[system ~ '.' ~ feed] -%}
    {%- do columns.update({'_file_path': 'varchar', '_file_sha256': 'varchar', '_line_number': 'bigint',
        '_row_number': 'bigint', '_export_date': 'date', '_load_run_id': 'varchar', '_loaded_at': 'timestamp'}) -%}
    {%- for row in rows %}
    select
        {%- for name, type in columns.items() %}
        {%- set value = row.get(name) %}
        cast({{ "null" if value is none else "'" ~ (value | string | replace("'", "''")) ~ "'" }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Raw-zone business columns per feed (= orchestration.feeds.FEEDS[feed].raw_schema()). -#}
{% macro raw_feed_columns() -%}
    {{ return({
        'crm.accounts': {'account_id': 'varchar', 'account_name': 'varchar', 'uscc': 'varchar', 'industry': 'varchar', 'province': 'varchar', 'city': 'varchar', 'account_owner': 'varchar', 'phone': 'varchar', 'email': 'varchar', 'account_type': 'varchar', 'created_time': 'timestamp', 'modified_time': 'timestamp'},
        'crm.contacts': {'contact_id': 'varchar', 'account_id': 'varchar', 'full_name': 'varchar', 'title': 'varchar', 'mobile': 'varchar', 'email': 'varchar', 'wechat_unionid': 'varchar', 'created_time': 'timestamp', 'modified_time': 'timestamp'},
        'crm.activities': {'activity_id': 'varchar', 'account_id': 'varchar', 'contact_id': 'varchar', 'activity_type': 'varchar', 'subject': 'varchar', 'activity_time': 'timestamp', 'owner': 'varchar', 'satisfaction': 'bigint', 'modified_time': 'timestamp'},
        'erp.customers': {'customer_no': 'varchar', 'customer_name': 'varchar', 'tax_id': 'varchar', 'city': 'varchar', 'credit_limit': 'decimal(18,6)', 'payment_terms_days': 'bigint', 'created_on': 'date', 'blocked': 'varchar'},
        'erp.products': {'sku': 'varchar', 'product_name': 'varchar', 'product_line': 'varchar', 'grade': 'varchar', 'unit_cost': 'decimal(18,6)', 'list_price': 'decimal(18,6)'},
        'erp.order_lines': {'order_no': 'varchar', 'line_no': 'varchar', 'customer_no': 'varchar', 'order_date': 'date', 'sku': 'varchar', 'quantity': 'bigint', 'unit_price': 'decimal(18,6)', 'discount_rate': 'decimal(18,6)', 'currency': 'varchar', 'fx_rate': 'decimal(18,6)', 'status': 'varchar', 'updated_at': 'timestamp'},
        'erp.invoices': {'invoice_no': 'varchar', 'customer_no': 'varchar', 'invoice_date': 'date', 'due_date': 'date', 'amount': 'decimal(18,6)', 'currency': 'varchar', 'fx_rate': 'decimal(18,6)', 'paid_date': 'date', 'updated_at': 'timestamp'},
        'social.followers': {'channel': 'varchar', 'user_id': 'varchar', 'unionid': 'varchar', 'nickname': 'varchar', 'mobile': 'varchar', 'followed_at_utc': 'timestamp', 'unfollowed_at_utc': 'timestamp'},
        'social.engagements': {'event_id': 'varchar', 'channel': 'varchar', 'user_id': 'varchar', 'engagement_type': 'varchar', 'text': 'varchar', 'occurred_at_utc': 'timestamp'},
    }) }}
{%- endmacro %}
