"""Cutting a text into parts at line ends (text_parts) and the line scan facts the cuts rely on."""

from __future__ import annotations

import random
import re

import pytest

from orchestration.ingest import file_facts, text_parts
from orchestration.ingest.file_facts import QuoteSpaceScan, inspect_file
from orchestration.ingest.text_parts import split_text
from orchestration.ingest.transcode import text_for_duckdb


def _parts(tmp_path, data: bytes, parts: int):
    source = tmp_path / "text.csv"
    source.write_bytes(data)
    copy = text_for_duckdb(source, inspect_file(source), "gb18030", tmp_path / "copy.txt")
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    result = split_text(copy, parts, work)
    for part in result:
        part.write()
    return copy, result


@pytest.mark.parametrize("final_newline", [True, False])
@pytest.mark.parametrize("parts", [2, 3, 5])
def test_parts_are_whole_lines_numbered_as_in_the_text(tmp_path, monkeypatch, final_newline, parts):
    monkeypatch.setattr(file_facts, "CHUNK_BYTES", 64)  # many line scan marks, cuts between them
    lines = [b"h,e,a,d"] + [b"x" * (n % 7) + b",%d" % n for n in range(200)]
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")

    copy, result = _parts(tmp_path, data, parts)

    assert len(result) == parts
    assert b"".join(part.path.read_bytes() for part in result) == data
    for part in result:
        body = part.path.read_bytes()
        assert body.endswith(b"\n") or part is result[-1]
        got = body.split(b"\n")[:-1] if body.endswith(b"\n") else body.split(b"\n")
        assert got == lines[part.first_line - 1:part.first_line - 1 + part.lines]
    assert [part.header for part in result] == [True] + [False] * (parts - 1)
    assert sum(part.rows for part in result) == copy.line_count - 1


def test_one_part_is_the_text_itself(tmp_path):
    copy, (part,) = _parts(tmp_path, b"a,b\n1,2\n", 1)

    assert (part.path, part.first_line, part.lines, part.rows, part.first_row_line) == (copy.path, 1, 2, 1, 2)
    part.remove()
    assert copy.path.exists()


def test_no_cut_inside_a_line_longer_than_a_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(text_parts, "CHUNK_BYTES", 16)
    copy, result = _parts(tmp_path, b"a,b\n" + b"x" * 100 + b",1\n", 2)

    assert [(part.path, part.lines) for part in result] == [(copy.path, 2)]


def test_small_texts_are_not_cut(tmp_path):
    copy, _ = _parts(tmp_path, b"a,b\n1,2\n", 1)

    assert text_parts.part_count(copy, 4) == 1


def test_quote_space_scan_sees_its_patterns_across_chunk_cuts():
    exact = re.compile(rb'" +(?:[,\r\n"]|\Z)|(?:\A|[,\r\n]) +"')
    edge = re.compile(rb'(?:\A|[,\r\n"]) | (?:[,\r\n"]|\Z)')  # a value may begin or end with a space
    rng = random.Random(7)
    for _ in range(3000):
        text = bytes(rng.choice(b'" ,\r\nab') for _ in range(rng.randint(0, 24)))
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, rng.randint(0, 4))))
        scan = QuoteSpaceScan()
        for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True):
            scan.feed(text[start:end])
        assert scan.close() == (exact.search(text) is not None), text
        assert scan.edge_space == (edge.search(text) is not None), text


def test_edge_spaces_are_seen_wherever_a_value_can_start_or_end(tmp_path):
    """What lets the fast path skip its per-value test for a space at a value's edges: the scan of the
    landed bytes sees every place a value of any field could start or end with a space."""
    cases = {b"a,b\n1,2\n": False, b"a,b\n1 x,2\n": False, b'a,b\n"1 x","2"\n': False,
             b"a,b\n 1,2\n": True, b"a,b\n1 ,2\n": True, b"a,b\n1, 2\n": True, b"a,b\n1,2 \n": True,
             b'a,b\n" 1",2\n': True, b'a,b\n"1 ",2\n': True, b"a,b\n1,2 ": True, b" a,b\n1,2\n": True}
    for text, expected in cases.items():
        path = tmp_path / "t.csv"
        path.write_bytes(text)
        assert inspect_file(path).edge_space == expected, text


def test_the_separator_is_the_first_control_character_the_file_lacks(tmp_path):
    plain, with_first = tmp_path / "a.csv", tmp_path / "b.csv"
    plain.write_bytes(b"a,b\n1,2\n")
    with_first.write_bytes(b"a,b\n1,\x01\x02\t\n")

    assert (inspect_file(plain).separator, inspect_file(plain).control_space) == ("\x01", False)
    assert (inspect_file(with_first).separator, inspect_file(with_first).control_space) == ("\x03", True)
