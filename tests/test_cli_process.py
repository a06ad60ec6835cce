"""The CLI process ends with `os._exit` after its work (orchestration/__main__.py): what it printed still
arrives through a pipe (nothing is lost unflushed), and its exit status is the command's (the end-to-end
tests assert 1, 2 and 3)."""

from tests.conftest import run_cli


def test_help_reaches_a_pipe_and_exits_zero():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout and "run" in result.stdout


def test_a_usage_error_exits_two_with_the_usage_on_stderr():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "invalid choice" in result.stderr
