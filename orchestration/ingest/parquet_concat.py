"""Concatenate Parquet files of one schema into one file without decoding a page.

Why: a big text is loaded in parts, one DuckDB pipeline per part running side by side (line
numbering runs on one thread per pipeline, see load_file), but the raw zone holds one Parquet file
per landed file. Re-encoding the parts through DuckDB would cost about 40% of the load again. A
Parquet file is `PAR1`, its row groups' bytes, a footer (a Thrift compact-protocol FileMetaData
locating them by absolute offsets), the footer's length and `PAR1`; so the parts' bodies are
copied one after another and one footer is built: every part's row groups, their offsets moved by
where the part's body now starts, the row counts summed.

Only plain files such as DuckDB writes are accepted (no encryption, no column chunk stored in
another file, the same schema in every part). Page indexes are dropped from the new footer: the
page locations inside them would have to move too, and they are optional (readers then read the
pages in order). Bloom filters are kept: their bytes hold no offsets.
"""

from __future__ import annotations

import struct
from pathlib import Path

from orchestration.ingest.byte_copy import copy_range

MAGIC = b"PAR1"

# Thrift compact-protocol type codes
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)

# Field ids of parquet.thrift
_FILE_NUM_ROWS, _FILE_ROW_GROUPS, _FILE_SCHEMA, _FILE_ENCRYPTION = 3, 4, 2, 8
_RG_COLUMNS, _RG_FILE_OFFSET, _RG_ORDINAL = 1, 5, 7
_CC_FILE_PATH, _CC_FILE_OFFSET, _CC_META = 1, 2, 3
_CC_PAGE_INDEX = {4, 5, 6, 7}  # offset/column index offsets and lengths
_CC_CRYPTO = {8, 9}
_META_OFFSETS = {9, 10, 11, 14}  # data, index and dictionary page offsets, bloom filter offset


class ParquetConcatError(ValueError):
    """A part is not a Parquet file this module can concatenate."""


def concat_parquet(parts: list[Path], target: Path) -> int:
    """Write the row groups of `parts`, in order, as one Parquet file `target`; its row count."""
    bodies, footers = [], []
    for part in parts:
        data_end, footer = _read_footer(part)
        bodies.append((part, data_end))
        footers.append(_decode_struct(footer, 0)[0])
    schema = _schema(footers[0])
    row_groups, rows, start = [], 0, len(MAGIC)
    for (_, data_end), meta in zip(bodies, footers, strict=True):
        if _get(meta, _FILE_ENCRYPTION) is not None:
            raise ParquetConcatError("encrypted Parquet files are not supported")
        if _schema(meta) != schema:
            raise ParquetConcatError("the parts do not share one schema")
        shift = start - len(MAGIC)
        for group in _get(meta, _FILE_ROW_GROUPS)[1]:
            row_groups.append(_moved_row_group(group, shift, len(row_groups)))
        rows += _get(meta, _FILE_NUM_ROWS)
        start += data_end - len(MAGIC)
    merged = [list(field) for field in footers[0]]
    _set(merged, _FILE_NUM_ROWS, rows)
    _set(merged, _FILE_ROW_GROUPS, (_STRUCT, row_groups))
    footer = _encode_struct(merged)
    with open(target, "wb") as out:
        out.write(MAGIC)
        for part, data_end in bodies:
            with open(part, "rb") as src:
                copy_range(src, out, len(MAGIC), data_end - len(MAGIC))
        out.write(footer)
        out.write(struct.pack("<I", len(footer)))
        out.write(MAGIC)
    return rows


def _read_footer(path: Path) -> tuple[int, bytes]:
    """(where the footer starts, the footer's bytes)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(len(MAGIC))
        handle.seek(size - 8)
        length, tail = struct.unpack("<I4s", handle.read(8))
        if head != MAGIC or tail != MAGIC or length + 12 > size:
            raise ParquetConcatError(f"{path.name} is not a Parquet file")
        handle.seek(size - 8 - length)
        return size - 8 - length, handle.read(length)


def _moved_row_group(group: list, shift: int, ordinal: int) -> list:
    group = [list(field) for field in group]
    for field in group:
        if field[0] == _RG_FILE_OFFSET and field[2] > 0:
            field[2] += shift
        elif field[0] == _RG_ORDINAL:
            field[2] = ordinal
        elif field[0] == _RG_COLUMNS:
            field[2] = (_STRUCT, [_moved_column(column, shift) for column in field[2][1]])
    return group


def _moved_column(column: list, shift: int) -> list:
    moved = []
    for fid, kind, value in column:
        if fid in _CC_CRYPTO or (fid == _CC_FILE_PATH and value):
            raise ParquetConcatError("encrypted or external column chunks are not supported")
        if fid in _CC_PAGE_INDEX:
            continue
        if fid == _CC_FILE_OFFSET and value > 0:
            value += shift
        elif fid == _CC_META:
            value = [[f, k, v + shift if f in _META_OFFSETS and v > 0 else v] for f, k, v in value]
        moved.append([fid, kind, value])
    return moved


def _schema(meta: list) -> bytes:
    out = bytearray()
    _encode_value(out, _LIST, _get(meta, _FILE_SCHEMA))
    return bytes(out)


def _get(fields: list, fid: int):
    return next((value for f, _, value in fields if f == fid), None)


def _set(fields: list, fid: int, value) -> None:
    next(field for field in fields if field[0] == fid)[2] = value


# Thrift compact protocol, generically: a struct is a list of [field id, type, value], a list or set
# is (element type, [values]), a map is (key type, value type, [(key, value)]).

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _decode_value(data: bytes, pos: int, kind: int):
    if kind in (_I16, _I32, _I64):
        raw, pos = _varint(data, pos)
        return _zigzag(raw), pos
    if kind == _BINARY:
        length, pos = _varint(data, pos)
        return data[pos:pos + length], pos + length
    if kind == _STRUCT:
        return _decode_struct(data, pos)
    if kind in (_LIST, _SET):
        head = data[pos]
        pos += 1
        size, element = head >> 4, head & 0x0F
        if size == 15:
            size, pos = _varint(data, pos)
        values = []
        for _ in range(size):
            value, pos = _decode_value(data, pos, _BYTE if element in (_TRUE, _FALSE) else element)
            values.append(value)
        return (element, values), pos
    if kind == _MAP:
        size, pos = _varint(data, pos)
        if size == 0:
            return (0, 0, []), pos
        types = data[pos]
        pos += 1
        entries = []
        for _ in range(size):
            key, pos = _decode_value(data, pos, types >> 4)
            value, pos = _decode_value(data, pos, types & 0x0F)
            entries.append((key, value))
        return (types >> 4, types & 0x0F, entries), pos
    if kind == _BYTE:
        return data[pos], pos + 1
    if kind == _DOUBLE:
        return data[pos:pos + 8], pos + 8
    raise ParquetConcatError(f"unknown Thrift type {kind}")


def _decode_struct(data: bytes, pos: int) -> tuple[list, int]:
    fields, last = [], 0
    while True:
        head = data[pos]
        pos += 1
        if head == 0:
            return fields, pos
        kind, delta = head & 0x0F, head >> 4
        if delta:
            fid = last + delta
        else:
            raw, pos = _varint(data, pos)
            fid = _zigzag(raw)
        last = fid
        if kind in (_TRUE, _FALSE):
            fields.append([fid, kind, kind == _TRUE])
        else:
            value, pos = _decode_value(data, pos, kind)
            fields.append([fid, kind, value])


def _put_varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _encode_value(out: bytearray, kind: int, value) -> None:
    if kind in (_I16, _I32, _I64):
        _put_varint(out, (value << 1) ^ (value >> 63))
    elif kind == _BINARY:
        _put_varint(out, len(value))
        out += value
    elif kind == _STRUCT:
        out += _encode_struct(value)
    elif kind in (_LIST, _SET):
        element, values = value
        if len(values) < 15:
            out.append(len(values) << 4 | element)
        else:
            out.append(0xF0 | element)
            _put_varint(out, len(values))
        for item in values:
            _encode_value(out, _BYTE if element in (_TRUE, _FALSE) else element, item)
    elif kind == _MAP:
        key_kind, value_kind, entries = value
        _put_varint(out, len(entries))
        if entries:
            out.append(key_kind << 4 | value_kind)
            for key, item in entries:
                _encode_value(out, key_kind, key)
                _encode_value(out, value_kind, item)
    elif kind == _BYTE:
        out.append(value)
    elif kind == _DOUBLE:
        out += value
    else:
        raise ParquetConcatError(f"unknown Thrift type {kind}")


def _encode_struct(fields: list) -> bytes:
    out, last = bytearray(), 0
    for fid, kind, value in fields:
        if kind in (_TRUE, _FALSE):
            kind = _TRUE if value else _FALSE
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | kind)
        else:
            out.append(kind)
            _put_varint(out, (fid << 1) ^ (fid >> 63))
        last = fid
        if kind not in (_TRUE, _FALSE):
            _encode_value(out, kind, value)
    out.append(0)
    return bytes(out)
