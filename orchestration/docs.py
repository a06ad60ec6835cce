"""`python -m orchestration docs`: the dbt documentation site as one static, offline HTML file.

Runs `dbt docs generate --static` in the dbt project against the working warehouse (the catalog
reads its tables), then prints where `target/static_index.html` is. The warehouse must have been
built by a run first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from orchestration.control.serving_state import read_publication
from orchestration.settings import DBT_PROJECT_DIR, Settings, environ_without_secrets

STATIC_INDEX = "static_index.html"


def dbt_executable() -> str:
    """The dbt of this environment (next to the running Python), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("dbt is not installed in this environment (make install)")
    return found


def docs_command(project_dir: Path, target_path: Path | None = None) -> list[str]:
    cmd = [dbt_executable(), "docs", "generate", "--static", "--project-dir", str(project_dir),
           "--profiles-dir", str(project_dir)]
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    return cmd


def _as_of_env(settings: Settings) -> dict[str, str]:
    """The as-of date the docs compile the models for: the D serving holds (today before a publish)."""
    publication = read_publication(settings.serving_db)
    as_of = publication.as_of if publication and publication.as_of else date.today()
    return {"CW_AS_OF": as_of.isoformat()}


def build_docs(settings: Settings | None = None, project_dir: Path = DBT_PROJECT_DIR,
               target_path: Path | None = None) -> int:
    """Generate the static docs site; 0 on success, 1 with a clear message otherwise."""
    settings = (settings or Settings.from_env()).resolved()
    if not settings.warehouse_db.exists():
        print(f"docs: no warehouse at {settings.warehouse_db}: build it first with `make run` "
              "(or `python -m orchestration run`), then run `make docs` again", file=sys.stderr)
        return 1
    env = {**environ_without_secrets(), **settings.dbt_env(), **_as_of_env(settings)}
    proc = subprocess.run(docs_command(project_dir, target_path), cwd=project_dir, env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
        print(f"docs: dbt docs generate failed (exit {proc.returncode}):\n{tail}", file=sys.stderr)
        return 1
    index = (target_path or project_dir / "target") / STATIC_INDEX
    index = index if index.is_absolute() else project_dir / index
    if not index.exists():
        print(f"docs: dbt finished but {index} is missing", file=sys.stderr)
        return 1
    print(f"dbt docs written to {index}")
    print(f"open it in a browser (one self-contained file, works offline): {index.as_uri()}")
    return 0
