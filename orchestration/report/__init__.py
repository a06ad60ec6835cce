"""The business report: one static, self-contained `report.html` written next to `serving.duckdb`.

`queries` reads the published marts and audit tables (read-only), `sections` renders each part
(HTML + inline SVG from `charts`), `playbook` the needs and action-list parts (query and render),
`page` holds the CSS and the skeleton. No scripts, no
network: the file opens offline and can be mailed as is.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.report import playbook, queries, sections
from orchestration.report.page import page

__all__ = ["render_report", "write_report"]

#: Published for readers, like serving.duckdb (the pipeline's own files are private).
REPORT_MODE = 0o644


def render_report(con: duckdb.DuckDBPyConnection, generated_at: datetime | None = None) -> str:
    """The whole page as a string, from an open connection to a serving database."""
    data = {**queries.collect(con), **playbook.collect(con)}
    overview = data["overview"]
    as_of = None if isinstance(overview, queries.Missing) else overview["as_of_date"]
    rules = None if isinstance(overview, queries.Missing) else overview["rule_version"]
    generated_at = generated_at or datetime.now(UTC).replace(tzinfo=None)
    body = "".join([
        sections.overview(overview, data["credit"]),
        sections.tiers(data["tiers"]),
        sections.value_classes(data["values"]),
        sections.lifecycle(data["lifecycle"]),
        sections.migration(data["migration"]),
        sections.churn(data["churn"]),
        sections.credit(data["credit"]),
        playbook.needs_section(data["needs"]),
        playbook.actions_section(data["actions"]),
        sections.quality(data["quality"]),
    ])
    subtitle = f"as of {as_of or '–'} · rule version {rules or '–'}"
    footer = (f"generated {generated_at:%Y-%m-%d %H:%M} UTC from serving.duckdb (schemas marts, audit). "
              "Amounts in CNY. Tier labels: A 大客户 · B 中型客户 · C 小客户.")
    # `page` escapes title, subtitle and footer itself: they are plain text here.
    return page("Customer classification report 客户分级报告", subtitle, body, footer)


def write_report(serving_db: Path, out_html: Path) -> Path:
    """Render the report from `serving_db` (opened read-only) and write `out_html` atomically."""
    serving_db, out_html = Path(serving_db), Path(out_html)
    if not serving_db.exists():
        raise FileNotFoundError(f"no serving database at {serving_db}: publish a run first")
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        html = render_report(con)
    finally:
        con.close()
    out_html.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_html.with_name(f".{out_html.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.chmod(tmp, REPORT_MODE)
    os.replace(tmp, out_html)
    return out_html
