"""The Textual app: a training session (in a worker process, or a thread), and the main
screen over it.

The screen's keys turn into command values (applied by the worker between two steps).
The worker says when it has published a snapshot (a SnapshotReady message, posted from its
thread; pending ones coalesce); the app then hands the snapshot down. While training, a
timer asks for one about ten times a second; a command's snapshot comes as soon as the
worker has applied it, so a key shows its effect at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from core.lessons import Lesson
from core.pace import PACES

from ..snapshot import Snapshot
from ..worker.commands import (
    AnswerQuiz,
    AskQuiz,
    ChangeSettings,
    ClearGhosts,
    Compare,
    DropQuiz,
    PlanQuiz,
    SetRunning,
    StartRun,
    pairs,
)
from ..worker.session import Session
from .keys import KEYS, bindings
from .main_screen import MainScreen
from .widgets.help_screen import HelpScreen, data_view_words
from .widgets.lesson_screen import LessonScreen
from .widgets.quiz_dialog import QuizActions, QuizDialog


class SnapshotReady(Message):
    """The worker has published a new snapshot (posted from the worker's thread)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)  # only the latest snapshot matters


if TYPE_CHECKING:
    from textual.driver import Driver

    from ..cli.hangup import Hangup


class BackpropApp(App[int]):
    """backprop-tui: watch and steer a training run."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"
    BINDINGS = bindings("app")

    def __init__(
        self,
        session: Session,
        fps: float = 10.0,
        run_worker: bool = True,
        checkpoint_path: str = "backprop-run.npz",
        lesson: Lesson | None = None,
        notices: Sequence[str] = (),
        hangup: Hangup | None = None,
    ) -> None:
        self.hangup = hangup  # a closed terminal or a signal (tui.cli.hangup); the driver
        super().__init__()  # asks for the driver class, which depends on hangup
        self.notices = tuple(notices)  # said once the screen is up (autosave warnings)
        self._loop_running: asyncio.AbstractEventLoop | None = None
        self.lesson = lesson
        self.session = session
        self.fps = fps
        self.start_worker = run_worker
        self.checkpoint_path = checkpoint_path
        self.snapshot: Snapshot = session.latest
        self._notice_seen = session.latest.notice_id
        self._quiz_seen = 0  # the last question (by number) the screen has shown
        self._quitting = False  # from then on no snapshot goes down: widgets are being removed

    def get_driver_class(self) -> type[Driver]:
        """With a hang-up handler, the Linux driver that survives a closed terminal."""
        driver = super().get_driver_class()
        if self.hangup is not None and driver.__name__ == "LinuxDriver":
            from .driver import GuardedLinuxDriver

            return GuardedLinuxDriver
        return driver

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    @property
    def current_view(self) -> str:
        """What the switchable panel shows: loss, data, phase or inspector."""
        return self.default_screen.views.current

    def on_mount(self) -> None:
        self.show(self.session.latest)
        self.session.on_publish = lambda: self.post_message(SnapshotReady())
        self._frame_timer = self.set_interval(1 / self.fps, self.session.request_snapshot)
        if self.start_worker:
            self.call_after_refresh(self._start_training)
        self._loop_running = asyncio.get_running_loop()
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=10, markup=False)  # paths
        if self.lesson is not None:
            self._show_lesson(self.lesson)

    def _start_training(self) -> None:
        """The worker, once the first frame is drawn, so that it takes no CPU (nor the
        interpreter lock) from it. A worker process (tui.worker.remote) starts here, on the
        main thread, which the kernel ties its life to."""
        self.session.begin()
        self.run_worker(self._train, thread=True, name="trainer", exit_on_error=False)

    def _train(self) -> None:
        worker = get_current_worker()
        self.session.run(cancelled=lambda: worker.is_cancelled)

    def hang_up(self, return_code: int) -> bool:
        """Exit soon with ``return_code``; callable from any thread and from a signal
        handler (a hang-up, SIGTERM). The caller saves the run. False if the app is not
        running (not mounted yet, or ended)."""
        loop = self._loop_running
        if loop is None or loop.is_closed():
            return False
        try:
            loop.call_soon_threadsafe(self._quit, return_code)
        except RuntimeError:  # the loop has just closed
            return False
        return True

    def _quit(self, return_code: int) -> None:
        """Stop the worker and the snapshots, then exit."""
        self._quitting = True
        self._frame_timer.stop()
        self.session.stop()
        self.exit(return_code=return_code)

    # --- snapshots down -------------------------------------------------------------------

    def on_snapshot_ready(self) -> None:
        latest = self.session.latest
        if latest.seq != self.snapshot.seq:
            self.show(latest)

    def show(self, snap: Snapshot) -> None:
        """Hand a snapshot down to the main screen; raise its notice once."""
        if self._quitting:
            return
        self.snapshot = snap
        if isinstance(self.default_screen, MainScreen):
            self.default_screen.show(snap)
        self._show_quiz(snap)
        if snap.notice_id != self._notice_seen:
            self._notice_seen = snap.notice_id
            self.notify(
                snap.notice,
                severity="error" if snap.notice_error else "information",
                timeout=6 if snap.notice_error else 3,
                markup=False,  # notices quote paths and file contents: plain text
            )

    def _show_quiz(self, snap: Snapshot) -> None:
        """Hand the snapshot to the quiz dialog; open one for a new question (k, or a
        lesson's at its epoch) unless one is up already."""
        dialogs = [s for s in self.screen_stack if isinstance(s, QuizDialog)]
        for dialog in dialogs:
            dialog.show(snap)
        q = snap.quiz_question
        if q is not None and q.number > self._quiz_seen:
            self._quiz_seen = q.number
            if not dialogs:
                self.push_screen(QuizDialog(snap, self._quiz_actions()))

    def _quiz_actions(self) -> QuizActions:
        submit = self.session.submit
        return QuizActions(
            answer=lambda number, key: submit(AnswerQuiz(number, key)),
            another=lambda: submit(AskQuiz()),
            drop=lambda number: submit(DropQuiz(number)),
            resume=lambda: submit(SetRunning(True)),
        )

    # --- actions --------------------------------------------------------------------------

    def start_lesson(self, lesson: Lesson) -> None:
        """A new run from the lesson's preset, and its paragraph on what to watch."""
        self.lesson = lesson
        self.session.submit(StartRun(lesson.config))
        self._show_lesson(lesson)

    def _show_lesson(self, lesson: Lesson) -> None:
        """The lesson's pace, view and runs to compare, and its paragraph, with the run held
        until it is read (what it says to watch must not have happened already): enter
        starts the run, escape leaves it paused."""
        session = self.session
        session.submit(SetRunning(False))
        session.submit(ClearGhosts())
        if lesson.compare:
            runs = tuple(pairs(run) for run in lesson.compare)
            session.submit(Compare(runs, lesson.compare_epochs))
        if lesson.quiz:
            session.submit(PlanQuiz(lesson.quiz))
        if isinstance(self.default_screen, MainScreen):
            self.default_screen.set_view(lesson.view)
            self.default_screen.show_ghost_val(lesson.ghost_val)

        def read(start: bool | None) -> None:
            if start:
                self.session.submit(SetRunning(True))

        self.push_screen(LessonScreen(lesson.title, lesson.text), read)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        elif not isinstance(self.screen, ModalScreen):
            lesson = f"{self.lesson.title}: {self.lesson.text}" if self.lesson else ""
            s = self.snapshot
            data = (*s.data_summary, *([s.test_scores] if s.test_scores else []))
            self.push_screen(HelpScreen(lesson, data, data_view_words(s)))

    async def action_quit(self) -> None:
        leave = getattr(self._driver, "leave", None)  # a served page (tui.ui.served_driver)
        if leave is not None:
            leave()  # asks, and the run waits on the server for its student
            return
        self._quit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The main screen's keys in the command palette too."""
        yield from super().get_system_commands(screen)
        main = self.default_screen
        for key in KEYS:
            if key.bind and key.scope == "screen":
                yield SystemCommand(
                    key.title,
                    f"key {key.show}: {key.does}",
                    lambda action=key.action: self.run_action(action, main),
                )
        for pace in PACES:
            yield SystemCommand(
                f"Pace: {pace.label}",
                "how fast training goes",
                lambda pace=pace: self.session.submit(ChangeSettings.of(pace=pace)),
            )
