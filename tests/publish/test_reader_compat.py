"""BI drivers lag behind DuckDB releases: serving.duckdb must open in older DuckDB 1.x clients.

Each client runs in its own virtual environment (cached under .cache/), in another process.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.audit import ensure_audit_schema
from orchestration.audit.writes import utc_now
from orchestration.control.serving_state import Publication
from orchestration.publish.serving import write_serving

pytestmark = pytest.mark.compat
ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")


def client_python(version: str) -> Path:
    env = ROOT / ".cache" / f"duckdb-{version}"
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(env)], check=True)
        subprocess.run([str(UV), "pip", "install", "--quiet", "--python", str(python), f"duckdb=={version}"],
                       check=True)
    return python


@pytest.mark.parametrize("version", ["1.5.0", "1.1.3"])
def test_older_duckdb_client_reads_serving(tmp_path, version):
    wh = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(wh)) as con:
        ensure_audit_schema(con)
        con.execute("create schema marts")
        con.execute("create table marts.customer_tier as select 'k1' as customer_key, 'A' as tier, "
                    "cast(123.45 as decimal(18,2)) as revenue_12m, date '2025-12-31' as as_of_date")
    serving = write_serving(wh, tmp_path / "serving.duckdb", Publication("r1", date(2025, 12, 31), "r1", "fp", "v1",
                                                                         "full", utc_now())).path
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
              "print(duckdb.__version__, con.execute('select tier, revenue_12m from marts.customer_tier').fetchone())")
    out = subprocess.run([str(client_python(version)), "-c", script, str(serving)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{version} ('A', Decimal('123.45'))"
