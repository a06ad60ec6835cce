"""The nine landing feeds of `contract/sources.md`, described as data.

Everything that knows about a feed — the ingestion assets, the raw-zone layout, the GX suites,
the demo-data writer and the dbt sources — reads these specs; nothing repeats them.

Raw-zone contract (what dbt reads): every loaded file becomes
`<warehouse>/raw/<system>/<feed>/<sha256>.parquet` holding the feed's columns under their
`Column.name` with their typed value (text trimmed, empty → NULL; dates DATE; CRM/ERP timestamps
TIMESTAMP in local time; social timestamps TIMESTAMP in UTC, named `*_utc`; integers BIGINT;
numbers DECIMAL(18,6)) plus the lineage columns of `LINEAGE_COLUMNS`. Each feed folder also
holds `_schema.parquet` (zero rows, the full schema) so a feed with no files yet still reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

ColumnType = Literal["text", "date", "timestamp", "integer", "number"]
TimestampStyle = Literal["crm_local", "erp_local", "iso_offset"]

#: DuckDB type of each column type in the raw zone.
RAW_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "integer": "BIGINT",
    "number": "DECIMAL(18,6)",
}

#: Lineage carried by every raw row (name → DuckDB type).
LINEAGE_COLUMNS: dict[str, str] = {
    "_file_path": "VARCHAR",  # path of the landed file, relative to the landing directory
    "_file_sha256": "VARCHAR",  # sha256 of the file's bytes (also the Parquet file's name)
    "_line_number": "BIGINT",  # physical 1-based line in the file (header = line 1)
    "_row_number": "BIGINT",  # 1-based position of the row among the file's data rows
    "_export_date": "DATE",  # YYYYMMDD of the file name
    "_load_run_id": "VARCHAR",  # Dagster run id of the run that loaded the file
    "_loaded_at": "TIMESTAMP",  # UTC time the file was loaded
}


#: Feeds whose rows may carry personal data (marts.md: contacts, followers, engagements, and the free
#: text of activities).
PERSONAL_DATA_FEEDS = frozenset({"contacts", "followers", "engagements", "activities"})


@dataclass(frozen=True)
class Column:
    source: str  # header (CSV) or key (JSON) in the export
    name: str  # snake_case name in the raw zone
    type: ColumnType = "text"
    required: bool = False  # an empty value quarantines the row

    @property
    def raw_type(self) -> str:
        return RAW_TYPES[self.type]


@dataclass(frozen=True)
class FeedSpec:
    system: Literal["crm", "erp", "social"]
    name: str
    kind: Literal["snapshot", "incremental"]
    key: tuple[str, ...]  # raw-zone column names
    columns: tuple[Column, ...]
    fmt: Literal["csv", "jsonl"]
    encoding: str  # Python codec of the export
    timestamp_style: TimestampStyle
    updated_at: str | None = None  # raw-zone version column of an incremental feed
    description: str = ""

    @property
    def personal_data(self) -> bool:
        """Its rows may hold personal data (names, mobiles, e-mails, free text about people): their raw
        text never leaves the working warehouse (serving's `audit.quarantine` has no `raw_record`)."""
        return self.name in PERSONAL_DATA_FEEDS

    @property
    def folder(self) -> str:
        return f"{self.system}/{self.name}"

    @property
    def asset_name(self) -> str:
        return f"raw_{self.system}__{self.name}"

    @property
    def extension(self) -> str:
        return self.fmt

    @property
    def file_pattern(self) -> str:
        return f"{self.name}_YYYYMMDD.{self.extension}"

    @property
    def file_regex(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.name)}_(\d{{8}})\.{self.extension}$")

    def export_date(self, file_name: str) -> date | None:
        """The export date of a file name, or None when the name does not match the pattern."""
        match = self.file_regex.match(file_name)
        if not match:
            return None
        try:
            return datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            return None

    def file_name(self, export_date: date) -> str:
        return f"{self.name}_{export_date:%Y%m%d}.{self.extension}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def source_names(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.columns)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def raw_schema(self) -> dict[str, str]:
        """Column name → DuckDB type of the feed's Parquet files, lineage included."""
        return {**{c.name: c.raw_type for c in self.columns}, **LINEAGE_COLUMNS}


def _crm(name: str, key: str, columns: list[Column], kind="snapshot", updated_at=None, description=""):
    return FeedSpec("crm", name, kind, (key,), tuple(columns), "csv", "utf-8-sig", "crm_local",
                    updated_at, description)


def _erp(name: str, key: tuple[str, ...], columns: list[Column], kind="snapshot", updated_at=None, description=""):
    return FeedSpec("erp", name, kind, key, tuple(columns), "csv", "gb18030", "erp_local", updated_at,
                    description)


C = Column
CRM_TIMES = [C("Created Time", "created_time", "timestamp"), C("Modified Time", "modified_time", "timestamp")]

ACCOUNTS = _crm("accounts", "account_id", [
    C("Account ID", "account_id", required=True),
    C("Account Name", "account_name", required=True),
    C("Unified Social Credit Code", "uscc"),
    C("Industry", "industry"),
    C("Province", "province"),
    C("City", "city"),
    C("Account Owner", "account_owner"),
    C("Phone", "phone"),
    C("Email", "email"),
    C("Account Type", "account_type"),
    *CRM_TIMES,
], description="CRM accounts (companies); snapshot, UTF-8 with BOM, CRLF.")

CONTACTS = _crm("contacts", "contact_id", [
    C("Contact ID", "contact_id", required=True),
    C("Account ID", "account_id", required=True),
    C("Full Name", "full_name"),
    C("Title", "title"),
    C("Mobile", "mobile"),
    C("Email", "email"),
    C("WeChat UnionID", "wechat_unionid"),
    *CRM_TIMES,
], description="CRM contacts (people, PII); snapshot.")

ACTIVITIES = _crm("activities", "activity_id", [
    C("Activity ID", "activity_id", required=True),
    C("Account ID", "account_id", required=True),
    C("Contact ID", "contact_id"),
    C("Activity Type", "activity_type"),
    C("Subject", "subject"),
    C("Activity Time", "activity_time", "timestamp"),
    C("Owner", "owner"),
    C("Satisfaction", "satisfaction", "integer"),
    C("Modified Time", "modified_time", "timestamp"),
], kind="incremental", updated_at="modified_time", description="CRM activities; incremental by Modified Time.")

CUSTOMERS = _erp("customers", ("customer_no",), [
    C("customer_no", "customer_no", required=True),
    C("customer_name", "customer_name", required=True),
    C("tax_id", "tax_id"),
    C("city", "city"),
    C("credit_limit", "credit_limit", "number"),
    C("payment_terms_days", "payment_terms_days", "integer"),
    C("created_on", "created_on", "date"),
    C("blocked", "blocked"),
], description="ERP customers; snapshot, GB18030.")

PRODUCTS = _erp("products", ("sku",), [
    C("sku", "sku", required=True),
    C("product_name", "product_name"),
    C("product_line", "product_line"),
    C("grade", "grade"),
    C("unit_cost", "unit_cost", "number"),
    C("list_price", "list_price", "number"),
], description="ERP products; snapshot.")

ORDER_LINES = _erp("order_lines", ("order_no", "line_no"), [
    C("order_no", "order_no", required=True),
    C("line_no", "line_no", required=True),
    C("customer_no", "customer_no", required=True),
    C("order_date", "order_date", "date"),
    C("sku", "sku"),
    C("quantity", "quantity", "integer"),
    C("unit_price", "unit_price", "number"),
    C("discount_rate", "discount_rate", "number"),
    C("currency", "currency"),
    C("fx_rate", "fx_rate", "number"),
    C("status", "status"),
    C("updated_at", "updated_at", "timestamp"),
], kind="incremental", updated_at="updated_at", description="ERP order lines; incremental by updated_at.")

INVOICES = _erp("invoices", ("invoice_no",), [
    C("invoice_no", "invoice_no", required=True),
    C("customer_no", "customer_no"),
    C("invoice_date", "invoice_date", "date"),
    C("due_date", "due_date", "date"),
    C("amount", "amount", "number"),
    C("currency", "currency"),
    C("fx_rate", "fx_rate", "number"),
    C("paid_date", "paid_date", "date"),
    C("updated_at", "updated_at", "timestamp"),
], kind="incremental", updated_at="updated_at", description="ERP invoices; incremental by updated_at.")

FOLLOWERS = FeedSpec("social", "followers", "snapshot", ("channel", "user_id"), (
    C("channel", "channel", required=True),
    C("user_id", "user_id", required=True),
    C("unionid", "unionid"),
    C("nickname", "nickname"),
    C("mobile", "mobile"),
    C("followed_at", "followed_at_utc", "timestamp"),
    C("unfollowed_at", "unfollowed_at_utc", "timestamp"),
), "jsonl", "utf-8", "iso_offset", description="Social followers (WeChat, Weibo, Douyin); snapshot, JSON Lines.")

ENGAGEMENTS = FeedSpec("social", "engagements", "incremental", ("event_id",), (
    C("event_id", "event_id", required=True),
    C("channel", "channel"),
    C("user_id", "user_id"),
    C("type", "engagement_type"),
    C("text", "text"),
    C("occurred_at", "occurred_at_utc", "timestamp"),
), "jsonl", "utf-8", "iso_offset",
    description="Social engagements; incremental, re-sent events resolved by export date then row.")

FEEDS: dict[str, FeedSpec] = {
    spec.name: spec
    for spec in (ACCOUNTS, CONTACTS, ACTIVITIES, CUSTOMERS, PRODUCTS, ORDER_LINES, INVOICES, FOLLOWERS, ENGAGEMENTS)
}
