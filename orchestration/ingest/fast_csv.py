"""The fast path of a CSV text: DuckDB's own CSV reader splits the records, one regexp per record
(line_shape) vouches for the values.

Why: assembling records and splitting fields in SQL (records_sql) is the careful way to number
lines and quarantine any malformed line, but it costs 15-20x DuckDB's own read of the same bytes.
Here DuckDB's reader does the splitting, and its result is taken only where it provably equals
what records_sql would make of the text; anything else sends the whole file back to records_sql.

The reader: every column VARCHAR (our typing rules, not DuckDB's casts: DuckDB reads `2024-1-1`,
`1_000` or `0x10` happily), `strict_mode`, the header's `width` columns plus `__more`, padding
with NULL and a NULL string that the text does not hold. So a missing field is NULL, an empty one
is '', and `__more` is not NULL when a record has too many fields (declared exactly, DuckDB would
silently drop trailing empty fields: `1,2,3,,` reads as three). A record DuckDB cannot read at all
(text after a closing quote, an unterminated quote, a quoted line break with padding on, a line
longer than the limit) is an error: the file goes to records_sql, which says why.

Line numbers are `ordinality + 1`, true only when every line after the header is one row: DuckDB
skips empty lines and a quoted line break joins lines. load_file checks it: the rows must number
`line_count - 1`, and none may hold a line break.

A row is *certain* when records_sql would split its line into the same values: no value holds a
quote (then the line holds an even number of quotes, so records_sql sees a record of its own, and
its quoted fields are exactly DuckDB's), no value holds a line break, no fifth wheel in `__more`,
and it is not a blank line (records_sql skips those; DuckDB reads ` ` as a one-field row). One
more difference cannot be seen in a row: DuckDB forgives spaces after a closing quote (`"ST" ,`
reads as `ST`, records_sql calls it bad quoting), so a text with a `"` followed by a space never
takes this path (`usable`). Rows that are not certain carry the reason UNCERTAIN, which never
reaches the quarantine: load_file then reads the file the careful way.
"""

from __future__ import annotations

from orchestration.feeds import FeedSpec
from orchestration.ingest.line_shape import record_pattern
from orchestration.ingest.records_sql import MAX_LINE_BYTES
from orchestration.ingest.sql_text import cleaned, ident, is_blank, literal
from orchestration.ingest.transcode import TextCopy

#: The reason of a row whose splitting DuckDB's reader may not have done like records_sql.
UNCERTAIN = "fast path: record not certain"


def usable(copy: TextCopy) -> bool:
    """Whether the fast path may be tried on the text (see the module docstring)."""
    return not copy.quote_space and copy.line_count > 0


def _field(n: int) -> str:
    return ident(f"c{n}")


def reader_sql(copy: TextCopy, width: int) -> str:
    """line_number, c1..c<width>, __more: DuckDB's split of every record after the header."""
    columns = ", ".join(f"{literal(f'c{n}')}: 'VARCHAR'" for n in range(1, width + 1))
    return f"""
        select ordinality + 1 as line_number, * exclude (ordinality)
        from read_csv({literal(copy.path)}, columns = {{{columns}, '__more': 'VARCHAR'}}, header = true,
                      delim = ',', quote = '"', escape = '"', new_line = '\\n', auto_detect = false,
                      strict_mode = true, null_padding = true, nullstr = chr({ord(copy.separator)}),
                      allow_quoted_nulls = false, max_line_size = {MAX_LINE_BYTES})
             with ordinality
    """


def fast_rows_sql(spec: FeedSpec, copy: TextCopy, positions: dict[str, int], width: int) -> str:
    """What records_sql.csv_rows_sql gives for each row (line_number, raw, parse_error, __fast and
    the cleaned feed columns), raw left NULL (load_file reads the lines of failed rows itself), and
    parse_error UNCERTAIN for a row that is not certain. `positions`: column name -> 1-based field."""
    sep = copy.separator
    fields = [_field(n) for n in range(1, width + 1)]
    joined = f"concat_ws(chr({ord(sep)}), {', '.join(fields)})"
    fast = literal(record_pattern(spec, positions, width, copy.odd_space, sep))
    present = " + ".join(f"({f} is not null)::int" for f in fields)
    lone_blank = is_blank(fields[0]) if width == 1 else f"({fields[1]} is null and {is_blank(fields[0])})"
    values = ",\n".join(
        f"case when __fast then nullif({_field(positions[c.name])}, '') "
        f"else {cleaned(_field(positions[c.name]))} end as {ident(c.name)}"
        for c in spec.columns)
    return f"""
        with

        records as ({reader_sql(copy, width)}),

        shaped as (
            select *, regexp_full_match(concat_ws(chr({ord(sep)}), {', '.join(fields)}, __more), {fast}) as __fast
            from records
        ),

        final as (
            select
                line_number,
                null::varchar as raw,
                case
                    when __fast then null
                    when __more is not null or regexp_matches({joined}, '["\\n]') or {lone_blank}
                        then {literal(UNCERTAIN)}
                    when {fields[-1]} is null
                        then 'malformed CSV line: expected {width} fields, got ' || ({present})
                end as parse_error,
                __fast,
                {values}
            from shaped
        )

        select * from final
    """
