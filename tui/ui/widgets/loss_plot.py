"""Panel 2: training and validation loss per epoch over the whole run (plotext).

The figure is rebuilt from the stored snapshot on every render, never reused: plotext's own
log scale rewrites its data (and ticks) in place, so building twice would crash. Log scale
is done here instead: log10 of the cleaned values on a linear axis, with our own tick labels.

The legend (the title, train, val and each ghost by its label, in its colour) is drawn
above the frame, never on the data: on one line, or two or three when the ghosts' labels
need them. The colours (colours.py) stay apart for the common colour blindnesses.
"""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from ...snapshot import Curve, Floats, Snapshot
from ..colours import BEST, GHOST_FADE, GHOSTS, RESTORE, TRAIN, VAL
from ..fields import ghost_label
from ..fit import cut_words
from ..rows import ChangedRows
from ..ticks import nice_ticks, unique_labels, y_ticks

MAX_LR_MARKS = 5  # vertical lines for the most recent learning-rate changes
LEGEND_GAP = "  "  # between two entries of the legend
Y_MARGIN = 8  # columns taken by the y tick labels and the frame
LARGEST = 1e300  # losses above are drawn at this height: plotext overflows near 1e308
BEST_MARK = "┊"  # the lowest validation loss's epoch: dotted, apart from the solid lines (│)
# of the lr's changes and the restores


def clean(x: Floats, y: Floats, log: bool, cap: float) -> tuple[Floats, Floats]:
    """Drop NaN and -inf, cap +inf (and anything above LARGEST); on log scale drop y <= 0
    and return log10(y)."""
    y = np.where(np.isposinf(y), cap, y)
    keep = np.isfinite(y) & ((y > 0) if log else True)
    x, y = x[keep], np.minimum(y[keep], LARGEST)
    return x, (np.log10(y) if log else y)


def reduce(x: Floats, y: Floats, points: int, take_max: bool) -> tuple[Floats, Floats]:
    """At most ``points`` points: the max (or min) of each group, so spikes survive."""
    if len(y) <= points:
        return x, y
    starts = np.arange(0, len(y), -(-len(y) // points))
    pick = np.fmax if take_max else np.fmin
    return x[starts], pick.reduceat(y, starts)


def lr_marks(changes: tuple[tuple[int, object], ...], x0: float, x1: float) -> list[float]:
    """Epochs of the latest events (learning-rate changes, restores) inside the x range."""
    inside = [float(e) for e, _ in changes if x0 <= e <= x1]
    return inside[-MAX_LR_MARKS:]


def best_mark(snap: Snapshot, x0: float, x1: float) -> int | None:
    """The lowest validation loss's epoch, to mark (early stopping would end there): that
    epoch if the plot's x range holds it, 0 for the initial weights (a candidate too: said,
    not drawn); None without a validation set, before an epoch, or outside the range."""
    best = snap.best_epoch
    if best is None or not snap.val_size or snap.epoch == 0:
        return None
    return best if best == 0 or x0 <= best <= x1 else None


def best_label(epoch: int) -> str:
    """The legend's entry for the early-stopping mark."""
    return f"{BEST_MARK} lowest val ep {epoch:,}"


class LossPlot(ChangedRows, PlotextPlot):
    """Training ("train") and validation ("val") loss per epoch, linear or log scale."""

    log_scale: reactive[bool] = reactive(False)

    ghost_val: reactive[bool] = reactive(False)
    """Draw the ghosts' validation losses too (faint dots), as a lesson about the
    validation loss asks (its ``[watch] ghost_val``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        """Keep the snapshot; repaint only if the curves, the lr or its changes moved on, and
        then only the rows that changed."""
        old, self.snapshot = self.snapshot, snapshot
        if old is None or (old.epoch, old.config, old.lr_changes, old.restores, old.ghosts) != (
            snapshot.epoch,
            snapshot.config,
            snapshot.lr_changes,
            snapshot.restores,
            snapshot.ghosts,
        ):
            self.repaint_rows()
            return
        pairs = ((old.train_curve, snapshot.train_curve), (old.val_curve, snapshot.val_curve))
        if any(not _same(a, b) for a, b in pairs):
            self.repaint_rows()

    def toggle_log_scale(self) -> None:
        self.log_scale = not self.log_scale

    def plot_title(self) -> str:
        """ "loss per epoch (lr 0.03)", with ", log" on log scale: the x axis is epochs."""
        lr = f"lr {self.snapshot.config.lr:g}" if self.snapshot else ""  # as the status line
        extras = ", ".join(e for e in (lr, "log" if self.log_scale else "") if e)
        return f"loss per epoch ({extras})" if extras else "loss per epoch"

    def render(self) -> RenderResult:
        snap, log, plt = self.snapshot, self.log_scale, self.plt
        plt.clear_data()  # not clear_figure: that would drop the theme
        plt.title("")  # the title is the legend's first entry, above the frame
        train, val = (snap.train_curve, snap.val_curve) if snap else (Curve.empty(),) * 2
        ghosts = snap.ghosts if snap else ()
        finite = np.concatenate(
            [c[np.isfinite(c)] for c in (train.hi, val.hi, *(g.train for g in ghosts))]
        )
        top = float(np.max(np.abs(finite), initial=0.1)) if finite.size else math.nan
        cap = min(10.0 * top, LARGEST) if finite.size else math.nan
        points = 2 * max(self.size.width - Y_MARGIN, 8)  # about two per column (braille)
        tx, ty = reduce(*clean(train.x, train.hi, log, cap), points, True)
        vx, vy = reduce(*clean(val.x, val.hi, log, cap), points, True)
        drawn = [reduce(*clean(g.x, g.train, log, cap), points, True) for g in ghosts]
        dots = [reduce(*clean(g.x, g.val, log, cap), points // 2, True) for g in ghosts]
        dots = dots if self.ghost_val else [(np.zeros(0), np.zeros(0))] * len(ghosts)
        if not (ty.size or vy.size or any(gy.size for _, gy in drawn)):
            return self._message("no epoch finished yet")
        lx = ly = np.zeros(0)
        if not np.array_equal(train.lo, train.hi, equal_nan=True):  # bucketed: show the minima
            lx, ly = reduce(*clean(train.x, train.lo, log, cap), points // 2, False)
        colors = self.app.theme_variables
        surface = Color.parse(colors.get("surface", "#000000"))
        primary = Color.parse(TRAIN)
        xs = np.concatenate([tx, vx, lx, *(gx for gx, _ in drawn + dots)])
        ys = np.concatenate([ty, vy, ly, *(gy for _, gy in drawn + dots)])
        x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
        width, height = self.size
        entries = [("━━ train", primary.rgb), ("•• val", Color.parse(VAL).rgb)]
        best = best_mark(snap, x0, x1)
        if best is not None:  # behind every curve
            teal = Color.parse(BEST).rgb
            entries.append((best_label(best), teal))
            if best:
                column = np.linspace(y0, y1, 4 * max(height, 2))  # a mark on every row
                plt.plot([best] * len(column), column, marker=BEST_MARK, color=teal)
        for (gx, gy), (dx, dy), ghost, colour in zip(drawn, dots, ghosts, GHOSTS, strict=False):
            faint = Color.parse(colour).blend(surface, GHOST_FADE).rgb
            line = "━•" if dy.size else "━━"  # its validation loss as dots too
            entries.append((f"{line} {ghost_label(ghost, snap.config)}", faint))
            if gy.size:  # behind the live curves, faint; named in the legend
                plt.plot(gx, gy, marker="braille", color=faint)
            if dy.size:
                plt.plot(dx, dy, marker="dot", color=faint)
        if ly.size:  # bucket minima as a faint, coarser line under the maxima
            plt.plot(lx, ly, marker="braille", color=primary.blend(surface, 0.55).rgb)
        if ty.size:
            plt.plot(tx, ty, marker="braille", color=primary.rgb)
        if vy.size:  # dots: not by colour only
            plt.plot(vx, vy, marker="dot", color=Color.parse(VAL).rgb)
        mark = Color.parse(colors.get("foreground", "#808080")).blend(surface, 0.4).rgb
        changes = lr_marks(snap.lr_changes, x0, x1)
        for epoch in changes:  # never outside: it stretches the axis
            plt.vline(epoch, color=mark)
        went_back = lr_marks(snap.restores, x0, x1)  # (epoch, why) pairs, marked the same way
        for epoch in went_back:
            plt.vline(epoch, color=Color.parse(RESTORE).rgb)
        entries += [("│ lr changed", mark)] if changes else []
        entries += [("│ went back", Color.parse(RESTORE).rgb)] if went_back else []
        most = 1 if height < 9 else 2 if height < 16 else 3  # lines of legend
        legend = legend_lines(self.plot_titles(), entries, width, most)
        plot_height = max(height - len(legend), 3)
        xt = nice_ticks(x0, x1, max(2, min(6, (width - Y_MARGIN) // 8)), integer=True)
        plt.xticks(xt, [str(int(t)) for t in xt])
        yt = y_ticks(y0, y1, max(2, min(5, (plot_height - 3) // 2)), log)
        plt.yticks(yt, unique_labels([10.0**t if log else t for t in yt]))
        plt.plotsize(width, plot_height)
        plt._set_size(width, plot_height)  # as PlotextPlot.render does (its issue 5)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        return Text("\n").join([*legend, Text.from_ansi(plt.build())])

    def plot_titles(self) -> list[str]:
        """The title, most complete first: "loss per epoch (lr 0.03, log)" ... "loss"."""
        title = self.plot_title()
        return [title, title.replace("loss per epoch", "loss"), "loss"]

    def _message(self, text: str) -> Text:
        """The title, then ``text`` centred in the panel (no plot)."""
        lines = max(self.size.height // 2 - 1, 0)
        return Text(f"{self.plot_title()}\n" + "\n" * lines + text, justify="center")


def legend_lines(
    titles: list[str], entries: list[tuple[str, tuple[int, int, int]]], width: int, most: int
) -> list[Text]:
    """The title and the entries (text, colour) packed into lines of ``width`` cells, in
    order, at most ``most`` lines: the title shortens or goes first, then ghosts' labels
    keep their first settings; an entry is never split across lines."""
    for cut in (None, 24, 12, 2):  # a ghost's label: whole, then its first settings
        for title in [*titles, ""]:
            items = [
                (t if cut is None or i < 2 else shorter(t, cut), c)
                for i, (t, c) in enumerate(entries)
            ]
            lines = _pack([(title, "")] if title else [], items, width)
            if len(lines) <= most:
                return lines
    return lines[:most]


def shorter(entry: str, width: int) -> str:
    """A ghost's entry "━━ lr 0.3, batch 1" in ``width`` cells: its first settings whole
    ("━━ lr 0.3"), else its first words."""
    parts = entry.split(", ")
    while len(parts) > 1 and len(", ".join(parts)) > width:
        parts.pop()
    return cut_words(", ".join(parts), width)


def _pack(head: list, items: list, width: int) -> list[Text]:
    """Entries (text, colour) into lines of ``width`` cells, LEGEND_GAP between two."""
    lines: list[Text] = []
    line = Text(no_wrap=True, overflow="crop")
    for text, colour in [*head, *items]:
        text = text if len(text) <= width else cut_words(text, width)
        if not text:
            continue
        if line.cell_len and line.cell_len + len(LEGEND_GAP) + len(text) > width:
            lines.append(line)
            line = Text(no_wrap=True, overflow="crop")
        if line.cell_len:
            line.append(LEGEND_GAP)
        line.append(text, style=Style(color=RichColor.from_rgb(*colour)) if colour else "")
    return [*lines, line] if line.cell_len else lines


def _same(a: Curve, b: Curve) -> bool:
    return a is b or (
        np.array_equal(a.x, b.x)
        and np.array_equal(a.hi, b.hi, equal_nan=True)
        and np.array_equal(a.lo, b.lo, equal_nan=True)
    )
