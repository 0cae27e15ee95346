"""The Textual app: four panels and a status line over a TrainingSession.

Keys turn into session commands (applied by the worker between two steps); a timer pulls
the latest snapshot about ten times a second and hands it to the panels. After a key, the
app looks for the snapshot that includes it every 10 ms, so the screen answers at once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.containers import Container, Grid
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from .fields import FIELD_BY_NAME, ladder_step, path_to_read, path_to_write
from .lessons import Lesson, load_lessons
from .session import TrainingSession
from .snapshot import Snapshot
from .widgets.confirm_dialog import ConfirmDialog
from .widgets.controls import Controls
from .widgets.data_view import DataPanel
from .widgets.gradient_panel import GradientPanel
from .widgets.help_screen import HelpScreen
from .widgets.inspector import Inspector
from .widgets.lesson_screen import LessonScreen
from .widgets.loss_plot import LossPlot
from .widgets.network_view import NetworkView
from .widgets.prompt_dialog import PromptDialog
from .widgets.status_line import StatusLine
from .widgets.view_panel import ViewPanel

MIN_WIDTH, MIN_HEIGHT = 60, 18  # below this the panels make way for a request for room


class BackpropApp(App[int]):
    """backprop-tui: watch and steer a training run."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"
    BINDINGS = [
        Binding("space", "toggle", "Run/Pause", id="toggle"),
        Binding("n", "step", "Step", id="step"),
        Binding("p", "phase", "Phase", id="phase"),
        Binding("e", "epoch", "Epoch", id="epoch"),
        Binding("plus,equals_sign", "lr_up", "lr+", key_display="+", id="lr_up"),
        Binding("minus", "lr_down", "lr-", key_display="-", id="lr_down"),
        Binding("l", "type_lr", "Set lr", show=False, id="type_lr"),
        Binding("r", "reset", "New weights", show=False, id="reset"),
        Binding("y", "log_scale", "Log y", show=False, id="log_scale"),
        Binding("d", "view('data')", "Data", show=False, id="data_view"),
        Binding("i", "view('inspector')", "Inspect", show=False, id="inspector"),
        Binding("v", "validation", "Val points", show=False, id="validation"),
        Binding("m", "lessons", "Lessons", show=False, id="lessons"),
        Binding("s", "save", "Save", show=False, id="save"),
        Binding("o", "load", "Open", show=False, id="load"),
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
        self._size_seen = None

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Grid(id="panels"):
            yield self._panel(NetworkView(id="network"), "Network", "network-box")
            yield ViewPanel(id="view-box")
            yield self._panel(GradientPanel(id="gradients"), "Gradients ||dW||", "grad-box")
            yield self._panel(Controls(id="controls"), "Controls", "controls-box")
        yield Static("", id="too-small")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    @staticmethod
    def _panel(widget, title: str, box_id: str) -> Container:
        box = Container(widget, id=box_id, classes="panel")
        box.border_title = title
        return box

    def on_mount(self) -> None:
        self.show(self.session.latest)
        self.set_interval(1 / self.fps, self.pull)
        if self.start_worker:
            self.run_worker(self._train, thread=True, name="trainer", exit_on_error=False)
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self.on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not on the main thread (tests) or not supported: default handling
        self.query_one(Controls).focus()
        self.check_size()
        if self.lesson is not None:
            self.push_screen(LessonScreen(self.lesson))

    def _train(self) -> None:
        worker = get_current_worker()
        self.session.run(cancelled=lambda: worker.is_cancelled)

    def on_signal(self, signum: int) -> None:
        """SIGHUP (the SSH link dropped) or SIGTERM: stop cleanly; the caller autosaves."""
        self.exit_signal = signum
        self.session.stop()
        self.exit(return_code=128 + signum)

    def check_size(self) -> None:
        """Make way for a request for more room when the terminal is too small."""
        if self.size == self._size_seen:
            return
        self._size_seen = w, h = self.size
        small = w < MIN_WIDTH or h < MIN_HEIGHT
        self.screen.set_class(small, "too-small")
        if small:
            self.query_one("#too-small", Static).update(
                f"backprop-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT} (80x24 is best); this "
                f"terminal is {w}x{h}. Enlarge it: training goes on meanwhile."
            )

    # --- snapshots down -------------------------------------------------------------------

    def pull(self) -> None:
        """Show the latest snapshot if it is new, and ask for the next one."""
        self.check_size()
        latest = self.session.latest
        if latest.seq != self.snapshot.seq:
            self.show(latest)
        self.session.request_snapshot()

    def show(self, snap: Snapshot) -> None:
        try:
            network = self.query_one(NetworkView)
        except NoMatches:  # the main screen is being taken down (quitting)
            return
        self.snapshot = snap
        network.show(snap)
        self.query_one(ViewPanel).show(snap)
        self.query_one(NetworkView).selected = (
            snap.selected if self.current_view == "inspector" else None
        )
        self.query_one(GradientPanel).show(snap)
        self.query_one(Controls).show(snap)
        self.query_one(StatusLine).show(snap)
        if snap.notice_id != self._notice_seen:
            self._notice_seen = snap.notice_id
            self.notify(
                snap.notice,
                severity="error" if snap.notice_error else "information",
                timeout=6 if snap.notice_error else 3,
            )

    def command(self, number: int) -> None:
        """Show the effect of command ``number`` as soon as the worker has applied it."""
        self._waiting_for = number
        self._poll(40)

    def _poll(self, tries: int) -> None:
        latest = self.session.latest
        if latest.applied >= self._waiting_for and latest.seq != self.snapshot.seq:
            self.show(latest)
        elif tries > 0:
            self.session.request_snapshot()
            self.set_timer(0.01, lambda: self._poll(tries - 1))

    # --- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Training keys act on the main screen only, not under a dialog."""
        if action in ("quit", "help", "command_palette"):
            return True
        return not isinstance(self.screen, ModalScreen)

    def action_toggle(self) -> None:
        self.views.leave_phases()
        self.command(self.session.toggle())

    def action_step(self) -> None:
        self.views.leave_phases()
        self.command(self.session.step())

    def action_phase(self) -> None:
        self.views.enter_phases()
        self.command(self.session.next_phase())

    def action_epoch(self) -> None:
        self.views.leave_phases()
        self.command(self.session.run_epoch())

    def action_lr_up(self) -> None:
        self.command(self.session.set_lr(ladder_step(self.snapshot.lr, up=True)))

    def action_lr_down(self) -> None:
        self.command(self.session.set_lr(ladder_step(self.snapshot.lr, up=False)))

    def action_type_lr(self) -> None:
        self.query_one(Controls).edit(FIELD_BY_NAME["lr"])

    def action_reset(self) -> None:
        self.command(self.session.reset_weights())

    def action_log_scale(self) -> None:
        self.query_one(LossPlot).toggle_log_scale()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        elif not isinstance(self.screen, ModalScreen):
            lesson = f"{self.lesson.title}: {self.lesson.text}" if self.lesson else ""
            self.push_screen(HelpScreen(lesson))

    def action_save(self) -> None:
        def save(answer: tuple[object] | None) -> None:
            if answer:
                self.checkpoint_path = str(answer[0])
                self.command(self.session.save(Path(self.checkpoint_path)))

        self.push_screen(
            PromptDialog("Save the run to", self.checkpoint_path, parse=path_to_write), save
        )

    def action_load(self) -> None:
        def load(answer: tuple[object] | None) -> None:
            if answer:
                self.checkpoint_path = str(answer[0])
                self.command(self.session.load(Path(self.checkpoint_path)))

        self.push_screen(
            PromptDialog("Load a run from", self.checkpoint_path, parse=path_to_read), load
        )

    def action_lessons(self) -> None:
        """Choose a lesson: its preset starts a new run and its paragraph says what to watch."""
        lessons = load_lessons()

        def start(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.start_lesson(lessons[str(answer[0])])

        listing = "\n".join(f"{name}: {lesson.title}" for name, lesson in lessons.items())
        self.push_screen(
            PromptDialog(
                "Lessons: a preset run and what to watch", "", choices=list(lessons), help=listing
            ),
            start,
        )

    def start_lesson(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.command(self.session.rebuild(lesson.config))
        self.push_screen(LessonScreen(lesson))

    # --- the switchable panel: loss, data, phase view, inspector --------------------------

    @property
    def views(self) -> ViewPanel:
        return self.query_one(ViewPanel)

    @property
    def current_view(self) -> str:
        return self.views.current

    def action_view(self, name: str) -> None:
        """d: data view, i: inspector; the same key again goes back to the loss plot."""
        self.views.toggle(name)
        if self.views.current == "inspector":
            if self.snapshot.selected is None:
                self.command(self.session.select((0, 0, 0)))
            self.query_one(Inspector).focus()
        else:
            self.query_one(NetworkView).selected = None
            self.query_one(Controls).focus()

    def action_validation(self) -> None:
        self.query_one(DataPanel).toggle_validation()

    def on_inspector_move(self, message: Inspector.Move) -> None:
        k, i, j = self.snapshot.selected or (0, 0, 0)
        dk, di, dj = message.delta
        if dk:
            i, j = 0, 0
        self.command(self.session.select((k + dk, i + di, j + dj)))

    def on_network_view_neuron_clicked(self, message: NetworkView.NeuronClicked) -> None:
        """A click on a neuron selects a weight into it (or out of an input) to inspect."""
        k, i, j = self.snapshot.selected or (0, 0, 0)
        if message.column == 0:
            selection = (0, message.index, j if k == 0 else 0)
        else:
            selection = (message.column - 1, i if k == message.column - 1 else 0, message.index)
        if self.views.current != "inspector":
            self.action_view("inspector")
        self.command(self.session.select(selection))

    def on_inspector_check(self) -> None:
        self.command(self.session.check_selected())

    def on_inspector_weight_edited(self, m: Inspector.WeightEdited) -> None:
        self.command(self.session.set_weight(m.layer, m.i, m.j, m.value))

    async def action_quit(self) -> None:
        self.session.stop()
        self.exit(return_code=0)

    # --- controls up ----------------------------------------------------------------------

    def on_controls_changed(self, message: Controls.Changed) -> None:
        """Live settings apply at the next step; the others start a new run after a yes."""
        session, name, value = self.session, message.field.name, message.value
        live = {
            "lr": lambda: session.set_lr(float(value)),
            "batch_size": lambda: session.set_batch_size(value),
            "optimizer": lambda: session.set_optimizer(str(value)),
            "l2": lambda: session.set_l2(float(value)),
        }
        if name in live:
            self.command(live[name]())
            return
        config = self.snapshot.config.replace(**{name: value})

        def answer(yes: bool | None) -> None:
            if yes:
                self.command(session.rebuild(config))

        self.push_screen(
            ConfirmDialog(
                f"Changing {message.field.label} builds a new network and starts the run over "
                "(history cleared). Go on?"
            ),
            answer,
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action not in ("quit",):
                key = binding.key_display or binding.key
                yield SystemCommand(
                    binding.description,
                    f"key {key}",
                    lambda action=binding.action: self.run_action(action),
                )
