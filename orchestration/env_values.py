"""Reading one `CW_*` variable: its value typed and checked, or a SettingsError that names it.

Why: a mistyped setting (`CW_DUCKDB_THREADS=two`, `CW_SNAPSHOT_MIN_SHARE=0,8`) used to end every command
with a Python traceback, and a value out of range (a share of 7) ran, to fail every snapshot check. The
operator now gets one line naming the variable, the value and what it takes, and exit status 2, before
anything is read or written. An unset or empty variable is the default; `0` is a value like any other
(`CW_SNAPSHOT_MIN_SHARE=0` turns the shrink guard off, it is not "unset").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TypeVar

T = TypeVar("T")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_FLAGS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


class SettingsError(ValueError):
    """A `CW_*` variable holds a value the pipeline cannot use."""


def read(env: Mapping[str, str], name: str, default: T, parse: Callable[[str], T], expected: str,
         valid: Callable[[T], bool] = lambda value: True) -> T:
    """The typed value of `name` in `env`, `default` when it is unset or empty."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise SettingsError(f"{name}={env[name]!r} is not {expected}: fix or unset it (the README lists the "
                            "settings and their defaults)")
    return value


def whole(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    return read(env, name, default, int, f"a whole number of at least {minimum}", lambda v: v >= minimum)


def seconds(env: Mapping[str, str], name: str, default: float | None) -> float | None:
    return read(env, name, default, float, "a number of seconds (0 or more)", lambda v: 0 <= v < float("inf"))


def share(env: Mapping[str, str], name: str, default: float) -> float:
    return read(env, name, default, float, "a share between 0 and 1 (e.g. 0.8)", lambda v: 0 <= v <= 1)


def day(env: Mapping[str, str], name: str, default: date | None) -> date | None:
    return read(env, name, default, date.fromisoformat, "a date (YYYY-MM-DD)")


def flag(env: Mapping[str, str], name: str) -> bool:
    return read(env, name, False, lambda text: _FLAGS.get(text.lower()), f"one of {', '.join(_FLAGS)}")


def file_mode(env: Mapping[str, str], name: str, default: int) -> int:
    return read(env, name, default, lambda text: int(text, 8), "an octal file mode such as 0400 or 0440",
                lambda v: 0 <= v <= 0o777)


def memory_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A DuckDB memory limit, checked by DuckDB itself (it takes `2GB`, `1.5 GiB`, `512MB`, ...)."""
    def parse(text: str) -> str:
        import duckdb

        try:
            duckdb.connect(":memory:", config={"memory_limit": text}).close()
        except duckdb.Error as exc:
            raise ValueError(text) from exc
        return text

    return read(env, name, default, parse, "a DuckDB memory limit such as 2GB or 1536MiB")
