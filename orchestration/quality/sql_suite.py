"""A GX suite evaluated as set-based DuckDB SQL: how the pipeline validates every batch.

The rule (`gx_checks.run_suite`): every batch, whatever its size, is validated here when every
expectation of the suite translates (all of the project's do); a suite with an expectation that does
not translate is validated by GX on pandas (`gx_runner`). GX stays the definition of the suites (the
JSON files), the engine for what has no exact SQL form, and the reference every translation is tested
against. The reasons: pulling a big batch into pandas for GX costs ~3-5 s per million rows and suite,
GX's own SQL datasource cannot be used (on DuckDB it returns no rows: it fetches after closing the
connection), and on the small batches of a night GX's import (~3 s, ~190 MB) and per-suite work
(~0.1 s) were ~5 s of every run at every scale. Here a suite costs one aggregate scan of the batch
query (`count(*) filter (where ...)` per expectation), one `group by` per uniqueness expectation, and
small follow-up queries for the samples of the failed ones.

The translation reproduces GX's pandas semantics, and `tests/quality/test_sql_suite.py` checks it
against GX itself: values are typed as DuckDB hands them to pandas (DECIMAL and HUGEINT arrive as
float64, so they compare as DOUBLE; NaN is a null), nulls are skipped except by the null
expectations, percentages are over the non-null rows, `mostly` is GX's ratio, uniqueness counts
every duplicated row, regexes are Python's `re.search` (written where `re` and RE2 agree: regex_dialect),
`row_condition` follows `DataFrame.query`. Whatever does not translate exactly raises `Untranslatable`
so that the caller uses GX: never an approximation. One difference is deliberate: GX reads a big
batch in chunks and its uniqueness holds per chunk; SQL checks uniqueness over the whole batch.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from orchestration.quality.gx_runner import LINEAGE_PAIRS, SAMPLE_ROWS, _merge, _observed, _where
from orchestration.quality.regex_dialect import UncommonRegex, check_common, sql_pattern
from orchestration.quality.results import CheckOutcome


class Untranslatable(ValueError):
    """An expectation SQL cannot evaluate exactly as GX's pandas engine does: validate with GX."""


#: DuckDB type -> how pandas holds it: ints stay exact, DECIMAL/HUGEINT/UBIGINT become float64
FAMILIES = {**dict.fromkeys(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"),
                            "int"),
            **dict.fromkeys(("HUGEINT", "UBIGINT"), "float"), "DOUBLE": "double", "VARCHAR": "str",
            "BOOLEAN": "bool", "DATE": "time", "TIMESTAMP": "time"}
NUMERIC = ("int", "float", "double")
COMMON = {"mostly", "row_condition", "condition_parser", "catch_exceptions"}
KWARGS = {  # expectation type -> the kwargs translated; any other kwarg declines
    "expect_column_values_to_not_be_null": {"column"}, "expect_column_values_to_be_null": {"column"},
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_values_to_be_in_set": {"column", "value_set"},
    "expect_column_values_to_match_regex": {"column", "regex"}, "expect_column_values_to_be_unique": {"column"},
    "expect_compound_columns_to_be_unique": {"column_list", "ignore_row_if"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "ignore_row_if"},
    "expect_table_columns_to_match_set": {"column_set", "exact_match"},
}
CMP = {ast.Eq: "=", ast.NotEq: "<>", ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(ok: Any, what: str) -> None:
    if not ok:
        raise Untranslatable(what)


@dataclass
class Plan:
    """One expectation in SQL: the rows GX looks at (`domain`), those in its denominator
    (`considered`), the unexpected ones (a row predicate, or the duplicates of `keys`)."""

    exp: dict[str, Any]
    kind: str  # null | map | unique | columns
    domain: str = "true"
    considered: str = "true"
    unexpected: str = "false"
    keys: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # the columns GX lists as unexpected values


@dataclass
class Translator:
    types: dict[str, str]  # column -> DuckDB type of the batch

    def col(self, name: Any, *families: str) -> tuple[str, str]:
        _check(isinstance(name, str) and name in self.types, f"column {name!r} is not in the batch")
        fam = FAMILIES.get(self.types[name], "float" if self.types[name].startswith("DECIMAL") else "other")
        _check(not families or fam in families, f"column {name} of type {self.types[name]}")
        return q(name), fam

    def isnull(self, name: str) -> str:
        c, fam = self.col(name)
        return f"({c} is null or isnan({c}))" if self.types[name] in ("DOUBLE", "FLOAT") else f"({c} is null)"

    def compare(self, c: str, fam: str, op: str, value: Any) -> str:
        """`c op value` as numpy compares such a column with a Python number."""
        if fam == "int" and isinstance(value, int):
            return f"{c} {op} {value}"
        return f"cast({c} as double) {op} cast('{float(value)!r}' as double)"

    def key(self, name: str) -> str:
        """A value as pandas tells duplicates apart (float64 equality, NaN the same as null)."""
        c, fam = self.col(name, "int", "str", "bool", "time", "float", "double")
        return {"float": f"cast({c} as double)", "double": f"(case when isnan({c}) then null else {c} end)"}.get(fam, c)

    def condition(self, kw: dict[str, Any]) -> str:
        """A pandas `row_condition` of the form `column <op> literal`, with pandas' missing values."""
        text = kw.get("row_condition")
        if text is None:
            return "true"
        _check(kw.get("condition_parser") == "pandas" and isinstance(text, str), f"row_condition {text!r}")
        try:
            node = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise Untranslatable(f"row_condition {text!r}") from exc
        _check(isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in CMP
               and isinstance(node.left, ast.Name), f"row_condition {text!r} is not `column <op> literal`")
        op = CMP[type(node.ops[0])]
        try:
            value = ast.literal_eval(node.comparators[0])  # a literal (or a negative number), else declined
        except ValueError:
            value = None
        c, fam = self.col(node.left.id)
        if isinstance(value, str) and fam == "str" and op in ("=", "<>"):
            test = f"{c} {op} {lit(value)}"
        else:
            _check(number(value) and fam in NUMERIC, f"row_condition {text!r} on a {self.types[node.left.id]}")
            test = self.compare(c, fam, op, value)
        # a missing value fails every comparison but `!=`, which it passes where pandas holds it as
        # NaN (floats, strings) and fails where pandas holds it as pd.NA (nullable ints)
        null = self.isnull(node.left.id)
        return f"({null} or {test})" if op == "<>" and fam != "int" else f"(not {null} and {test})"

    def plan(self, exp: dict[str, Any]) -> Plan:
        kind, kw = exp.get("type"), exp.get("kwargs")
        _check(kind in KWARGS and isinstance(kw, dict) and not set(kw) - KWARGS[kind] - COMMON,
               f"{kind} with {sorted(kw or {})}")
        mostly = kw.get("mostly", 1)
        _check(number(mostly) and 0 <= mostly <= 1, f"{kind}: mostly {mostly!r}")
        if kind == "expect_table_columns_to_match_set":
            _check(isinstance(kw.get("column_set"), list) and all(isinstance(c, str) for c in kw["column_set"])
                   and kw.get("exact_match", True) in (True, False, None) and set(kw) <= KWARGS[kind],
                   f"{kind} with {kw}")
            return Plan(exp, "columns")
        domain = self.condition(kw)
        if kind == "expect_column_pair_values_a_to_be_greater_than_b":
            return self.pair(exp, domain)
        if kind == "expect_compound_columns_to_be_unique":
            cols, ignore = kw.get("column_list"), kw.get("ignore_row_if", "all_values_are_missing")
            _check(isinstance(cols, list) and len(cols) > 1, f"{kind} with {kw}")
            nulls = [self.isnull(c) for c in cols]
            keep = {"never": "true", "all_values_are_missing": "not (" + " and ".join(nulls) + ")",
                    "any_value_is_missing": "not (" + " or ".join(nulls) + ")"}.get(ignore)
            _check(keep, f"{kind} with {kw}")
            return Plan(exp, "unique", domain, f"{domain} and {keep}", keys=[self.key(c) for c in cols], shown=cols)
        column = kw.get("column")
        c, fam = self.col(column)
        null = self.isnull(column)
        nonnull = f"{domain} and not {null}"
        if kind == "expect_column_values_to_not_be_null":
            return Plan(exp, "null", domain, domain, f"{domain} and {null}", shown=[column])
        if kind == "expect_column_values_to_be_null":
            return Plan(exp, "null", domain, domain, nonnull, shown=[column])
        if kind == "expect_column_values_to_be_unique":
            return Plan(exp, "unique", domain, nonnull, keys=[self.key(column)], shown=[column])
        test = self.test(kind, kw, c, fam)
        return Plan(exp, "map", domain, nonnull, f"{nonnull} and not coalesce({test}, false)", shown=[column])

    def test(self, kind: str, kw: dict[str, Any], c: str, fam: str) -> str:
        """The row-wise test of a column map expectation (applied to non-null values only)."""
        if kind == "expect_column_values_to_be_between":
            lo, hi = kw.get("min_value"), kw.get("max_value")
            _check(fam in NUMERIC and (lo, hi) != (None, None) and all(v is None or number(v) for v in (lo, hi))
                   and (None in (lo, hi) or lo <= hi)
                   and all(kw.get(k) in (True, False, None) for k in ("strict_min", "strict_max")),
                   f"{kind} with {kw} on a {fam} column")
            parts = [self.compare(c, fam, ">" if kw.get("strict_min") else ">=", lo)] if lo is not None else []
            parts += [self.compare(c, fam, "<" if kw.get("strict_max") else "<=", hi)] if hi is not None else []
            return " and ".join(parts)
        if kind == "expect_column_values_to_be_in_set":
            values = kw.get("value_set")
            _check(isinstance(values, list) and (
                fam == "str" and all(isinstance(v, str) for v in values)
                or fam == "bool" and all(isinstance(v, bool) for v in values)
                or fam == "int" and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
                or fam in ("float", "double") and all(number(v) for v in values)), f"{kind} {values!r} on {fam}")
            if fam in ("float", "double") or not values:
                return "(" + " or ".join(["false", *(self.compare(c, fam, "=", v) for v in values)]) + ")"
            return f"{c} in ({', '.join(lit(v) if fam == 'str' else str(v).lower() for v in values)})"
        _check(fam == "str" and isinstance(kw.get("regex"), str), f"{kind} with {kw} on a {fam} column")
        try:
            regex = sql_pattern(check_common(kw["regex"]))
        except UncommonRegex as exc:
            raise Untranslatable(str(exc)) from exc
        return f"regexp_matches({c}, {lit(regex)})"

    def pair(self, exp: dict[str, Any], domain: str) -> Plan:
        kw = exp["kwargs"]
        (a, fa), (b, fb) = self.col(kw.get("column_A")), self.col(kw.get("column_B"))
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        na, nb = self.isnull(kw["column_A"]), self.isnull(kw["column_B"])
        keep = {"neither": "true", "both_values_are_missing": f"not ({na} and {nb})",
                "either_value_is_missing": f"not ({na} or {nb})"}.get(ignore)
        _check(keep and (fa == fb in ("str", "time") or fa in NUMERIC and fb in NUMERIC)
               and kw.get("or_equal") in (True, False, None)  # a kept pd.NA is neither expected nor unexpected:
               and (ignore == "either_value_is_missing" or "int" not in (fa, fb)), f"column pair {kw}")
        if fa != fb or fa != "int" and fa in NUMERIC:
            a, b = f"cast({a} as double)", f"cast({b} as double)"
        considered = f"{domain} and {keep}"
        greater = f"not {na} and not {nb} and {a} {'>=' if kw.get('or_equal') else '>'} {b}"
        shown = [kw["column_A"], kw["column_B"]]
        return Plan(exp, "map", domain, considered, f"{considered} and not ({greater})", shown=shown)


def validate_sql(con: duckdb.DuckDBPyConnection, query: str, params: list, expectations: list[dict[str, Any]],
                 evidence: str, *, materialize: bool = False) -> CheckOutcome:
    """Validate the rows of `query` (its `?` bound to `params`) as `validate_frames` would.

    Raises `Untranslatable` before reading a row when an expectation has no exact SQL form.
    `materialize`: the query is a sample; it is stored once so that every query sees the same rows."""
    types = {row[0]: row[1] for row in con.execute(f"describe {query}", params).fetchall()}
    translator, groups = Translator(types), {}
    for e in expectations:  # GX validates (and lists) expectations grouped by column, in order of appearance
        column = e.get("kwargs", {}).get("column")
        groups.setdefault(column if isinstance(column, str) else "_nocolumn", []).append(translator.plan(e))
    plans = [p for group in groups.values() for p in group]
    if materialize:
        con.execute(f"create or replace temp table sql_suite_batch as {query}", params)
        query, params = "select * from sql_suite_batch", []
    try:
        rows, summaries = _evaluate(con, f"({query}) as t", list(params), plans, types)
    finally:
        if materialize:
            con.execute("drop table if exists sql_suite_batch")
    failures: dict[tuple, dict[str, Any]] = {}
    _merge(failures, summaries)  # as validate_frames: same-named failures fold, their % over all rows
    failed = list(failures.values())
    for f in failed:
        if f["unexpected_count"] is not None and f["unexpected_percent"] is None:
            f["unexpected_percent"] = 100.0 * f["unexpected_count"] / rows if rows else None
    return CheckOutcome(passed=not failed, observed=_observed(failed, len(plans), rows), evidence=evidence,
                        metadata={"rows_validated": rows, "expectations_evaluated": len(plans),
                                  "expectations_failed": len(failed), "failed_expectations": failed})


def _evaluate(con, rel: str, params: list, plans: list[Plan], types: dict[str, str]):
    """The batch's row count and GX-style summaries of the failed expectations."""
    lineage = next(([f, n] for f, n in LINEAGE_PAIRS if f in types and n in types), [])
    slots: dict[str, int] = {}
    for p in (p for p in plans if p.kind != "columns"):
        p.shown = list(dict.fromkeys(p.shown + lineage))  # the sample's columns: values, then lineage
        for expr in [p.domain, p.considered, p.unexpected, *(f"{q(c)} is null" for c in p.shown)]:
            slots.setdefault(expr, len(slots) + 1)
    counts = con.execute("select count(*)" + "".join(f", count(*) filter (where {e})" for e in slots)
                         + f" from {rel}", params).fetchone()
    summaries = []
    for p in plans:
        if p.kind == "columns":  # GX's _validate_result of expect_table_columns_to_match_set
            expected, exact = set(p.exp["kwargs"]["column_set"]), p.exp["kwargs"].get("exact_match", True)
            extra, missing = set(types) - expected, expected - set(types)
            if missing or extra and exact:
                summaries.append(_summary(p.exp, None, None, sorted(types), [], []))
            continue
        element, considered, unexpected = (counts[slots[e]] for e in (p.domain, p.considered, p.unexpected))
        if p.kind == "unique":
            unexpected = con.execute(f"select coalesce(sum(n), 0) from (select count(*) as n from {rel} where "
                                     f"{p.considered} group by {', '.join(p.keys)}) where n > 1", params).fetchone()[0]
        mostly = p.exp["kwargs"].get("mostly", 1)
        if p.kind == "null":  # GX: over all rows of the domain
            success = element == 0 or (element - unexpected) / element >= mostly
            percent = unexpected / element * 100 if element else None
        else:  # GX: over the rows considered (non-null values, rows kept by ignore_row_if)
            success = element == 0 or considered == 0 or (
                (float(considered) - float(unexpected)) / float(considered) >= mostly)
            percent = unexpected / considered * 100 if element and considered else None
        if not success:
            nulls = {c: (counts[slots[f"{q(c)} is null"]], counts[0]) for c in p.shown}
            summaries.append(_summary(p.exp, unexpected, percent, None, *_sample(con, rel, params, p, types, nulls)))
    return counts[0], summaries


def _summary(exp, count, percent, observed, sample, where) -> dict[str, Any]:
    kw = exp["kwargs"]  # the column as gx_runner._target names it
    column = (kw["column"] if "column" in kw else ",".join(map(str, kw["column_list"])) if "column_list" in kw
              else f"{kw['column_A']},{kw['column_B']}" if "column_A" in kw else "")
    return {"expectation": exp["type"], "column": str(column), "unexpected_count": count,
            "unexpected_percent": percent, "observed_value": observed, "sample": sample, "where": where,
            "exception": None}


def _sample(con, rel: str, params: list, p: Plan, types: dict[str, str], nulls: dict[str, tuple[int, int]]):
    """The first unexpected values as GX lists them (`str` of the pandas values), and their `file:line`."""
    cols = ", ".join(q(c) for c in p.shown)
    if p.kind == "unique":  # the rows whose key is duplicated, in batch order
        keys = [f"{k} as __k{i}" for i, k in enumerate(p.keys)]
        on = " and ".join(f"s.__k{i} is not distinct from d.__k{i}" for i in range(len(keys)))
        frame = con.execute(
            f"with d as (select {', '.join(keys)} from {rel} where {p.considered} group by all having count(*) > 1)"
            f" select {cols} from (select *, {', '.join(keys)} from {rel} where {p.considered}) as s"
            f" semi join d on {on} limit {SAMPLE_ROWS}", params * 2).df()
    else:
        frame = con.execute(f"select {cols} from {rel} where {p.unexpected} limit {SAMPLE_ROWS}", params).df()
    for c in frame.columns:  # the pandas dtype the whole batch gets: a VARCHAR with a value is str (NaN
        name, (null, rows) = frame[c].dtype.name, nulls[c]  # for null), an int or bool with a null nullable
        if types[c] == "VARCHAR" and name == "object" and null < rows:
            frame[c] = frame[c].astype("str")
        elif null and (name == "bool" or name.startswith(("int", "uint"))):
            frame[c] = frame[c].astype("boolean" if name == "bool" else "UInt" + name[4:] if name[0] == "u"
                                       else "Int" + name[3:])
    kw = p.exp["kwargs"]  # GX lists a pair as a tuple of numpy values, compound columns as a dict
    values = (zip(frame[kw["column_A"]].values, frame[kw["column_B"]].values, strict=True) if "column_A" in kw
              else frame[kw["column_list"]].to_dict("records") if "column_list" in kw else list(frame[kw["column"]]))
    return [str(v) for v in values], _where(frame, list(frame.index))
