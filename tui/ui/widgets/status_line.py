"""The status line: running / paused / diverged, where training is, and how it is doing."""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from ...snapshot import Snapshot
from ..colours import TRAIN, VAL
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

    @staticmethod
    def _curve_colours() -> tuple[str, str]:
        """The colours the loss plot gives the training and the validation curve."""
        return f"bold {TRAIN}", f"bold {VAL}"

    def render(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("starting…")
        if s.status == "diverged":
            text = Text(" DIVERGED ", style="bold reverse red")
            text.append(f" {s.message}", style="red")
            return text
        return fitted(self.pieces(s), self.size.width or 80)

    def pieces(self, s: Snapshot) -> list[tuple[int, Text]]:
        """The line's pieces in order, each with its rank: when 80 columns are too few,
        the highest rank goes first, a whole piece at a time (never a number without its
        name, nor a name without its number)."""
        out: list[tuple[int, Text]] = []

        def add(rank: int, *parts: str | tuple[str, str]) -> None:
            piece = Text()
            for part in parts:
                piece.append(*((part,) if isinstance(part, str) else part))
            out.append((rank, piece))

        if self.lesson_waiting():  # the run is held until the lesson's text is read
            add(0, (" ⏸ waiting ", "bold reverse yellow"))
            add(0, " for ⏎: the lesson starts when you have read it")
            add(4, " (esc: stay paused)")
            add(3, (f" │ lr {s.config.lr:g}", "bold"))
            return out
        if s.status == "running":  # the step count runs too fast to read: the epoch will do
            add(0, (" ▶ running ", "bold reverse green"))
            if s.pace.kind != "full":  # how fast, where a learner can see it
                add(5, (f" {s.pace.short} ·", "bold green"))
            add(0, f" ep {s.epoch:,}")
        else:
            add(0, (" ⏸ paused ", "bold reverse yellow"))
            add(0, f" ep {s.epoch:,}")
            add(6, f" step {s.steps:,}")
        if s.phase_index:
            add(1, (f" ▸ next: {s.phases[s.phase_index].label}", "bold"))
        add(1, (f" │ lr {s.config.lr:g}", "bold"))
        if s.epoch == 0:  # no epoch yet: the last mini-batch's loss
            add(2, f" │ batch loss {num(s.last_loss)}")
        else:  # train/val, in the loss plot's colours for its two curves
            train, val = self._curve_colours()
            has_val = s.val_size > 0
            slash = ("/", (num(s.val_loss), val)) if has_val else ()
            add(2, " │ loss ", (num(s.train_loss), train), *slash)
            if s.task != "regression":
                slash = ("/", (pct(s.val_acc), val)) if has_val else ()
                add(4, " acc ", (pct(s.train_acc), train), *slash)
            elif not math.isnan(s.train_r2):  # R² beside the loss: 1 perfect, 0 the mean's
                slash = ("/", (num(s.val_r2, ".3g"), val)) if has_val else ()
                add(4, " R² ", (num(s.train_r2, ".3g"), train), *slash)
                # the typical error in the target's units: on the rows not trained on
                rmse, colour = (s.val_rmse, val) if has_val else (s.train_rmse, train)
                add(5, " RMSE ", (num(rmse, ".3g"), colour))
            if not has_val:
                add(7, " (no validation set)")
        measured = s.epochs_per_second > 0  # the first second has no rate yet
        if s.status == "running" and s.pace.kind == "full" and measured and not self.hide_rate:
            add(8, f" │ {s.epochs_per_second:,.0f} ep/s")
        return out

    def lesson_waiting(self) -> bool:
        """A lesson's text is on screen, the run held until it has been read."""
        from .lesson_screen import LessonScreen  # (a screen of the app, not a child of ours)

        return any(isinstance(screen, LessonScreen) for screen in self.app.screen_stack)


def fitted(pieces: list[tuple[int, Text]], width: int) -> Text:
    """The pieces that fit in ``width`` cells, in their order, dropping the highest ranks
    first (rank 0 always stays)."""
    kept = list(pieces)
    while sum(p.cell_len for _, p in kept) > width and any(rank for rank, _ in kept):
        worst = max(rank for rank, _ in kept)
        drop = max(i for i, (rank, _) in enumerate(kept) if rank == worst)  # the last of them
        del kept[drop]
    text = Text(no_wrap=True, overflow="crop")
    for _, piece in kept:
        text.append_text(piece)
    return text
