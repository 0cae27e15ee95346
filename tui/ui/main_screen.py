"""The main screen: four panels, the status line and the keys that steer the run.

Keys and widget messages become command values (tui.worker.commands) submitted to the
session; the worker applies them between two steps and publishes a snapshot, which the
app hands down through ``show``. No command carries a value read from the screen's own
copy of the run where the worker can work it out (a rung of the ladder, a new run's
settings): keys faster than the screen are never lost.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Container, Grid
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Static

from core.lessons import load_lessons
from core.pace import PHASES

from ..snapshot import Snapshot
from ..worker.commands import (
    VIEWS,
    AskQuiz,
    CheckSelected,
    ClearGhosts,
    KeepGhost,
    Load,
    MoveSample,
    MoveSelection,
    NextPhase,
    Rebuild,
    ResetWeights,
    RestoreBest,
    RunEpoch,
    Save,
    Select,
    SetRunning,
    SetWeight,
    Show,
    Step,
    StepLr,
    StepPace,
    SwitchNeuron,
    SwitchPlane,
    live_or_rebuild,
)
from ..worker.session import Session
from .fields import FIELD_BY_NAME, path_to_read, path_to_write
from .keys import bindings
from .sample_graph import panel_layout
from .sample_graph import title as graph_title
from .widgets.confirm_dialog import ConfirmDialog
from .widgets.controls import Controls
from .widgets.data_view import DataPanel
from .widgets.gradient_panel import GradientPanel
from .widgets.inspector import Inspector, weight_prompt
from .widgets.loss_plot import LossPlot
from .widgets.network_view import NetworkView
from .widgets.prompt_dialog import PromptDialog
from .widgets.status_line import StatusLine
from .widgets.view_panel import ViewPanel

MIN_WIDTH, MIN_HEIGHT = 60, 18  # below this the panels make way for a request for room
WIDE_WIDTH, WIDE_HEIGHT = 140, 36  # from this size on, the data view gets a panel of its own
MAPS_WIDTH = 120  # from this width on, the network draws each neuron's map where they fit
# While training, each panel is redrawn at most this often (the status line every frame):
# the loss curve and the weights move slowly to the eye, and every frame costs the terminal
# (over SSH) bytes and the trainer time.
PANEL_SECONDS = {"network": 0.5, "view": 0.5, "gradients": 0.25}
FRAME_SLACK = 0.05


class MainScreen(Screen):
    """The panels over a TrainingSession (``self.app.session``)."""

    BINDINGS = bindings("screen")

    @property
    def session(self) -> Session:
        return self.app.session

    @property
    def snapshot(self) -> Snapshot:
        return self.app.snapshot

    def compose(self) -> ComposeResult:
        with Grid(id="panels"):
            yield self._panel(NetworkView(id="network"), "Network", "network-box")
            yield ViewPanel(id="view-box")
            yield self._panel(DataPanel(id="side-data"), "Data", "side-box")  # wide screens
            yield self._panel(
                GradientPanel(id="gradients"), "Gradients ‖dW‖ · δ = ‖dE_s/dz‖", "grad-box"
            )
            yield self._panel(Controls(id="controls"), "Controls", "controls-box")
        yield Static("", id="too-small")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    @staticmethod
    def _panel(widget, title: str, box_id: str) -> Container:
        box = Container(widget, id=box_id, classes="panel")
        box.border_title = title
        return box

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # When each panel last got a snapshot. Set here, not in on_mount: the app's
        # pull timer can fire before this screen has mounted.
        self._shown_at: dict[object, float] = {}
        self._animated = False  # running at the pace of phases
        self._first_view = "loss"  # the middle panel's view when the screen comes up
        self._ghost_val = False  # the loss plot draws the ghosts' validation losses
        # a line clicked while running: its weight, to edit once the pause (a command, by
        # number) has been applied
        self._edit_after: tuple[tuple[int, int, int], int] | None = None

    def on_mount(self) -> None:
        self.query_one(NetworkView).clock = self.session.clock  # the graph's animation
        self.show(self.app.snapshot)
        self.ask_for_data_view()
        self.query_one(Controls).focus()
        self.query_one(LossPlot).ghost_val = self._ghost_val
        if self._first_view != "loss":
            self.set_view(self._first_view)

    def on_resize(self) -> None:
        self.check_size()

    def check_size(self) -> None:
        """Make way for a request for more room when the terminal is too small; give the
        data view a panel of its own when it is large (the class "wide", see app.tcss)."""
        w, h = self.size
        small = w < MIN_WIDTH or h < MIN_HEIGHT
        was_small = self.has_class("too-small")
        self.set_class(small, "too-small")
        wide = w >= WIDE_WIDTH and h >= WIDE_HEIGHT
        network = self.query_one(NetworkView)
        if small != was_small:
            self.ask_for_data_view()
        if wide != self.has_class("wide") or network.draw_maps != (w >= MAPS_WIDTH):
            self.set_class(wide, "wide")
            network.draw_maps = w >= MAPS_WIDTH
            self.ask_for_data_view()
            if wide:
                self.query_one("#side-data", DataPanel).show(self.snapshot)
        if small:
            self.query_one("#too-small", Static).update(
                f"backprop-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT} (80x24 is best); this "
                f"terminal is {w}x{h}. Enlarge it: training goes on meanwhile."
            )

    def show(self, snap: Snapshot) -> None:
        """Hand a snapshot to the panels: all of them while paused; while training, each
        panel at its own pace (``PANEL_SECONDS``), so the terminal gets only what moves."""
        try:
            self._show(snap)
        except NoMatches:  # the panels are not there yet (starting) or any more (quitting)
            pass

    def _show(self, snap: Snapshot) -> None:
        network = self.query_one(NetworkView)
        now = self.session.clock()  # the session's clock: a test that controls it controls this
        panels = [
            (network, PANEL_SECONDS["network"]),
            (self.views, PANEL_SECONDS["view"]),
            (self.query_one(GradientPanel), PANEL_SECONDS["gradients"]),
        ]
        if self.has_class("wide"):
            panels.append((self.query_one("#side-data", DataPanel), PANEL_SECONDS["view"]))
        self._follow_the_phases(snap)
        every = snap.status != "running" or snap.pace.watchable  # each snapshot is a moment
        for panel, seconds in panels:
            # half a frame's slack, so a 0.5 s panel drawn on 10 frames a second gets 2 a second
            due = now - self._shown_at.get(panel, 0.0) >= seconds - FRAME_SLACK
            if every or due:
                self._shown_at[panel] = now
                panel.show(snap)
        quiz = snap.quiz_question  # the weight a question asks about, else the inspector's
        inspected = snap.selected if self.current_view == "inspector" else None
        network.selected = quiz.weight if quiz is not None and quiz.weight else inspected
        if network.graph:
            self.title_graph(snap)
        self.query_one(Controls).show(snap)
        self.query_one(StatusLine).show(snap)
        if self._edit_after is not None and snap.applied >= self._edit_after[1]:
            line, self._edit_after = self._edit_after[0], None
            self.edit_weight(line)

    def _follow_the_phases(self, snap: Snapshot) -> None:
        """Running phase by phase (the slowest pace), the middle panel shows the phase view;
        leaving that pace brings back what was there."""
        animated = snap.status == "running" and snap.pace.kind == PHASES
        if animated != self._animated:
            self._animated = animated
            if animated:
                self.views.enter_phases()
            else:
                self.views.leave_phases()

    def action_toggle(self) -> None:
        self.views.leave_phases()
        self.session.submit(SetRunning())

    def action_step(self) -> None:
        self.views.leave_phases()
        self.session.submit(Step())

    def action_phase(self) -> None:
        self.views.enter_phases()
        self.session.submit(NextPhase())

    def action_epoch(self) -> None:
        self.views.leave_phases()
        self.session.submit(RunEpoch())

    def action_lr_up(self) -> None:
        self.session.submit(StepLr(up=True))

    def action_lr_down(self) -> None:
        self.session.submit(StepLr(up=False))

    def action_pace(self, slower: bool) -> None:
        self.session.submit(StepPace(slower))

    def action_type_lr(self) -> None:
        self.query_one(Controls).edit(FIELD_BY_NAME["lr"])

    def action_switch_plane(self) -> None:
        """t: the loss landscape's plane, random directions or the path's."""
        self.session.submit(SwitchPlane())

    def action_reset(self) -> None:
        self.session.submit(ResetWeights())

    def action_restore_best(self) -> None:
        self.session.submit(RestoreBest())

    def action_keep_ghost(self) -> None:
        self.session.submit(KeepGhost())

    def action_clear_ghosts(self) -> None:
        self.session.submit(ClearGhosts())

    def action_quiz(self) -> None:
        """k: pause at the end of the step under way and ask about the next (the app opens
        the question when the worker has made it: tui.ui.widgets.quiz_dialog)."""
        self.views.leave_phases()
        self.session.submit(AskQuiz())

    def action_sample(self, delta: int) -> None:
        self.session.submit(MoveSample(delta))

    def action_graph(self) -> None:
        """x: one sample's computation graph in the network panel (the panel takes the
        focus, its arrows pick the neuron), or back to the weights."""
        network = self.query_one(NetworkView)
        network.graph = not network.graph
        if network.graph:
            self.title_graph(self.snapshot)
        else:
            self.query_one("#network-box").border_title = "Network"
        self.ask_for_data_view()
        if network.graph:
            if self.snapshot.selected is None:  # centred on the output to begin with
                self.session.submit(Select((self.snapshot.n_layers - 1, 0, 0)))
            network.focus()
        elif network.has_focus:
            self.query_one(Controls).focus()

    def title_graph(self, snap: Snapshot) -> None:
        box, (width, height) = self.query_one("#network-box"), self.query_one(NetworkView).size
        plan = panel_layout(snap, width, height)  # as the panel draws it: what it leaves out
        cut = plan is None or plan.cut
        box.border_title = graph_title(snap, box.outer_size.width - 6, cut)  # corners, spaces

    def action_log_scale(self) -> None:
        self.query_one(LossPlot).toggle_log_scale()

    def action_save(self) -> None:
        self._with_path("Save the run to", path_to_write, Save)

    def action_load(self) -> None:
        self._with_path("Load a run from", path_to_read, Load)

    def _with_path(self, title: str, parse, command: type[Save | Load]) -> None:
        """Ask for a checkpoint's path (the last one offered), then submit ``command(path)``."""

        def done(answer: tuple[object] | None) -> None:
            if answer:
                self.app.checkpoint_path = str(answer[0])
                self.session.submit(command(str(Path(self.app.checkpoint_path))))

        self.app.push_screen(PromptDialog(title, self.app.checkpoint_path, parse=parse), done)

    def action_lessons(self) -> None:
        """Choose a lesson: its preset starts a new run and its paragraph says what to watch."""
        lessons = load_lessons()

        def start(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.app.start_lesson(lessons[str(answer[0])])

        self.app.push_screen(
            PromptDialog(
                "Lessons: a preset run and what to watch",
                "",
                choices=list(lessons),
                labels=[f"{name}: {lesson.title}" for name, lesson in lessons.items()],
            ),
            start,
        )

    # --- the switchable panel: loss, data, phase view, inspector --------------------------

    @property
    def views(self) -> ViewPanel:
        return self.query_one(ViewPanel)

    @property
    def current_view(self) -> str:
        return self.views.current

    def action_view(self, name: str) -> None:
        """d: data view, u: loss surface, i: inspector, c: confusion matrix; the same key
        again goes back to the loss plot."""
        self.set_view("loss" if self.views.current == name else name)

    def set_view(self, name: str) -> None:
        """Show ``name`` in the middle panel (loss, data, surface, phase or inspector); asked
        before the screen is up (a lesson from the command line), once it is."""
        if not self.query(ViewPanel):  # not composed yet
            self._first_view = name
            return
        self.views.set_view(name)
        self.ask_for_data_view()
        if self.views.current == "inspector":
            if self.snapshot.selected is None:
                self.session.submit(Select((0, 0, 0)))
            self.query_one(Inspector).focus()
        else:
            network = self.query_one(NetworkView)
            network.selected = None
            if not network.graph:  # the graph keeps the focus: its arrows pick the neuron
                self.query_one(Controls).focus()

    def show_ghost_val(self, on: bool) -> None:
        """The loss plot draws the ghosts' validation losses too (a lesson asks for it);
        asked before the screen is up, once it is."""
        self._ghost_val = on
        for plot in self.query(LossPlot):
            plot.ghost_val = on

    def ask_for_data_view(self) -> None:
        """The session computes the data view's grid, the loss surface, the confusion
        matrix, the neurons' maps and one sample's w·δ only while they are on screen."""
        current, network = self.views.current, self.query_one(NetworkView)
        shown = {
            "data": current == "data" or self.has_class("wide"),
            "surface": current == "surface",
            "landscape": current == "surface",  # any network but y = m x + b
            "results": current == "results",
            # the network's maps, the inspector's neuron
            "maps": current == "inspector" or (network.draw_maps and not network.graph),
            "graph": network.graph,  # its w·δ
            "sharpness": not self.has_class("too-small"),  # λmax in the gradients panel
        }
        for view in VIEWS:
            self.session.submit(Show(view, shown[view]))

    def action_validation(self) -> None:
        for panel in self.query(DataPanel):
            panel.toggle_validation()

    def on_inspector_move(self, message: Inspector.Move) -> None:
        self.session.submit(MoveSelection(message.delta))

    def on_network_view_move(self, message: NetworkView.Move) -> None:
        self.session.submit(MoveSelection(message.delta))

    def on_network_view_weight_clicked(self, message: NetworkView.WeightClicked) -> None:
        """A click on a line: type a new value for its weight (the inspector's w prompt),
        the run paused first; the loss (said), the maps and the data view follow."""
        self.session.submit(Select(message.line))
        if self.snapshot.status == "running":  # the prompt once the run has stopped
            self._edit_after = (message.line, self.session.submit(SetRunning(False)))
        else:
            self.edit_weight(message.line)

    def edit_weight(self, line: tuple[int, int, int]) -> None:
        """Ask for W_k[i, j]'s new value (``line`` = (k, i, j)), then write it."""

        def done(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.session.submit(SetWeight(*line, float(answer[0])))

        self.app.push_screen(weight_prompt(self.snapshot, line), done)

    def on_network_view_neuron_clicked(self, message: NetworkView.NeuronClicked) -> None:
        """A click on a hidden neuron switches it off (its output held at 0) or back on,
        the view staying (the data view, the maps show the change); an input or output
        neuron opens the inspector. Either selects a weight into it (or out of an input);
        on the graph, the neuron to centre on. (The message carries the button and the
        modifiers held: another action on a neuron goes here, e.g. a right click.)"""
        if self.query_one(NetworkView).graph:
            if message.column:
                self.session.submit(Select((message.column - 1, 0, message.index)))
            return
        hidden = 0 < message.column < len(self.snapshot.sizes) - 1
        if hidden:
            self.session.submit(SwitchNeuron(message.column, message.index))
        k, i, j = self.snapshot.selected or (0, 0, 0)
        if message.column == 0:
            selection = (0, message.index, j if k == 0 else 0)
        else:
            selection = (message.column - 1, i if k == message.column - 1 else 0, message.index)
        if self.views.current != "inspector" and not hidden:
            self.action_view("inspector")
        self.session.submit(Select(selection))

    def on_inspector_check(self) -> None:
        self.session.submit(CheckSelected())

    def on_inspector_weight_edited(self, m: Inspector.WeightEdited) -> None:
        self.session.submit(SetWeight(m.layer, m.i, m.j, m.value))

    def on_inspector_switch(self, m: Inspector.Switch) -> None:
        self.session.submit(SwitchNeuron(m.column, m.unit))

    # --- controls up ----------------------------------------------------------------------

    def on_controls_changed(self, message: Controls.Changed) -> None:
        """Live settings apply at the next step; the others start a new run after a yes
        (built on the worker from the run's own settings, so that none is lost)."""
        command = live_or_rebuild(message.field.changes(message.value))
        if not isinstance(command, Rebuild):
            self.session.submit(command)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.session.submit(command)

        self.app.push_screen(
            ConfirmDialog(
                f"Changing {message.field.label} builds a new network and starts the run over "
                "(history cleared). Go on?"
            ),
            answer,
        )
