"""Waiting on a condition, never on a sleep: a busy machine only makes the wait longer.

The deadline is generous (it is spent only when the condition never holds: a failure); the
condition is looked at every ``every`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEADLINE = 30.0  # seconds: a CI machine under a load of 6 on 2 cores is slow, not broken


def wait_for(predicate: Callable[[], object], timeout: float = DEADLINE, every=0.01) -> bool:
    """Whether ``predicate()`` held within ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())
