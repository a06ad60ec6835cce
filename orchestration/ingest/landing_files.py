"""The files of one feed folder of the landing directory, in processing order, with their hashes."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
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
_OTHER_BYTES = bytes(b for b in range(256) if b not in SEPARATOR_CANDIDATES)
_FIRST_CANDIDATE = SEPARATOR_CANDIDATES[:1]
_CONTROL_SPACE_BYTES = tuple(bytes([c]) for c in CONTROL_SPACES)


@dataclass(frozen=True)
class FileFacts:
    """What one streaming pass over a file's bytes tells."""

    sha256: str
    bytes: int
    ascii: bool  # pure ASCII: the same bytes in GB18030, UTF-8 and UTF-8 with BOM (no BOM then)
    has_cr: bool  # CR line ends (CRLF or lone CR) occur
    has_quote: bool  # a `"` occurs: CSV records may span lines
    quote_space: bool  # spaces next to a quote that DuckDB's reader forgives (QuoteSpaceScan)
    separator: str | None  # a control character that does not occur, None if all do
    control_space: bool  # a tab or another ASCII whitespace control character occurs
    line_count: int  # LF-separated lines (see LineScan; meaningful for a file read as is)
    line_marks: tuple[tuple[int, int], ...]  # LineScan.marks (meaningful for a file read as is)

    @property
    def readable_as_is(self) -> bool:
        """DuckDB can read the landed file itself (no UTF-8 working copy needed)."""
        return self.ascii and not self.has_cr


def inspect_file(path: Path) -> FileFacts:
    """Hash a file and note its line ends, quotes and control characters, reading it in chunks.

    Every test here runs on every chunk of every file, so each is a C-speed bytes method, most of
    them a memchr; the hash is computed on another thread meanwhile (hashlib lets go of the GIL),
    the blank-line test of LineScan is left to the line-level path, the only one that needs it, and
    the separator is looked for beyond the first candidate only in a file that holds it."""
    digest, size, lines, quotes = hashlib.sha256(), 0, LineScan(), QuoteSpaceScan()
    ascii_only, has_cr, has_quote, control_space, first_candidate = True, False, False, False, False
    with open(path, "rb") as handle, ThreadPoolExecutor(1, thread_name_prefix="sha256") as hasher:
        hashed = None
        while chunk := handle.read(CHUNK_BYTES):
            if hashed is not None:
                hashed.result()  # the hash takes the chunks one after another
            hashed = hasher.submit(digest.update, chunk)
            lines.feed(chunk)
            quotes.feed(chunk)
            size += len(chunk)
            ascii_only = ascii_only and chunk.isascii()
            has_cr = has_cr or b"\r" in chunk
            has_quote = has_quote or b'"' in chunk
            control_space = control_space or any(c in chunk for c in _CONTROL_SPACE_BYTES)
            first_candidate = first_candidate or _FIRST_CANDIDATE in chunk
        if hashed is not None:
            hashed.result()
    separator = _separator(path) if first_candidate else _FIRST_CANDIDATE.decode()
    return FileFacts(digest.hexdigest(), size, ascii_only, has_cr, has_quote, has_quote and quotes.close(),
                     separator, control_space, lines.count, tuple(lines.marks))


def hash_file(path: Path) -> tuple[str, int]:
    """(sha256, size) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _separator(path: Path) -> str | None:
    """The first separator candidate the file does not hold (one more pass over it)."""
    present: set[int] = set()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            present.update(chunk.translate(None, _OTHER_BYTES))
    free = [c for c in SEPARATOR_CANDIDATES if c not in present]
    return chr(free[0]) if free else None


class QuoteSpaceScan:
    """Whether the text has what DuckDB's CSV reader forgives around quotes and records_sql does not
    (fast_csv): a `"` followed by spaces and then `,`, LF, `"` or the end of the text (`"ST" ,` reads
    as ST, `"a" "b"` as `a b`), or spaces between the start of a field and a `"` (`, "ST"` reads as
    ST). records_sql calls the first bad quoting and reads the second as an unquoted value with its
    quotes. A space before `,`, LF or `"` is rare in exports, and a regexp looking for one scans for
    the space (a rare byte) at memchr-like speed, so only the chunks it flags get the exact pattern.
    A pattern cut between two chunks begins at the last non-space byte before the cut: that byte and
    the spaces after it are carried over (the text's start counts as a line end)."""

    _FILTER = re.compile(rb' [,\r\n"]')  # CR too: a working copy turns CR and CRLF into LF
    _EXACT = re.compile(rb'" +[,\r\n"]|[,\r\n] +"')
    _AT_END = re.compile(rb'" +\Z')

    def __init__(self) -> None:
        self.found = False
        self._tail = b"\n"  # the text's last non-space byte and the spaces after it

    def feed(self, chunk: bytes) -> None:
        if self.found or not chunk:
            return
        cut = self._tail.endswith(b" ") and chunk[:1] in (b",", b"\r", b"\n", b'"')
        if cut or self._FILTER.search(chunk):
            self.found = self._EXACT.search(self._tail + chunk) is not None
        stripped = chunk.rstrip(b" ")
        self._tail = chunk[len(stripped) - 1:] if stripped else self._tail + chunk

    def close(self) -> bool:
        """The text ended (a `"` followed by spaces up to its end counts); whether one was found."""
        self.found = self.found or self._AT_END.search(self._tail) is not None
        return self.found


class LineScan:
    """Counts the LF-separated lines of a text fed chunk by chunk, the way DuckDB's line reader
    numbers them (a last line without LF counts), and marks after each chunk how many bytes and
    LFs it has seen (`marks`: where text_parts may cut the text without counting lines again).
    With `blank_check`, also notes whether no line can be blank: no empty line and no line starting
    with a space. Only spaces can then make a line blank when the text holds no other whitespace
    (`odd_space` false), so `blank_free` proves every line non-blank."""

    def __init__(self, blank_check: bool = False) -> None:
        self.breaks = 0
        self.size = 0
        self.marks: list[tuple[int, int]] = []  # (bytes seen, LFs among them), one per chunk
        self.blank_free = True if blank_check else None
        self._last = b"\n"  # the file's start is a line start

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.breaks += chunk.count(b"\n")
        self.size += len(chunk)
        self.marks.append((self.size, self.breaks))
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
