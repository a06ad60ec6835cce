"""Fingerprints of what a run's marts are a function of: the code (dbt project with its rules seeds,
GX suites, orchestration code) and the landing directory as the run finds it.

The marts are a pure function of (a) the landing files, (b) the as-of date D and (c) the code. A run
whose fingerprint equals the one of the run whose marts serving holds would rebuild them byte for
byte: its plan says `skip` (control/plan.py).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from orchestration.landing import LandedFile
from orchestration.settings import PROJECT_ROOT

#: What dbt parses, relative to the dbt project (globs): what built the incremental models.
DBT_PROJECT_GLOBS = ("dbt_project.yml", "packages.yml", "dependencies.yml", "selectors.yml", "models/**/*",
                     "macros/**/*", "seeds/**/*", "snapshots/**/*", "tests/**/*", "analyses/**/*")
DBT_CODE_GLOBS = tuple(f"dbt_project/{g}" for g in DBT_PROJECT_GLOBS)
OTHER_CODE_GLOBS = ("expectations/**/*.json", "orchestration/**/*.py")
#: Files whose content the marts depend on, relative to the project root (globs).
CODE_GLOBS = DBT_CODE_GLOBS + OTHER_CODE_GLOBS


def files_of(root: Path, globs: tuple[str, ...]) -> list[Path]:
    """Every file under `root` the globs match, sorted."""
    return sorted({p for pattern in globs for p in root.glob(pattern) if p.is_file()})


@cache
def _digest(root: Path, globs: tuple[str, ...]) -> str:
    """sha256 over the path and bytes of every file the globs match (a few hundred small files: milliseconds)."""
    digest = hashlib.sha256()
    for path in files_of(root, globs):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dbt_code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    return _digest(root, DBT_CODE_GLOBS)


def code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Every code file: the dbt project's fingerprint and the rest's (each file read once)."""
    return hashlib.sha256(f"{dbt_code_fingerprint(root)}\n{_digest(root, OTHER_CODE_GLOBS)}".encode()).hexdigest()


def landing_fingerprint(files: Iterable[LandedFile]) -> str:
    """The landed files a run may read, by path, size and mtime (a new delivery changes one of them)."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.rel_path):
        digest.update(f"{f.rel_path}\0{f.stamp.size}\0{f.stamp.mtime_ns}\n".encode())
    return digest.hexdigest()


def inputs_fingerprint(landing: str, as_of: str, code: str) -> str:
    return hashlib.sha256(f"{landing}\n{as_of}\n{code}".encode()).hexdigest()


@cache
def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """`<commit>` (`<commit>+dirty` when tracked files differ from it) when `root` is a git work tree and git is
    installed; None otherwise (an installed copy without .git, no git on the machine): nothing requires git."""
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        return None
    try:
        head = subprocess.run([git, "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run([git, "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head or None


def code_version(code: str, root: Path = PROJECT_ROOT) -> str:
    """What audit.runs records as the code a run ran: `git:<commit>[+dirty]`, else `fingerprint:<code fingerprint>`
    (the fingerprint of audit.run_inputs, which names the code exactly either way)."""
    commit = git_commit(root)
    return f"git:{commit}" if commit else f"fingerprint:{code}"
