"""The Textual app: a TrainingSession in a worker thread, and the main screen over it.

The screen's keys turn into session commands (applied by the worker between two steps); a
timer pulls the latest snapshot about ten times a second and hands it down. After a key,
the app looks for the snapshot that includes it (after 2 ms, then every 10 ms), so the
screen answers at once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from core.lessons import Lesson

from ..snapshot import Snapshot
from ..worker.session import TrainingSession
from .main_screen import MainScreen
from .widgets.help_screen import HelpScreen
from .widgets.lesson_screen import LessonScreen

POLL_TRIES = 40  # after a key, look for its snapshot for up to about 0.4 s


class BackpropApp(App[int]):
    """backprop-tui: watch and steer a training run."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        session: TrainingSession,
        fps: float = 10.0,
        run_worker: bool = True,
        checkpoint_path: str = "backprop-run.npz",
        lesson: Lesson | None = None,
    ) -> None:
        super().__init__()
        self.lesson = lesson
        self.session = session
        self.fps = fps
        self.start_worker = run_worker
        self.checkpoint_path = checkpoint_path
        self.snapshot: Snapshot = session.latest
        self.exit_signal: int | None = None
        self._notice_seen = session.latest.notice_id
        self._waiting_for = 0
        self._quitting = False  # from then on no snapshot goes down: widgets are being removed

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    @property
    def current_view(self) -> str:
        """What the switchable panel shows: loss, data, phase or inspector."""
        return self.default_screen.views.current

    def on_mount(self) -> None:
        self.show(self.session.latest)
        self._pull_timer = self.set_interval(1 / self.fps, self.pull)
        if self.start_worker:
            self.run_worker(self._train, thread=True, name="trainer", exit_on_error=False)
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self.on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not on the main thread (tests) or not supported: default handling
        if self.lesson is not None:
            self._show_lesson(self.lesson)

    def _train(self) -> None:
        worker = get_current_worker()
        self.session.run(cancelled=lambda: worker.is_cancelled)

    def on_signal(self, signum: int) -> None:
        """SIGHUP (the SSH link dropped) or SIGTERM: stop cleanly; the caller autosaves."""
        self.exit_signal = signum
        self._quit(128 + signum)

    def _quit(self, return_code: int) -> None:
        """Stop the worker and the snapshots, then exit."""
        self._quitting = True
        self._pull_timer.stop()
        self.session.stop()
        self.exit(return_code=return_code)

    # --- snapshots down -------------------------------------------------------------------

    def pull(self) -> None:
        """Show the latest snapshot if it is new, and ask for the next one."""
        latest = self.session.latest
        if latest.seq != self.snapshot.seq:
            self.show(latest)
        self.session.request_snapshot()

    def show(self, snap: Snapshot) -> None:
        """Hand a snapshot down to the main screen; raise its notice once."""
        if self._quitting:
            return
        self.snapshot = snap
        if isinstance(self.default_screen, MainScreen):
            self.default_screen.show(snap)
        if snap.notice_id != self._notice_seen:
            self._notice_seen = snap.notice_id
            self.notify(
                snap.notice,
                severity="error" if snap.notice_error else "information",
                timeout=6 if snap.notice_error else 3,
                markup=False,  # notices quote paths and file contents: plain text
            )

    def command(self, number: int) -> None:
        """Show the effect of command ``number`` as soon as the worker has applied it."""
        self._waiting_for = number
        self._poll(POLL_TRIES)

    def _poll(self, tries: int) -> None:
        latest = self.session.latest
        if latest.applied >= self._waiting_for and latest.seq != self.snapshot.seq:
            self.show(latest)
        elif tries > 0:
            self.session.request_snapshot()
            # the worker usually answers within a few ms: look again soon, then every 10 ms
            delay = 0.002 if tries == POLL_TRIES else 0.01
            self.set_timer(delay, lambda: self._poll(tries - 1))

    # --- actions --------------------------------------------------------------------------

    def start_lesson(self, lesson: Lesson) -> None:
        """A new run from the lesson's preset, and its paragraph on what to watch."""
        self.lesson = lesson
        self._show_lesson(lesson)
        self.command(self.session.rebuild(lesson.config))

    def _show_lesson(self, lesson: Lesson) -> None:
        """The paragraph, with the run held until it is read (what it says to watch must
        not have happened already): enter starts the run, escape leaves it paused."""
        self.command(self.session.set_running(False))

        def read(start: bool | None) -> None:
            if start:
                self.command(self.session.set_running(True))

        self.push_screen(LessonScreen(lesson), read)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        elif not isinstance(self.screen, ModalScreen):
            lesson = f"{self.lesson.title}: {self.lesson.text}" if self.lesson else ""
            self.push_screen(HelpScreen(lesson))

    async def action_quit(self) -> None:
        self._quit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The main screen's keys in the command palette too."""
        yield from super().get_system_commands(screen)
        main = self.default_screen
        for binding in MainScreen.BINDINGS:
            key = binding.key_display or binding.key
            yield SystemCommand(
                binding.description,
                f"key {key}",
                lambda action=binding.action: self.run_action(action, main),
            )
