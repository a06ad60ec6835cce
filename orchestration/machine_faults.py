"""What a failed step's error says, and what the operator does about a fault of the machine in it.

Why: a run that fails because the disk filled up or memory ran out recovers by itself once the cause is
gone (nothing is published, no landing file gets a verdict, the next run resumes: interface.md, "Runs,
faults and recovery"). The errors only say what broke, in DuckDB's or the system's words, and one of
DuckDB's misleads ("Detach and reattach the database to recover": nobody needs to). The run's summary,
its alert and its `audit.runs` message add what to do, once per fault recognised here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MachineFault:
    name: str
    signs: re.Pattern[str]  # searched in the error messages of the failed steps
    remedy: str


FAULTS = (
    # SQLite's words: Dagster's instance (runs, event log) under $DAGSTER_HOME
    MachineFault("the disk is full",
                 re.compile(r"No space left on device|\[Errno 28\]|Disk quota exceeded|database or disk is full", re.I),
                 "free space on the warehouse's disk and on $DAGSTER_HOME's (`df -h` on both folders; a run needs "
                 "room for the raw zone's new files, DuckDB's write-ahead log and spill files, a new serving file "
                 "beside the live one, and Dagster's record of the run)"),
    MachineFault("memory ran out", re.compile(r"Out of Memory Error|MemoryError|Cannot allocate memory", re.I),
                 "stop what else uses the machine's memory, or raise CW_DUCKDB_MEMORY_LIMIT if the machine has "
                 "memory to spare (each DuckDB of a run may use that much: the Dagster process's and dbt's)"),
    MachineFault("a folder cannot be written", re.compile(r"Permission denied|Read-only file system", re.I),
                 "give the user that runs the pipeline write access to the warehouse folder and read access to "
                 "the landing folder, or mount them read-write"),
    MachineFault("the process ran out of file handles", re.compile(r"Too many open files"),
                 "raise its limit (`ulimit -n`, or LimitNOFILE= of the service that starts it)"),
    # SQLite (Dagster's instance) says "disk I/O error" also when the disk filled while it wrote its journal
    MachineFault("the disk reported an I/O error", re.compile(r"Input/output error|disk I/O error"),
                 "check the disk (`dmesg`, its SMART status) and its free space (`df -h`) before the next run"),
)
AFTERWARDS = "nothing was published and no landing file got a verdict: the next run resumes by itself"


#: Per failed step: the first part of its error's message, not the stack trace.
MAX_ERROR_CHARS = 500


def step_errors(step_failure_events: Iterable[Any]) -> dict[str, str]:
    """Failed step key → its error's message (`failure_message`, truncated), from a run's STEP_FAILURE events
    (Dagster's DagsterEvent)."""
    errors: dict[str, str] = {}
    for event in step_failure_events:
        error = getattr(event.event_specific_data, "error", None)
        message = failure_message(error) if error is not None else (event.message or "")
        errors[event.step_key or "?"] = message[:MAX_ERROR_CHARS]
    return errors


def advice(errors: Iterable[str]) -> str:
    """`remedies` as the end of a run's message ("; what to do: ..." each), or "" when no fault is named."""
    return "".join(f"; what to do: {remedy}" for remedy in remedies(errors))


def remedies(errors: Iterable[str]) -> list[str]:
    """What to do about each machine fault named in `errors` (error messages), once each."""
    text = "\n".join(errors)
    return [f"{fault.name}: {fault.remedy}; then run again ({AFTERWARDS})"
            for fault in FAULTS if fault.signs.search(text)]


def failure_message(error: Any) -> str:
    """The message of a failed step's error (Dagster's SerializableErrorInfo): the pipeline's own exception,
    which says what it means for the run, rather than Dagster's wrapper around it; and the innermost cause's
    first line when the message does not already quote it (DuckDB's or the system's words)."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause
    if not chain:
        return ""
    own = next((e for e in chain if not (e.cls_name or "").startswith("Dagster")), chain[-1])
    message = own.message.strip()
    root = chain[-1].message.strip().splitlines()
    cause = root[0] if root else ""
    if cause and cause.split(": ", 1)[-1] not in message:
        lines = message.splitlines() or [""]
        message = "\n".join([f"{lines[0]} (caused by {cause})", *lines[1:]])
    return message
