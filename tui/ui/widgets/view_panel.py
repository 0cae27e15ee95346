"""The panel that changes with what is being looked at: loss, data, phase or chain rule."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import ContentSwitcher

from ...snapshot import Snapshot
from .data_view import DataPanel
from .inspector import Inspector
from .loss_plot import LossPlot
from .loss_surface import SurfacePanel
from .phase_view import PhaseView
from .results_view import ResultsPanel

TITLES = {
    "loss": "Loss",
    "data": "Data",
    "surface": "Loss surface",
    "phase": "Phase",
    "inspector": "Chain rule",
    "results": "Confusion matrix (validation)",
}


class ViewPanel(Container):
    """Loss plot by default; the data view, the phase view or the inspector on request."""

    def __init__(self, **kwargs) -> None:
        super().__init__(classes="panel", **kwargs)
        self.border_title = TITLES["loss"]
        self._before_phases = "loss"

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="loss"):
            yield LossPlot(id="loss")
            yield DataPanel(id="data")
            yield SurfacePanel(id="surface")
            yield PhaseView(id="phase")
            yield Inspector(id="inspector")
            yield ResultsPanel(id="results")

    def show(self, snapshot: Snapshot) -> None:
        """Hand the snapshot to the view on display (the others catch up when shown)."""
        self.query_one(f"#{self.current}").show(snapshot)
        self._snapshot = snapshot
        self._title(snapshot)

    def _title(self, snapshot: Snapshot | None) -> None:
        """The view's title: the surface of y = m x + b, or any other network's landscape."""
        name = self.current
        landscape = name == "surface" and snapshot is not None and snapshot.landscape is not None
        self.border_title = "Loss landscape" if landscape else TITLES[name]

    @property
    def current(self) -> str:
        return self.query_one(ContentSwitcher).current or "loss"

    def set_view(self, name: str) -> None:
        self.query_one(ContentSwitcher).current = name
        snapshot = getattr(self, "_snapshot", None)
        self._title(snapshot)
        if snapshot is not None:
            self.query_one(f"#{name}").show(snapshot)

    def toggle(self, name: str) -> None:
        """Show ``name``, or go back to the loss plot if it is already shown."""
        self.set_view("loss" if self.current == name else name)

    def enter_phases(self) -> None:
        """Stepping phase by phase shows the phase view (unless the inspector is open)."""
        if self.current not in ("phase", "inspector"):
            self._before_phases = self.current
            self.set_view("phase")

    def leave_phases(self) -> None:
        if self.current == "phase":
            self.set_view(self._before_phases)
