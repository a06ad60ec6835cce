"""A BI path beyond Python: DuckDB's own CLI (an older 1.x release than the writer's, from PyPI's duckdb-cli)
runs the README's example queries read-only against each role's file while a run publishes, and a CLI
session held open across the swap keeps its complete view."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.compat, pytest.mark.ops]
ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
CLI_VERSION = "1.4.4.post2"  # the oldest duckdb-cli on PyPI; `make bi-cli` installs the same


def readme_queries() -> list[tuple[str, str]]:
    """(file, statement) of the README's example block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- bi-example-queries -->", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    statements = [s.strip() + ";" for s in block.split(";") if s.strip()]
    return [(re.search(r"-- file: (\S+)", s).group(1), s) for s in statements]


@pytest.fixture(scope="session")
def duckdb_cli() -> Path:
    env = ROOT / ".cache" / f"duckdb-cli-{CLI_VERSION}"
    binary = env / "bin" / "duckdb"
    if not binary.exists():
        try:
            subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(env)], check=True,
                           capture_output=True, timeout=300)
            subprocess.run([str(UV), "pip", "install", "--quiet", "--python", str(env / "bin" / "python"),
                            f"duckdb-cli=={CLI_VERSION}"], check=True, capture_output=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"DuckDB's CLI could not be installed from PyPI (duckdb-cli=={CLI_VERSION}): {exc}")
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("v1."), version
    return binary


def query(cli: Path, path: Path, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), "-readonly", str(path), "-csv", "-c", sql], capture_output=True, text=True,
                          timeout=120)


def test_readme_queries_run_in_duckdbs_cli_while_a_run_publishes(duckdb_cli, published_copy, demo_landing):
    queries = readme_queries()
    assert {f for f, _ in queries} == {"serving.duckdb", "serving_service.duckdb", "serving_finance.duckdb"}
    before = {sql: query(duckdb_cli, published_copy / f, sql) for f, sql in queries}
    for sql, result in before.items():
        assert result.returncode == 0 and len(result.stdout.splitlines()) > 1, (sql, result.stderr)

    held = subprocess.Popen([str(duckdb_cli), "-readonly", str(published_copy / "serving.duckdb"), "-csv"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    held.stdin.write("select 1 as ready;\n")
    held.stdin.flush()
    assert [held.stdout.readline().strip(), held.stdout.readline().strip()] == ["ready", "1"]  # the file is open
    outcome: dict[str, subprocess.CompletedProcess] = {}
    run = threading.Thread(target=lambda: outcome.update(run=run_cli(
        "run", "--landing", str(demo_landing), "--warehouse", str(published_copy), "--rebuild")))
    run.start()
    rounds = 0
    while run.is_alive() or rounds == 0:  # the example queries, again and again, while the run publishes
        for f, sql in queries:
            result = query(duckdb_cli, published_copy / f, sql)
            assert result.returncode == 0, (f, sql, result.stderr)
            if "audit.publication" not in sql:  # (which run the file holds changes with the swap)
                assert result.stdout == before[sql].stdout, (f, sql)  # same inputs, same answers
        rounds += 1
    run.join()
    assert outcome["run"].returncode == 0, outcome["run"].stdout + outcome["run"].stderr
    # (a rebuild: a run with the same inputs and no --rebuild would publish nothing)

    # the session opened before the swap still reads its complete, older file
    out, err = held.communicate("select run_id from audit.publication;\n", timeout=120)
    assert held.returncode == 0, err
    new = query(duckdb_cli, published_copy / "serving.duckdb", "select run_id from audit.publication;").stdout
    assert out != new and out.splitlines()[0] == new.splitlines()[0] == "run_id"
