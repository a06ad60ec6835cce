"""Import a heavy library in a background thread while the step waits on something else.

Great Expectations costs 2.5–4 s of pure-Python import. The checks that need it come after steps that
mostly wait (ingestion on DuckDB and file I/O, the dbt step on its subprocess), so those steps start the
import and the checks find it done. Only third-party modules are preloaded: the thread takes no lock the
main thread could hold, and a main-thread import of the same module simply waits for it to finish.
"""

from __future__ import annotations

import importlib
import logging
import threading

GREAT_EXPECTATIONS = "great_expectations"


def in_background(module: str) -> None:
    """Start importing `module` in a daemon thread; idempotent, and a no-op once it is imported. A failure
    here is only logged: the first real import raises it where it matters."""
    import sys

    name = f"preload-{module}"
    if module in sys.modules or any(t.name == name for t in threading.enumerate()):
        return

    def load() -> None:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - the real import reports it
            logging.getLogger(__name__).debug("preloading %s failed: %s", module, exc)

    threading.Thread(target=load, name=name, daemon=True).start()
