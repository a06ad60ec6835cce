"""`python -m orchestration`: the CLI (orchestration/cli.py), and a process that ends when its work has.

After `main()` returns, every warehouse connection, lock and the Dagster instance are closed and the
summary is printed; what remains is the interpreter tearing down the ~3,000 modules Dagster, dbt and
GX load and the objects they hold: about a second of every run, with nothing left to do (measured:
docs/decisions.md, "The run command"). So the last exit handler ends the process with `os._exit` after
every other exit handler (logging's flush, temporary directories) has run. It is registered first because
exit handlers run last-registered first.
"""

import atexit
import contextlib
import os
import sys

_exit_code = [1]  # what main() returned; 1 if it raised (main() itself turns Ctrl-C and errors into 1)


def _end_process() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`... | head`): nothing more to write
            stream.flush()
    os._exit(_exit_code[0])


atexit.register(_end_process)

from orchestration.cli import main  # noqa: E402 - imported after the handler so it runs after theirs

try:
    _exit_code[0] = main()
except SystemExit as exc:  # argparse's usage errors (2) and --help (0)
    _exit_code[0] = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    raise
sys.exit(_exit_code[0])
