"""The export quirks of sources.md arrive intact in the raw zone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from orchestration.ingest import transcode as transcode_module
from tests.ingest.conftest import ACCOUNT_HEADER, ACTIVITY_HEADER, CUSTOMER_HEADER


def test_crm_bom_crlf_and_both_timestamp_styles(env):
    path = env.write("accounts", "accounts_20250301.csv", [
        ACCOUNT_HEADER,
        "zcrm_000000000000000001,苏州锦绣纺织有限公司,,服装制造,江苏,苏州,张伟,0512-65238899,,Customer,"
        "2024-03-05 14:02:11,2024/3/5 4:02",
        "zcrm_000000000000000002,\"Acme (Suzhou) Co., Ltd.\",,Apparel,江苏,,李娜,,,Prospect,"
        "2024/12/31 23:59,2025-01-01 00:00:00",
    ], encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf" and b"\r\n" in path.read_bytes()

    result = env.ingest("accounts")

    assert [f.status for f in result.files] == ["loaded"]
    assert env.raw_rows("accounts", "account_id, account_name, city, created_time, modified_time, _line_number") == [
        ("zcrm_000000000000000001", "苏州锦绣纺织有限公司", "苏州", datetime(2024, 3, 5, 14, 2, 11),
         datetime(2024, 3, 5, 4, 2), 2),
        ("zcrm_000000000000000002", "Acme (Suzhou) Co., Ltd.", None, datetime(2024, 12, 31, 23, 59),
         datetime(2025, 1, 1), 3),
    ]
    assert env.quarantine() == []


def test_gb18030_chinese_text_round_trips(env):
    # 𠀀 (U+20000) is a four-byte GB18030 sequence; 锦 and （） are two-byte ones
    name = "苏州锦绣（𠀀）纺织有限公司"
    env.write("customers", "customers_20250301.csv", [
        CUSTOMER_HEADER,
        f"K000001,{name},91320500MA1234567X,苏州,500000.00,60,2019-04-01,N",
    ])

    env.ingest("customers")

    assert env.raw_rows("customers", "customer_name, city, credit_limit, payment_terms_days") == [
        (name, "苏州", Decimal("500000.000000"), 60)]


def test_gb18030_stream_survives_chunk_boundaries(env, monkeypatch):
    # tiny chunks: multi-byte characters and CRLF pairs are cut between reads
    monkeypatch.setattr(transcode_module, "CHUNK_BYTES", 7)
    rows = [f"K{n:06d},锦绣纺织{n}号有限公司,,苏州,1.5,30,2020-01-0{n},N" for n in range(1, 8)]
    env.write("customers", "customers_20250301.csv", [CUSTOMER_HEADER, *rows], line_end="\r\n")

    env.ingest("customers")

    got = env.raw_rows("customers", "customer_no, customer_name, _line_number")
    assert got == [(f"K{n:06d}", f"锦绣纺织{n}号有限公司", n + 1) for n in range(1, 8)]


def test_every_unicode_space_is_noticed_and_chinese_punctuation_is_not(tmp_path):
    """A value edged with a non-ASCII space must be trimmed like Python's str.strip() (the contract's "trimmed"),
    so the text copy says when one occurs (`odd_space`: trimming by regexp). UNICODE_SPACES are exactly the
    non-ASCII characters str.strip() removes, each noticed in a text; Chinese punctuation whose UTF-8 bytes
    begin like theirs (—, “, …, 。, 、, 「) is not one."""
    strip_spaces = {chr(c) for c in range(0x80, 0x110000) if chr(c).isspace()}
    assert set(transcode_module.UNICODE_SPACES) == strip_spaces

    def noticed(text: str) -> bool:
        source = tmp_path / "export.txt"
        source.write_bytes(text.encode("utf-8"))
        return transcode_module.transcode(source, "utf-8", tmp_path / "copy.txt")[0]

    for space in transcode_module.UNICODE_SPACES:
        assert noticed(f"苏州锦绣,{space}纺织\n"), hex(ord(space))
    assert not noticed("苏州—“锦绣”…纺织。、「有限」公司,\t \n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_the_text_copy_is_the_decoded_text_whatever_the_chunks(tmp_path, monkeypatch, encoding):
    """The working copy is the export's text as UTF-8 with LF line ends and no byte-order mark, however the
    reads cut it: a UTF-8 export's own bytes are written (no decode-encode round trip), so that path is held to
    the decoded text here — chunk ends inside characters, inside CRLF, inside the BOM; a file ending inside a
    character loses exactly that character's bytes."""
    lines = ["客户,锦绣纺织（苏州）有限公司,　备注", "K000001,“精品”—布料…", "", "ascii only,1,2"]
    body = "\r\n".join(lines) + "\r\n" + "最后一行,半个字"
    whole = body.encode(encoding)  # utf-8-sig writes the byte-order mark first
    cut = whole[:-1]  # the last character loses its last byte
    last_character = body[-1].encode("utf-8" if encoding == "utf-8-sig" else encoding)
    expected = {whole: body, cut: body[:-1]}
    for chunk_bytes in (1, 2, 3, 5, 7, 64):
        monkeypatch.setattr(transcode_module, "CHUNK_BYTES", chunk_bytes)
        for data, text in expected.items():
            source, copy = tmp_path / "export.txt", tmp_path / "copy.txt"
            source.write_bytes(data)
            _, dropped = transcode_module.transcode(source, encoding, copy)
            want = text.replace("\r\n", "\n").encode("utf-8")
            assert copy.read_bytes() == want, (chunk_bytes, data == whole)
            assert dropped == (0 if data == whole else len(last_character) - 1)


def test_social_offsets_become_utc(env):
    env.write("followers", "followers_20250701.jsonl", [
        '{"channel": "wechat", "user_id": "u1", "unionid": "o1", "nickname": "小李", "mobile": null, '
        '"followed_at": "2025-06-30T18:30:00Z", "unfollowed_at": null}',
        '{"channel": "weibo", "user_id": "u2", "unionid": null, "nickname": "Tony", "mobile": "13812345678", '
        '"followed_at": "2025-07-01T02:30:00+08:00", "unfollowed_at": "2025-07-01T01:00:00.250-05:30"}',
        '{"channel": "douyin", "user_id": "u3", "unionid": null, "nickname": null, "mobile": null, '
        '"followed_at": "2025-06-30T23:59:59.123456Z", "unfollowed_at": "2025-07-01T08:00:00.5+08:00"}',
    ])

    env.ingest("followers")

    assert env.raw_rows("followers", "user_id, nickname, followed_at_utc, unfollowed_at_utc") == [
        ("u1", "小李", datetime(2025, 6, 30, 18, 30), None),
        ("u2", "Tony", datetime(2025, 6, 30, 18, 30), datetime(2025, 7, 1, 6, 30, 0, 250000)),
        ("u3", None, datetime(2025, 6, 30, 23, 59, 59, 123456), datetime(2025, 7, 1, 0, 0, 0, 500000)),
    ]


def test_values_are_trimmed_and_empty_is_null(env):
    env.write("customers", "customers_20250301.csv", [
        CUSTOMER_HEADER,
        "  K000001 , 苏州锦绣\u3000,   ,\t苏州 , 12.5 ,30,2020-01-01,  ",
    ])

    env.ingest("customers")

    assert env.raw_rows("customers", "customer_no, customer_name, tax_id, city, credit_limit, blocked") == [
        ("K000001", "苏州锦绣", None, "苏州", Decimal("12.5"), None)]


def test_physical_line_numbers_with_multiline_quoted_field_and_blank_lines(env):
    env.write("activities", "activities_20250301.csv", [
        ACTIVITY_HEADER,                                                                           # line 1
        'A1,zcrm_1,,Call,"first line\r\nsecond, line\r\n""third""",2025-01-01 10:00:00,王,3,'  # lines 2-4
        "2025-01-01 10:00:00",
        "",                                                                                        # line 5
        "A2,zcrm_1,,Visit,ok,2025/1/2 9:05,王,x,2025-01-02 10:00:00",                              # line 6
        "A3,zcrm_1,,Visit,ok,2025/1/2 9:05,王,4,2025-01-02 10:00:00",                              # line 7
    ])

    result = env.ingest("activities")

    (f,) = result.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    assert env.raw_rows("activities", "activity_id, subject, _line_number, _row_number") == [
        ("A1", 'first line\nsecond, line\n"third"', 2, 1),
        ("A3", "ok", 7, 3),
    ]
    assert [(n, reason) for n, reason, _ in env.quarantine()] == [(6, "non-integer value in Satisfaction")]
