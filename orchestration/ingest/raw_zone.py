"""The raw zone's layout: one folder per loaded file, `<warehouse>/raw/<system>/<feed>/<sha256>/`, holding its
rows as one or more Parquet parts (`part-<k>.parquet`: a big text is read in parts side by side, and each
part is kept as DuckDB wrote it, no re-encoding), plus the feed's `_schema.parquet`. Readers take
`<feed>/**/*.parquet` (which also reads the single `<sha256>.parquet` files of warehouses made before)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.feeds import FeedSpec
from orchestration.ingest.sql_text import glob_root, ident, literal

SCHEMA_FILE = "_schema.parquet"


def feed_dir(raw_dir: Path, spec: FeedSpec) -> Path:
    return Path(raw_dir) / spec.system / spec.name


def raw_file(raw_dir: Path, spec: FeedSpec, sha256: str) -> Path:
    """The raw-zone folder of one loaded file."""
    return feed_dir(raw_dir, spec) / sha256


def parquet_files(path: str | Path) -> str:
    """What `read_parquet` reads for one `audit.load_log.raw_path`: the parts of its folder (a single
    `.parquet` file of an older warehouse as it is)."""
    text = str(path)
    return text if text.endswith(".parquet") else f"{glob_root(text)}/*.parquet"


def ensure_schema_file(raw_dir: Path, spec: FeedSpec) -> Path:
    """Write the feed's zero-row `_schema.parquet` (every column, typed) when it is missing, so
    `raw/<system>/<feed>/**/*.parquet` always reads with the full schema, even before any file landed."""
    target = feed_dir(raw_dir, spec) / SCHEMA_FILE
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f"cast(null as {kind}) as {ident(name)}" for name, kind in spec.raw_schema().items())
    tmp = target.with_name(f".{SCHEMA_FILE}.{os.getpid()}.tmp")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"copy (select {columns} limit 0) to {literal(tmp)} (format parquet)")
        os.replace(tmp, target)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    return target
