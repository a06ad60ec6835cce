"""A heavy library is imported in the background while a step waits, once, and a failure waits for the
real import to report it."""

from __future__ import annotations

import sys
import threading

from orchestration import preload


def _thread(module: str) -> threading.Thread | None:
    return next((t for t in threading.enumerate() if t.name == f"preload-{module}"), None)


def test_the_module_is_imported_in_a_background_thread_once(tmp_path, monkeypatch):
    (tmp_path / "cw_slow_module.py").write_text(
        "import threading, time\ntime.sleep(0.5)\nLOADED_BY = threading.current_thread().name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    preload.in_background("cw_slow_module")
    preload.in_background("cw_slow_module")  # still importing: no second thread
    assert len([t for t in threading.enumerate() if t.name == "preload-cw_slow_module"]) == 1
    import cw_slow_module  # the main thread waits for the import under way

    assert cw_slow_module.LOADED_BY == "preload-cw_slow_module"
    preload.in_background("cw_slow_module")  # imported: nothing to do
    assert _thread("cw_slow_module") is None or not _thread("cw_slow_module").is_alive()
    sys.modules.pop("cw_slow_module", None)


def test_a_failing_import_is_left_to_the_real_import(tmp_path, monkeypatch):
    (tmp_path / "cw_broken_module.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    preload.in_background("cw_broken_module")
    thread = _thread("cw_broken_module")
    if thread is not None:
        thread.join(timeout=10)
    assert "cw_broken_module" not in sys.modules
