"""Runs dbt as a child that cannot outlive the run that started it, and never sees a secret.

dagster-dbt starts `[dbt_executable, *global_config_flags, *args]`; this project sets the executable
to its Python and the first "global flag" to this file, so dbt runs through here:
- on Linux the child asks the kernel for SIGTERM when its parent dies (`PR_SET_PDEATHSIG`): a run
  killed by the OOM killer or `kill -9` does not leave a dbt process behind writing warehouse.duckdb
  (the next run would find the file locked);
- the secrets of the environment (the alert webhook, the serving files' keys) are dropped before dbt starts;
- once dbt is done (its results written, its connections closed, every other exit handler run) the process
  ends with `os._exit(dbt's status)` (orchestration/process_exit.py): the interpreter's teardown of what dbt
  imported (~1 s) would only delay the step, which waits for dbt's output to close.
Standard library only: it must start fast, and imports nothing of the project but process_exit (stdlib only).
"""

import ctypes
import os
import signal
import sys

from orchestration.process_exit import end_after_exit_handlers, exit_status

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


def main() -> int:
    """Runs dbt with `sys.argv`; returns its exit status."""
    _die_with_parent()
    for name in [*SECRET_VARIABLES, *(k for k in os.environ if k.startswith(SECRET_PREFIXES))]:
        os.environ.pop(name, None)
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    try:
        cli()  # click's standalone mode ends with SystemExit(dbt's status)
    except SystemExit as exc:
        if isinstance(exc.code, str):  # swallowed here, so printed here, as Python would
            print(exc.code, file=sys.stderr)
        return exit_status(exc)
    return 0


if __name__ == "__main__":
    status = [1]  # 1 until main() returns dbt's
    end_after_exit_handlers(status)  # before dbt is imported: dbt-duckdb's and pyspark's exit handlers run first
    status[0] = main()
    sys.exit(status[0])
