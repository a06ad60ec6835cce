"""Cutting a text into parts at line ends: files of whole lines, each knowing the physical line it
starts at.

Why: the fast path numbers a text's lines with DuckDB's `with ordinality`, which runs on one
thread per query. A big text is therefore cut into as many parts as there are threads to spare,
each read by its own query side by side (load_file), the parts' line numbers offset by the lines
before them. The cuts are found from the line scan's marks (LineScan.marks: bytes and line ends
seen at the end of each chunk), so cutting reads at most a chunk per cut, and the kernel copies
the parts (os.copy_file_range): no Python pass over the text.

Each part is its own file rather than a byte range of the text because DuckDB reads whole files,
and because a part then proves its own line count: DuckDB's rows of a part that number its lines,
none holding a line break, are its lines one for one (fast_csv), which a read told to stop after
n rows could not prove (a skipped empty line would shift every later number unnoticed).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.byte_copy import copy_range
from orchestration.ingest.file_facts import CHUNK_BYTES
from orchestration.ingest.transcode import TextCopy

#: Smallest part worth a query of its own (below it, the parts' fixed costs outweigh the gain).
MIN_PART_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TextPart:
    path: Path  # the part's file: the text itself when it is the only part
    first_line: int  # physical (1-based) line number of the part's first line in the whole text
    lines: int  # physical lines of the part (a last line without LF counts)
    header: bool  # the part starts with the text's header line
    source: Path | None = None  # the text the part is cut from (None: `path` is the text)
    start: int = 0  # the part's bytes in `source`
    end: int = 0

    def write(self) -> None:
        """Copy the part's bytes into its file (nothing to do for a whole text). Each part's
        loader writes its own, so the copies run side by side too."""
        if self.source is not None:
            with open(self.source, "rb") as text, open(self.path, "wb") as out:
                copy_range(text, out, self.start, self.end - self.start)

    def remove(self) -> None:
        if self.source is not None:
            self.path.unlink(missing_ok=True)

    @property
    def first_row_line(self) -> int:
        """The physical line of the part's first data row, every line being one row."""
        return self.first_line + self.header

    @property
    def rows(self) -> int:
        """The part's data rows, every line being one row."""
        return self.lines - self.header


def part_count(copy: TextCopy, workers: int) -> int:
    """How many parts the text is worth cutting into (at most `workers`)."""
    return max(1, min(workers, copy.path.stat().st_size // MIN_PART_BYTES))


def split_text(copy: TextCopy, parts: int, work_dir: Path) -> list[TextPart]:
    """The text in (at most) `parts` parts of about equal size, to be written (TextPart.write) in
    `work_dir`; the text itself when one part."""
    size = copy.path.stat().st_size
    cuts = [(0, 0)]  # (byte offset just after an LF, LFs before it)
    if parts > 1:
        with open(copy.path, "rb") as text:
            for k in range(1, parts):
                cut = _cut_after(text, copy, size * k // parts)
                if cut is not None and cuts[-1][0] < cut[0] < size:
                    cuts.append(cut)
    if len(cuts) == 1:
        return [TextPart(copy.path, 1, copy.line_count, True)]
    ends = [*cuts[1:], (size, copy.line_count)]
    return [TextPart(work_dir / f"part{k}.txt", before + 1, through - before, k == 0, copy.path, start, end)
            for k, ((start, before), (end, through)) in enumerate(zip(cuts, ends, strict=True))]


def _cut_after(text, copy: TextCopy, target: int) -> tuple[int, int] | None:
    """The first line end at or after byte `target`: (the offset after it, LFs up to and with it);
    None when no line ends within a chunk of it."""
    offsets = [offset for offset, _ in copy.line_marks]
    i = bisect.bisect_right(offsets, target) - 1
    start, before = copy.line_marks[i] if i >= 0 else (0, 0)
    text.seek(start)
    while start < target:  # no more than a chunk when the marks come from the line scan
        block = text.read(min(CHUNK_BYTES, target - start))
        if not block:
            return None
        before, start = before + block.count(b"\n"), start + len(block)
    end = text.read(CHUNK_BYTES).find(b"\n")
    if end < 0:
        return None
    return target + end + 1, before + 1
