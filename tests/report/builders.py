"""A small serving database with the contract's columns (marts + audit), built in SQL for the tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.audit import ensure_audit_schema

D_PREVIOUS, D_CURRENT = "2025-06-30", "2025-12-31"
EVIL_NAME = "坏<script>alert(1)</script>公司"
CONTACT_EMAIL, CONTACT_MOBILE = "li.lei@example.com", "13812345678"

MARTS_SQL = f"""
create schema if not exists marts;
create or replace table marts.dim_customer as
select * from (values
    ('k1', '苏州华纺有限公司', '91320500MA1XXXXX1', 'apparel', '江苏', '苏州', '王经理', 'key', date '2023-01-05',
     1, 1, 'uscc', '{CONTACT_EMAIL}', '{CONTACT_MOBILE}'),
    ('k2', '杭州丝绸股份有限公司', null, 'home_textile', '浙江', '杭州', '李经理', 'normal', date '2024-02-01', 1, 0,
     'single_source', null, null),
    ('k3', '{EVIL_NAME}', null, 'retail', '广东', '深圳', '赵经理', 'normal', date '2024-03-01', 0, 1, 'single_source',
     null, null),
    ('k4', '北京文具批发', null, 'wholesale', '北京', '北京', '钱经理', 'normal', date '2023-06-01', 1, 1, 'name_city',
     null, null),
    ('k5', '上海新客', null, 'unknown', '上海', '上海', '孙经理', 'prospect', null, 1, 0, 'single_source', null, null)
) as t(customer_key, customer_name, uscc, industry, province, city, sales_owner, account_type, first_order_date,
       n_crm_accounts, n_erp_customers, match_rule, contact_email, contact_mobile);

create or replace table marts.customer_tier as
select customer_key, date '{D_CURRENT}' as as_of_date, cast(revenue_12m as decimal(18, 2)) as revenue_12m,
       orders_12m, repurchase_rate, tier, tier_label, orders_12m > 12 as is_high_frequency,
       coalesce(repurchase_rate > 0.3, false) as is_loyal
from (values
    ('k1', 250000.00, 14, 0.5, 'A', 'high'),
    ('k2', 60000.00, 5, null, 'B', 'mid'),
    ('k3', 1000.00, 1, 0.0, 'C', 'low'),
    ('k4', 0.00, 0, null, 'C', 'low')
) as t(customer_key, revenue_12m, orders_12m, repurchase_rate, tier, tier_label);

create or replace table marts.customer_value as
select customer_key, date '{D_CURRENT}' as as_of_date, cast(revenue_12m as decimal(18, 2)) as revenue_12m,
       cast(revenue_prior_12m as decimal(18, 2)) as revenue_prior_12m,
       cast(gross_profit_12m as decimal(18, 2)) as gross_profit_12m, null::decimal(18, 2) as avg_order_value_12m,
       recency_days, 3 as r_score, 3 as f_score, 3 as m_score, value_class
from (values
    ('k1', 250000.00, 200000.00, 80000.00, 10, 'core'),
    ('k2', 60000.00, 50000.00, 20000.00, 100, 'important'),
    ('k3', 1000.00, 9000.00, 100.00, 200, 'ordinary'),
    ('k4', 0.00, 5000.00, 0.00, 400, 'inactive')
) as t(customer_key, revenue_12m, revenue_prior_12m, gross_profit_12m, recency_days, value_class);

create or replace table marts.customer_churn as
select customer_key, date '{D_CURRENT}' as as_of_date, days_since_last_order, 30 as expected_interval_days,
       0 as orders_last_90d, 0 as orders_prior_270d, 0 as interactions_last_90d, 0 as interactions_prior_270d,
       0 as complaints_last_90d, signal_overdue_order, signal_frequency_drop, false as signal_interaction_drop,
       false as signal_complaint, signal_overdue_payment, churn_risk_score, churn_risk_band, lifecycle_stage
from (values
    ('k1', 10, false, false, false, 0, 'low', 'active'),
    ('k2', 100, true, false, false, 35, 'medium', 'active'),
    ('k3', 200, true, true, false, 60, 'high', 'at_risk'),
    ('k4', 400, true, false, false, 35, 'medium', 'churned')
) as t(customer_key, days_since_last_order, signal_overdue_order, signal_frequency_drop, signal_overdue_payment,
       churn_risk_score, churn_risk_band, lifecycle_stage);

create or replace table marts.customer_credit as
select customer_key, date '{D_CURRENT}' as as_of_date, cast(outstanding_amount as decimal(18, 2)) as outstanding_amount,
       cast(overdue_amount as decimal(18, 2)) as overdue_amount, max_days_overdue, 20.5 as avg_collection_days_12m,
       credit_risk
from (values
    ('k1', 1000.00, 0.00, 0, 'low'),
    ('k2', 20000.00, 15000.00, 45, 'medium'),
    ('k3', 50000.00, 50000.00, 120, 'high')
) as t(customer_key, outstanding_amount, overdue_amount, max_days_overdue, credit_risk);

create or replace table marts.customer_classification as
select dim.customer_key, date '{D_CURRENT}' as as_of_date, tier.tier, tier.tier_label, val.value_class,
       churn.churn_risk_band, coalesce(churn.lifecycle_stage, 'prospect') as lifecycle_stage,
       coalesce(credit.credit_risk, 'low') as credit_risk, tier.customer_key is not null as is_buyer,
       coalesce(tier.revenue_12m, 0) as revenue_12m, 'v1' as rule_version, 'r2' as run_id
from marts.dim_customer as dim
left join marts.customer_tier as tier on tier.customer_key = dim.customer_key
left join marts.customer_value as val on val.customer_key = dim.customer_key
left join marts.customer_churn as churn on churn.customer_key = dim.customer_key
left join marts.customer_credit as credit on credit.customer_key = dim.customer_key;

create or replace table marts.customer_needs as
select customer_key, date '{D_CURRENT}' as as_of_date, primary_need, expected_need,
       case when expected_need is not null and primary_need <> 'general' then primary_need = expected_need end
           as needs_match,
       'v1' as rule_version, 'r2' as run_id
from (values
    ('k1', 'quality', 'quality'),
    ('k2', 'price', 'quality'),
    ('k3', 'price', 'price'),
    ('k4', 'general', 'price')
) as t(customer_key, primary_need, expected_need);

create or replace table marts.customer_actions as
select customer_key, date '{D_CURRENT}' as as_of_date, service_level, next_action, action_priority,
       date '{D_CURRENT}' + cast(days as integer) as action_due_date, owner as action_owner, action_reason,
       'v1' as rule_version, 'r2' as run_id
from (values
    ('k1', 'vip', 'account_review', 8, 90, '王经理', 'value class core (revenue_12m 250000.00)'),
    ('k2', 'priority', 'satisfaction_recovery', 4, 7, '李经理', 'satisfaction falling (3.0 vs 4.0 before)'),
    ('k3', 'standard', 'collect_receivables', 1, 7, '赵经理',
     'credit risk high: 120 days overdue, 50000.00 CNY overdue'),
    ('k4', 'basic', 'win_back', 5, 30, '钱经理', 'churned: 400 days since the last order'),
    ('k5', 'basic', 'qualify_prospect', 9, 30, '孙经理', 'prospect: no counted order on or before the as-of date')
) as t(customer_key, service_level, next_action, action_priority, days, owner, action_reason);

create or replace table marts.customer_classification_history as
select * from marts.customer_classification
union all
select customer_key, date '{D_PREVIOUS}', tier, null, null, null, 'active', 'low', true, 0, 'v1', 'r1'
from (values ('k1', 'B'), ('k2', 'B'), ('k3', 'C'), ('k4', 'C')) as t(customer_key, tier);
"""

AUDIT_SQL = f"""
insert into audit.runs (run_id, as_of_date, started_at, finished_at, status, rule_version, published, message) values
    ('r1', date '{D_PREVIOUS}', timestamp '2025-07-01 02:00:00', timestamp '2025-07-01 02:05:00', 'success', 'v1',
     true, null),
    ('r2', date '{D_CURRENT}', timestamp '2026-01-01 02:00:00', timestamp '2026-01-01 02:05:00', 'success', 'v1',
     true, null),
    ('r3', date '{D_CURRENT}', timestamp '2026-01-02 02:00:00', timestamp '2026-01-02 02:01:00', 'failed', 'v1',
     false, 'gate failed');
insert into audit.load_log (path, feed, sha256, bytes, export_date, rows_read, rows_loaded, rows_quarantined, status,
                            reason, extra_columns, raw_path, run_id, loaded_at) values
    ('erp/order_lines/a.csv', 'order_lines', 'sha-a', 1000, date '2025-12-30', 100, 98, 2, 'loaded', null, null,
     null, 'r2', timestamp '2026-01-01 02:01:00'),
    ('erp/order_lines/b.csv', 'order_lines', 'sha-b', 1000, date '2025-12-31', 50, 50, 0, 'loaded', null, null,
     null, 'r2', timestamp '2026-01-01 02:01:00'),
    ('crm/accounts/a.csv', 'accounts', 'sha-c', 10, date '2025-12-31', null, null, null, 'skipped_duplicate', null,
     null, null, 'r2', timestamp '2026-01-01 02:01:00'),
    ('erp/order_lines/old.csv', 'order_lines', 'sha-o', 10, date '2025-06-30', 7777, 7777, 0, 'loaded', null, null,
     null, 'r1', timestamp '2025-07-01 02:01:00');
insert into audit.check_results values
    ('r2', 'raw/erp/order_lines', 'rows_reconcile', 'error', true, '0', null, timestamp '2026-01-01 02:02:00'),
    ('r2', 'marts/customer_tier', 'unique_customer_key', 'error', true, '0', null, timestamp '2026-01-01 02:02:00'),
    ('r2', 'marts/dim_customer', 'not_null_name', 'error', true, '0', null, timestamp '2026-01-01 02:02:00'),
    ('r2', 'raw/erp/order_lines', 'quarantine_share_small', 'warn', false, '2 rows', 'audit.quarantine',
     timestamp '2026-01-01 02:02:00'),
    ('r3', 'marts/customer_tier', 'r3_only_failure', 'error', false, '5', null, timestamp '2026-01-02 02:00:30');
"""


def build_serving(path: Path, *, with_previous: bool = True) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(MARTS_SQL)
        if not with_previous:
            con.execute(f"delete from marts.customer_classification_history where as_of_date = date '{D_PREVIOUS}'")
        ensure_audit_schema(con)
        con.execute(AUDIT_SQL)
    return path
