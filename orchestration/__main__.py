"""`python -m orchestration`: the CLI (orchestration/cli.py), in a process that ends when its work has
(orchestration/process_exit.py: no interpreter teardown once every exit handler has run)."""

import sys

from orchestration.process_exit import end_after_exit_handlers, exit_status

_status = [1]  # what main() returned; 1 if it raised (main() itself turns Ctrl-C and errors into 1)
end_after_exit_handlers(_status)  # before the CLI's imports, so their exit handlers run first

from orchestration.cli import main  # noqa: E402

try:
    _status[0] = main()
except SystemExit as exc:  # argparse's usage errors (2) and --help (0)
    _status[0] = exit_status(exc)
    raise
sys.exit(_status[0])
