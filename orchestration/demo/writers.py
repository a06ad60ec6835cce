"""Write export files in the sources' real formats, in chunks.

CSV goes through Arrow's C++ writer (every text value quoted with `"`, numbers and dates bare):
CRM files get a UTF-8 BOM and CRLF line ends, ERP files LF line ends and are re-encoded to
GB18030 chunk by chunk. JSON Lines are written from pre-built line arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..feeds import FeedSpec

CHUNK_ROWS = 400_000
BOM = "\ufeff".encode()


@dataclass
class Tally:
    """What was written, per feed: files, rows and bytes."""

    feeds: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, feed: str, rows: int, size: int) -> None:
        t = self.feeds.setdefault(feed, {"files": 0, "rows": 0, "bytes": 0})
        t["files"] += 1
        t["rows"] += rows
        t["bytes"] += size


def _target(out: Path, spec: FeedSpec, day) -> Path:
    folder = out / spec.system / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder / spec.file_name(day)


def write_csv(out: Path, spec: FeedSpec, day, table: pa.Table, tally: Tally) -> Path:
    """One CSV export of `table` (columns named by `Column.name`) with the feed's headers and encoding."""
    table = table.select(list(spec.column_names)).rename_columns(list(spec.source_names))
    crm = spec.encoding == "utf-8-sig"
    options = dict(quoting_style="needed", eol="\r\n" if crm else "\n")
    path = _target(out, spec, day)
    with open(path, "wb") as fh:
        if crm:
            fh.write(BOM)
        for start in range(0, max(table.num_rows, 1), CHUNK_ROWS):
            sink = pa.BufferOutputStream()
            chunk = table.slice(start, CHUNK_ROWS)
            pacsv.write_csv(chunk, sink, pacsv.WriteOptions(include_header=start == 0, **options))
            data = sink.getvalue().to_pybytes()
            fh.write(data if crm else data.decode("utf-8").encode(spec.encoding))
    tally.add(spec.name, table.num_rows, path.stat().st_size)
    return path


def string_bytes(arr: pa.Array) -> bytes:
    """The concatenated UTF-8 bytes of a string array (each element already ends with a newline)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) == 0:
        return b""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]
    return arr.buffers()[2].to_pybytes()[offsets[0]: offsets[-1]]


def write_jsonl(out: Path, spec: FeedSpec, day, chunks, tally: Tally) -> Path:
    """One JSON Lines export from an iterable of line arrays (or of bytes holding whole lines)."""
    path = _target(out, spec, day)
    rows = 0
    with open(path, "wb") as fh:
        for lines in chunks:
            data = lines if isinstance(lines, bytes) else string_bytes(lines)
            fh.write(data)
            rows += data.count(b"\n") if isinstance(lines, bytes) else len(lines)
    tally.add(spec.name, rows, path.stat().st_size)
    return path
