"""The files of one feed folder of the landing directory that a run may read, in processing order (used by
the run plan and by ingestion alike; it sits below both).

Only regular files inside the landing root are considered. Everything else in a feed folder is
reported and ignored: symbolic links (they could point at any file of the machine), FIFOs, sockets
and devices, and names holding control characters. Sub-folders are ignored silently (archives).

A file modified less than `settle_seconds` ago may still be being written: it waits for a later run
and is reported, never read. (Copies that keep the source's mtime, `cp -p` or `rsync -t`, set it once
the bytes are written, or write under a temporary name first; a file that changes while it is read
is caught when it is read: ingest/file_facts.FileChanged.)
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.feeds import FeedSpec


@dataclass(frozen=True)
class Stamp:
    """What identifies one version of a landed file without reading it."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, st: os.stat_result) -> Stamp:
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass(frozen=True)
class LandedFile:
    path: Path
    rel_path: str  # relative to the landing directory, posix separators
    export_date: date | None  # None: the name does not match the folder's pattern
    stamp: Stamp  # size, mtime and inode when listed

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class SkippedEntry:
    """A name in a feed folder that this run does not read, and why."""

    rel_path: str  # control characters shown escaped
    reason: str
    waiting: bool  # True: it may be read by a later run (not settled, changed while read)


@dataclass(frozen=True)
class FeedListing:
    files: list[LandedFile]
    skipped: list[SkippedEntry]


def printable(name: str) -> str:
    """A name with its control characters escaped (for logs and reports)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _has_control(name: str) -> bool:
    return any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name)


def _kind(mode: int) -> str:
    for test, label in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                        (stat.S_ISBLK, "a device")):
        if test(mode):
            return label
    return "not a regular file"


def _unsettled(mtime_ns: int, now_ns: int, settle_seconds: float) -> str:
    age = (now_ns - mtime_ns) / 1e9
    if age < -1:  # a writer whose clock is ahead: the file waits until this machine's clock passes its mtime
        return (f"modified {-age:.0f}s in the future by this machine's clock (the writer's clock is ahead?): "
                f"left for a run {settle_seconds:g}s after that time; `touch` the file once it is complete to read it "
                "sooner")
    return (f"modified {max(0.0, age):.0f}s ago, not yet settled (CW_SETTLE_SECONDS={settle_seconds:g}): left for a "
            "later run")


def list_feed(spec: FeedSpec, landing_root: Path, settle_seconds: float = 0.0,
              now_ns: int | None = None) -> FeedListing:
    """The readable files of the feed folder (well-named by export date and name, then misnamed by
    name) and what was left aside."""
    root = Path(landing_root)
    folder = root / spec.folder
    if not folder.is_dir():
        return FeedListing([], [])
    if not os.path.realpath(folder).startswith(os.path.realpath(root) + os.sep):
        return FeedListing([], [SkippedEntry(spec.folder, "the feed folder leads outside the landing directory "
                                                          "(a symbolic link): ignored", False)])
    settled_before = (now_ns or time.time_ns()) - int(settle_seconds * 1e9)
    files, skipped = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = f"{spec.folder}/{entry.name}"
            if _has_control(entry.name):
                skipped.append(SkippedEntry(printable(rel), "the name holds control characters: ignored", False))
                continue
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                skipped.append(SkippedEntry(rel, "a symbolic link: ignored (only regular files are read)", False))
                continue
            if stat.S_ISDIR(st.st_mode):
                continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(SkippedEntry(rel, f"{_kind(st.st_mode)}: ignored (only regular files are read)",
                                            False))
                continue
            if settle_seconds > 0 and st.st_mtime_ns > settled_before:
                skipped.append(SkippedEntry(rel, _unsettled(st.st_mtime_ns, now_ns or time.time_ns(), settle_seconds),
                                            True))
                continue
            files.append(LandedFile(Path(entry.path), rel, spec.export_date(entry.name), Stamp.of(st)))
    files.sort(key=lambda f: (f.export_date is None, f.export_date or date.min, f.name))
    skipped.sort(key=lambda s: s.rel_path)
    return FeedListing(files, skipped)


def landed_files(spec: FeedSpec, landing_root: Path) -> list[LandedFile]:
    """The readable files of the feed folder, settled or not (tests, tools)."""
    return list_feed(spec, landing_root).files
