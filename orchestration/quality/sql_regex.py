"""Python regular expressions (`re.search`, what GX's pandas engine runs) rebuilt for RE2 (what
DuckDB's `regexp_matches` runs), for the SQL pushdown of GX suites (`sql_suite`).

The pattern is parsed by Python's own parser and re-emitted item by item; anything whose meaning
differs between the engines is declined (`UntranslatableRegex`), never approximated.
"""

from __future__ import annotations

import re
import re._constants as sre_c
import re._parser as sre
from typing import Any


class UntranslatableRegex(ValueError):
    """The pattern has no exact RE2 equivalent here; the caller validates with GX instead."""


def _require(ok: Any, what: str) -> None:
    if not ok:
        raise UntranslatableRegex(what)


def python_regex_as_re2(pattern: str) -> str:
    """`pattern` with Python `re.search` semantics, rebuilt from Python's parse in RE2 syntax (what
    DuckDB's `regexp_matches` runs). Declined: what differs (`\\d`, `\\b`, lookarounds, flags, a `$`
    that more pattern follows) and what pandas hands to RE2 unparsed (`[[:alpha:]]`, `{,n}`, `\\0`)."""
    _require(not re.search(r"\{,|\(\?#|\[[:.=]|\\[0-9b]", pattern), f"regex {pattern!r}")
    try:
        tree = sre.parse(pattern)
    except re.error as exc:
        raise UntranslatableRegex(f"regex {pattern!r}: {exc}") from exc
    _require(not tree.state.flags & ~re.UNICODE, f"regex {pattern!r} sets flags")
    return _re2(list(tree), True, pattern)


#: Python anchors as RE2 spells them; `$` (AT_END) only last, where it may take a final newline
ANCHORS = {sre_c.AT_BEGINNING: "^", sre_c.AT_BEGINNING_STRING: "^", sre_c.AT_END_STRING: r"\z"}


def _char(code: int) -> str:
    return f"\\x{{{code:X}}}"


def _re2(items: list, tail: bool, pattern: str) -> str:
    out = []
    for i, (op, av) in enumerate(items):
        last = tail and i == len(items) - 1  # nothing can follow
        if op is sre_c.LITERAL:
            out.append(_char(av))
        elif op is sre_c.NOT_LITERAL:
            out.append(f"[^{_char(av)}]")
        elif op is sre_c.ANY:
            out.append(".")  # neither engine lets `.` match a newline by default
        elif op is sre_c.IN and all(o in (sre_c.LITERAL, sre_c.RANGE, sre_c.NEGATE) for o, _ in av):
            out.append("[" + "".join("^" if o is sre_c.NEGATE else _char(v) if o is sre_c.LITERAL
                                     else f"{_char(v[0])}-{_char(v[1])}" for o, v in av) + "]")
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] <= 1000 and (
                av[1] is sre_c.MAXREPEAT or av[1] <= 1000):  # RE2 repeats at most 1000 times
            upper = "" if av[1] is sre_c.MAXREPEAT else av[1]
            lazy = "?" if op is sre_c.MIN_REPEAT else ""
            out.append(f"(?:{_re2(list(av[2]), False, pattern)}){{{av[0]},{upper}}}{lazy}")
        elif op is sre_c.SUBPATTERN and not av[1] and not av[2]:
            out.append(f"(?:{_re2(list(av[3]), last, pattern)})")
        elif op is sre_c.BRANCH:
            out.append("(?:" + "|".join(_re2(list(alt), last, pattern) for alt in av[1]) + ")")
        elif op is sre_c.AT and (av in ANCHORS or av is sre_c.AT_END and last):
            out.append(ANCHORS.get(av, r"\n?\z"))
        else:
            raise UntranslatableRegex(f"regex {pattern!r}: {op} {av}")
    return "".join(out)
