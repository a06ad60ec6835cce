"""`python -m orchestration <command>`: demo-data, run, explain, rules, docs.

Every command turns expected failures into one clear message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from orchestration.env_values import SettingsError

EXIT_FAILED_CHECKS = 1
EXIT_ERROR = 2
EXIT_LOCKED = 3


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m orchestration", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo-data", help="write a realistic landing directory (all nine feeds), or add the next day to one",
        description="Write a realistic landing directory (all nine feeds, several export dates), deterministic "
                    "for a seed. With --next-day, add to the existing landing directory --out the delivery of the "
                    "day after its latest export date instead: that day's new and changed records of the incremental "
                    "feeds and full snapshots of the snapshot feeds (a few records changed, added, removed, and a "
                    "few identity changes); repeated calls add consecutive days.")
    demo.add_argument("--out", type=Path, required=True)
    demo.add_argument("--customers", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1,
                      help="random seed (default 1); with --next-day it drives that day's draws")
    demo.add_argument("--start", type=_date, default=date(2024, 1, 1))
    demo.add_argument("--end", type=_date, default=date(2025, 12, 31))
    demo.add_argument("--next-day", action="store_true",
                      help="add the next day's delivery to the existing landing directory --out (the state is "
                           "read back from its files; --customers, --start and --end do not apply)")
    demo.add_argument("--days", type=int, metavar="N",
                      help="with --next-day: add N consecutive days (default 1; a week of nights is 7)")

    run = sub.add_parser(
        "run", help="one gated run: ingest, build, check, publish",
        description="One gated run of the nightly job for as-of date D (or one per date of --as-of .. --to). "
                    "Exit status: 0 published, 1 not published (a blocking check or a step failed; the reasons "
                    "are printed), 2 usage error, 3 the warehouse is in use by another run (nothing written).")
    run.add_argument("--landing", type=Path, help="landing directory (default: CW_LANDING_DIR or data/landing)")
    run.add_argument("--warehouse", type=Path,
                     help="warehouse directory (default: CW_WAREHOUSE_DIR or data/warehouse)")
    run.add_argument("--as-of", type=_date, help="as-of date D (default: CW_AS_OF or the latest order date)")
    run.add_argument("--to", type=_date, dest="as_of_to",
                     help="with --as-of: run every date from --as-of to this one, in order (a backfill)")
    run.add_argument("--rebuild", action="store_true", default=None,
                     help="rebuild the marts even when nothing changed since the published run, the "
                          "incremental models in full (CW_REBUILD=1)")
    run.add_argument("--accept-snapshot-shrink", action="store_true", default=None,
                     help="publish a new snapshot although it has fewer rows than CW_SNAPSHOT_MIN_SHARE of the one "
                          "before (a real drop, not a truncated export); recorded in audit.runs")
    run.add_argument("--accept-held-files", action="store_true", default=None,
                     help="publish the files held by earlier runs that failed a blocking check of their rows (a "
                          "quarantine share, a GX expectation) as they are; recorded in audit.runs")
    run.add_argument("--wait", type=float, dest="lock_wait_seconds", metavar="SECONDS",
                     help="wait up to this long for another run to finish (default: CW_LOCK_WAIT_SECONDS or 0)")

    explain = sub.add_parser("explain", help="trace one customer's classification back to the file rows")
    explain.add_argument("--customer", required=True,
                         help="customer_key, or a source id (CRM account / ERP customer no)")
    explain.add_argument("--as-of", type=_date)
    explain.add_argument("--warehouse", type=Path)

    from orchestration.rules.cli import add_arguments as add_rules_arguments

    add_rules_arguments(sub.add_parser("rules", help="calibrate the classification rules (propose, compare)"), _date)

    sub.add_parser("docs", help="build the dbt documentation site (static, offline)")
    return p


def _next_days(args: argparse.Namespace) -> int:
    from orchestration.demo.nextday import write_next_day

    if not args.next_day:
        print("error: --days needs --next-day", file=sys.stderr)
        return EXIT_ERROR
    if not args.out.is_dir():
        print(f"error: {args.out} is not a landing directory: write one with demo-data first", file=sys.stderr)
        return EXIT_ERROR
    days = 1 if args.days is None else args.days
    if days < 1:
        print("error: --days must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    for _ in range(days):
        summary = write_next_day(args.out, seed=args.seed)
        rows = ", ".join(f"{feed} {t['rows']:,}" for feed, t in summary["feeds"].items())
        print(f"next day {summary['date']} written to {args.out} in {summary['seconds']}s: {rows}")
        print(f"  identity changes: {summary['identity_changes']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "demo-data" and (args.next_day or args.days is not None):
            return _next_days(args)
        if args.command == "demo-data":
            from orchestration.demo import write_demo_landing

            summary = write_demo_landing(args.out, customers=args.customers, seed=args.seed, start=args.start,
                                         end=args.end)
            print(f"demo landing directory written to {args.out}")
            for key, value in summary.items():
                print(f"  {key}: {value}")
            return 0
        if args.command == "run":
            from orchestration.runner import run_pipeline
            from orchestration.settings import Settings

            settings = Settings.from_env().override(
                landing_dir=args.landing, warehouse_dir=args.warehouse, as_of=args.as_of, as_of_to=args.as_of_to,
                rebuild=args.rebuild, accept_snapshot_shrink=args.accept_snapshot_shrink,
                accept_held_files=args.accept_held_files, lock_wait_seconds=args.lock_wait_seconds)
            return run_pipeline(settings)
        if args.command == "explain":
            from orchestration.explain import explain_customer
            from orchestration.settings import Settings

            settings = Settings.from_env().override(warehouse_dir=args.warehouse)
            return explain_customer(settings, args.customer, args.as_of)
        if args.command == "rules":
            from orchestration.rules.cli import main as rules_main

            return rules_main(args)
        if args.command == "docs":
            from orchestration.docs import build_docs

            return build_docs()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_ERROR
    except SettingsError as exc:  # before anything was read or written
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the promise: a clear message, never a traceback
        from orchestration.automation.alerts import redact
        from orchestration.settings import alert_webhook_from_env

        text = redact(f"{type(exc).__name__}: {exc}", alert_webhook_from_env() or "")
        print(f"error: {text}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR
