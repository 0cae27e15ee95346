"""The one clock a training session reads: for its pace, its slices of work and its waits.

``SystemClock`` is time itself. ``ManualClock`` moves only when told (``advance``), as
Trio's MockClock does: a test that drives a session with it gets the same epochs, steps and
phases every time, on a quiet machine or a busy one.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> float:
        """Seconds, monotonic."""
        ...

    def wait(self, event: threading.Event, seconds: float) -> None:
        """Until ``event`` is set or ``seconds`` have passed on this clock."""
        ...


class SystemClock:
    """time.monotonic, and waits in real time."""

    def __call__(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> None:
        event.wait(seconds)


class ManualClock:
    """A clock that stands still until ``advance`` moves it (from any thread), or moves by
    ``tick`` seconds at each reading (full speed, whose slices of work end by the clock).
    ``wait`` returns once its event is set or the clock has been moved past the wait's end."""

    POLL = 0.01  # how often a wait looks at its event (real seconds)

    def __init__(self, now: float = 1000.0, tick: float = 0.0) -> None:
        self.now = now
        self.tick = tick
        self._moved = threading.Condition()

    def __call__(self) -> float:
        now = self.now
        self.now += self.tick
        return now

    def advance(self, seconds: float) -> None:
        with self._moved:
            self.now += seconds
            self._moved.notify_all()

    def wait(self, event: threading.Event, seconds: float) -> None:
        end = self.now + seconds
        with self._moved:
            while not event.is_set() and self.now < end:
                self._moved.wait(self.POLL)
