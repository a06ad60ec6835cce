"""Runs dbt as a child that cannot outlive the run that started it, and never sees a secret.

dagster-dbt starts `[dbt_executable, *global_config_flags, *args]`; this project sets the executable
to its Python and the first "global flag" to this file, so dbt runs through here:
- on Linux the child asks the kernel for SIGTERM when its parent dies (`PR_SET_PDEATHSIG`): a run
  killed by the OOM killer or `kill -9` does not leave a dbt process behind writing warehouse.duckdb
  (the next run would find the file locked);
- the secrets of the environment (the alert webhook, the serving files' keys) are dropped before dbt starts.
Standard library only: it must start fast and import nothing of the project.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
SECRET_VARIABLES = ("CW_ALERT_WEBHOOK",)  # orchestration.settings.SECRET_VARIABLES
SECRET_PREFIXES = ("CW_SERVING_KEY_",)  # orchestration.settings.SERVING_KEY_PREFIX


def _die_with_parent() -> None:
    """The parent is the step process that started dbt (`CW_DBT_PARENT_PID`, set by transform/assets.py):
    read here, after the interpreter started, `getppid()` could already be init's pid when the run was
    killed in between, and the check below would then pass for an orphan."""
    if not sys.platform.startswith("linux"):
        return
    parent = int(os.environ.get("CW_DBT_PARENT_PID") or os.getppid())
    if os.getppid() != parent:  # the parent died while this interpreter started
        sys.exit(1)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        sys.exit(1)


def main() -> None:
    _die_with_parent()
    for name in [*SECRET_VARIABLES, *(k for k in os.environ if k.startswith(SECRET_PREFIXES))]:
        os.environ.pop(name, None)
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())


if __name__ == "__main__":
    main()
