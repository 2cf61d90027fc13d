"""Fault injection for resilience tests: crash the process right after a given table write.

Set ``CLICKSTITCH_CRASH_AFTER=<table>:<batch number>`` (e.g. ``events_bronze:2``) and the
process exits abruptly (no cleanup, like a killed executor host) once that write committed.
Unset, this costs one dictionary lookup per write.
"""

from __future__ import annotations

import os
import sys

CRASH_ENV = "CLICKSTITCH_CRASH_AFTER"
CRASH_EXIT_CODE = 86


def after_write(table: str, batch_number: int) -> None:
    target = os.environ.get(CRASH_ENV)
    if target and target == f"{table}:{batch_number}":
        sys.stderr.write(f"clickstitch: injected crash after {table} batch {batch_number}\n")
        sys.stderr.flush()
        os._exit(CRASH_EXIT_CODE)
