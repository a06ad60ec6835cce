"""The line-level path's shortcut (unquoted records matched by one regexp, rows counted by the line
scan) gives the same rows, numbers and reasons as its general case. (DuckDB's own CSV reader, tried
before the line-level path, is tested in test_fast_csv.)"""

from __future__ import annotations

from decimal import Decimal

from orchestration.ingest.file_facts import LineScan
from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW


def _scan(*chunks: bytes) -> tuple[int, bool]:
    scan = LineScan(blank_check=True)
    for chunk in chunks:
        scan.feed(chunk)
    return scan.count, scan.blank_free


def test_line_scan_counts_lines_and_sees_blank_lines_across_chunks():
    assert _scan() == (0, True)
    assert _scan(b"h\na") == (2, True)
    assert _scan(b"h\n", b"a\n") == (2, True)
    assert _scan(b"h\na\n", b"\nb") == (4, False)  # empty line cut at the seam
    assert _scan(b"h\na\n", b" b") == (3, False)  # a line starting with a space may be blank
    assert _scan(b"h\na\n\n") == (3, False)


def test_trimmed_and_untrimmed_rows_load_alike(env):
    env.write("order_lines", "order_lines_20250302.csv", [
        ORDER_HEADER + ",note",
        ORDER_ROW.format(n=1) + ", spaced extra ",                                               # fast
        "SO1, 2 ,K000001,2025-03-01, ST-1 ,5, 12.50 ,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00,",  # trimmed
        "SO1,3,K000001,2025-03-01,ST-1,99999999999999999999,12.50,0.10,CNY,1,shipped,,",          # too big
        "SO1,4,K000001,,,,,,,,,,",                                                               # empties
    ])

    (f,) = env.ingest("order_lines").files

    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.extra_columns) == (4, 3, 1, ("note",))
    assert env.raw_rows("order_lines", "line_no, sku, quantity, unit_price, updated_at is null, _row_number") == [
        ("1", "ST-1", 5, Decimal("12.5"), False, 1),
        ("2", "ST-1", 5, Decimal("12.5"), False, 2),
        ("4", None, None, None, True, 4),
    ]
    assert [(n, reason) for n, reason, _ in env.quarantine()] == [(4, "non-integer value in quantity")]


def test_blank_lines_keep_physical_numbers_and_row_positions(env):
    env.write("order_lines", "order_lines_20250302.csv",
              [ORDER_HEADER, ORDER_ROW.format(n=1), "", "   ", ORDER_ROW.format(n=2), "SO1,x"])

    (f,) = env.ingest("order_lines").files

    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    assert env.raw_rows("order_lines", "line_no, _line_number, _row_number") == [("1", 2, 1), ("2", 5, 2)]
    assert [(n, reason) for n, reason, _ in env.quarantine()] == [(6, "malformed CSV line: expected 12 fields, got 2")]
