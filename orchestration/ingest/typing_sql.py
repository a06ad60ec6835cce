"""SQL that validates and types the cleaned text columns of a feed (sources.md, "Precise readings").

A value must match its pattern in full (regexp_full_match) and then convert (try_cast / try_strptime):
- date: zero-padded `YYYY-MM-DD` that is a real date;
- timestamp, CRM: `YYYY-MM-DD HH:MM:SS` or the spreadsheet style `YYYY/M/D H:MM` (local time);
- timestamp, ERP: `YYYY-MM-DD HH:MM:SS` (local time);
- timestamp, social: ISO-8601 with `Z` or `±HH:MM`, converted to UTC (naive);
- integer: plain digits with an optional sign (BIGINT);
- number: digits with an optional `.` part, no thousands separator (DECIMAL(18,6)).
The first failing check names the row's quarantine reason: required keys first, then dates,
timestamps, integers and numbers, each in column order. A value that matches its pattern but does
not fit the type (say a 20-digit integer) fails like any other.
"""

from __future__ import annotations

from orchestration.feeds import Column, FeedSpec
from orchestration.ingest.sql_text import ident, literal

DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ISO_SECONDS = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
SHEET_MINUTES = r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}"
ISO_OFFSET = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
INTEGER = r"[+-]?[0-9]+"
#: GLOB spellings of the fixed-width patterns: the same strings match, and DuckDB's GLOB costs
#: about half a regexp call (fast_csv checks every value of a big file).
DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
ISO_SECONDS_GLOB = f"{DATE_GLOB} [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"

_CHECK_ORDER = ("date", "timestamp", "integer", "number")
_REASON = {
    "date": "unparseable date in {}",
    "timestamp": "unparseable timestamp in {}",
    "integer": "non-integer value in {}",
    "number": "non-numeric value in {}",
}


def _when(pattern: str, value: str, then: str) -> str:
    return f"case when regexp_full_match({value}, {literal(pattern)}) then {then} end"


def value_pattern(spec: FeedSpec, column: Column) -> str:
    """The pattern a non-empty value of a typed column must match in full."""
    if column.type == "timestamp":
        return {"iso_offset": ISO_OFFSET, "crm_local": f"{ISO_SECONDS}|{SHEET_MINUTES}"}.get(spec.timestamp_style,
                                                                                          ISO_SECONDS)
    return {"date": DATE, "integer": INTEGER, "number": NUMBER}[column.type]


def matches_sql(spec: FeedSpec, column: Column, v: str) -> str:
    """SQL: the value `v` matches value_pattern in full (by GLOB where the pattern is fixed-width)."""
    pattern = value_pattern(spec, column)
    glob = {DATE: DATE_GLOB, ISO_SECONDS: ISO_SECONDS_GLOB}.get(pattern)
    return f"{v} glob {literal(glob)}" if glob else f"regexp_full_match({v}, {literal(pattern)})"


def _utc_from_offset(v: str) -> str:
    """ISO-8601 with an offset -> naive UTC timestamp (local clock minus the offset)."""
    # whole seconds first: a value parses with one format at most (strptime reads the whole text), and DuckDB's
    # failing attempt costs ~3x a successful one (a follower snapshot at L: 0.24 -> 0.06 s a column, one thread)
    local = f"try_strptime(left({v}, length({v}) - case when right({v}, 1) = 'Z' then 1 else 6 end), " \
            "['%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])"
    offset = f"right({v}, 6)"
    minutes = (f"case when right({v}, 1) = 'Z' then 0 else "
               f"(case when substr({offset}, 1, 1) = '-' then -1 else 1 end) * "
               f"(cast(substr({offset}, 2, 2) as integer) * 60 + cast(substr({offset}, 5, 2) as integer)) end")
    return _when(ISO_OFFSET, v, f"{local} - to_minutes({minutes})")


def _conversion(column: Column, v: str) -> str | None:
    """The conversion of a value known to match its pattern (None: the type needs the checked form)."""
    return {
        "date": f"try_cast({v} as date)",
        "integer": f"try_cast({v} as bigint)",
        "number": f"try_cast({v} as decimal(18,6))",
    }.get(column.type)


def typed_expr(spec: FeedSpec, column: Column) -> str:
    """The typed value of a cleaned text column (NULL when empty or when it does not parse)."""
    v = ident(column.name)
    if column.type in ("date", "integer", "number"):
        return _when(value_pattern(spec, column), v, _conversion(column, v))
    if column.type == "timestamp":
        if spec.timestamp_style == "iso_offset":
            return _utc_from_offset(v)
        seconds = _when(ISO_SECONDS, v, f"try_strptime({v}, '%Y-%m-%d %H:%M:%S')")
        if spec.timestamp_style == "crm_local":
            sheet = _when(SHEET_MINUTES, v, f"try_strptime({v}, '%Y/%m/%d %H:%M')")
            return f"coalesce({seconds}, {sheet})"
        return seconds
    return v


def fast_typed_expr(spec: FeedSpec, column: Column) -> str:
    """typed_expr for a value already known to be empty or to match value_pattern (line_shape)."""
    v = ident(column.name)
    if column.type == "timestamp" and spec.timestamp_style == "erp_local":
        return f"try_strptime({v}, '%Y-%m-%d %H:%M:%S')"
    return _conversion(column, v) or typed_expr(spec, column)


def typed_rows_sql(spec: FeedSpec, rows_table: str, row_number: str, fast_column: str | None = None) -> str:
    """line_number, row_number, reason (NULL for a good row), raw (bad rows only) and every feed
    column typed as in `spec.raw_schema()`. `row_number` is the SQL expression of a row's position
    (a window only when the records are not contiguous lines). `fast_column`: a boolean column of
    `rows_table` true for records of the fast path (line_shape), typed without per-value checks."""
    converted = [c for c in spec.columns if c.type != "text"]

    def typed_value(c: Column) -> str:
        if fast_column is None:
            return typed_expr(spec, c)
        return f"case when {ident(fast_column)} then {fast_typed_expr(spec, c)} else {typed_expr(spec, c)} end"

    typed = ",\n".join(f"{typed_value(c)} as {ident('__typed_' + c.name)}" for c in converted)
    checks = [f"when {ident(c.name)} is null then {literal(f'required key {c.source} is empty')}"
              for c in spec.required]
    for kind in _CHECK_ORDER:
        checks += [f"when {ident(c.name)} is not null and {ident('__typed_' + c.name)} is null "
                   f"then {literal(_REASON[kind].format(c.source))}"
                   for c in converted if c.type == kind]
    reason = f"coalesce(parse_error, case {' '.join(checks)} end)" if checks else "parse_error"
    outputs = ",\n".join(
        f"cast({ident('__typed_' + c.name) if c.type != 'text' else ident(c.name)} as {c.raw_type}) as {ident(c.name)}"
        for c in spec.columns)
    return f"""
        with

        rows as (
            select * from {rows_table}
        ),

        typed as (
            select
                *{',' if typed else ''}
                {typed}
            from rows
        ),

        judged as (
            select *, {reason} as reason from typed
        ),

        final as (
            select
                line_number,
                {row_number} as row_number,
                reason,
                case when reason is not null then raw end as raw,
                {outputs}
            from judged
        )

        select * from final
    """
