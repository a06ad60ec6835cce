"""Read an existing landing directory back into the demo's own Arrow types (the state of the next day).

Snapshots come back in `SCHEMAS`, the types the demo writers write each column with (text quoted,
numbers, dates and ERP timestamps bare), so a table read here and written again with
`writers.write_csv` gives the same bytes. Incremental files, millions of rows at L, come back as
text (Arrow parses text five times faster than decimals and timestamps): the queries of the day
cast what they compare, and `typed()` casts the few rows that are re-sent. ERP files are GB18030;
those that are pure ASCII (order lines, invoices) skip the transcoding. JSON Lines come back with
their raw lines, so untouched records are copied verbatim.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from ...feeds import FEEDS, FeedSpec

_DEC2 = pa.decimal128(18, 2)
_TYPED: dict[str, dict[str, pa.DataType]] = {
    "activities": {"satisfaction": pa.int64()},
    "customers": {"credit_limit": _DEC2, "payment_terms_days": pa.int64(), "created_on": pa.date32()},
    "products": {"unit_cost": _DEC2, "list_price": _DEC2},
    "order_lines": {"line_no": pa.int64(), "order_date": pa.date32(), "quantity": pa.int64(), "unit_price": _DEC2,
                    "discount_rate": pa.decimal128(4, 2), "fx_rate": pa.decimal128(10, 4),
                    "updated_at": pa.timestamp("s")},
    "invoices": {"invoice_date": pa.date32(), "due_date": pa.date32(), "amount": _DEC2,
                 "fx_rate": pa.decimal128(10, 4), "paid_date": pa.date32(), "updated_at": pa.timestamp("s")},
}
#: Feed name → the Arrow schema of its rows as the demo writes them (raw-zone column names).
SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema([(c.name, _TYPED.get(name, {}).get(c.name, pa.string())) for c in spec.columns])
    for name, spec in FEEDS.items()
}


def typed(table: pa.Table, feed: str) -> pa.Table:
    """Rows of a feed read as text, in the demo's types (columns in the feed's order)."""
    return table.select(SCHEMAS[feed].names).cast(SCHEMAS[feed])


def feed_files(out: Path, spec: FeedSpec) -> list[tuple[date, Path]]:
    """The well-named files of a feed folder, by (export date, name)."""
    folder = Path(out) / spec.folder
    if not folder.is_dir():
        return []
    dated = [(spec.export_date(p.name), p) for p in folder.iterdir() if p.is_file()]
    return sorted((d, p) for d, p in dated if d is not None)


def last_export_date(out: Path) -> date | None:
    """The greatest export date of any well-named file of the nine feeds."""
    dates = [d for spec in FEEDS.values() for d, _ in feed_files(out, spec)]
    return max(dates, default=None)


def read_csv_file(path: Path, spec: FeedSpec, as_text: bool = False) -> pa.Table:
    """One CSV export as a table of `SCHEMAS[spec.name]` (or all text); an unquoted empty field is null.
    The file is memory-mapped (a copy of 200 MB in Python bytes costs more system time than the parse)."""
    data = pa.memory_map(str(path)).read_buffer()
    if spec.encoding == "gb18030" and np.frombuffer(data, dtype=np.uint8).max(initial=0) >= 0x80:
        data = pa.py_buffer(data.to_pybytes().decode("gb18030").encode("utf-8"))
    schema = SCHEMAS[spec.name]
    types = {c.source: pa.string() if as_text else schema.field(c.name).type for c in spec.columns}
    table = pacsv.read_csv(
        pa.BufferReader(data),  # a UTF-8 BOM is skipped by Arrow's reader
        convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(spec.source_names),
                                             strings_can_be_null=True, quoted_strings_can_be_null=False))
    return table.rename_columns(list(spec.column_names))


def read_jsonl_file(path: Path, spec: FeedSpec) -> tuple[pa.Table, list[bytes]]:
    """One JSON Lines export: its values as text, and its raw lines (each ending with a newline)."""
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    schema = pa.schema([(c.source, pa.string()) for c in spec.columns])
    if not lines:
        return schema.empty_table().rename_columns(list(spec.column_names)), []
    table = pajson.read_json(pa.BufferReader(data), parse_options=pajson.ParseOptions(explicit_schema=schema))
    return table.rename_columns(list(spec.column_names)), lines


def read_snapshot(out: Path, spec: FeedSpec) -> tuple[date, pa.Table, list[bytes] | None]:
    """The newest snapshot of a feed: its export date, rows, and raw lines (JSON Lines only)."""
    files = feed_files(out, spec)
    if not files:
        raise ValueError(f"{out}: no {spec.name} snapshot to start the next day from")
    day, path = files[-1]
    if spec.fmt == "jsonl":
        table, lines = read_jsonl_file(path, spec)
        return day, table, lines
    return day, read_csv_file(path, spec), None


def read_recent(out: Path, spec: FeedSpec, since: date) -> tuple[pa.Table, list[bytes] | None]:
    """Every file of an incremental feed exported on or after `since`, as text, concatenated in (export
    date, name) order, with `_export` (the file's export date) and `_row` (the row's position overall)."""
    tables, raw = [], []
    for day, path in feed_files(out, spec):
        if day < since:
            continue
        if spec.fmt == "jsonl":
            table, lines = read_jsonl_file(path, spec)
            raw += lines
        else:
            table = read_csv_file(path, spec, as_text=True)
        tables.append(table.append_column("_export", pa.array([day] * table.num_rows, pa.date32())))
    if not tables:
        text = pa.schema([(c.name, pa.string()) for c in spec.columns])
        tables = [text.empty_table().append_column("_export", pa.array([], pa.date32()))]
    table = pa.concat_tables(tables)
    table = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    return table, (raw if spec.fmt == "jsonl" else None)


def iso_utc_seconds(values: pa.Array) -> pa.Array:
    """Epoch seconds (UTC) of ISO-8601 timestamps written `...Z` or `...+08:00` (the demo's two forms)."""
    local = pc.strptime(pc.utf8_slice_codeunits(values, 0, 19), "%Y-%m-%dT%H:%M:%S", "s")
    secs = pc.cast(local, pa.int64())
    offset = pc.if_else(pc.ends_with(values, "Z"), 0, 8 * 3600)
    return pc.subtract(secs, offset)
