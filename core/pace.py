"""How fast the app trains: full speed, so many epochs or steps a second, or one phase at a time.

A learner cannot watch 10,000 epochs a second. The pace slows training to a rate the eye can
follow; at its slowest, each phase of a step (forward, loss, backward of each layer, update)
stays on screen for PHASE_SECONDS. The Pacer says, from a clock reading, how many units
(epochs, steps or phases) are due, so the rate is exact on average and even where it is
slow: at 3 epochs/s the third epoch is done one second after the start, not in a burst.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

FULL, EPOCHS, STEPS, PHASES = "full", "epochs", "steps", "phases"
PHASE_SECONDS = 0.5  # how long each phase of an animated step stays on screen
MAX_RATE = 100_000.0
CATCH_UP = 0.25  # after a stall (a slow epoch, a busy machine) do not run more than this behind


@dataclass(frozen=True)
class Pace:
    """``kind``: FULL, EPOCHS or STEPS (``rate`` per second) or PHASES (one per PHASE_SECONDS)."""

    kind: str = FULL
    rate: float = math.inf

    @property
    def per_second(self) -> float:
        """Units (epochs, steps or phases) per second; inf at full speed."""
        return 1.0 / PHASE_SECONDS if self.kind == PHASES else self.rate

    @property
    def watchable(self) -> bool:
        """Slow enough that each unit gets a snapshot of its own and the screen redraws every
        panel for it (faster paces are shown at the screen's frame rate, 10 a second)."""
        return self.kind != FULL and self.per_second <= 10

    @property
    def label(self) -> str:
        """ "full speed", "300 ep/s", "1 step/s", "phases (0.5 s each)"."""
        if self.kind == FULL:
            return "full speed"
        if self.kind == PHASES:
            return f"phases ({PHASE_SECONDS:g} s each)"
        unit = "ep" if self.kind == EPOCHS else "step"
        return f"{self.rate:g} {unit}/s"

    @property
    def short(self) -> str:
        """For a narrow cell, and what parse_pace reads back: "full", "300 ep/s", "1 step/s",
        "phases"."""
        if self.kind in (FULL, PHASES):
            return self.kind
        return f"{self.rate:g} {'ep' if self.kind == EPOCHS else 'step'}/s"


PACES: tuple[Pace, ...] = (
    Pace(),
    *(Pace(EPOCHS, r) for r in (1000.0, 300.0, 100.0, 30.0, 10.0, 3.0, 1.0)),
    Pace(STEPS, 1.0),
    Pace(PHASES, 1.0 / PHASE_SECONDS),
)  # the ladder that < and > walk, fastest first
FULL_SPEED = PACES[0]

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_RATE = re.compile(rf"^({_NUMBER})\s*(ep|epochs?|steps?)?\s*(/\s*s|per\s+s(ec(ond)?)?)?$")


def parse_pace(text: str) -> Pace:
    """ "full" (or "max"); "300" or "300 ep/s" (epochs a second); "1 step" or "2 steps/s";
    "phases" (each phase of a step shown for half a second). A clear ValueError otherwise."""
    t = " ".join(text.strip().lower().split())
    if t in ("full", "max", "full speed"):
        return Pace()
    if t in ("phases", "phase", "animated"):
        return PACES[-1]
    m = _RATE.match(t)
    if m:
        rate = float(m.group(1))
        if 0 < rate <= MAX_RATE:
            unit = m.group(3) or "ep"
            return Pace(STEPS if unit.startswith("step") else EPOCHS, rate)
    raise ValueError(
        f"pace {text.strip()!r} is not allowed: full, a number of epochs a second "
        f"(0 < N <= {MAX_RATE:,.0f}, e.g. 30), N steps (e.g. 1 step), or phases"
    )


def capped(pace: Pace, most: float | None) -> Pace:
    """``pace``, at most ``most`` epochs (or steps) a second (a served session's cap, so that
    a class shares a small machine): full speed becomes ``most`` epochs a second; None: no
    cap. A step costs no more than an epoch, so N steps a second stays within the cap."""
    if most is None or pace.kind == PHASES or pace.per_second <= most:
        return pace
    return Pace(STEPS if pace.kind == STEPS else EPOCHS, most)


def slowness(pace: Pace) -> tuple[int, float]:
    """Orders paces from fast to slow: full speed, epochs (fastest first), steps, phases."""
    return ([FULL, EPOCHS, STEPS, PHASES].index(pace.kind), 1.0 / pace.per_second)


def pace_step(pace: Pace, slower: bool) -> Pace:
    """The next pace down (slower) or up the ladder from ``pace`` (which may be off it)."""
    here = slowness(pace)
    if slower:
        return next((p for p in PACES if slowness(p) > here), PACES[-1])
    return next((p for p in reversed(PACES) if slowness(p) < here), PACES[0])


class Pacer:
    """How many units are due at a clock reading, for a pace, since ``start``.

    ``due(now)`` is the number of units to run now so that n units take n / rate seconds;
    ``done(n)`` records them; ``wait(now)`` is how long until the next one is due. A stall
    longer than CATCH_UP seconds is forgiven rather than made up in a burst.
    """

    def __init__(self, pace: Pace, now: float) -> None:
        self.pace = pace
        self.start = now
        self.count = 0

    def due(self, now: float) -> int:
        if self.pace.kind == FULL:
            return 1
        rate = self.pace.per_second
        behind = (now - self.start) * rate - self.count
        if behind > CATCH_UP * rate + 1:  # stalled: start the schedule again from now
            self.start, self.count = now - 1.0 / rate, 0
            behind = 1.0
        return max(0, math.floor(behind + 1e-9))

    def done(self, units: int = 1) -> None:
        self.count += units

    def wait(self, now: float) -> float:
        """Seconds until the next unit is due (0 at full speed or when one is due)."""
        if self.pace.kind == FULL:
            return 0.0
        return max(0.0, self.start + (self.count + 1) / self.pace.per_second - now)
