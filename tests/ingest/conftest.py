"""Small landing directories written by the tests themselves, and readers for what ingestion left."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.feeds import FEEDS
from orchestration.ingest.feed import ingest_feed
from orchestration.ingest.results import FeedIngestResult
from orchestration.resources import WarehouseResource

ORDER_HEADER = ("order_no,line_no,customer_no,order_date,sku,quantity,unit_price,discount_rate,currency,fx_rate,"
                "status,updated_at")
ORDER_ROW = "SO1,{n},K000001,2025-03-01,ST-1,5,12.50,0.10,CNY,1.0000,shipped,2025-03-02 10:00:00"
CUSTOMER_HEADER = "customer_no,customer_name,tax_id,city,credit_limit,payment_terms_days,created_on,blocked"
ACCOUNT_HEADER = ("Account ID,Account Name,Unified Social Credit Code,Industry,Province,City,Account Owner,Phone,"
                  "Email,Account Type,Created Time,Modified Time")
ACTIVITY_HEADER = ("Activity ID,Account ID,Contact ID,Activity Type,Subject,Activity Time,Owner,Satisfaction,"
                   "Modified Time")


@dataclass
class Env:
    landing: Path
    warehouse: WarehouseResource

    def write(self, feed: str, name: str, lines: list[str] | str, line_end: str | None = None,
              encoding: str | None = None, final_newline: bool = True) -> Path:
        """Write a landing file in the feed's encoding and line ends (CRM: CRLF, others: LF)."""
        spec = FEEDS[feed]
        end = line_end if line_end is not None else ("\r\n" if spec.system == "crm" else "\n")
        text = lines if isinstance(lines, str) else end.join(lines) + (end if final_newline else "")
        path = self.landing / spec.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding or spec.encoding))
        return path

    def ingest(self, feed: str, run_id: str = "run-1") -> FeedIngestResult:
        return ingest_feed(FEEDS[feed], self.landing, self.warehouse, run_id)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.warehouse.connect(read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def log(self, path_like: str = "%") -> list[dict]:
        with self.warehouse.connect(read_only=True) as con:
            cur = con.execute("select * from audit.load_log where path like ? order by loaded_at, path", [path_like])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def quarantine(self, file: str | None = None) -> list[tuple[int, str, str]]:
        """(line_number, reason, raw_record) of quarantined rows, by line."""
        rows = self.query("select file, line_number, reason, raw_record from audit.quarantine "
                          "order by file, line_number")
        return [(n, reason, raw) for f, n, reason, raw in rows if file is None or f.endswith(file)]

    def raw_rows(self, feed: str, columns: str = "*") -> list[tuple]:
        spec = FEEDS[feed]
        pattern = self.warehouse.raw_dir / spec.system / spec.name / "**" / "*.parquet"
        con = duckdb.connect()
        try:
            return con.execute(f"select {columns} from read_parquet('{pattern}') order by _file_path, _line_number"
                               ).fetchall()
        finally:
            con.close()

    def raw_files(self, feed: str) -> list[Path]:
        spec = FEEDS[feed]
        return sorted(p for p in (self.warehouse.raw_dir / spec.system / spec.name).iterdir()
                      if p.name != "_schema.parquet") if (self.warehouse.raw_dir / spec.system / spec.name).is_dir() \
            else []


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path / "landing", WarehouseResource(warehouse_dir=str(tmp_path / "warehouse"), threads=1,
                                                       memory_limit="1GB"))
