"""How the project's processes end once their work is done: without the interpreter's teardown.

`python -m orchestration` and each dbt child it starts import ~3,000 modules of Dagster, dbt and GX. Once the
work is done — connections, locks and files closed by their own code and exit handlers, the summary printed —
CPython would spend about a second destroying those modules with nothing left to do (docs/decisions.md, "The
run command" and "dbt invocation"). `end_after_exit_handlers(status)` registers the exit handler that flushes
stdout/stderr and ends the process with `os._exit(status[0])`. Exit handlers run last-registered first, so a
process that registers it before its heavy imports still runs theirs (logging's flush, temporary directories,
dbt-duckdb closing its DuckDB connection) first.

Standard library only: the dbt child imports it before dbt.
"""

import atexit
import contextlib
import os
import sys


def exit_status(exc: SystemExit) -> int:
    """The status Python gives a `SystemExit`: its code, 0 for none, 1 for a message."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    return 1


def end_after_exit_handlers(status: list[int]) -> None:
    """On exit, after the handlers registered later: flush, then `os._exit(status[0])` (set it before exiting)."""

    def end() -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (`... | head`): nothing more to write
                stream.flush()
        os._exit(status[0])

    atexit.register(end)
