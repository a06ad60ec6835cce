"""What one pass over a landed file's bytes tells: its sha256, its size and the shape of its text,
and (optionally) a private copy of exactly those bytes.

The bytes hashed are the bytes loaded: `inspect_file` writes the copy in the same pass that hashes,
and everything after reads only the copy. A file that changes while it is read (its size, mtime or
inode differ before and after, or fewer or more bytes came than its size said) raises FileChanged:
it is left for the next run, never loaded or logged half-way.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from orchestration.landing import Stamp

CHUNK_BYTES = 1 << 22  # 4 MiB reads: files are hashed and transcoded as streams, never read whole


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
    edge_space: bool  # a space next to a delimiter: a CSV value may begin or end with one (QuoteSpaceScan)
    separator: str | None  # a control character that does not occur, None if all do
    control_space: bool  # a tab or another ASCII whitespace control character occurs
    line_count: int  # LF-separated lines (see LineScan; meaningful for a file read as is)
    line_marks: tuple[tuple[int, int], ...]  # LineScan.marks (meaningful for a file read as is)
    mtime_ns: int = 0  # the file's modification time when it was read

    @property
    def readable_as_is(self) -> bool:
        """DuckDB can read the landed file itself (no UTF-8 working copy needed)."""
        return self.ascii and not self.has_cr


class FileChanged(Exception):
    """The file changed while (or since) it was listed or read: it waits for a later run."""


def _open_regular(path: Path) -> tuple[int, Stamp]:
    """Open a landed file for reading without following a symlink and without blocking on a FIFO;
    refuse anything but a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise FileChanged(f"{path} is no longer a regular file")
    return fd, Stamp.of(st)


def _check_unchanged(path: Path, fd: int, before: Stamp, read: int, expected: Stamp | None) -> None:
    after = Stamp.of(os.fstat(fd))
    try:
        now = Stamp.of(os.stat(path, follow_symlinks=False))
    except FileNotFoundError:
        raise FileChanged(f"{path} was removed or renamed while it was read") from None
    if expected is not None and before != expected:
        raise FileChanged(f"{path} changed since it was listed (size {expected.size} -> {before.size})")
    if after != before or now != before or read != before.size:
        raise FileChanged(f"{path} changed while it was read ({before.size} bytes when opened, {read} read, "
                          f"{now.size} now)")


def inspect_file(path: Path, copy_to: Path | None = None, expected: Stamp | None = None) -> FileFacts:
    """Hash a file and note its line ends, quotes and control characters, reading it in chunks; with
    `copy_to`, write the very bytes read there too (the private copy that is loaded afterwards).
    Raises FileChanged when the file is not the version `expected` or changes while it is read.

    Every test here runs on every chunk of every file, so each is a C-speed bytes method, most of
    them a memchr; the hash is computed on another thread meanwhile (hashlib lets go of the GIL),
    the blank-line test of LineScan is left to the line-level path, the only one that needs it, and
    the separator is looked for beyond the first candidate only in a file that holds it."""
    digest, size, lines, quotes = hashlib.sha256(), 0, LineScan(), QuoteSpaceScan()
    ascii_only, has_cr, has_quote, control_space, first_candidate = True, False, False, False, False
    fd, before = _open_regular(path)
    try:
        with open(fd, "rb", closefd=False) as handle, ThreadPoolExecutor(1, thread_name_prefix="sha256") as hasher, \
                (open(copy_to, "wb") if copy_to else _NoCopy()) as copy:
            hashed = None
            while chunk := handle.read(CHUNK_BYTES):
                if hashed is not None:
                    hashed.result()  # the hash takes the chunks one after another
                hashed = hasher.submit(digest.update, chunk)
                copy.write(chunk)
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
            copy.flush()
        _check_unchanged(path, fd, before, size, expected)
    finally:
        os.close(fd)
    separator = _separator(copy_to or path) if first_candidate else _FIRST_CANDIDATE.decode()
    quotes.close()  # also for edge_space, which a text without quotes has too
    return FileFacts(digest.hexdigest(), size, ascii_only, has_cr, has_quote, has_quote and quotes.found,
                     quotes.edge_space, separator, control_space, lines.count, tuple(lines.marks), before.mtime_ns)


class _NoCopy:
    def __enter__(self) -> _NoCopy:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, chunk: bytes) -> None:
        return None

    def flush(self) -> None:
        return None


def hash_file(path: Path, expected: Stamp | None = None) -> tuple[str, int]:
    """(sha256, size) of a file, read in chunks (FileChanged as for inspect_file)."""
    digest, size = hashlib.sha256(), 0
    fd, before = _open_regular(path)
    try:
        with open(fd, "rb", closefd=False) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        _check_unchanged(path, fd, before, size, expected)
    finally:
        os.close(fd)
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
    quotes. A pattern cut between two chunks begins at the last non-space byte before the cut: that
    byte and the spaces after it are carried over (the text's start counts as a line end).

    On the way it notes `edge_space`: a space right before or after a `,`, `"`, CR or LF, or at the
    text's start or end. A CSV value starts right after a `,`, a line end, an opening `"` or the text's
    start, and ends right before a `,`, a line end, a closing `"` or the text's end, so without an edge
    space no value can begin or end with a space, and fast_csv need not test every value for one. The edge
    test is a regexp led by the space (a lookbehind for the byte before it), searched only until the first
    edge space. Every pattern above ends in a space before a delimiter, so the exact pattern is only searched
    in a chunk where `_FILTER` finds one (a space is rare in most exports, and `, ` in free text is not such a
    space), and `_FILTER` only once an edge space was seen (it is one)."""

    _EDGE = re.compile(rb' (?:[,\r\n"]|(?<=[,\r\n"] ))')  # a space before or after a delimiter
    _FILTER = re.compile(rb' [,\r\n"]')  # CR too: a working copy turns CR and CRLF into LF
    _EXACT = re.compile(rb'" +[,\r\n"]|[,\r\n] +"')
    _AT_END = re.compile(rb'" +\Z')

    def __init__(self) -> None:
        self.found = False
        self.edge_space = False
        self._tail = b"\n"  # the text's last non-space byte and the spaces after it

    def feed(self, chunk: bytes) -> None:
        if self.found or not chunk:
            return
        if not self.edge_space and (self._EDGE.search(self._tail[-1:] + chunk[:1]) or self._EDGE.search(chunk)):
            self.edge_space = True
        cut = self._tail.endswith(b" ") and chunk[:1] in (b",", b"\r", b"\n", b'"')
        if self.edge_space and (cut or self._FILTER.search(chunk)):
            self.found = self._EXACT.search(self._tail + chunk) is not None
        stripped = chunk.rstrip(b" ")
        self._tail = chunk[len(stripped) - 1:] if stripped else self._tail + chunk

    def close(self) -> bool:
        """The text ended (a `"` followed by spaces up to its end counts); whether one was found."""
        self.found = self.found or self._AT_END.search(self._tail) is not None
        self.edge_space = self.edge_space or self._tail.endswith(b" ")  # `found` implies an edge space
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
