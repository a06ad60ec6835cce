"""File-level handling: names, duplicates, re-runs, missing columns, encodings, header-only files."""

from __future__ import annotations

from datetime import timedelta

from orchestration.audit import writes
from orchestration.ingest import prefetch
from tests.ingest.conftest import CUSTOMER_HEADER, ORDER_HEADER, ORDER_ROW


def _orders(*numbers: int) -> list[str]:
    return [ORDER_HEADER, *(ORDER_ROW.format(n=n) for n in numbers)]


def test_missing_required_column_rejects_the_file_and_nothing_else(env):
    without_customer = ORDER_HEADER.replace("customer_no,", "")
    env.write("order_lines", "order_lines_20250301.csv", _orders(1, 2))
    env.write("order_lines", "order_lines_20250302.csv", [without_customer, "SO2,1,2025-03-01,ST-1,5,1,0,CNY,1,open,"
                                                                            "2025-03-02 10:00:00"])
    env.write("customers", "customers_20250302.csv", [CUSTOMER_HEADER, "K000001,苏州锦绣,,苏州,1,30,2020-01-01,N"])

    orders = env.ingest("order_lines")
    customers = env.ingest("customers")

    assert [(f.path.rsplit("/", 1)[1], f.status) for f in orders.files] == [
        ("order_lines_20250301.csv", "loaded"), ("order_lines_20250302.csv", "rejected")]
    rejected = env.log("%order_lines_20250302.csv")
    assert [(r["feed"], r["status"], r["rows_loaded"], r["reason"]) for r in rejected] == [
        ("order_lines", "rejected", 0, "missing required column(s): customer_no")]
    assert len(env.raw_files("order_lines")) == 1
    assert [f.status for f in customers.files] == ["loaded"]


def test_misnamed_file_is_reported_and_not_loaded(env):
    env.write("invoices", "invoices_2025-03-01.csv", ["invoice_no,customer_no,invoice_date,due_date,amount,currency,"
                                                      "fx_rate,paid_date,updated_at"])
    env.write("order_lines", "order_lines_20250301'; drop table x;--.csv", _orders(1))

    invoices = env.ingest("invoices")
    orders = env.ingest("order_lines")

    assert [(f.status, f.reason) for f in invoices.files + orders.files] == [
        ("rejected", "file name does not match invoices_YYYYMMDD.csv"),
        ("rejected", "file name does not match order_lines_YYYYMMDD.csv"),
    ]
    assert [(r["status"], r["export_date"], r["raw_path"]) for r in env.log()] == [("rejected", None, None)] * 2
    assert env.raw_files("invoices") == [] and env.raw_files("order_lines") == []


def test_header_only_file_is_loaded_with_zero_rows(env):
    env.write("order_lines", "order_lines_20250301.csv", _orders())

    (f,) = env.ingest("order_lines").files

    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 0, 0, 0)
    assert len(env.raw_files("order_lines")) == 1
    assert env.raw_rows("order_lines") == []


def test_empty_file_is_rejected_for_having_no_header(env):
    env.write("order_lines", "order_lines_20250301.csv", "")

    (f,) = env.ingest("order_lines").files

    assert (f.status, f.reason) == ("rejected", "no header line")


def test_file_not_valid_in_its_encoding_is_rejected(env):
    path = env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    path.write_bytes(path.read_bytes() + b"SO9,1,K1,2025-03-01,\xff\xff,1,1,0,CNY,1,open,2025-03-02 10:00:00\n")

    (f,) = env.ingest("order_lines").files

    assert f.status == "rejected" and f.reason.startswith("not valid gb18030")
    assert env.raw_files("order_lines") == []


def test_an_export_cut_inside_a_character_is_loaded_and_its_cut_line_quarantined(env):
    """A truncated export whose cut fell inside a two-byte GB18030 character is judged as if the cut fell
    between two characters: the good rows load, the cut last line is quarantined, and the load says why
    (before, the whole file was rejected as not valid GB18030: the same fault gave another verdict)."""
    path = env.write("customers", "customers_20250302.csv", [
        CUSTOMER_HEADER, "K000001,苏州锦绣,,苏州,1,30,2020-01-01,N", "K000002,杭州丝绸,,杭州,1,30,2020-01-01,N"])
    text = path.read_bytes()
    path.write_bytes(text[:text.index("杭州".encode("gb18030")) + 1])  # the first byte of 杭

    (f,) = env.ingest("customers").files

    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 2, 1, 1)
    assert f.reason.startswith("the file ends inside a character") and "1 byte(s)" in f.reason
    assert env.quarantine("customers_20250302.csv") == [(3, "malformed CSV line: expected 8 fields, got 2",
                                                         "K000002,")]
    assert env.log()[0]["reason"] == f.reason


def test_a_value_left_ending_in_a_space_by_a_cut_character_is_trimmed(env):
    """The landed bytes end inside a character right after a space: the working text then ends with
    that space, which the scan of the landed bytes could not see next to a delimiter. The value is
    still trimmed (the fast path tests it), like any value ending in a space."""
    path = env.write("customers", "customers_20250302.csv", [
        CUSTOMER_HEADER, "K000001,苏州锦绣,,苏州,1,30,2020-01-01,N", "K000002,杭州丝绸,,杭州,1,30,2020-01-01,Y 杭"],
        final_newline=False)
    text = path.read_bytes()
    path.write_bytes(text[:-1])  # the last character's first byte only

    (f,) = env.ingest("customers").files

    assert (f.status, f.rows_loaded, f.rows_quarantined) == ("loaded", 2, 0)
    assert env.raw_rows("customers", "customer_no, blocked") == [("K000001", "N"), ("K000002", "Y")]


def test_unknown_extra_column_is_ignored_and_reported(env):
    env.write("order_lines", "order_lines_20250301.csv",
              [ORDER_HEADER + ",remark", ORDER_ROW.format(n=1) + ",补录"])

    (f,) = env.ingest("order_lines").files

    assert (f.status, f.rows_loaded, f.extra_columns) == ("loaded", 1, ("remark",))
    assert env.log()[0]["extra_columns"] == "remark"


def test_byte_identical_copy_is_skipped_whatever_its_name(env):
    env.write("order_lines", "order_lines_20250302.csv", _orders(1, 2))
    env.write("order_lines", "order_lines_20250301.csv", _orders(1, 2))

    result = env.ingest("order_lines")

    assert [(f.path.rsplit("/", 1)[1], f.status) for f in result.files] == [
        ("order_lines_20250301.csv", "loaded"), ("order_lines_20250302.csv", "skipped_duplicate")]
    assert len(env.raw_files("order_lines")) == 1

    env.write("order_lines", "order_lines_20250303.csv", _orders(1, 2))
    (_, _, later) = env.ingest("order_lines", run_id="run-2").files
    assert later.status == "skipped_duplicate" and later.reason.endswith("order_lines_20250301.csv")


def test_same_name_with_new_bytes_is_a_new_delivery(env):
    env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    env.ingest("order_lines")
    env.write("order_lines", "order_lines_20250301.csv", _orders(1, 2))

    (f,) = env.ingest("order_lines", run_id="run-2").files

    assert (f.status, f.rows_loaded) == ("loaded", 2)
    assert [(r["status"], r["rows_loaded"], r["run_id"]) for r in env.log()] == [
        ("loaded", 1, "run-1"), ("loaded", 2, "run-2")]
    assert len(env.raw_files("order_lines")) == 2


def test_rerun_on_the_same_landing_adds_nothing(env):
    env.write("order_lines", "order_lines_20250301.csv", _orders(1, 2) + ["bad,line"])
    env.write("order_lines", "order_lines_20250302.csv", _orders(1, 2) + ["bad,line"])
    env.write("order_lines", "order_lines_2025.csv", _orders(3))
    env.write("order_lines", "order_lines_20250303.csv", _orders(4)[1:])  # no header: rejected
    env.ingest("order_lines")
    before = (env.query("select * from audit.load_log order by all"),
              env.query("select * from audit.quarantine order by all"),
              {p: p.stat().st_mtime_ns for p in env.raw_files("order_lines")})

    again = env.ingest("order_lines", run_id="run-2")

    after = (env.query("select * from audit.load_log order by all"),
             env.query("select * from audit.quarantine order by all"),
             {p: p.stat().st_mtime_ns for p in env.raw_files("order_lines")})
    assert after == before
    assert [f.status for f in again.files] == ["already_logged"] * 4
    assert len(before[0]) == 4 and len(before[1]) == 1


def test_files_logged_before_are_only_hashed_and_new_bytes_under_an_old_name_are_loaded(env, monkeypatch):
    env.write("order_lines", "order_lines_20250301.csv", _orders(1))
    env.write("order_lines", "order_lines_20250302.csv", _orders(2))
    env.ingest("order_lines")
    env.write("order_lines", "order_lines_20250302.csv", _orders(2, 3))  # new bytes, old name
    env.write("order_lines", "order_lines_20250303.csv", _orders(4))  # a new file
    scanned = []
    inspect = prefetch.inspect_file
    monkeypatch.setattr(prefetch, "inspect_file",
                        lambda path, *args, **kwargs: scanned.append(path.name) or inspect(path, *args, **kwargs))

    again = env.ingest("order_lines", run_id="run-2")

    assert [f.status for f in again.files] == ["already_logged", "loaded", "loaded"]
    assert sorted(scanned) == ["order_lines_20250302.csv", "order_lines_20250303.csv"]
    assert [f.rows_loaded for f in again.files[1:]] == [2, 1]


def test_a_file_loaded_after_the_clock_was_set_back_is_still_the_newest_load(env, monkeypatch):
    """The incremental models take the raw rows loaded after the newest load time they hold (their watermark):
    a file loaded once the clock was set back must still carry a later load time than every file before it, or
    its rows would never reach the facts."""
    env.write("order_lines", "order_lines_20250301.csv", [ORDER_HEADER, ORDER_ROW.format(n=1)])
    env.ingest("order_lines", run_id="run-1")
    (first,) = [row["loaded_at"] for row in env.log()]
    monkeypatch.setattr(writes, "utc_now", lambda: first - timedelta(days=1))  # a time sync stepped the clock back
    env.write("order_lines", "order_lines_20250302.csv", [ORDER_HEADER, ORDER_ROW.format(n=2)])
    env.write("order_lines", "order_lines_20250303.csv", [ORDER_HEADER, ORDER_ROW.format(n=3)])
    env.ingest("order_lines", run_id="run-2")
    logged = [(row["path"].rsplit("/", 1)[-1], row["loaded_at"]) for row in env.log()]
    assert [name for name, _ in logged] == ["order_lines_20250301.csv", "order_lines_20250302.csv",
                                            "order_lines_20250303.csv"]
    assert logged[0][1] < logged[1][1] < logged[2][1]
    raw = env.raw_rows("order_lines", "line_no, _loaded_at")
    assert sorted(raw) == sorted(zip(["1", "2", "3"], [t for _, t in logged], strict=True))
