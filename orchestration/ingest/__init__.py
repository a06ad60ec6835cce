"""Ingestion: landing files -> immutable Parquet raw zone + `audit.load_log` / `audit.quarantine`.

`ingest_feed` (module `feed`) is the plain-Python entry point; `assets` holds one Dagster asset per
feed. Import the modules themselves: this package's `__init__` stays empty of imports. What a landing
folder holds (orchestration/landing.py) sits below this package: the run plan reads it too.
"""
