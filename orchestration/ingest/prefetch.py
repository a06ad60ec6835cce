"""Reading a feed's files ahead of their loads, on other threads.

Why: reading and hashing a file (file_facts.inspect_file, which also writes the private copy that is
loaded) costs about a fifth of loading it, and needs no DuckDB: the next files are read while this
one loads (the load's queries and the hash let go of the GIL).

What an earlier run already logged is not read again: a file whose path, size and mtime equal a
`load_log` row's is known by that row's sha256 without reading it; a file whose path was logged
with another size or mtime is only hashed first (a touched file with the same bytes is still
"already logged"), and read in full only when its bytes are new.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.file_facts import FileChanged, FileFacts, hash_file, inspect_file
from orchestration.ingest.ledger import LedgerState
from orchestration.landing import LandedFile

#: Files read ahead of the one in hand (each on a thread of its own).
AHEAD = 2
COPY_NAME = "landed.bin"


@dataclass(frozen=True)
class Hashed:
    """A file whose (path, sha256) an earlier run logged: nothing more about it is needed."""

    sha256: str
    bytes: int


Facts = FileFacts | Hashed | FileChanged | OSError


def inspected(files: list[LandedFile], state: LedgerState, work_root: Path) -> Iterator[tuple[int, LandedFile, Facts]]:
    """(index, file, what is known of it) in order. A FileFacts comes with its private copy at
    `work_root/<index>/landed.bin`; FileChanged: the file changed (it waits); OSError: it could not be
    read (a fault, not a verdict on the file)."""
    with ThreadPoolExecutor(AHEAD, thread_name_prefix="inspect") as pool:
        def submit(index: int) -> Future:
            return pool.submit(_facts, files[index], state, work_root / str(index))

        pending: deque[Future] = deque(submit(i) for i in range(min(AHEAD, len(files))))
        for index, landed in enumerate(files):
            facts = pending.popleft().result()
            if index + AHEAD < len(files):
                pending.append(submit(index + AHEAD))
            yield index, landed, facts


def copy_of(work_dir: Path) -> Path:
    return work_dir / COPY_NAME


def _facts(landed: LandedFile, state: LedgerState, work_dir: Path) -> Facts:
    try:
        known = state.known_stamp(landed.rel_path, landed.stamp)
        if known is not None:
            return Hashed(known, landed.stamp.size)
        if landed.rel_path in state.logged_paths:
            sha256, size = hash_file(landed.path, expected=landed.stamp)
            if (landed.rel_path, sha256) in state.logged:
                return Hashed(sha256, size)
        if landed.export_date is None:  # rejected for its name: no copy needed
            sha256, size = hash_file(landed.path, expected=landed.stamp)
            return Hashed(sha256, size)
        work_dir.mkdir(parents=True, exist_ok=True)
        return inspect_file(landed.path, copy_of(work_dir), expected=landed.stamp)
    except (FileChanged, OSError) as exc:
        return exc
