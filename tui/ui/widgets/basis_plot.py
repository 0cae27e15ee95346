"""Under the 1-D fit, what builds it: each neuron of the last hidden layer as the curve it
adds to the output, a_j(x)·w_j (its output a_j times its weight to the output, w_j =
W_L[j, 0]), over the same x as the fit.

    z(x) = Σ_j a_j(x)·w_j + b        (b the output's bias)

For a linear output the fit is z itself, the sum of these curves plus b (a tanh network
builds a sine from bumps); for a sigmoid or softmax output the fit is f(z), and the plot
draws z, the sum before that activation, over the parts. The curves are the worker's
(DataView.basis, basis_sum); up to five are drawn each in its own colour (those that vary
most), the others summed into one grey curve. A panel too short for two plots draws the
data, the parts and the fit on one (for a linear output; z over its parts otherwise).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ...snapshot import DataView
from ..colours import CLASSES, NEGATIVE, POSITIVE
from ..fit import first_fit
from ..halfblocks import rgb
from ..numbers import num
from ..ticks import nice_ticks, unique_labels

PART_COLOURS = CLASSES[2:]  # not the points' orange nor the fit's blue
OTHERS = "#9ca3af"  # grey: the sum of the parts not drawn each in a colour
SPLIT_HEIGHT = 16  # rows from which the parts get a plot of their own under the fit
MAX_POINTS = 400  # the data's points drawn with them, at most (plotext's cost is linear)


def biggest(parts: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The indices of the curves (rows of ``parts``) to draw each in its colour: all if
    they are ``most`` or fewer, else the most - 1 that vary most (max - min), in neuron
    order; and the sum of the others (None when all are kept)."""
    if len(parts) <= most:
        return np.arange(len(parts)), None
    span = np.nan_to_num(np.ptp(parts, axis=1), nan=-1.0)
    kept = np.sort(np.argsort(-span, kind="stable")[: most - 1])
    rest = np.setdiff1d(np.arange(len(parts)), kept)
    return kept, parts[rest].sum(axis=0)


def titles(data: DataView, hidden: str, output: str, combined: bool) -> list[str]:
    """What the plot shows, most complete first: whose curves, and what their sum is."""
    n, bias = len(data.basis), data.basis_bias
    b = f"{'-' if bias < 0 else '+'} {num(abs(bias), '.3g')}"  # "sum - 0.04"
    linear = output in ("linear", "")
    who = f"{n} {hidden} neuron{'s' if n > 1 else ''}"
    grey = f" ({n - len(PART_COLOURS) + 1} in grey)" if n > len(PART_COLOURS) else ""
    if not linear:  # the sum drawn is z, the fit (above, or on a taller panel) f(z)
        fit = "its softmax" if output == "softmax" else f"{output}(z)"
        return [
            f"z (blue) = Σ a·w of the {who}{grey} {b}, the fit {fit}",
            f"z (blue) = Σ a·w of the {who} {b}",
            f"z (blue) = Σ a·w {b}",
            "z = Σ a·w + b",
        ]
    if combined:  # the fit and the parts on one plot
        return [
            f"fit (blue) = Σ a·w of the {who}{grey} {b}",
            f"fit (blue) = Σ a·w {b}",
            f"fit = Σ a·w {b}",
            "fit = Σ a·w + b",
        ]
    return [
        f"a·w of each of the {who}{grey}: their sum {b} is the fit",
        f"a·w of the {who}: sum {b} = the fit",
        f"a·w: sum {b} = the fit",
        "sum + b = fit",
    ]


class BasisPlot(PlotextPlot):
    """Each last hidden neuron's part of the output over x, under the fit; on a short
    panel (``combined``) the data and the fit on the same plot, drawn over the parts."""

    data: DataView | None = None
    hidden = ""  # the last hidden layer's activation
    output = ""  # the output layer's: the fit is the sum itself only for "linear"
    combined = False

    def render(self) -> RenderResult:
        """Rebuild the figure from the data on every render (see loss_plot)."""
        plt, d, (width, height) = self.plt, self.data, self.size
        plt.clear_data()
        if d is None or d.basis is None or d.curve_x is None:
            return Text("")
        title = first_fit(titles(d, self.hidden, self.output, self.combined), max(width - 2, 1))
        plt.title(title)
        x = np.asarray(d.curve_x, float)
        parts = np.where(np.isfinite(d.basis), d.basis, np.nan)
        kept, rest = biggest(parts, len(PART_COLOURS))
        curves = [(parts[j], PART_COLOURS[i]) for i, j in enumerate(kept)]
        curves += [(rest, OTHERS)] if rest is not None else []
        linear = self.output in ("linear", "")
        if (self.combined or not linear) and d.basis_sum is not None:  # their sum, on top
            curves = [*curves, (np.asarray(d.basis_sum, float), POSITIVE)]
        drawn = [(y, c) for y, c in curves if np.isfinite(y).any()]
        if width < 16 or height < 4 or not drawn:
            return Text(title if drawn else f"{title}\nnothing finite to draw")
        values = [y[np.isfinite(y)] for y, _ in drawn]
        if self.combined and linear:  # the sum is the fit: the data under everything
            px, py = (np.asarray(v, float).ravel() for v in (d.train_x, d.train_y[:, 0]))
            keep = np.isfinite(px) & np.isfinite(py)
            step = max(1, -(-int(keep.sum()) // MAX_POINTS))
            px, py = px[keep][::step], py[keep][::step]
            plt.scatter(px.tolist(), py.tolist(), marker="dot", color=rgb_of(NEGATIVE))
            values.append(py)
        for y, colour in drawn:
            keep = np.isfinite(y)
            plt.plot(x[keep].tolist(), y[keep].tolist(), marker="braille", color=rgb_of(colour))
        values = np.concatenate(values)
        xt = nice_ticks(float(x.min()), float(x.max()), max(2, min(6, width // 10)))
        yt = nice_ticks(float(values.min()), float(values.max()), max(2, min(4, (height - 3) // 2)))
        plt.xticks(xt, unique_labels(xt))
        plt.yticks(yt, unique_labels(yt))
        return super().render()


def rgb_of(colour: str) -> tuple[int, ...]:
    return tuple(rgb(colour).astype(int).tolist())
