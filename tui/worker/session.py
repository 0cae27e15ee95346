"""The bridge between the app and the trainer: commands in, snapshots out.

A worker (a thread of the app, or a process of its own: tui.worker.remote) owns the
Trainer. The UI never touches it: it submits commands (tui.worker.commands: values the
worker applies between two steps, never inside one) and reads ``latest``, a frozen
Snapshot the worker publishes when asked. At full speed the trainer runs flat out, every
epoch is recorded, and the screen takes what it can; at a slower pace (core.pace) the
worker trains only what the clock allows and publishes each epoch, step or phase as it
happens, so a learner sees every one.

The session reads time only from the clock it is handed (tui.worker.clock): the pace, the
slices of work between two looks at the commands, and its waits. ``tick()`` with a
``ManualClock`` runs the very loop the worker runs, the same way every time. Nothing here
imports Textual.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from core.config import Config
from core.ghosts import Ghost, keep
from core.pace import EPOCHS, FULL, STEPS, Pace, Pacer, capped
from core.trainer import Diverged, Trainer

from ..snapshot import Snapshot
from .clock import Clock, SystemClock
from .commands import Command, described
from .landscape import RANDOM
from .publish import SnapshotMaker
from .quizzes import Quizzes
from .surface import DescentPath
from .views import clamp_selection

SLICE_SECONDS = 0.02  # the worker looks at its commands at least this often while training
IDLE_SECONDS = 0.05  # paused, the worker wakes at least this often (a command wakes it at once)


class Session(Protocol):
    """What the app uses of a session, in a thread (TrainingSession) or a process
    (tui.worker.remote.RemoteSession)."""

    latest: Snapshot  # the last snapshot published
    submitted: int  # the number of the last command submitted (applied: see latest.applied)
    on_publish: Callable[[], None] | None  # called (on a worker's thread) after each one
    clock: Clock
    finished: threading.Event  # set while the worker's loop is not running

    def submit(self, command: Command) -> int:
        """Queue a command; its number (a snapshot's ``applied`` says when it has run)."""
        ...

    def request_snapshot(self) -> None: ...

    def begin(self) -> None:
        """Start what runs the worker (once the first frame is drawn)."""
        ...

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """The app's worker thread: until ``stop`` (or ``cancelled()``)."""
        ...

    def stop(self) -> None: ...


@dataclass
class Plan:
    """Runs still to compare: their configs, the epochs each runs, how many in all."""

    configs: list[Config]
    epochs: int
    runs: int


class TrainingSession:
    """Runs a Trainer in a worker loop, steered by commands, observed through snapshots.

    Args:
        trainer: the run to drive (its config's pace says how fast).
        paused: start paused.
        curve_points: buckets per curve in a snapshot (about two per plot column).
        max_rate: at most this many epochs a second, whatever the pace asked (served).
        nice: the niceness of the thread that runs ``run`` (Linux sets it per thread): a
            served session's training gives way to its screen and keys on a busy machine.
        clock: the one clock it reads (SystemClock by default; a test passes ManualClock).
    """

    def __init__(
        self,
        trainer: Trainer,
        paused: bool = False,
        curve_points: int = 240,
        clock: Clock | None = None,
        max_rate: float | None = None,
        nice: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.max_rate = max_rate
        self.nice = nice
        self.running = not paused
        self._commands: queue.SimpleQueue[tuple[int, Command]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._numbers = itertools.count(1)
        self.submitted = 0  # the number of the last command submitted
        self.applied = 0  # the number of the last command applied
        self._stop = False
        self.message = ""  # why the run diverged (or "")
        self.notice: tuple[int, str, bool] = (0, "", False)  # (number, text, error)
        self.selected: tuple[int, int, int] | None = None  # the inspector's weight
        self.sample = 0  # the batch's sample the inspector, phase view and graph show
        self.wanted: set[str] = set()  # the views on screen (commands.VIEWS)
        self.path = DescentPath()  # (m, b) as training went, for the loss surface
        self.plane = RANDOM  # the loss landscape's plane: RANDOM or PATH directions
        self.plan: Plan | None = None  # runs still to compare
        self.before: np.ndarray | None = None  # params when the current step started
        self.finite_difference: float | None = None
        self.quizzes = Quizzes()  # predict, then reveal: the question pending, the score
        self._maker = SnapshotMaker(curve_points, self.path)
        self._published_key: tuple | None = None
        self._want_snapshot = True
        # called on the worker's thread after each new snapshot (the app posts a message)
        self.on_publish: Callable[[], None] | None = None
        self.finished = threading.Event()  # set while ``run`` is not running
        self.finished.set()
        self.trainer = trainer
        self._cap_pace(trainer)
        self._restart_clocks()
        self.latest: Snapshot = self._maker.make(self)

    @property
    def pace(self) -> Pace:
        return self.trainer.config.pace

    # --- called from the UI's thread ----------------------------------------------------

    def submit(self, command: Command) -> int:
        """Queue a command for the worker; returns its number (see Snapshot.applied)."""
        number = next(self._numbers)
        self.submitted = number
        self._commands.put((number, command))
        self._want_snapshot = True
        self._wake.set()
        return number

    def request_snapshot(self) -> None:
        """Ask the worker to publish a fresh snapshot at its next chance."""
        self._want_snapshot = True
        if not self.running:
            self._wake.set()

    def begin(self) -> None:
        """Nothing to start: the app's worker thread runs ``run``."""

    def stop(self) -> None:
        """Make ``run`` return at its next check (within about SLICE_SECONDS)."""
        self._stop = True
        self._wake.set()

    # --- the worker ---------------------------------------------------------------------

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """The worker loop: ``tick`` after ``tick``, waiting between them as the pace says
        (a command or a request for a snapshot ends the wait at once)."""
        self.finished.clear()
        if self.nice:
            with contextlib.suppress(OSError, AttributeError):  # not Linux: as it is
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        try:
            while not (self._stop or cancelled()):
                wait = self.tick()
                if wait > 0:
                    self.clock.wait(self._wake, wait)
                    self._wake.clear()
        finally:
            self.finished.set()

    def tick(self) -> float:
        """One turn of the worker: train as far as the pace allows now, apply the commands,
        publish a snapshot if one is wanted. Returns how long to wait before the next turn."""
        self._ask_when_due()
        wait = self._train() if self.running else IDLE_SECONDS
        self._ask_when_due()
        if self.plan is not None and self.trainer.epoch >= self.plan.epochs:
            self._next_run()
        self.path.record(self.trainer)
        self._apply_commands()
        self.path.record(self.trainer)
        if self._want_snapshot:
            self._publish()
        return wait if self._commands.empty() else 0.0

    def _apply_commands(self) -> None:
        while True:
            try:
                number, command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._want_snapshot = True
            try:
                with np.errstate(all="ignore"):
                    command.apply(self)
                self.message = self.trainer.diverged or ""
            except Diverged as e:
                self.running = False
                self.message = str(e)
            except (ValueError, OSError) as e:
                self.notify(str(e), error=True)
            except MemoryError:
                self.notify(f"{command.label}: not enough memory; the run is unchanged", True)
            except Exception as e:  # a bug: say so, keep the worker and the run alive
                failure = f"{command.label} failed ({type(e).__name__}: {e}); the run is unchanged"
                self.notify(failure, error=True)
            self.applied = number

    def _interrupted(self, deadline: float) -> Callable[[], bool]:
        """Whether to stop training for now: the slice is over, a command waits, or stop."""
        commands, clock, quizzes = self._commands, self.clock, self.quizzes
        return lambda: (
            clock() >= deadline
            or not commands.empty()
            or self._stop
            or quizzes.due(self.trainer)  # a lesson's question: asked at its very epoch
        )

    def _train(self) -> float:
        """Train for one slice of at most SLICE_SECONDS on the clock: flat out at full
        speed, else the epochs, steps or phases the pace says are due. Returns the seconds
        until the next is due (0: go on at once)."""
        try:
            stop = self._interrupted(self.clock() + SLICE_SECONDS)
            if self.pace.kind in (FULL, EPOCHS):
                self.before = None  # steps run whole, their weights before are not kept
            if self.pace.kind == FULL:
                while self.trainer.run_epoch(stop) is not None:
                    pass  # epoch after epoch, until the slice ends
                return 0.0
            return self._train_paced(stop)
        except Diverged as e:
            self.running = False
            self.message = str(e)
        except Exception as e:  # a bug or no memory: pause and say so, like a failed command
            self.running = False
            self.notify(f"training paused: {type(e).__name__}: {e}", error=True)
        self._want_snapshot = True
        return 0.0

    def _train_paced(self, stop: Callable[[], bool]) -> float:
        """The units (epochs, steps, phases) due by the clock, each published as it ends
        when the pace is watchable, so the screen shows every one."""
        t, kind, pacer = self.trainer, self.pace.kind, self._pacer
        for _ in range(pacer.due(self.clock())):
            if kind == EPOCHS:
                if t.run_epoch(stop) is None:
                    return 0.0  # the epoch goes on in the next slice, after the commands
            else:
                if t.phase_index == 0:
                    self.before = t.net.params.copy()
                if kind == STEPS:
                    t.advance()
                else:
                    t.next_phase()
            pacer.done()
            self.path.record(t)
            if self.pace.watchable:
                self._publish()
            if stop():
                return 0.0
        return pacer.wait(self.clock())

    def _ask_when_due(self) -> None:
        """A lesson's planned question whose epoch has come: pause and ask it."""
        if self.running and self.quizzes.due(self.trainer):
            self.running = False
            self._want_snapshot = True
            try:
                self.quizzes.ask_planned(self.trainer)
            except ValueError as e:  # this step cannot answer it: say why, stay paused
                self.notify(str(e), error=True)

    def _next_run(self) -> None:
        """A compared run is done: keep it as a ghost and start the next, or after the last
        pause (the last run stays the live one)."""
        t, plan = self.trainer, self.plan
        if not plan.configs:
            self.plan, self.running = None, False
            self.notify(f"the {plan.runs} runs are on one plot: the earlier ones as ghosts")
        else:
            trainer = Trainer(plan.configs.pop(0).replace(pace=t.config.pace))
            ghost = Ghost.of(t)
            self.path.keep(ghost, t.ghosts)
            self.replace_run(trainer, keep(t.ghosts, ghost))
            number = plan.runs - len(plan.configs)
            self.notify(f"run {number} of {plan.runs}: the one before is now a ghost")
        self._want_snapshot = True

    # --- what commands do (on the worker) -----------------------------------------------

    def set_running(self, running: bool) -> None:
        self.running = running
        if running:
            self.message = ""
            self._restart_clocks()  # the schedule starts now

    def paused_then(self, action: Callable[[], Any], whole_steps: bool = True) -> None:
        """Pause, then act; remember the weights a new step starts from (for the inspector)."""
        self.running = False
        if self.trainer.phase_index == 0:
            self.before = self.trainer.net.params.copy() if whole_steps else None
            self.finite_difference = None
        action()

    def apply_settings(self, changes: dict[str, Any]) -> None:
        """Live settings for the trainer (Trainer.apply); a pace above this session's cap is
        capped, and said so; a new pace starts its schedule now."""
        pace = changes.get("pace")
        if pace is not None and capped(pace, self.max_rate) != pace:
            changes = {**changes, "pace": capped(pace, self.max_rate)}
            self.notify(f"this server trains at most {self.max_rate:g} epochs a second")
        before = self.pace
        self.trainer.apply(changes)
        if self.pace != before:
            self._restart_clocks()

    def start_run(self, config: Config) -> None:
        """A new run from ``config``; the ghosts stay; a comparison under way ends."""
        trainer = Trainer(config)
        self.replace_run(trainer, self.trainer.ghosts)
        self.plan = None
        self.quizzes.plan.clear()  # a lesson's questions were about its own run
        if described(trainer):  # say what was read and decided
            self.notify(described(trainer))

    def plan_runs(self, configs: list[Config], epochs: int) -> None:
        self.plan = Plan(configs, epochs, len(configs) + 1)

    def replace_run(
        self, trainer: Trainer, ghosts: list[Ghost] | None, shown_first: str = ""
    ) -> None:
        """Go on with ``trainer`` (with ``ghosts``, unless None). ``shown_first``: a file the
        run came from: one snapshot of it is made first, and a run that cannot be drawn is
        refused (ValueError) with the run on screen unchanged."""
        if shown_first:
            self._draw_once(trainer, shown_first)
        if ghosts is not None:
            trainer.ghosts = ghosts
        self.trainer = trainer
        self._cap_pace(trainer)
        self.selected = clamp_selection(self.selected, trainer.net.sizes)
        self.before = None
        self.message = ""
        self.quizzes.pending = None  # a question about the run before
        self._maker.clear()  # the old network's views are no views of the new one
        self.path.clear()
        self._restart_clocks()

    def _draw_once(self, trainer: Trainer, path: str) -> None:
        kept = (self.trainer, self.selected, self.before)
        self.trainer, self.before = trainer, None
        self.selected = clamp_selection(self.selected, trainer.net.sizes)
        maker = SnapshotMaker(self._maker.curve_points, DescentPath())
        try:
            maker.make(self)
        except Exception as e:  # whatever it is, the run on screen stays
            failure = f"{type(e).__name__}: {e}"
            raise ValueError(f"{path} cannot be shown ({failure}); the run is unchanged") from e
        finally:
            self.trainer, self.selected, self.before = kept

    def notify(self, text: str, error: bool = False) -> None:
        """A one-off message for the screen (an error in the theme's error colour)."""
        self.notice = (self.notice[0] + 1, text, error)

    def _cap_pace(self, trainer: Trainer) -> None:
        pace = trainer.config.pace
        if capped(pace, self.max_rate) != pace:
            trainer.apply({"pace": capped(pace, self.max_rate)})

    def _restart_clocks(self) -> None:
        """The pace's schedule and the rate shown start now."""
        now = self.clock()
        self._pacer = Pacer(self.pace, now)
        self._rate = (now, self.trainer.epoch, 0.0)

    # --- snapshots ----------------------------------------------------------------------

    def epochs_per_second(self) -> float:
        """Measured over about a second (0 while paused)."""
        then, epoch, rate = self._rate
        now = self.clock()
        if not self.running:
            return 0.0
        if now - then >= 1.0:
            rate = (self.trainer.epoch - epoch) / (now - then)
            self._rate = (now, self.trainer.epoch, rate)
        return rate

    def build_snapshot(self) -> Snapshot:
        """A snapshot of the run now (call it on the worker, between two steps)."""
        return self._maker.make(self)

    def _publish(self) -> None:
        """A new snapshot, unless paused with nothing changed since the last one (then the
        screen has nothing to redraw and writes nothing to the terminal)."""
        self._want_snapshot = False  # this one answers any request made before it
        t = self.trainer
        key = (
            id(t),
            t.steps,
            t.phase_index,
            t.epoch,
            t.edits,
            t.config,
            self.applied,
            self.notice[0],
            self.message,
            self.selected,
            self.sample,
            self.finite_difference,
            frozenset(self.wanted),
            self.plane,
            self.quizzes.key,
        )
        if self.running or key != self._published_key:
            self._published_key = key
            self.latest = self._maker.make(self)
            if self.on_publish is not None:
                self.on_publish()
