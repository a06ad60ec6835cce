"""SQL that turns a UTF-8 working copy into records with physical line numbers.

DuckDB reads the copy line by line (`read_csv` with one VARCHAR column, no quoting, a separator
that does not occur in the text, `with ordinality` = the physical line number; verified: blank lines
come back as NULL rows, so numbering never skips). CSV records are then assembled in SQL: a line
continues the previous record while the running count of `"` before it is odd (a quoted field with
a line break), and fields are split with `string_split` (no quote in the record) or an RFC 4180
regular expression (quoted fields, `""` escapes). JSON lines are one record per line.

Every relation here has `line_number` (first physical line of the record, header = 1) and `raw`
(the record's text, lines joined by LF).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.feeds import FeedSpec
from orchestration.ingest.line_shape import record_pattern
from orchestration.ingest.sql_text import cleaned, has_edge_space, ident, is_blank, literal, trimmed
from orchestration.ingest.transcode import TextCopy

if TYPE_CHECKING:
    from orchestration.ingest.text_parts import TextPart

MAX_LINE_BYTES = 8 * 1024 * 1024  # a longer line rejects the file (DuckDB buffers ~16x this)

#: One CSV field after a leading comma: quoted ("" escapes, line breaks allowed) or unquoted.
_FIELD = r',("(?:[^"]|"")*"|[^,"\n][^,\n]*|)'
_RECORD = r'(?:,(?:"(?:[^"]|"")*"|[^,"\n][^,\n]*|))+'


def lines_sql(copy: TextCopy, part: TextPart | None = None) -> str:
    """line_number, line (NULL for an empty line) of the working copy, in file order; of one part
    of it (text_parts) numbered as in the whole text."""
    path, first = (copy.path, 1) if part is None else (part.path, part.first_line)
    return f"""
        select ordinality + {first - 1} as line_number, line
        from read_csv({literal(path)}, columns = {{'line': 'VARCHAR'}}, header = false,
                      delim = chr({ord(copy.separator)}), quote = '', escape = '', new_line = '\\n',
                      auto_detect = false, strict_mode = true, max_line_size = {MAX_LINE_BYTES})
             with ordinality
    """


def csv_records_sql(copy: TextCopy) -> str:
    """line_number, raw, unterminated: the CSV records (the header record included)."""
    if not copy.has_quote:
        return f"""
            with lines as ({lines_sql(copy)})
            select line_number, coalesce(line, '') as raw, false as unterminated from lines
        """
    return f"""
        with

        lines as ({lines_sql(copy)}),

        counted as (
            select
                line_number,
                coalesce(line, '') as line,
                length(coalesce(line, '')) - length(replace(coalesce(line, ''), '"', '')) as quotes
            from lines
        ),

        opened as (
            select
                *,
                coalesce(sum(quotes) over (order by line_number rows between unbounded preceding and 1 preceding),
                         0) % 2 = 1 as continues_record
            from counted
        ),

        grouped as (
            select
                *,
                max(case when not continues_record then line_number end)
                    over (order by line_number rows between unbounded preceding and current row) as record_line
            from opened
        ),

        final as (
            select
                record_line as line_number,
                string_agg(line, chr(10) order by line_number) as raw,
                sum(quotes) % 2 = 1 as unterminated
            from grouped
            group by record_line
        )

        select * from final order by line_number
    """


def csv_data_records_sql(records_table: str, odd_space: bool) -> str:
    """The data records: not the header, not blank (a blank line is not a row). Without odd
    whitespace in the text only spaces can make a record blank: no regexp then."""
    blank = is_blank("raw") if odd_space else "(raw = '' or (starts_with(raw, ' ') and trim(raw) = ''))"
    return f"select * from {records_table} where line_number > 1 and not {blank}"


def csv_rows_sql(spec: FeedSpec, records_table: str, positions: dict[str, int], width: int, odd_space: bool) -> str:
    """line_number, raw, parse_error, __fast and one cleaned text column per feed column (by raw
    name) for every data record of `records_table` (see csv_data_records_sql).
    `positions`: raw column name -> 1-based field position.
    `__fast`: the record matches line_shape.record_pattern (its values need no trimming or checks).
    Trimming is paid for only where it can matter: `trim_mode` 0 = no field has edge spaces,
    1 = only plain spaces to trim, 2 = quoted fields or other whitespace (the full trim)."""
    fast = literal(record_pattern(spec, positions, width, odd_space))
    values = ",\n".join(f"{_cleaned_field(f'fields[{positions[c.name]}]', odd_space)} as {ident(c.name)}"
                         for c in spec.columns)
    odd = f"when {has_edge_space('raw')} then 2" if odd_space else ""
    return f"""
        with

        records as (
            select * from {records_table}
        ),

        shaped as (
            select *, regexp_full_match(raw, {fast}) as __fast from records
        ),

        split as (
            select
                line_number,
                raw,
                unterminated,
                __fast,
                case
                    when __fast then 0
                    when strpos(raw, '"') > 0 then 2
                    {odd}
                    when starts_with(raw, ' ') or ends_with(raw, ' ') or contains(raw, ' ,') or contains(raw, ', ')
                        then 1
                    else 0
                end as trim_mode,
                case
                    when unterminated then null
                    when strpos(raw, '"') = 0 then string_split(raw, ',')
                    when regexp_full_match(',' || raw, {literal(_RECORD)}) then list_transform(
                        regexp_extract_all(',' || raw, {literal(_FIELD)}, 1),
                        f -> case when starts_with(f, '"') then replace(f[2:-2], '""', '"') else f end)
                end as fields
            from shaped
        ),

        final as (
            select
                line_number,
                raw,
                case
                    when unterminated then 'malformed CSV line: unterminated quoted field'
                    when fields is null then 'malformed CSV line: bad quoting'
                    when len(fields) <> {width}
                        then 'malformed CSV line: expected {width} fields, got ' || len(fields)
                end as parse_error,
                __fast,
                {values}
            from split
        )

        select * from final
    """


def _cleaned_field(expr: str, odd_space: bool) -> str:
    """Without odd whitespace in the file, only spaces and (inside quotes) line ends can need trimming."""
    return (f"case trim_mode when 0 then nullif({expr}, '') when 1 then nullif(trim({expr}), '') "
            f"else {trimmed(expr, odd_space)} end")


def jsonl_data_records_sql(copy: TextCopy) -> str:
    """line_number, raw of every non-blank line."""
    return f"""
        with lines as ({lines_sql(copy)})
        select line_number, line as raw from lines where not {is_blank('line')}
    """


def jsonl_rows_sql(spec: FeedSpec, records_table: str) -> str:
    """line_number, raw, parse_error and one cleaned text column per feed column (a missing key is
    NULL) for every record of `records_table` (see jsonl_data_records_sql)."""
    paths = "[" + ", ".join(literal(f'$."{c.source}"') for c in spec.columns) + "]"
    values = ",\n".join(f"{cleaned(f'vals[{i}]')} as {ident(c.name)}" for i, c in enumerate(spec.columns, start=1))
    return f"""
        with

        records as (
            select * from {records_table}
        ),

        checked as (
            select
                line_number,
                raw,
                case
                    when not json_valid(raw) then 'malformed JSON line: not valid JSON'
                    when json_type(raw) <> 'OBJECT' then 'malformed JSON line: not a JSON object'
                end as parse_error
            from records
        ),

        extracted as (
            select
                *,
                case when parse_error is null then json_extract_string(raw, {paths}) end as vals
            from checked
        ),

        final as (
            select
                line_number,
                raw,
                parse_error,
                {values}
            from extracted
        )

        select * from final
    """


def jsonl_keys_sql(copy: TextCopy) -> str:
    """Every distinct key of the file's JSON objects (to report unknown ones)."""
    return f"""
        with lines as ({lines_sql(copy)})
        select distinct unnest(json_keys(line)) as key
        from lines
        where case when json_valid(line) then json_type(line) = 'OBJECT' else false end
    """
