"""The fast path of a CSV text: DuckDB's own CSV reader splits the records, cheap per-value checks
vouch for them.

Why: assembling records and splitting fields in SQL (records_sql) is the careful way to number
lines and quarantine any malformed line, but it costs 15-20x DuckDB's own read of the same bytes.
Here DuckDB's reader does the splitting, and its result is taken only where it provably equals
what records_sql would make of the text; anything else sends the whole file back to records_sql.

The reader: every column VARCHAR (our typing rules, not DuckDB's casts: DuckDB reads `2024-1-1`,
`1_000` or `0x10` happily), `strict_mode`, the header's `width` columns plus `__more`, padding
with NULL and LF as the NULL string (an unquoted field never is a line end, a quoted one is never
NULL with `allow_quoted_nulls` off). So a missing field is NULL, an empty one is '', and `__more`
is not NULL when a record has too many fields (declared exactly, DuckDB would silently drop
trailing empty fields: `1,2,3,,` reads as three). A record DuckDB cannot read at all (text after a
closing quote, an unterminated quote, a quoted line break with padding on, a line longer than the
limit) is an error: the file goes to records_sql, which says why.

The reader reads one part of the text (text_parts: the whole text, or one of the pieces a big one
is cut into, read side by side). Line numbers are the part's first row line + ordinality - 1, true
only when every line of the part is one row: DuckDB skips empty lines and a quoted line break joins
lines. fast_load checks it: a part's rows must number its lines.

A row is *fast* when its values need no trimming and no checks beyond these: every field present
and no more, no `"` in any value, no whitespace at the edges of a text value, required values
non-empty, typed values empty or of their pattern (typing_sql.matches_sql). Then records_sql would
split its line into the same values (no quote in a value means an even number of quotes in the
line: a record of its own there, whose quoted fields are exactly DuckDB's), and the plain
conversion gives the typed value. `settled_rows_sql` is the cheap view for a part whose rows are
all fast (the common case); `fast_rows_sql` judges every row like records_sql does.

A row that is not fast is *certain* when records_sql would still split its line into the same
values: no value holds a quote or a line break, no fifth wheel in `__more`, and it is not a blank
line (records_sql skips those; DuckDB reads ` ` as a one-field row). Two more differences cannot
be seen in a row: DuckDB forgives spaces after a closing quote (`"ST" ,` reads as `ST`, `"a" "b"`
as `a b`; records_sql calls both bad quoting) and before an opening one (`, "ST"` reads as `ST`,
records_sql as `"ST"`), so a text with such spaces never takes this path (`usable`, from
file_facts.QuoteSpaceScan). Rows that are not certain carry the reason UNCERTAIN, which never
reaches the quarantine: the file is then read the careful way.
"""

from __future__ import annotations

from orchestration.feeds import FeedSpec
from orchestration.ingest.records_sql import MAX_LINE_BYTES
from orchestration.ingest.sql_text import WHITESPACE_CLASS, ident, is_blank, literal, trimmed
from orchestration.ingest.text_parts import TextPart
from orchestration.ingest.transcode import TextCopy
from orchestration.ingest.typing_sql import fast_typed_expr, matches_sql

#: The reason of a row whose splitting DuckDB's reader may not have done like records_sql.
UNCERTAIN = "fast path: record not certain"
#: The reason of a row settled_rows_sql leaves to fast_rows_sql.
UNSETTLED = "fast path: record not fast"


def usable(copy: TextCopy) -> bool:
    """Whether the fast path may be tried on the text (see the module docstring)."""
    return not copy.quote_space and copy.line_count > 0


def _field(n: int) -> str:
    return ident(f"c{n}")


def reader_sql(part: TextPart, width: int) -> str:
    """line_number, c1..c<width>, __more: DuckDB's split of every record of the part (its header
    line, if any, skipped)."""
    columns = ", ".join(f"{literal(f'c{n}')}: 'VARCHAR'" for n in range(1, width + 1))
    return f"""
        select ordinality + {part.first_row_line - 1} as line_number, * exclude (ordinality)
        from read_csv({literal(part.path)}, columns = {{{columns}, '__more': 'VARCHAR'}},
                      header = {str(part.header).lower()}, delim = ',', quote = '"', escape = '"',
                      new_line = '\\n', auto_detect = false, strict_mode = true, null_padding = true,
                      nullstr = chr(10), allow_quoted_nulls = false, max_line_size = {MAX_LINE_BYTES})
             with ordinality
    """


def fast_sql(spec: FeedSpec, copy: TextCopy, positions: dict[str, int], width: int) -> str:
    """SQL over c1..c<width>, __more: the row is fast (module docstring). LIKE and GLOB where they
    say the same as a regexp: they cost a fraction of one. No test for spaces at a value's edges when
    the byte scan found no space next to a delimiter in a text without other whitespace
    (file_facts.QuoteSpaceScan: no value can then begin or end with one)."""
    by_position = {positions[c.name]: c for c in spec.columns}
    checks = [f"{_field(width)} is not null", "__more is null"]
    for n in range(1, width + 1):
        v, column = _field(n), by_position.get(n)
        if column is not None and column.type != "text":  # a typed pattern holds no quote, no space
            check = matches_sql(spec, column, v)
            checks.append(f"({check})" if column.required else f"({v} = '' or {check})")
            continue
        checks.append(f"{v} not like '%\"%'")
        if column is None:  # a column the feed does not read: only its quotes matter
            continue
        if copy.odd_space:
            checks.append(f"not regexp_matches({v}, {literal(f'^{WHITESPACE_CLASS}|{WHITESPACE_CLASS}$')})")
        elif copy.edge_space:
            checks.append(f"{v} not like ' %' and {v} not like '% '")
        if column.required:
            checks.append(f"{v} <> ''")
    return " and ".join(checks)


def settled_rows_sql(spec: FeedSpec, copy: TextCopy, part: TextPart, positions: dict[str, int], width: int) -> str:
    """Like typing_sql.typed_rows_sql but for fast rows only: line_number, row_number, reason (NULL,
    or UNSETTLED for a row that is not fast or whose plain conversion fails) and every feed column
    typed. One check and one conversion per value: the cheap view for a part of fast rows."""
    typed = [c for c in spec.columns if c.type != "text"]
    values = ",\n".join(f"nullif({_field(positions[c.name])}, '') as {ident(c.name)}" for c in spec.columns)
    conversions = "".join(f",\ncast({fast_typed_expr(spec, c)} as {c.raw_type}) as {ident('__typed_' + c.name)}"
                          for c in typed)
    converted = "".join(f" and ({ident(c.name)} is null or {ident('__typed_' + c.name)} is not null)" for c in typed)
    outputs = ", ".join(ident(c.name) if c.type == "text" else f"{ident('__typed_' + c.name)} as {ident(c.name)}"
                        for c in spec.columns)
    return f"""
        with

        records as ({reader_sql(part, width)}),

        cleaned as (
            select line_number, {fast_sql(spec, copy, positions, width)} as __fast,
                   {values}
            from records
        ),

        typed as (
            select *{conversions}
            from cleaned
        )

        select
            line_number,
            line_number - 1 as row_number,
            case when __fast{converted} then null else {literal(UNSETTLED)} end as reason,
            {outputs}
        from typed
    """


def fast_rows_sql(spec: FeedSpec, copy: TextCopy, part: TextPart, positions: dict[str, int], width: int,
                  lines: str | None = None) -> str:
    """What records_sql.csv_rows_sql gives for each row (line_number, raw, parse_error, __fast and
    the cleaned feed columns), raw left NULL (fast_load reads the lines of failed rows itself), and
    parse_error UNCERTAIN for a row that is not certain. `positions`: column name -> 1-based field.
    `lines`: a query of the line numbers to judge (default: every row)."""
    fields = [_field(n) for n in range(1, width + 1)]
    present = " + ".join(f"({f} is not null)::int" for f in fields)
    lone_blank = is_blank(fields[0]) if width == 1 else f"({fields[1]} is null and {is_blank(fields[0])})"
    values = ",\n".join(
        f"case when __fast then nullif({_field(positions[c.name])}, '') "
        f"else {trimmed(_field(positions[c.name]), copy.odd_space)} end as {ident(c.name)}"
        for c in spec.columns)
    return f"""
        with

        records as ({reader_sql(part, width)}),

        kept as (
            select * from records{f" semi join ({lines}) as wanted using (line_number)" if lines else ""}
        ),

        shaped as (
            select *, {fast_sql(spec, copy, positions, width)} as __fast
            from kept
        ),

        final as (
            select
                line_number,
                null::varchar as raw,
                case
                    when __fast then null
                    when __more is not null or regexp_matches(concat({', '.join(fields)}), '["\\n]') or {lone_blank}
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
