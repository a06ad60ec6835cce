"""Rows that cannot be used go to audit.quarantine with their physical line, raw text and a reason."""

from __future__ import annotations

from tests.ingest.conftest import ORDER_HEADER, ORDER_ROW


def test_each_bad_csv_row_is_quarantined_with_line_and_reason(env):
    lines = [
        ORDER_HEADER,                                                                              # 1
        ORDER_ROW.format(n=1),                                                                     # 2 good
        ",2,K000001,2025-03-01,ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00",          # 3 no key
        "SO1,3,K000001,2025-02-30,ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00",       # 4 no date
        "SO1,4,K000001,2025-3-01,ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00",        # 5 unpadded
        "SO1,5,K000001,2025-03-01,ST-1,12pcs,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00",   # 6 integer
        "SO1,6,K000001,2025-03-01,ST-1,5,12.5x,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00",       # 7 number
        "SO1,7,K000001,2025-03-01,ST-1,5,12.50,0.10,CNY,1.0000,shipped",                           # 8 fields
        "SO1,8,K000001,2025-03-01,ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00",          # 9 timestamp
        ORDER_ROW.format(n=9),                                                                     # 10 good
        "SO1,10,K000001,2025-03-01,ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02",               # 11 truncated
    ]
    env.write("order_lines", "order_lines_20250302.csv", lines, final_newline=False)

    (f,) = env.ingest("order_lines").files

    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 10, 2, 8)
    assert f.rows_read == f.rows_loaded + f.rows_quarantined
    assert [(n, reason) for n, reason, _ in env.quarantine()] == [
        (3, "required key order_no is empty"),
        (4, "unparseable date in order_date"),
        (5, "unparseable date in order_date"),
        (6, "non-integer value in quantity"),
        (7, "non-numeric value in unit_price"),
        (8, "malformed CSV line: expected 12 fields, got 11"),
        (9, "unparseable timestamp in updated_at"),
        (11, "unparseable timestamp in updated_at"),
    ]
    assert env.quarantine()[2][2] == lines[4]  # the raw text of the line
    assert env.raw_rows("order_lines", "line_no, _line_number, _row_number") == [("1", 2, 1), ("9", 10, 9)]
    (log,) = env.log()
    assert (log["rows_read"], log["rows_loaded"], log["rows_quarantined"]) == (10, 2, 8)


def test_unterminated_quote_quarantines_the_rest_of_the_file_as_one_record(env):
    env.write("order_lines", "order_lines_20250302.csv", [
        ORDER_HEADER,
        ORDER_ROW.format(n=1),
        'SO1,2,K000001,2025-03-01,"ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00',
        ORDER_ROW.format(n=3),
    ])

    (f,) = env.ingest("order_lines").files

    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (2, 1, 1)
    ((line, reason, raw),) = env.quarantine()
    assert (line, reason) == (3, "malformed CSV line: unterminated quoted field")
    assert raw.endswith(ORDER_ROW.format(n=3))


def test_text_after_a_closing_quote_is_malformed(env):
    env.write("order_lines", "order_lines_20250302.csv", [
        ORDER_HEADER,
        'SO1,1,K000001,2025-03-01,"ST"-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00',
    ])

    env.ingest("order_lines")

    assert [(n, reason) for n, reason, _ in env.quarantine()] == [(2, "malformed CSV line: bad quoting")]


def test_malformed_json_lines_are_quarantined_and_blank_lines_are_not_rows(env):
    good = '{"event_id": "e1", "channel": "wechat", "user_id": "u1", "type": "like", "text": null, ' \
           '"occurred_at": "2025-06-30T18:30:00Z"}'
    env.write("engagements", "engagements_20250701.jsonl", [
        good,                                                        # 1
        "",                                                          # 2 blank
        '["not", "an", "object"]',                                   # 3
        '{"event_id": "", "channel": "weibo"}',                      # 4 empty required key
        '{"event_id": "e5", "occurred_at": "2025-06-30 18:30:00"}',  # 5 no offset
        '{"event_id": "e6", "channel": "wechat", "user_id": ',       # 6 cut off, no line end
    ], final_newline=False)

    (f,) = env.ingest("engagements").files

    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 1, 4)
    assert [(n, reason) for n, reason, _ in env.quarantine()] == [
        (3, "malformed JSON line: not a JSON object"),
        (4, "required key event_id is empty"),
        (5, "unparseable timestamp in occurred_at"),
        (6, "malformed JSON line: not valid JSON"),
    ]
    assert env.raw_rows("engagements", "event_id, engagement_type, _line_number") == [("e1", "like", 1)]
