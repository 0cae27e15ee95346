"""Who holds the places of a class (``backprop-tui serve``): each student's runs, how long
a run waits for its student, and the line of students waiting for a place.

A run belongs to a student (a random id kept in their browser's cookie) and a lesson. It
holds a place from the moment its page is asked for until it ends: while a page shows it,
and for ``grace`` seconds after its last page went (a reload, a dropped connection, q), so
that the student finds it again; a page asked for but never connected frees its place
after RESERVE seconds. A student who comes back to a run never needs a new place. When
the class is full, newcomers wait in line in the order they came, each page asking again
every few seconds: a freed place goes to the first of them still asking.

Nothing here starts a process or touches the network (tui.cli.classroom does); time comes
from the clock handed in, so the rules are tested exactly.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESERVE = 30.0  # seconds a place waits for the page that asked for it to connect
WAIT_FORGET = 20.0  # seconds after which a waiting student who stopped asking loses their turn


@dataclass(eq=False)
class Run:
    """One student's run of one lesson ("" for the teacher's run), and its page."""

    student: str  # the student's id (their cookie)
    name: str  # what the student calls themselves
    lesson: str
    since: float  # when its page was asked for, or when its last page went
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    folder: Path | None = None  # made when its process starts
    temporary: bool = True  # removed at its end
    process: Any = None  # its app (tui.cli.session_process), once a page has connected
    page: Any = None  # the websocket showing it; None: no page
    last_key: float = 0.0  # when its student last typed
    ended: str = ""  # why it ended (said to its page)

    @property
    def shown(self) -> bool:
        return self.page is not None


class Places:
    """The class's ``limit`` places: the runs holding them, and the waiting line."""

    def __init__(self, limit: int, grace: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.grace = grace
        self.clock = clock
        self.runs: dict[str, Run] = {}  # by id
        self._waiting: dict[str, float] = {}  # student -> last asked, in the order they came
        self._retired: list[Run] = []  # gave their place to their student's next lesson

    @property
    def taken(self) -> int:
        return len(self.runs)

    def find(self, student: str, lesson: str) -> Run | None:
        return next(
            (r for r in self.runs.values() if r.student == student and r.lesson == lesson), None
        )

    def of(self, student: str) -> list[Run]:
        return [r for r in self.runs.values() if r.student == student]

    def waiting(self) -> list[str]:
        """The students waiting for a place, first come first (those still asking)."""
        now = self.clock()
        for student, asked in list(self._waiting.items()):
            if now - asked > WAIT_FORGET:
                del self._waiting[student]
        return list(self._waiting)

    def claim(self, student: str, name: str, lesson: str) -> Run | int:
        """The student's run of this lesson: theirs already, or a new one on a free place
        that no one earlier in line is waiting for, or on the place of a run of theirs that
        no page shows (it ends: see ``expired``). Otherwise their place in line (1: next)."""
        run = self.find(student, lesson)
        if run is not None:
            return run
        line = self.waiting()
        ahead = line.index(student) if student in line else len(line)
        spare = self._spare(student)
        if self.limit - self.taken > ahead or spare is not None:
            if self.limit - self.taken <= ahead:
                self.remove(spare)
                spare.ended = "its student started another lesson"
                self._retired.append(spare)
            self._waiting.pop(student, None)
            run = Run(student, name, lesson, since=self.clock(), last_key=self.clock())
            self.runs[run.id] = run
            return run
        self._waiting[student] = self.clock()  # keeps its turn if already in line
        return ahead + 1

    def _spare(self, student: str) -> Run | None:
        """The run of this student's that no page shows and was left longest ago."""
        idle = [r for r in self.of(student) if not r.shown]
        return min(idle, key=lambda r: r.since) if idle else None

    def shown_on(self, run: Run, page) -> Any:
        """``page`` now shows ``run``; returns the page it replaces (another tab), if any."""
        before, run.page = run.page, page
        return before

    def page_gone(self, run: Run, page) -> None:
        """A page closed: if it was the run's, the run waits ``grace`` for its student."""
        if run.page is page:
            run.page = None
            run.since = self.clock()

    def expired(self) -> list[Run]:
        """The runs whose time is up: no page for ``grace`` seconds since the last one
        went, or RESERVE seconds since a page asked for a place and never connected; and
        those that gave their place to their student's next lesson (no longer counted)."""
        now = self.clock()
        late, self._retired = self._retired, []
        for run in self.runs.values():
            if run.shown:
                continue
            wait = self.grace if run.process is not None else RESERVE
            if now - run.since > wait:
                late.append(run)
        return late

    def left_for(self, run: Run) -> float | None:
        """Seconds until a run no page shows ends (None while a page shows it)."""
        if run.shown:
            return None
        wait = self.grace if run.process is not None else RESERVE
        return max(0.0, wait - (self.clock() - run.since))

    def remove(self, run: Run) -> None:
        self.runs.pop(run.id, None)
