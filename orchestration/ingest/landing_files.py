"""The files of one feed folder of the landing directory, in processing order, with their hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.feeds import FeedSpec

CHUNK_BYTES = 1 << 22  # 4 MiB reads: files are hashed and transcoded as streams, never read whole


@dataclass(frozen=True)
class LandedFile:
    path: Path
    rel_path: str  # relative to the landing directory, posix separators
    export_date: date | None  # None: the name does not match the folder's pattern

    @property
    def name(self) -> str:
        return self.path.name


def landed_files(spec: FeedSpec, landing_root: Path) -> list[LandedFile]:
    """Every regular file of the feed folder: well-named files by (export date, file name), then
    misnamed ones by name (they are rejected anyway, the order only fixes the log's order)."""
    folder = Path(landing_root) / spec.folder
    if not folder.is_dir():
        return []
    files = [
        LandedFile(p, p.relative_to(landing_root).as_posix(), spec.export_date(p.name))
        for p in folder.iterdir()
        if p.is_file()
    ]
    return sorted(files, key=lambda f: (f.export_date is None, f.export_date or date.min, f.name))


#: Control characters that may serve as the line reader's column separator (none is trimmed as
#: whitespace). Like `"` and CR they are single bytes that never occur inside a multi-byte character
#: of GB18030 or UTF-8, so finding them in the raw bytes is finding them in the text.
SEPARATOR_CANDIDATES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1C)])
#: ASCII whitespace other than space and line ends (trimmed like spaces; rare in exports).
CONTROL_SPACES = b"\t\x0b\x0c\x1c\x1d\x1e\x1f"
_WATCHED = SEPARATOR_CANDIDATES + CONTROL_SPACES
_OTHER_BYTES = bytes(b for b in range(256) if b not in _WATCHED)


@dataclass(frozen=True)
class FileFacts:
    """What one streaming pass over a file's bytes tells."""

    sha256: str
    bytes: int
    ascii: bool  # pure ASCII: the same bytes in GB18030, UTF-8 and UTF-8 with BOM (no BOM then)
    has_cr: bool  # CR line ends (CRLF or lone CR) occur
    has_quote: bool  # a `"` occurs: CSV records may span lines
    quote_space: bool  # a `"` is followed by a space somewhere (DuckDB's reader forgives it; see fast_csv)
    separator: str | None  # a control character that does not occur, None if all do
    control_space: bool  # a tab or another ASCII whitespace control character occurs
    line_count: int  # LF-separated lines (see LineScan; meaningful for a file read as is)

    @property
    def readable_as_is(self) -> bool:
        """DuckDB can read the landed file itself (no UTF-8 working copy needed)."""
        return self.ascii and not self.has_cr


def inspect_file(path: Path) -> FileFacts:
    """Hash a file and note its line ends, quotes and control characters, reading it in chunks.

    Every test here runs on every chunk of every file, so each is a C-speed bytes method; the
    blank-line test of LineScan is left to the line-level path, the only one that needs it."""
    digest, size = hashlib.sha256(), 0
    ascii_only, has_cr, has_quote, quote_space, present, lines = True, False, False, False, set(), LineScan()
    last = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            lines.feed(chunk)
            size += len(chunk)
            ascii_only = ascii_only and chunk.isascii()
            has_cr = has_cr or b"\r" in chunk
            if b'"' in chunk:
                has_quote = True
                quote_space = quote_space or b'" ' in chunk
            quote_space = quote_space or (last == b'"' and chunk[:1] == b" ")  # cut between two chunks
            last = chunk[-1:]
            present.update(chunk.translate(None, _OTHER_BYTES))
    free = [c for c in SEPARATOR_CANDIDATES if c not in present]
    return FileFacts(digest.hexdigest(), size, ascii_only, has_cr, has_quote, quote_space,
                     chr(free[0]) if free else None, any(c in present for c in CONTROL_SPACES), lines.count)


class LineScan:
    """Counts the LF-separated lines of a text fed chunk by chunk, the way DuckDB's line reader
    numbers them (a last line without LF counts). With `blank_check`, also notes whether no line
    can be blank: no empty line and no line starting with a space. Only spaces can then make a line
    blank when the text holds no other whitespace (`odd_space` false), so `blank_free` proves every
    line non-blank."""

    def __init__(self, blank_check: bool = False) -> None:
        self.breaks = 0
        self.blank_free = True if blank_check else None
        self._last = b"\n"  # the file's start is a line start

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.breaks += chunk.count(b"\n")
        if self.blank_free:
            seam = self._last + chunk[:1]
            self.blank_free = not (seam in (b"\n\n", b"\n ") or b"\n\n" in chunk or b"\n " in chunk)
        self._last = chunk[-1:]

    @property
    def count(self) -> int:
        return self.breaks + (self._last != b"\n")


def blank_free(path: Path) -> bool:
    """LineScan's `blank_free` of a text file (one more pass over it)."""
    scan = LineScan(blank_check=True)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            scan.feed(chunk)
    return bool(scan.blank_free)
