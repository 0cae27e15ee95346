"""The data view: what the model computes over its input, with the data on top.

2 inputs: the model's output over the input plane in half blocks "▀" (two samples per cell),
orange through a neutral to blue for P(class 1) or y, one muted colour per class for many
classes; the training points on top as ●, the validation points as ○ on request.
1 input: the training points and the fitted curve (plotext); for a 1-1 linear network the
title gives the fitted y = m x + b beside the truth; with a hidden layer, under the fit
what each last hidden neuron adds to it (basis_plot.py). More inputs: a classification's
confusion matrix (and misclassified samples of pixel data; results_view.py), a regression's
predictions against the actual target with the diagonal (predicted_plot.py).
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual_plotext import PlotextPlot

from ...snapshot import DataView, Snapshot
from ..centred import draw_message
from ..colours import NEGATIVE, POSITIVE
from ..halfblocks import LEVELS, background, cell_style, levels, palettes, rgb, sample
from ..ticks import nice_ticks, unique_labels
from .basis_plot import SPLIT_HEIGHT, BasisPlot
from .predicted_plot import PredictedPlot
from .results_view import ResultsPanel

GLYPHS = "▀●○"  # a map cell, a training point, a validation point
MAX_SCATTER = 400  # points in the 1-D scatter (plotext's cost is linear in points)


def targets(task: str, Y: np.ndarray) -> np.ndarray:
    """One value per row of Y: the class of one-hot rows (multiclass), else the first column."""
    Y = np.asarray(Y, float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.ndim != 2 or Y.shape[1] == 0:
        return np.full(len(Y), np.nan)
    return Y.argmax(axis=1).astype(float) if task == "multiclass" else Y[:, 0]


def caption(task: str, classes: int, lo: float, hi: float, val: bool, width: int) -> list:
    """The legend under the map as (text, colour index or None) pieces, shorter if narrow."""
    what, a, b = ("P(class 1)", 0, 1) if task == "binary" else ("y", lo, hi)
    top = LEVELS - 1
    scale = [(f"{what}: ", None), (f"orange {a:.3g}", 0), (" … ", None), (f"blue {b:.3g}", top)]
    if task == "multiclass":
        scale = [("class ", None), *((f"{c} ", c) for c in range(classes))]
    full, short = (
        ("● train  ○ val (v)   ", "●train ○val ") if val else ("● train  v: val   ", "●train ")
    )
    for points in (full, short, ""):
        if len(points) + sum(len(text) for text, _ in scale) <= width:
            break
    return [(points, None), *scale]


def _cells(X: np.ndarray, shape: tuple[int, int], extent: tuple) -> tuple[np.ndarray, ...]:
    """Pixel row and column of the points X (n, 2) inside ``extent``, and which those are."""
    x0, x1, y0, y1 = extent
    X = np.asarray(X, float)
    with np.errstate(all="ignore"):
        fx = (X[:, 0] - x0) / (x1 - x0) if x1 > x0 else np.full(len(X), 0.5)
        fy = (y1 - X[:, 1]) / (y1 - y0) if y1 > y0 else np.full(len(X), 0.5)  # top row: x2 max
    keep = np.isfinite(fx) & np.isfinite(fy) & (fx >= 0) & (fx <= 1) & (fy >= 0) & (fy <= 1)
    rows = np.minimum((fy[keep] * shape[0]).astype(np.intp), shape[0] - 1)
    return rows, np.minimum((fx[keep] * shape[1]).astype(np.intp), shape[1] - 1), keep


def draw_map(data: DataView, width: int, height: int, val: bool, base: Style) -> list[Strip]:
    """The 2-D view: ``height`` strips of ``width`` cells, the last one the legend."""
    body = height - 1 if height >= 3 else height
    grid = np.asarray(data.grid, float)
    if width < 1 or body < 1 or grid.ndim != 2 or grid.size == 0:
        return []
    lo, hi = 0.0, 1.0
    if data.task == "regression":  # the scale spans the finite outputs and targets
        both = np.concatenate([grid.ravel(), targets(data.task, data.train_y)])
        both = both[np.isfinite(both)]
        lo, hi = (float(both.min()), float(both.max())) if both.size else (lo, hi)
    classes = min(max(np.shape(data.train_y)[-1], 2), 64) if np.ndim(data.train_y) == 2 else 2
    pal = palettes(data.task, classes, background(base))
    neutral = pal.shape[1] - 1
    pixels = levels(sample(grid, 2 * body, width), data.task, lo, hi, neutral)
    fg, back = pixels[0::2].copy(), pixels[1::2].copy()  # upper and lower half of each cell
    glyph = np.zeros((body, width), np.intp)  # index into GLYPHS; points in strong colours
    sets = [(data.val_x, data.val_y, 2)] if val else []
    for X, Y, kind in [*sets, (data.train_x, data.train_y, 1)]:  # training points on top
        if np.ndim(X) != 2 or np.shape(X)[1] != 2 or len(X) != len(Y):
            continue
        pr, pc, keep = _cells(X, (2 * body, width), data.extent)
        colour = levels(targets(data.task, Y)[keep], data.task, lo, hi, neutral)
        glyph[pr // 2, pc], fg[pr // 2, pc], back[pr // 2, pc] = kind, colour, pixels[pr, pc]
    n, shades = pal.shape[1], [[tuple(c) for c in p] for p in pal.tolist()]
    keys = glyph * n * n + fg * n + back

    def style(key: int) -> Style:
        return cell_style(base, shades[int(key >= n * n)][key // n % n], shades[0][key % n])

    chars = np.array([ord(g) for g in GLYPHS], "<u4")[glyph]
    strips = []
    for line, row in zip(chars, keys, strict=True):
        text = line.tobytes().decode("utf-32-le")
        cuts = [0, *(np.flatnonzero(row[1:] != row[:-1]) + 1).tolist(), width]
        strips.append(Strip([Segment(text[a:b], style(row[a])) for a, b in pairwise(cuts)]))
    if body < height:
        pieces = caption(data.task, classes, lo, hi, val, width)
        dim = base + Style(dim=True)
        strip = Strip(
            [Segment(t, dim if c is None else cell_style(base, shades[1][c])) for t, c in pieces]
        )
        strips.append(strip.crop(0, width).adjust_cell_length(width, base))
    return strips


def fit_title(data: DataView, name: str = "") -> str:
    """ "y = 2.98 x + 2.01   (true: 3 x + 2)" for a fitted line, else what is drawn."""

    def line(m: float, b: float, fmt: str) -> str:
        return f"{m:{fmt}} x {'-' if b < 0 else '+'} {abs(b):{fmt}}"

    fitted, truth = data.fitted, data.truth
    if {"m", "b"} <= set(fitted):
        title = "y = " + line(fitted["m"], fitted["b"], ".3g")
        if {"m", "b"} <= set(truth):
            title += f"   (true: {line(truth['m'], truth['b'], 'g')})"
        return title
    return f"{name or data.task}: the data and the model's fit"


def _finite(x: np.ndarray, y: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (x, y) where both are finite (plotext's render dies on inf), at most ~most."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    x, y = x[: len(y)], y[: len(x)]
    keep = np.isfinite(x) & np.isfinite(y)
    step = max(1, -(-int(keep.sum()) // most))
    return x[keep][::step], y[keep][::step]


class FitPlot(PlotextPlot):
    """The 1-D view: the training points and the model's curve, with round ticks."""

    data: DataView | None = None
    name_of_data = ""

    def render(self) -> RenderResult:
        """Rebuild the figure from the data on every render (see loss_plot)."""
        plt, d, (width, height) = self.plt, self.data, self.size
        plt.clear_data()
        if d is None or d.curve_x is None or d.curve_y is None:
            return Text("")
        title = fit_title(d, self.name_of_data)
        plt.title(title)
        x, y = _finite(d.train_x, targets(d.task, d.train_y), MAX_SCATTER)
        cx, cy = _finite(d.curve_x, d.curve_y, 4 * max(width, 1))
        if width < 16 or height < 6 or not (x.size or cx.size):
            return Text(title if x.size or cx.size else f"{title}\nnothing finite to draw")
        orange, blue = (tuple(rgb(c).astype(int).tolist()) for c in (NEGATIVE, POSITIVE))
        if x.size:
            plt.scatter(x.tolist(), y.tolist(), marker="dot", color=orange, label="train")
        if cx.size:
            plt.plot(cx.tolist(), cy.tolist(), marker="braille", color=blue, label="model")
        xs, ys = np.concatenate([x, cx]), np.concatenate([y, cy])
        xt = nice_ticks(float(xs.min()), float(xs.max()), max(2, min(6, width // 10)))
        yt = nice_ticks(float(ys.min()), float(ys.max()), max(2, min(5, (height - 3) // 2)))
        plt.xticks(xt, unique_labels(xt))
        plt.yticks(yt, unique_labels(yt))
        return super().render()


class DataPanel(Widget):
    """The data view: the 2-D map drawn here, a FitPlot child for 1 input, or a message."""

    DEFAULT_CSS = """
    DataPanel { width: 1fr; height: 1fr; }
    DataPanel > FitPlot, DataPanel > ResultsPanel, DataPanel > PredictedPlot,
    DataPanel > BasisPlot { display: none; }
    """

    show_validation: reactive[bool] = reactive(False)
    """Draw the validation points (○) too (a change repaints)."""

    data: DataView | None = None
    _key: tuple | None = None  # (seq, steps, epoch) of the snapshot shown
    _name = ""
    _cache: tuple[tuple, list[Strip]] | None = None

    _snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield FitPlot()
        yield BasisPlot()  # under the fit: what each last hidden neuron adds to it
        yield ResultsPanel()
        yield PredictedPlot()

    def show(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot.data``; repaint only for a new snapshot, step or epoch."""
        key = (snapshot.seq, snapshot.steps, snapshot.epoch)
        if key != self._key:
            self._key, self.data, self._name = key, snapshot.data, snapshot.dataset_name
            self._snapshot = snapshot
            self.on_mount()
            self.refresh()

    def on_mount(self) -> None:
        """Hand the data to the 1-D plot, shown only when there is a curve to draw, and a
        classification of more than 2 inputs to the confusion matrix."""
        d = self.data
        curve = d is not None and d.grid is None and d.curve_x is not None
        parts = curve and d.basis is not None  # what each last hidden neuron adds
        alone = parts and self.size.height < SPLIT_HEIGHT  # the fit drawn over its parts
        for plot in self.query(FitPlot):
            plot.data, plot.name_of_data = d, self._name
            plot.display = curve and not alone
            plot.refresh()
        for basis in self.query(BasisPlot):
            names = self._snapshot.activation_names if self._snapshot is not None else ()
            basis.hidden, basis.output = (names[-2], names[-1]) if len(names) > 1 else ("", "")
            basis.data, basis.combined, basis.display = d, alone, parts
            basis.refresh()
        many = d is not None and d.n_inputs > 2 and d.task != "regression"
        for panel in self.query(ResultsPanel):
            panel.display = many
            if many and self._snapshot is not None:
                panel.show(self._snapshot)
        s = self._snapshot
        for plot in self.query(PredictedPlot):
            plot.data = d
            plot.display = d is not None and d.train_predicted is not None
            if s is not None:
                plot.target_name = s.output_names[0] if s.output_names else ""
                plot.scores = (s.val_r2, s.val_rmse)
            plot.refresh()

    def on_resize(self) -> None:
        self.on_mount()  # the fit and its parts: on one plot or two

    def toggle_validation(self) -> None:
        """Show or hide the validation points."""
        self.show_validation = not self.show_validation

    def render_line(self, y: int) -> Strip:
        """Line y; the whole panel is drawn once per snapshot, toggle, size and style."""
        width, height = self.size
        base = self.rich_style
        key = (self._key, self.show_validation, width, height, base)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.draw(width, height, base))
        strips = self._cache[1]
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, base)

    def draw(self, width: int, height: int, base: Style | None = None) -> list[Strip]:
        """The whole panel as ``height`` strips of ``width`` cells."""
        d, base = self.data, base or Style()
        if d is None:
            return draw_message("no data yet", width, height, base)
        if d.grid is not None:
            return draw_map(d, width, height, self.show_validation, base)
        if d.curve_x is not None:
            return []  # the FitPlot child covers the panel
        if d.n_inputs > 2 and d.task != "regression" or d.train_predicted is not None:
            return []  # the ResultsPanel or the PredictedPlot child covers the panel
        return draw_message(self._many_inputs(d.n_inputs), width, height, base)

    def _many_inputs(self, n: int) -> str:
        """What is true of a regression of n > 2 inputs: no plane to draw, its R²."""
        s = self._snapshot
        if n <= 2 or s is None:
            return "no data"
        r2 = "" if math.isnan(s.val_r2) else f"validation R² {s.val_r2:.4g}, "
        r2 += "" if math.isnan(s.train_r2) else f"training R² {s.train_r2:.4g}. "
        return (
            f"{r2}{n} inputs have no plane to draw the model over: the loss curve and R² "
            "(status line) say how it fits"
        )
