"""The `rules` command of `python -m orchestration`: argument parsing and printing.

Exit status: 0 done; 2 a usage error or a rules file / warehouse that cannot be used; 3 the
warehouse is locked by a run (compare only: nothing was copied or written).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

EXIT_ERROR = 2
EXIT_LOCKED = 3
TIERS = ("A", "B", "C")
VALUE_CLASSES = ("core", "important", "potential", "ordinary", "inactive")


def add_arguments(rules: argparse.ArgumentParser, date_type) -> None:
    commands = rules.add_subparsers(dest="rules_command", required=True)
    propose = commands.add_parser("propose", help="tier thresholds closest to the 10/30/60 guideline for D")
    propose.add_argument("--warehouse", type=Path, help="warehouse directory (default: CW_WAREHOUSE_DIR)")
    propose.add_argument("--as-of", type=date_type, help="as-of date D (default: the published one)")
    compare = commands.add_parser("compare", help="classify with a draft of classification_rules.csv beside the "
                                                  "current rules (nothing is published)")
    compare.add_argument("--draft", type=Path, required=True,
                         help="a draft of dbt_project/seeds/classification_rules.csv (same columns)")
    compare.add_argument("--warehouse", type=Path, help="warehouse directory (default: CW_WAREHOUSE_DIR)")
    compare.add_argument("--as-of", type=date_type, help="as-of date D (default: the one the warehouse was built for)")
    compare.add_argument("--version", help="use this rule version of the draft (default: the one active for D)")
    compare.add_argument("--keep", action="store_true", help="keep the scratch directory")


def main(args: argparse.Namespace) -> int:
    from orchestration.settings import Settings

    warehouse_dir = Settings.from_env().override(warehouse_dir=args.warehouse).warehouse_dir
    if args.rules_command == "propose":
        return _propose(warehouse_dir, args.as_of)
    return _compare(warehouse_dir, args.draft, args.as_of, args.version, args.keep)


def _propose(warehouse_dir: Path, as_of: date | None) -> int:
    import duckdb

    from orchestration.rules import propose
    from orchestration.rules.seeds import RulesFileError, parameters, read_rules

    serving = warehouse_dir / "serving.duckdb"
    if not serving.exists():
        print(f"rules propose: no serving database at {serving}: publish a run first", file=sys.stderr)
        return EXIT_ERROR
    try:
        with duckdb.connect(str(serving), read_only=True) as con:
            buyers = propose.read_buyers(con, as_of)
        proposal = propose.propose(buyers.revenues)
        current = parameters(read_rules(), buyers.rule_version) if buyers.rule_version else None
    except (ValueError, duckdb.Error, RulesFileError) as exc:
        print(f"rules propose: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_ERROR
    thousand = Decimal(1000)
    rounded = (round(proposal.tier_a_above / thousand) * thousand, round(proposal.tier_b_from / thousand) * thousand)
    print(f"Tier thresholds for D = {buyers.as_of}: {len(buyers.revenues):,} buyers (customers with a counted order "
          f"line on or before D), revenue_12m from {buyers.source}")
    rows = [("guideline 10/30/60", None, None, propose.GUIDELINE)]
    if current:
        a, b = current["tier_a_above"], current["tier_b_from"]
        rows.append((f"current ({buyers.rule_version})", a, b, propose.tier_shares(buyers.revenues, a, b)))
    rows.append(("proposed", proposal.tier_a_above, proposal.tier_b_from,
                 propose.tier_shares(buyers.revenues, proposal.tier_a_above, proposal.tier_b_from)))
    rows.append(("proposed, to 1,000 CNY", *rounded, propose.tier_shares(buyers.revenues, *rounded)))
    print(f"  {'':<24}{'tier_a_above':>14}{'tier_b_from':>14}{'A':>9}{'B':>9}{'C':>9}")
    for label, a, b, shares in rows:
        money = "".join(f"{'' if v is None else f'{v:,.2f}'.removesuffix('.00'):>14}" for v in (a, b))
        print(f"  {label:<24}{money}" + "".join(f"{s:>9.1%}" for s in shares))
    low, high = proposal.a_interval
    print(f"  (any tier_a_above from {_money(low)} up to below {_money(high)} gives the proposed tiers; any "
          f"tier_b_from above {_money(proposal.b_interval[0])} up to {_money(proposal.b_interval[1])})")
    print("The two thresholds are also the revenue floors of the core and important value classes. To try them: "
          "write a draft of dbt_project/seeds/classification_rules.csv with a new rule_version and "
          "`python -m orchestration rules compare --draft FILE`; they take effect once committed to the seed.")
    return 0


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _compare(warehouse_dir: Path, draft: Path, as_of: date | None, version: str | None, keep: bool) -> int:
    from orchestration.control.lock import WarehouseLocked
    from orchestration.rules.compare import CompareError, run_compare
    from orchestration.rules.seeds import RulesFileError, read_rules, versions_lacking_rows

    try:
        result = run_compare(warehouse_dir, draft, as_of, version, keep=keep,
                             log=lambda message: print(message, file=sys.stderr))
    except WarehouseLocked as exc:
        print(f"rules compare: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (RulesFileError, CompareError) as exc:
        print(f"rules compare: {exc}", file=sys.stderr)
        return EXIT_ERROR
    n = sum(cell[2] for cell in result.tiers)
    print(f"Rules compare as of {result.as_of}: {n:,} buyers; rule version {result.current_version} (current) -> "
          f"{result.draft_version} (draft {draft})")
    print(_matrix("Tier", result.tiers, TIERS))
    print(_matrix("Value class", result.values, VALUE_CLASSES))
    moved_tier = sum(c[2] for c in result.tiers if c[0] != c[1])
    moved_value = sum(c[2] for c in result.values if c[0] != c[1])
    print(f"{moved_tier:,} customer(s) change tier, {moved_value:,} change value class. Nothing was published and "
          "the working warehouse is unchanged; the draft takes effect only once committed to "
          "dbt_project/seeds/classification_rules.csv.")
    others = sorted({row.rule_version for row in read_rules(draft)} - {result.draft_version})
    if result.draft_version == result.current_version and others and not version:
        print(f"Note: for {result.as_of} the draft's active version is {result.draft_version}; its other version(s) "
              f"{', '.join(others)} are not active then (effective later, or superseded); `--version V` builds one.")
    lacking = versions_lacking_rows(result.draft_version) if result.draft_version != result.current_version else []
    if lacking:
        print(f"Note: rule version {result.draft_version} has no rows in {', '.join(lacking)} yet; add them before "
              "committing (the nightly run's data tests require every versioned rule seed).")
    return 0


def _matrix(title: str, cells: list[tuple], order: tuple[str, ...]) -> str:
    """Rows: current class, columns: draft class; each cell `customers / revenue_12m`."""
    labels = list(order) + sorted({str(c[i]) for c in cells for i in (0, 1)} - set(order))
    found = {(str(c[0]), str(c[1])): (c[2], c[3] or 0) for c in cells}
    used = [label for label in labels if any(label in key for key in found)]
    width = max([len(f"{n:,} / {r:,.0f}") for n, r in found.values()] + [len(label) for label in used] + [9])
    lines = [f"{title} migration (rows: current, columns: draft; customers / revenue_12m CNY)",
             f"  {'current':<10}" + "".join(f"{label:>{width + 2}}" for label in used)]
    for row in used:
        cells_text = []
        for column in used:
            n, revenue = found.get((row, column), (0, 0))
            cells_text.append(f"{(f'{n:,} / {revenue:,.0f}' if n else '-'):>{width + 2}}")
        lines.append(f"  {row:<10}" + "".join(cells_text))
    return "\n".join(lines)
