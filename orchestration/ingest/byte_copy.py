"""Copying a byte range of one file into another without passing the bytes through Python.

`os.copy_file_range` has the kernel copy them (page cache to page cache); where it is not
available (another OS, an old kernel, a file system that refuses it) the bytes are read and
written in chunks instead.
"""

from __future__ import annotations

import os
from typing import BinaryIO

CHUNK_BYTES = 1 << 22


def copy_range(source: BinaryIO, target: BinaryIO, offset: int, count: int) -> None:
    """Append `count` bytes of `source` from `offset` to `target` (at its current end)."""
    target.flush()
    try:
        while count > 0:
            copied = os.copy_file_range(source.fileno(), target.fileno(), count, offset)
            if copied == 0:
                raise EOFError(f"{source.name} ended {count} bytes early")
            offset, count = offset + copied, count - copied
    except (AttributeError, OSError):
        target.seek(0, os.SEEK_END)
        source.seek(offset)
        while count > 0:
            block = source.read(min(CHUNK_BYTES, count))
            if not block:
                raise EOFError(f"{source.name} ended {count} bytes early") from None
            target.write(block)
            count -= len(block)
