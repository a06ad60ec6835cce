"""Small helpers to write SQL text safely (identifiers, literals) and the trimming rule."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

#: Python's `str.strip()` whitespace, so "trimmed" means the same thing as in the contract's readings
#: (the ideographic space U+3000 of Chinese text included).
WHITESPACE = (" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def literal(value: str | Path | date | datetime | int | None) -> str:
    """A SQL literal. Strings are single-quoted with quotes doubled (DuckDB has no backslash escapes)."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


#: DuckDB's file globbing reads `*`, `?` and `[` as patterns; in brackets each is itself.
_GLOB_LITERAL = str.maketrans({"[": "[[]", "*": "[*]", "?": "[?]"})


def glob_root(folder: str | Path) -> str:
    """A folder's path as the literal start of a DuckDB glob (`glob_root(d) + "/*.parquet"`): a folder named
    `data [old]` is read as that name, not as `data o`, `data l` or `data d`. (A path without a pattern needs
    no escaping: DuckDB opens a file that exists as it is named.)"""
    return str(folder).translate(_GLOB_LITERAL)


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: A regular-expression character class of WHITESPACE (for RE2).
WHITESPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"


#: Whitespace at either end of a value (RE2): `regexp_replace` with it trims as `trim(v, WHITESPACE)` does, at a
#: quarter of the cost (DuckDB's trim with a set of non-ASCII characters costs ~1 µs a value).
EDGE_WHITESPACE = f"^{WHITESPACE_CLASS}+|{WHITESPACE_CLASS}+$"


def cleaned(expr: str) -> str:
    """Trim (Python whitespace) and turn an empty value into NULL."""
    return f"nullif(regexp_replace({expr}, {literal(EDGE_WHITESPACE)}, '', 'g'), '')"


def trimmed(expr: str, odd_space: bool) -> str:
    """`cleaned` for a value of a text the byte scan found no whitespace in but spaces and line ends
    (`odd_space` false): only those two can be at its edges, and a plain trim of them costs a tenth."""
    return cleaned(expr) if odd_space else f"nullif(trim({expr}, ' ' || chr(10)), '')"


def is_blank(expr: str) -> str:
    """Empty or whitespace only (NULL counts as blank)."""
    return f"coalesce(regexp_full_match({expr}, {literal(WHITESPACE_CLASS + '*')}), true)"


def has_edge_space(record: str) -> str:
    """Whether any comma-separated field of an unquoted record starts or ends with whitespace."""
    ws = WHITESPACE_CLASS
    return f"regexp_matches({record}, {literal(f'(^|,){ws}|{ws}(,|$)')})"
