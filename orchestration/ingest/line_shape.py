"""The one regular expression that settles an unquoted CSV record in a single call (the fast path).

A record matches when it has exactly the header's number of fields, no `"`, no whitespace at the
edges of a feed column's field, every required column non-empty and every typed column empty or of
its type's pattern (typing_sql). For such a record the cleaned value of a column is its field (NULL
when empty) and the typed value the plain conversion, without the per-value pattern checks: the same
values and reasons as the general path, for one regexp call per record instead of one per value and
the trimming tests. Records that do not match (or hold quotes) take the general path.
"""

from __future__ import annotations

from orchestration.feeds import FeedSpec
from orchestration.ingest.sql_text import WHITESPACE
from orchestration.ingest.typing_sql import value_pattern

_ANY = '[^,"]*'


def _text(odd_space: bool) -> str:
    """A non-empty trimmed field. A character that can start or end it: not a comma, not a quote,
    not whitespace, which is only the space when the text holds no odd whitespace (an ASCII-only
    class keeps RE2's automaton small: the full class makes the match several times slower)."""
    spaces = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) if odd_space else " "
    edge = f'[^,"{spaces}]'
    return f'{edge}(?:[^,"]*{edge})?'


def record_pattern(spec: FeedSpec, positions: dict[str, int], width: int, odd_space: bool) -> str:
    """The full-match pattern of a fast-path record; `positions`: column name -> 1-based field."""
    by_position = {positions[c.name]: c for c in spec.columns}
    text = _text(odd_space)
    fields = []
    for position in range(1, width + 1):
        column = by_position.get(position)
        if column is None:  # a column the feed does not read: anything without a comma or quote
            fields.append(_ANY)
            continue
        pattern = text if column.type == "text" else value_pattern(spec, column).replace("(", "(?:")
        fields.append(pattern if column.required else f"(?:{pattern})?")
    return ",".join(fields)
