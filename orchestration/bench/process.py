"""Run a command in a fresh subprocess and measure its wall time and the memory of its whole tree."""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.2
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_RUN_LINE = re.compile(r"^run (\S+)\s+\(", re.MULTILINE)


@dataclass(frozen=True)
class ProcessFigures:
    exit_code: int
    seconds: float
    peak_tree_rss_bytes: int  # peak of the summed RSS of the process and all its descendants (sampled)
    max_process_rss_bytes: int  # largest resident high-water mark (VmHWM) of one process of the tree
    started_at: float  # epoch seconds (comparable with Dagster's event times)
    ended_at: float


def parse_run_id(stdout: str) -> str | None:
    """The Dagster run id from the run command's summary line `run <id>  (12.3s)`."""
    match = _RUN_LINE.search(stdout)
    return match[1] if match else None


def _parents() -> dict[int, int]:
    """pid → parent pid of every process visible in /proc."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name (field 2) may hold spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def _memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB; (0, 0) when it is gone or has no memory (a zombie)."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def tree_memory_bytes(root: int) -> tuple[int, int]:
    """(summed resident set of `root` and all its descendants, largest resident high-water mark of one
    of them). The sum counts shared pages in each process: an upper bound."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    total = peak = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        rss, hwm = _memory_kib(pid)
        total, peak = total + rss, max(peak, hwm)
        todo.extend(children.get(pid, ()))
    return total * 1024, peak * 1024


def measure(cmd: list[str], *, env: dict[str, str], cwd: Path, stdout: Path, stderr: Path,
            sample_seconds: float = SAMPLE_SECONDS) -> ProcessFigures:
    """Run `cmd` to completion (output to the given files), sampling its tree's memory meanwhile."""
    started, started_at = time.perf_counter(), time.time()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
        peak_tree = peak_process = 0
        while True:
            tree, process = tree_memory_bytes(proc.pid)
            peak_tree, peak_process = max(peak_tree, tree), max(peak_process, process)
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(sample_seconds)
    seconds, ended_at = time.perf_counter() - started, time.time()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    return ProcessFigures(proc.returncode, seconds, peak_tree, peak_process, started_at, ended_at)
