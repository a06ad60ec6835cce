"""Customer classification warehouse: Dagster orchestration of ingestion, dbt, checks and publishing."""
