"""The data view of a regression over more than 2 inputs: the model's prediction against the
actual target for each row (training and validation points, in the loss plot's colours),
and the diagonal y = x where every point of a perfect fit would lie (plotext)."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ...snapshot import DataView
from ..colours import TRAIN, VAL
from ..halfblocks import rgb
from ..ticks import nice_ticks, unique_labels

MAX_POINTS = 400  # per set (plotext's cost is linear in points)
DIAGONAL = (150, 150, 150)


def pairs(actual, predicted, most: int) -> tuple[np.ndarray, np.ndarray]:
    """(actual, predicted) of the rows where both are finite, at most about ``most`` (every
    k-th row); the first output of each."""
    if predicted is None or actual is None:
        return np.zeros(0), np.zeros(0)
    a = np.asarray(actual, float).reshape(len(actual), -1)[:, 0]
    p = np.asarray(predicted, float).reshape(len(predicted), -1)[:, 0]
    n = min(len(a), len(p))
    a, p = a[:n], p[:n]
    keep = np.isfinite(a) & np.isfinite(p)
    step = max(1, -(-int(keep.sum()) // most))
    return a[keep][::step], p[keep][::step]


def title(r2: float, rmse: float, name: str, width: int) -> str:
    """The longest that fits in ``width``: 'price: predicted (↑) against actual (→);
    validation R² 0.91, RMSE 20.3', without the scores, without the name, or shortest
    'predicted ↑ actual →'."""
    what = "predicted (↑) against actual (→)"
    scores = "" if math.isnan(r2) else f"; validation R² {r2:.3g}, RMSE {rmse:.4g}"
    named = f"{name or 'y'}: {what}"
    for text in (named + scores, named, what):
        if len(text) <= width:
            return text
    return "predicted ↑ actual →"


class PredictedPlot(PlotextPlot):
    """Predicted against actual, with the diagonal; the points of both sets on it."""

    data: DataView | None = None
    target_name = ""  # the target's name
    scores = (math.nan, math.nan)  # validation R², RMSE

    def render(self) -> RenderResult:
        """Rebuild the figure from the data on every render (see loss_plot)."""
        plt, d, (width, height) = self.plt, self.data, self.size
        plt.clear_data()
        if d is None or d.train_predicted is None:
            return Text("")
        heading = title(*self.scores, self.target_name, width - 2)
        plt.title(heading)
        train = pairs(d.train_y, d.train_predicted, MAX_POINTS)
        val = pairs(d.val_y, d.val_predicted, MAX_POINTS)
        values = np.concatenate([*train, *val])
        if width < 16 or height < 6 or not values.size:
            return Text(heading if values.size else f"{heading}\nnothing finite to draw")
        lo, hi = float(values.min()), float(values.max())
        hi = hi if hi > lo else lo + 1.0
        plt.plot([lo, hi], [lo, hi], marker="braille", color=DIAGONAL, label="y = x")
        for (a, p), colour, label in ((train, TRAIN, "train"), (val, VAL, "val")):
            if a.size:
                rgb_colour = tuple(rgb(colour).astype(int).tolist())
                plt.scatter(a.tolist(), p.tolist(), marker="dot", color=rgb_colour, label=label)
        ticks = nice_ticks(lo, hi, max(2, min(6, width // 10)))
        plt.xticks(ticks, unique_labels(ticks))
        ticks = nice_ticks(lo, hi, max(2, min(5, (height - 3) // 2)))
        plt.yticks(ticks, unique_labels(ticks))
        return super().render()
