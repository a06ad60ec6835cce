"""The text DuckDB's line reader reads: the landed file itself, or a UTF-8 working copy of it.

A pure-ASCII file with LF line ends is the same bytes in every encoding of sources.md, so DuckDB
reads it where it lies (the usual ERP order-lines export). Anything else is streamed into a UTF-8
working copy, chunk by chunk through the codec's incremental decoder (a 1 GB export never sits in
memory, and an invalid byte sequence rejects the file), and on the way:
- a file that ends inside a character (a truncated export: the cut fell in a multi-byte character) loses
  that character's first bytes, so its last line is judged as a cut between two characters would leave it
  (quarantined when a field is missing or does not parse); the text copy says how many bytes were dropped;
- the byte-order mark is dropped (`utf-8-sig`);
- every line end (CRLF, LF or a lone CR) becomes LF, so one physical line is one row of the line
  reader and line numbers stay physical whatever the source's line ends;
- pure-ASCII chunks with no partial character pending skip the decoder;
- a UTF-8 export's chunks are still decoded (that is the check that they are valid), but what is written is the
  bytes the decoder consumed, BOM aside: valid UTF-8 is its own UTF-8 text, and encoding it again cost ~18 % of
  a CRM export's transcoding (0.58-0.66 -> 0.48-0.52 s for 55 MB of activities at L; the same bytes written).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.file_facts import CHUNK_BYTES, FileFacts, LineScan, blank_free

#: Non-ASCII characters Python's str.strip() removes (the contract's "trimmed").
UNICODE_SPACES = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                 "\u2028\u2029\u202f\u205f\u3000"


#: Codecs whose valid input is already the UTF-8 text transcoding would write (Python's normalised names).
UTF8_CODECS = frozenset({"utf-8", "utf-8-sig"})


class EncodingRejected(ValueError):
    """The file is not valid in its declared encoding, or cannot be read as text."""


@dataclass(frozen=True)
class TextCopy:
    path: Path  # UTF-8, LF line ends, no BOM
    has_quote: bool
    separator: str  # a character that does not occur in the text
    odd_space: bool  # whitespace other than space and line ends may occur (tab, U+3000, ...)
    line_count: int  # physical lines, as DuckDB's line reader numbers them
    quote_space: bool  # FileFacts.quote_space
    edge_space: bool  # FileFacts.edge_space (the bytes it looks at are the same in the text: see text_for_duckdb)
    blank_free: bool | None  # no empty line and no line starting with a space (LineScan); None: not scanned
    line_marks: tuple[tuple[int, int], ...] = ()  # LineScan.marks of the text
    cut_bytes: int = 0  # the file ended inside a character: its last bytes, not text, were dropped

    def is_blank_free(self) -> bool:
        return self.blank_free if self.blank_free is not None else blank_free(self.path)


def text_for_duckdb(source: Path, facts: FileFacts, encoding: str, target: Path) -> TextCopy:
    if facts.separator is None:
        raise EncodingRejected("the file holds every ASCII control character; it is not a text export")
    if facts.readable_as_is:
        return TextCopy(source, facts.has_quote, facts.separator, facts.control_space, facts.line_count,
                        facts.quote_space, facts.edge_space, None, facts.line_marks)
    lines = LineScan(blank_check=True)
    unicode_space, cut = transcode(source, encoding, target, lines)
    edge_space = facts.edge_space or _space_at_either_end(target)
    return TextCopy(target, facts.has_quote, facts.separator, facts.control_space or unicode_space, lines.count,
                    facts.quote_space, edge_space, lines.blank_free, tuple(lines.marks), cut)


def _space_at_either_end(text: Path) -> bool:
    """Whether the text starts or ends with a space. The landed bytes' edge_space holds for the text
    everywhere else: a space, `,`, `"`, CR and LF are single bytes, never part of a multi-byte character in
    GB18030 or UTF-8, and CR and CRLF become LF. Only the ends can differ: the byte-order mark before the
    first character is dropped, and so are the bytes of a character the file ends inside."""
    with open(text, "rb") as handle:
        first = handle.read(1)
        if not first:
            return False
        handle.seek(-1, 2)
        return b" " in (first, handle.read(1))


def transcode(source: Path, encoding: str, target: Path, lines: LineScan | None = None) -> tuple[bool, int]:
    """Stream `source` (in `encoding`) into `target` as UTF-8 with LF line ends and no BOM; tell
    whether a non-ASCII whitespace character (no-break space, ideographic space, ...) occurs, and how many
    bytes of a character the file ended inside were dropped. `lines` is fed the text written."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    codec = codecs.lookup(encoding).name
    utf8 = codec in UTF8_CODECS
    carry_cr, offset, first, unicode_space, cut = False, 0, True, False, 0
    lines = lines if lines is not None else LineScan()
    with open(source, "rb") as src, open(target, "wb") as out:
        bom = len(codecs.BOM_UTF8) if codec == "utf-8-sig" and src.read(3) == codecs.BOM_UTF8 else 0
        src.seek(0)
        while True:
            chunk = src.read(CHUNK_BYTES)
            if chunk and not first and chunk.isascii() and decoder.getstate()[0] == b"":
                data = chunk
            else:
                if not chunk:  # the end: bytes still pending are the start of a character the file ends inside
                    cut = len(decoder.getstate()[0])
                    decoder.reset()
                pending = decoder.getstate()[0]  # the start of a character the previous chunk ended inside
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    raise EncodingRejected(
                        f"not valid {encoding}: {exc.reason} near byte {offset + max(exc.start, 0)}") from exc
                unicode_space = unicode_space or any(c in text for c in UNICODE_SPACES)
                if utf8:  # valid UTF-8 is its own UTF-8 text: the bytes the decoder consumed, but for the BOM
                    data = (pending + chunk)[:len(pending) + len(chunk) - len(decoder.getstate()[0])]
                    data, bom = data[bom:], max(0, bom - len(data))
                else:
                    data = text.encode("utf-8")
            first, offset = False, offset + len(chunk)
            if carry_cr:
                data = b"\r" + data
            carry_cr = bool(chunk) and data.endswith(b"\r")  # CRLF may straddle two chunks
            if carry_cr:
                data = data[:-1]
            if b"\r" in data:
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            out.write(data)
            lines.feed(data)
            if not chunk:
                return unicode_space, cut
