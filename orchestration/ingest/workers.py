"""How the parts of a text share the warehouse resource's DuckDB threads and memory.

The fast path reads a text with one streaming query per part (text_parts), whose line numbering
(`with ordinality`) runs on one thread whatever the thread budget: so with 2 threads a big text is
read as 2 parts at once, each query with 1 thread and half the memory limit, rather than as one
query with 2 threads of which one would idle. The budget is never exceeded: workers x threads per
worker <= threads, and the memory limits add up to the resource's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}


@dataclass(frozen=True)
class WorkerShare:
    workers: int  # queries run at once
    threads: int  # DuckDB threads of each
    memory_limit: str  # DuckDB memory limit of each


def share(threads: int, memory_limit: str, tasks: int) -> WorkerShare:
    """The share of each of min(threads, tasks) workers (at least one)."""
    workers = max(1, min(threads, tasks))
    if workers == 1:
        return WorkerShare(1, max(1, threads), memory_limit)
    limit = memory_bytes(memory_limit)
    if limit is None:  # a limit we cannot divide (say a percentage): one file at a time, as configured
        return WorkerShare(1, max(1, threads), memory_limit)
    return WorkerShare(workers, threads // workers, f"{limit // workers // 1024**2}MiB")


def memory_bytes(memory_limit: str) -> int | None:
    """Bytes of a DuckDB memory limit such as `4GB` or `512 MiB` (None when not of that form)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", memory_limit)
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
