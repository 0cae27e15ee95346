"""The data view: what the model computes over its input, with the data on top.

2 inputs: the model's output over the input plane in half blocks (two samples per cell),
orange through neutral to blue (class 0 to class 1; one colour per class for many classes),
training points as ● and, on request, validation points as ○.
1 input: the training points and the fitted curve; for y = m x + b, m and b beside the truth.
"""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from ..snapshot import DataView, Snapshot

ORANGE, BLUE, NEUTRAL = (249, 115, 22), (59, 130, 246), (128, 128, 128)
CLASS_COLOURS = [ORANGE, BLUE, (34, 197, 94), (168, 85, 247), (234, 179, 8), (236, 72, 153)]
MUTE = 0.4  # how far the background moves from neutral towards a class colour
STRONG = [
    (194, 65, 12),
    (29, 78, 216),
    (21, 128, 61),
    (126, 34, 206),
    (161, 98, 7),
    (190, 24, 93),
]  # the points: darker than the map behind them


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def colour_of(value: float, task: str, lo: float, hi: float) -> tuple[int, int, int]:
    """Background colour for one model output."""
    if not math.isfinite(value):
        return NEUTRAL
    if task == "multiclass":
        return mix(NEUTRAL, CLASS_COLOURS[int(value) % len(CLASS_COLOURS)], MUTE)
    if task == "regression":
        value = (value - lo) / (hi - lo) if hi > lo else 0.5
    value = min(max(value, 0.0), 1.0)
    if value < 0.5:
        return mix(NEUTRAL, ORANGE, (0.5 - value) * 2 * MUTE)
    return mix(NEUTRAL, BLUE, (value - 0.5) * 2 * MUTE)


def point_colour(label: float, task: str, lo: float, hi: float) -> tuple[int, int, int]:
    if task == "multiclass":
        return STRONG[int(label) % len(STRONG)]
    if task == "regression":
        label = (label - lo) / (hi - lo) if hi > lo else 0.5
    return STRONG[1] if label >= 0.5 else STRONG[0]


def labels_of(data: DataView, Y: np.ndarray) -> np.ndarray:
    if len(Y) == 0:
        return np.zeros(0)
    return Y.argmax(axis=1) if data.task == "multiclass" else Y[:, 0]


class DataMap(Widget):
    """The 2-D view, drawn cell by cell."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data: DataView | None = None
        self.show_validation = False

    def render(self) -> Text:
        d, w, h = self.data, self.size.width, self.size.height - 1
        if d is None or d.grid is None or w < 2 or h < 1:
            return Text("")
        grid = d.grid
        rows = np.minimum((np.arange(2 * h) * grid.shape[0]) // (2 * h), grid.shape[0] - 1)
        cols = np.minimum((np.arange(w) * grid.shape[1]) // w, grid.shape[1] - 1)
        pixels = grid[np.ix_(rows, cols)]
        finite = grid[np.isfinite(grid)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        points = self._points(d, w, h, lo, hi)
        text = Text(no_wrap=True)
        for r in range(h):
            for c in range(w):
                top = colour_of(pixels[2 * r, c], d.task, lo, hi)
                bottom = colour_of(pixels[2 * r + 1, c], d.task, lo, hi)
                if (r, c) in points:
                    glyph, fg = points[(r, c)]
                    bg = mix(top, bottom, 0.5)
                    text.append(
                        glyph,
                        Style(color=Color.from_rgb(*fg), bgcolor=Color.from_rgb(*bg), bold=True),
                    )
                else:
                    text.append(
                        "▀", Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
                    )
            text.append("\n")
        shown = len(d.train_x[:: max(1, math.ceil(len(d.train_x) / max(w * h // 4, 1)))])
        caption = f"● train {shown}/{len(d.train_x)}" + (
            "  ○ val" if self.show_validation else "  v: val"
        )
        what = {
            "binary": "P(class 1): orange 0 … blue 1",
            "multiclass": "class",
            "regression": f"y: orange {lo:.3g} … blue {hi:.3g}",
        }[d.task]
        text.append(f"{caption}  colour: {what}", style="dim")
        return text

    def _points(self, d: DataView, w: int, h: int, lo: float, hi: float) -> dict:
        """(row, col) -> (glyph, colour) for the points to draw; training points win."""
        x0, x1, y0, y1 = d.extent
        sets = [(d.train_x, d.train_y, "●")]
        if self.show_validation:
            sets.insert(0, (d.val_x, d.val_y, "○"))
        points = {}
        for X, Y, glyph in sets:
            if len(X) == 0:
                continue
            stride = max(1, math.ceil(len(X) / max(w * h // 4, 1)))  # leave the map visible
            X, Y = X[::stride], Y[::stride]
            labels = labels_of(d, Y)
            cols = ((X[:, 0] - x0) / max(x1 - x0, 1e-12) * w).astype(int).clip(0, w - 1)
            rows = ((y1 - X[:, 1]) / max(y1 - y0, 1e-12) * h).astype(int).clip(0, h - 1)
            for r, c, label in zip(rows.tolist(), cols.tolist(), labels.tolist(), strict=True):
                points[(r, c)] = (glyph, point_colour(label, d.task, lo, hi))
        return points


class FitPlot(PlotextPlot):
    """The 1-D view: training points and the fitted curve."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data: DataView | None = None

    def render(self):
        plt, d = self.plt, self.data
        plt.clear_data()
        if d is not None and d.curve_x is not None:
            x, y = d.train_x[:, 0], d.train_y[:, 0]
            keep = np.isfinite(x) & np.isfinite(y)
            plt.scatter(x[keep].tolist(), y[keep].tolist(), marker="dot", label="train")
            cx, cy = d.curve_x, d.curve_y
            keep = np.isfinite(cy)
            if keep.any():
                plt.plot(cx[keep].tolist(), cy[keep].tolist(), marker="braille", label="model")
            plt.title(self.title_text(d))
        return super().render()

    @staticmethod
    def title_text(d: DataView) -> str:
        if d.fitted:
            title = f"y = {d.fitted['m']:.3g} x + {d.fitted['b']:.3g}"
            if d.truth:
                title += f"   (true: {d.truth['m']:g} x + {d.truth['b']:g})"
            return title
        return "data and the model's curve"


class DataPanel(Container):
    """Shows whichever view fits the data: 2-D map, 1-D fit, or why neither."""

    DEFAULT_CSS = "DataPanel > * { height: 1fr; }"

    show_validation: reactive[bool] = reactive(False)
    """Draw the validation points too."""

    def compose(self) -> ComposeResult:
        yield DataMap()
        yield FitPlot()
        yield Static("", id="data-message")

    def show(self, snapshot: Snapshot) -> None:
        d = snapshot.data
        if d is None:
            return
        two, one = d.grid is not None, d.curve_x is not None
        data_map, fit = self.query_one(DataMap), self.query_one(FitPlot)
        message = self.query_one("#data-message", Static)
        data_map.display, fit.display, message.display = two, one and not two, not (one or two)
        data_map.data = fit.data = d
        data_map.show_validation = self.show_validation
        if not (one or two):
            message.update(f"the data view draws 1 or 2 inputs; this data has {d.n_inputs}")
        (data_map if two else fit).refresh()

    def toggle_validation(self) -> None:
        self.show_validation = not self.show_validation
        self.query_one(DataMap).show_validation = self.show_validation
        self.query_one(DataMap).refresh()
