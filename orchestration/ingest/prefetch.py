"""Hashing and scanning a feed's files ahead of their loads, on other threads.

Why: reading and hashing a file (landing_files.inspect_file) costs about a fifth of loading it, and
needs no DuckDB: the next files are inspected while this one loads (the load's queries and the
hash let go of the GIL). And a file whose path an earlier run logged is only hashed first: on a
re-run or an incremental run most files are the bytes logged before, and their scan would be
thrown away; a file with new bytes under an old path is then scanned too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from orchestration.ingest.landing_files import FileFacts, LandedFile, hash_file, inspect_file

#: Files inspected ahead of the one in hand (each on a thread of its own).
AHEAD = 2


@dataclass(frozen=True)
class Hashed:
    """A file whose (path, sha256) an earlier run logged: nothing more about it is needed."""

    sha256: str
    bytes: int


def inspected(files: list[LandedFile],
              logged: set[tuple[str, str]]) -> Iterator[tuple[LandedFile, FileFacts | Hashed | OSError]]:
    """Each file in order with what is known of it, or why it could not be read. `logged`: the
    (path, sha256) pairs of earlier runs (not changed while this runs)."""
    logged = set(logged)
    paths = {path for path, _ in logged}
    with ThreadPoolExecutor(AHEAD, thread_name_prefix="inspect") as pool:
        pending: deque[Future] = deque(pool.submit(_facts, f, logged, paths) for f in files[:AHEAD])
        for index, landed in enumerate(files):
            facts = pending.popleft().result()
            if index + AHEAD < len(files):
                pending.append(pool.submit(_facts, files[index + AHEAD], logged, paths))
            yield landed, facts


def _facts(landed: LandedFile, logged: set[tuple[str, str]], paths: set[str]) -> FileFacts | Hashed | OSError:
    try:
        if landed.rel_path in paths:
            sha256, size = hash_file(landed.path)
            if (landed.rel_path, sha256) in logged:
                return Hashed(sha256, size)
        return inspect_file(landed.path)
    except OSError as exc:
        return exc
