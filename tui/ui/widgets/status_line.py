"""The status line: running / paused / diverged, where training is, and how it is doing."""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from ...snapshot import Snapshot
from ..numbers import num


def pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.1f}%"


class StatusLine(Widget):
    """One line, compact enough for 80 columns; after a divergence, as many lines (up to 4)
    as its message takes: what went wrong and what to do must be readable in full."""

    DEFAULT_CSS = "StatusLine { height: 1; }"  # grown by the class -diverged (app.tcss)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.hide_rate = False  # for snapshots: the speed varies from run to run

    def show(self, snapshot: Snapshot) -> None:
        old, self.snapshot = self.snapshot, snapshot
        self.set_class(snapshot.status == "diverged", "-diverged")
        # another status or message may take another number of lines
        moved = old is None or (old.status, old.message) != (snapshot.status, snapshot.message)
        self.refresh(layout=moved)

    def _curve_colours(self) -> tuple[str, str]:
        """The colours the loss plot gives the training and the validation curve."""
        theme = self.app.theme_variables
        return f"bold {theme.get('primary', 'blue')}", f"bold {theme.get('accent', 'yellow')}"

    def render(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("starting…")
        if s.status == "diverged":
            text = Text(" DIVERGED ", style="bold reverse red")
            text.append(f" {s.message}", style="red")
            return text
        # most wanted first, as 80 columns cut the end: where it is, the lr keys steer, loss
        text = Text(no_wrap=True, overflow="ellipsis")
        if s.status == "running":  # the step count runs too fast to read: the epoch will do
            text.append(" ▶ running ", style="bold reverse green")
            if s.pace.kind != "full":  # how fast, where a learner can see it
                text.append(f" {s.pace.short} ·", style="bold green")
            text.append(f" ep {s.epoch:,}")
        else:
            text.append(" ⏸ paused ", style="bold reverse yellow")
            text.append(f" ep {s.epoch:,} step {s.steps:,}")
        if s.phase_index:
            text.append(f" ▸ next: {s.phases[s.phase_index].label}", style="bold")
        text.append(f" │ lr {s.config.lr:g}", style="bold")
        if s.epoch == 0:  # no epoch yet: the last mini-batch's loss
            text.append(f" │ batch loss {num(s.last_loss)}")
        else:  # train/val, in the loss plot's colours for its two curves
            train, val = self._curve_colours()
            has_val = s.val_size > 0
            text.append(" │ loss ")
            text.append(num(s.train_loss), style=train)
            if has_val:
                text.append("/")
                text.append(num(s.val_loss), style=val)
            if s.task != "regression":
                text.append(" acc ")
                text.append(pct(s.train_acc), style=train)
                if has_val:
                    text.append("/")
                    text.append(pct(s.val_acc), style=val)
            elif not math.isnan(s.train_r2):  # R² beside the loss: 1 perfect, 0 the mean's
                text.append(" R² ")
                text.append(num(s.train_r2, ".3g"), style=train)
                if has_val:
                    text.append("/")
                    text.append(num(s.val_r2, ".3g"), style=val)
            if not has_val:
                text.append(" (no validation set)")
        measured = s.epochs_per_second > 0  # the first second has no rate yet
        if s.status == "running" and s.pace.kind == "full" and measured and not self.hide_rate:
            text.append(f" │ {s.epochs_per_second:,.0f} ep/s")
        return text
