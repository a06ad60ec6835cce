"""Small Arrow helpers of the next day: read columns, replace values at rows, keep one version per key."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def values(table: pa.Table, name: str) -> np.ndarray:
    """A column as a numpy array (object for text; float with NaN for nullable numbers)."""
    return table[name].to_numpy(zero_copy_only=False)


def put(table: pa.Table, name: str, rows: np.ndarray, new) -> pa.Table:
    """`table` with `name` replaced by `new` (one value or one per row) at the distinct positions `rows`."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return table
    field = table.schema.field(name)
    new = np.broadcast_to(np.asarray(new, dtype=object), rows.shape)
    order = np.argsort(rows, kind="stable")
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    column = pc.replace_with_mask(table[name].combine_chunks(), pa.array(mask),
                                  pa.array(list(new[order]), field.type, from_pandas=True))
    return table.set_column(table.schema.get_field_index(name), field, column)


def without(table: pa.Table, rows) -> pa.Table:
    """`table` without the rows at positions `rows`."""
    keep = np.ones(table.num_rows, dtype=bool)
    keep[np.asarray(list(rows), dtype=np.int64)] = False
    return table.filter(pa.array(keep))


def where(table: pa.Table, mask) -> pa.Table:
    """The rows where `mask` (an Arrow or numpy boolean; null counts as false)."""
    return table.filter(pc.fill_null(mask, False) if isinstance(mask, pa.Array | pa.ChunkedArray) else
                        pa.array(np.asarray(mask, dtype=bool)))


def latest(table: pa.Table, key: list[str], *order: str) -> pa.Table:
    """One row per key: the last by `order` (ascending), then `_export`, then `_row`; rows by key."""
    frame = table.to_pandas()
    frame = frame.sort_values([*order, "_export", "_row"], kind="stable").drop_duplicates(key, keep="last")
    return pa.Table.from_pandas(frame.sort_values(key, kind="stable"), schema=table.schema, preserve_index=False)
