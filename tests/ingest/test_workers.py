"""How the parts of a text share the resource's threads and memory limit (workers.share)."""

from __future__ import annotations

import pytest

from orchestration.ingest.workers import WorkerShare, memory_bytes, share


@pytest.mark.parametrize(("threads", "memory", "tasks", "expected"), [
    (2, "4GB", 6, WorkerShare(2, 1, "1907MiB")),
    (4, "1GiB", 2, WorkerShare(2, 2, "512MiB")),
    (2, "4GB", 1, WorkerShare(1, 2, "4GB")),
    (1, "4GB", 6, WorkerShare(1, 1, "4GB")),
    (2, "80%", 6, WorkerShare(1, 2, "80%")),
    (2, "4GB", 0, WorkerShare(1, 2, "4GB")),
])
def test_parts_share_the_threads_and_the_memory_limit(threads, memory, tasks, expected):
    assert share(threads, memory, tasks) == expected


def test_memory_limits_are_read_in_duckdb_units():
    assert memory_bytes("4GB") == 4 * 1000**3
    assert memory_bytes(" 1.5 GiB ") == int(1.5 * 1024**3)
    assert memory_bytes("512mb") == 512 * 1000**2
    assert memory_bytes("lots") is None
