"""The code location loads and holds what the Dagster UI must show."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.feeds import FEEDS


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import build_definitions

    return build_definitions()


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def test_one_ingestion_asset_per_feed_in_the_landing_group(graph):
    for spec in FEEDS.values():
        key = dg.AssetKey(["raw", spec.system, spec.name])
        assert graph.get(key).group_name == "landing"


def test_dbt_models_hang_off_their_raw_feed(graph):
    stg = graph.get(dg.AssetKey(["staging", "stg_erp__order_lines"]))
    assert dg.AssetKey(["raw", "erp", "order_lines"]) in stg.parent_keys
    assert stg.group_name == "staging"


def test_every_contract_mart_is_an_asset_upstream_of_publish(graph):
    publish = graph.get(dg.AssetKey(["publish", "serving_database"]))
    for table in ("dim_customer", "fct_order_lines", "fct_invoices", "fct_interactions", "customer_tier",
                  "customer_value", "customer_churn", "customer_credit", "customer_classification",
                  "customer_classification_history", "segment_summary", "dim_customer_history", "customer_needs",
                  "customer_actions", "customer_profile"):
        key = dg.AssetKey(["marts", table])
        assert graph.get(key).group_name == "marts"
        assert key in publish.parent_keys
    assert dg.AssetKey(["audit", "identity_map"]) in publish.parent_keys


def test_groups_are_the_layers(graph):
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys() if graph.has(key)
              and graph.get(key).is_materializable}
    assert groups == {"landing", "staging", "intermediate", "marts", "rules", "publish"}


def test_assets_have_descriptions_owners_and_kinds(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assert node.description, key
        assert node.owners, key
        assert node.kinds, key


def test_checks_cover_raw_feeds_marts_and_dbt_tests(graph):
    check_keys = graph.asset_check_keys
    names = {(k.asset_key.to_user_string(), k.name) for k in check_keys}
    assert ("raw/erp/order_lines", "gx_error") in names
    assert ("raw/erp/order_lines", "quarantine_rate") in names
    assert ("marts/fct_order_lines", "net_amount_reconciles") in names
    assert any(asset == "marts/customer_tier" and "accepted_values" in name for asset, name in names)


def test_job_schedule_and_sensors(defs):
    job = defs.resolve_job_def("nightly_classification")
    assert job.executor_def.name == "in_process"
    schedule = defs.resolve_schedule_def("nightly_classification_schedule")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Asia/Shanghai"
    assert defs.resolve_sensor_def("landing_files_sensor").minimum_interval_seconds == 60
    assert defs.resolve_sensor_def("nightly_failure_alert") is not None


def test_a_fresh_clone_parses_dbt_without_dbt_on_path():
    """`make run` does not activate the venv: a missing or stale manifest is rebuilt with the venv's dbt."""
    import os
    import subprocess
    import sys

    from orchestration.settings import PROJECT_ROOT
    from orchestration.transform.project import DBT_PROJECT

    manifest = DBT_PROJECT.manifest_path
    if manifest.exists():
        os.utime(manifest, (0, 0))  # older than every project file: must be parsed again
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    code = ("from orchestration.definitions import build_definitions; "
            "print(len(build_definitions().resolve_asset_graph().get_all_asset_keys()))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 40
    assert manifest.stat().st_mtime > 0


def test_the_classification_is_partitioned_by_as_of_date_and_ingestion_is_not(graph):
    partitioned = graph.get(dg.AssetKey(["marts", "customer_tier"])).partitions_def
    assert isinstance(partitioned, dg.DailyPartitionsDefinition) and partitioned.timezone == "Asia/Shanghai"
    assert graph.get(dg.AssetKey(["publish", "serving_database"])).partitions_def == partitioned
    assert graph.get(dg.AssetKey(["raw", "erp", "order_lines"])).partitions_def is None


def test_gates_cannot_be_changed_from_the_launchpad(defs):
    """Case 8: thresholds of blocking checks are not run config; what a run may be asked for is (and
    is recorded with the run)."""
    from orchestration.jobs import NIGHTLY_JOB_NAME

    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    fields = job.run_config_schema.config_type.fields["resources"].config_type.fields
    run_control = set(fields["run_control"].config_type.fields["config"].config_type.fields)
    assert run_control >= {"rebuild", "accept_snapshot_shrink", "settle_seconds"}
    schema = repr(job.run_config_schema.config_type.fields["resources"].config_type)
    assert "quarantine_max_share" not in schema and "snapshot_min_share" not in schema


def test_the_webhook_url_is_bound_to_its_environment_variable_not_to_a_value(monkeypatch):
    from orchestration.definitions import resources_from_settings
    from orchestration.settings import Settings

    secret = "https://hooks.example.com/T0/B0/SECRET"
    alerts = resources_from_settings(Settings(alert_webhook=secret))["alerts"]
    assert isinstance(alerts.webhook_url, dg.EnvVar) and alerts.webhook_url.env_var_name == "CW_ALERT_WEBHOOK"
    assert secret not in repr(alerts)
    monkeypatch.setenv("CW_ALERT_WEBHOOK", secret)
    assert alerts.process_config_and_initialize().webhook_url == secret


def test_dbt_never_sees_the_webhook(monkeypatch):
    """The dbt step's environment overlay drops it, and so does the dbt child itself."""
    import os
    import sys
    from pathlib import Path

    from orchestration.resources import WarehouseResource
    from orchestration.transform import dbt_child
    from orchestration.transform.assets import dbt_environment
    from tests.conftest import a_run_plan

    monkeypatch.setenv("CW_ALERT_WEBHOOK", "https://hooks.example.com/SECRET")
    plan = a_run_plan()
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    with dbt_environment(WarehouseResource(warehouse_dir=str(Path("/tmp"))), plan):
        assert "CW_ALERT_WEBHOOK" not in os.environ and os.environ["CW_AS_OF"] == "2025-12-31"
        assert os.environ["DBT_LOG_LEVEL_FILE"] == "none"  # dbt's debug file log: off unless asked for
    assert os.environ["CW_ALERT_WEBHOOK"] == "https://hooks.example.com/SECRET"  # restored for the alerts
    assert "DBT_LOG_LEVEL_FILE" not in os.environ
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # an operator who wants it
    with dbt_environment(WarehouseResource(warehouse_dir=str(Path("/tmp"))), plan):
        assert os.environ["DBT_LOG_LEVEL_FILE"] == "debug"
    seen = {}
    monkeypatch.setattr(dbt_child, "_die_with_parent", lambda: None)  # not for the test process itself
    monkeypatch.setattr(sys, "argv", ["dbt_child.py", "--version"])
    monkeypatch.setitem(sys.modules, "dbt.cli.main", type(sys)("fake"))
    sys.modules["dbt.cli.main"].cli = lambda: seen.update(os.environ) or 0
    assert dbt_child.main() == 0
    assert seen and "CW_ALERT_WEBHOOK" not in seen


@pytest.mark.parametrize(("ends_with", "status"), [(SystemExit(0), 0), (SystemExit(2), 2), (SystemExit(None), 0),
                                                    (SystemExit("no profile"), 1)])
def test_the_dbt_child_returns_dbts_exit_status(monkeypatch, capsys, ends_with, status):
    """The child ends with os._exit(status) (transform/dbt_child.py): the status must be dbt's, or a failed
    build would look like a successful one to dagster-dbt."""
    import sys

    from orchestration.transform import dbt_child

    def cli():
        raise ends_with

    monkeypatch.setattr(dbt_child, "_die_with_parent", lambda: None)
    monkeypatch.setattr(sys, "argv", ["dbt_child.py", "build"])
    monkeypatch.setitem(sys.modules, "dbt.cli.main", type(sys)("fake"))
    sys.modules["dbt.cli.main"].cli = cli
    assert dbt_child.main() == status
    assert ("no profile" in capsys.readouterr().err) == (status == 1)
