"""Ingestion: landing files -> immutable Parquet raw zone + `audit.load_log` / `audit.quarantine`.

`ingest_feed` (module `feed`) is the plain-Python entry point; `assets` holds one Dagster asset per
feed. Import the modules themselves: this package's `__init__` stays empty of imports so that low
layers (the run plan reads `landing_files`) can use its modules without loading the Dagster assets.
"""
