"""The regular expressions of the GX suites, written where Python's `re` and RE2 agree.

GX's pandas engine searches a value with Python's `re` (`re.search`); the SQL the pipeline validates
its batches with (sql_suite.py) matches it in DuckDB, whose `regexp_matches` is RE2. So a suite's regexes are
written in the part of the syntax both engines read the same way, and checked when a suite loads
(`check_common`), rather than one engine's meaning being re-derived from the other's internals:

- allowed: literal characters, escaped punctuation (`\\.`, `\\-`) and control characters (`\\n`, `\\t`,
  `\\r`, `\\f`, `\\v`), `.`, character classes of
  literals and ranges (negated too), groups `(...)` and `(?:...)`, alternation, the quantifiers
  `? * + {m} {m,n}` (at most 1000, RE2's limit) and their lazy forms, `^` first and `$` last;
- refused: letter and digit escapes (`\\d \\w \\s \\b \\A \\Z`..., whose meaning differs or which one
  engine lacks; back-references), other `(?...)` groups (lookarounds, flags, named groups), POSIX
  classes `[[:...:]]`, `{,n}`, a `]` first in a class, `[`, `&&`, `--`, `||`, `~~` inside one, and
  `^` / `$` anywhere else.

One difference remains inside the subset, and the SQL form says it explicitly: Python's `$` also
matches before a newline that ends the text, RE2's does not, so the SQL form of a pattern ending in
`$` is the pattern with `\\n?$` there (`sql_pattern`). Both engines must also compile the pattern.
"""

from __future__ import annotations

import re
from functools import cache

import duckdb

MAX_REPEAT = 1000
CONTROL_ESCAPES = "nrtfv"  # `\n` and the like mean the same control character to both engines
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")


class UncommonRegex(ValueError):
    """The pattern uses syntax Python's `re` and RE2 read differently (or that one of them lacks)."""


def _refuse(pattern: str, why: str) -> UncommonRegex:
    return UncommonRegex(f"regex {pattern!r}: {why} (write it in the syntax both Python's re and RE2 read alike: "
                         "orchestration/quality/regex_dialect.py)")


def _scan(pattern: str) -> None:
    """Walk the pattern once, refusing what is outside the common subset."""
    i, in_class, class_start = 0, False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1].isalnum() and pattern[i + 1] not in CONTROL_ESCAPES:
                raise _refuse(pattern, f"escape {pattern[i:i + 2]!r}")
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_start:
                in_class = False
            elif c == "]" or c == "[" or pattern[i:i + 2] in ("&&", "--", "||", "~~"):
                raise _refuse(pattern, f"{c!r} inside a character class")
        elif c == "[":
            in_class, class_start = True, i + 1 + (pattern[i + 1:i + 2] == "^")
            i = class_start
            continue
        elif c == "(" and pattern[i + 1:i + 2] == "?" and pattern[i + 2:i + 3] != ":":
            raise _refuse(pattern, f"group {pattern[i:i + 3]!r}")
        elif c == "^" and i != 0:
            raise _refuse(pattern, "'^' other than first")
        elif c == "$" and i != len(pattern) - 1:
            raise _refuse(pattern, "'$' other than last")
        elif c == "{":
            match = _REPEAT.match(pattern, i)
            if not match:
                raise _refuse(pattern, f"repetition {pattern[i:i + 5]!r}")
            if any(int(n) > MAX_REPEAT for n in match.groups() if n):
                raise _refuse(pattern, f"a repetition over {MAX_REPEAT}")
        i += 1
    if in_class:
        raise _refuse(pattern, "an unterminated character class")


@cache
def _re2() -> duckdb.DuckDBPyConnection:
    """One small in-memory DuckDB to compile patterns with (per process)."""
    return duckdb.connect(":memory:", config={"threads": 1})


@cache
def check_common(pattern: str) -> str:
    """`pattern`, once known to mean the same to Python's `re` and to RE2; UncommonRegex otherwise."""
    _scan(pattern)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise _refuse(pattern, f"Python's re refuses it: {exc}") from exc
    try:
        _re2().execute("select regexp_matches('', ?)", [sql_pattern(pattern)]).fetchone()
    except duckdb.Error as exc:
        raise _refuse(pattern, f"RE2 refuses it: {str(exc).splitlines()[0]}") from exc
    return pattern


def sql_pattern(pattern: str) -> str:
    """The RE2 form of a common-subset pattern for `regexp_matches` (see the module docstring)."""
    backslashes = len(pattern[:-1]) - len(pattern[:-1].rstrip("\\"))
    if pattern.endswith("$") and backslashes % 2 == 0:  # an anchor, not an escaped `$`
        return pattern[:-1] + "\\n?$"
    return pattern
