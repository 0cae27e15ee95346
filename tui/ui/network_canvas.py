"""The network panel's canvas: cells of code points and style indices, into which the
network view (the weights, the neurons' maps) and the graph of one sample draw.

Connections are braille lines (2x4 dots per cell): a cell keeps every dot drawn through
it and the style of the strongest line among them.
"""

from __future__ import annotations

import numpy as np
from rich.style import Style

from ..snapshot import Snapshot
from .colours import NEGATIVE, POSITIVE, SELECTED

# Style indices: 0 plain; 1-3 w >= 0 (or a bias > 0, a w·δ >= 0) by size: small, medium,
# large; 4-6 the same below 0; 7 the selected connection, 8 its two neurons (or the graph's
# neuron); 9 bold: what the last phase worked on; 10 faint; 11 a dead neuron; 12 a map's cell
DEAD_COLOUR = "#ef4444"
STYLES = [
    Style.parse(s)
    for s in (
        "none",
        *(f"{b} {c}".strip() for c in (POSITIVE, NEGATIVE) for b in ("dim", "", "bold")),
        f"bold {SELECTED}",
        f"bold reverse {SELECTED}",
        "bold",
        "dim italic",
        f"bold {DEAD_COLOUR}",
    )
]
SEL_LINE, SEL_NEURON, BOLD, FAINT, DEAD, MAP = 7, 8, 9, 10, 11, 12

# the bit of each braille dot, by 2 * (dot row 0-3) + (dot column 0-1) inside a cell
BITS = np.array([0, 3, 1, 4, 2, 5, 6, 7], np.int32)


# an activation's short name in a column's label where room is short ("8σ": 8 sigmoid
# neurons); the help's legend lists them
SHORT_NAMES = {
    "linear": "l", "sigmoid": "σ", "tanh": "t", "relu": "r", "leaky_relu": "lr", "elu": "e",
    "softplus": "sp", "swish": "sw", "gelu": "g", "softmax": "sm",
}  # fmt: skip


def column_labels(snap: Snapshot, level: int) -> list[str]:
    """Column labels, shorter with each level: "128 relu", "128r", "128"."""
    labels = []
    for n, act in zip(snap.sizes, ("in", *snap.layer_names), strict=True):
        short = f"{n}{SHORT_NAMES.get(act, act[:2])}" if level == 1 and act != "in" else f"{n}"
        labels.append(f"{n} {act}" if level == 0 else short)
    return labels


def line_dots(x0: int, x1: int, y0: np.ndarray, y1: np.ndarray) -> list[np.ndarray]:
    """Dots of the straight lines (x0, y0[l]) -> (x1, y1[l]): X, Y and l, flat (int32).

    One dot per dot column or row, whichever are more; lines are sampled in four groups of
    similar slope so that shallow lines do not take as many samples as the steepest.
    """
    dy = np.abs(y1 - y0)
    order = np.argsort(dy, kind="stable")
    parts = []
    for group in np.array_split(order, min(4, len(order))):
        t = np.linspace(0.0, 1.0, int(max(x1 - x0, dy[group[-1]])) + 1)
        y = np.rint(y0[group, None] + (y1 - y0)[group, None] * t).ravel()
        parts.append((np.tile(np.rint(x0 + (x1 - x0) * t), len(group)), y, group.repeat(len(t))))
    return [np.concatenate(column).astype(np.int32) for column in zip(*parts, strict=True)]


def connections(
    values: list[np.ndarray | None],
    ends: list[tuple[int, int]],
    dots_y: list[np.ndarray],
    canvas: tuple[np.ndarray, np.ndarray],
    dim: set[int],
    highlight: list[tuple[int, int, int]],
    tops: list[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rasterise the connections of the drawn neurons into the cells of ``canvas``.

    ``values[k]`` (sizes[k], sizes[k+1]): what colours layer k's lines (the weights, or
    the graph's w·δ), its first rows and columns those of the drawn neurons; None draws
    them faint. Each line's style: blue >= 0, orange < 0, dim / normal / bold by |value|
    over ``tops[k]`` (by default the layer's largest |value|).
    canvas: (code points, style indices), each (height, width); ``ends[c]``: the first and
    last cell of neuron column c (a dot, or a map), lines leave after the last and arrive
    before the first; ``dots_y[c]``: the dot row of each drawn neuron of column c. Layers
    in ``dim`` are dimmed; the ``highlight`` lines (k, i, j) are drawn alone on top.
    Returns which line each cell shows, for the mouse: (height * width,) an index into
    the (k, i, j) rows of the second array, or -1.
    """
    codes, styles = canvas[0].reshape(-1), canvas[1].reshape(-1)  # views
    width = canvas[0].shape[1]

    def raster(k: int, src: np.ndarray, dst: np.ndarray) -> list[np.ndarray]:
        """Cell index, dot bit and line of every dot of the lines src[l] -> dst[l] of layer k."""
        x0, x1 = 2 * ends[k][1] + 2, 2 * ends[k + 1][0] - 1  # from after a neuron to before
        x, y, line = line_dots(x0, x1, np.asarray(src), np.asarray(dst))
        return [(y >> 2) * width + (x >> 1), BITS[(y & 3) * 2 + (x & 1)], line]

    dots = np.zeros(codes.size * 8, bool)
    best = np.full(codes.size, -1, np.intp)  # the strongest line through each cell (by rank)
    line_styles: list[np.ndarray] = []  # style of each line, by rank
    by_rank: list[np.ndarray] = []  # (k, i, j) of each line, by rank
    for k, w in enumerate(values):
        src, dst = dots_y[k], dots_y[k + 1]
        if ends[k + 1][0] - ends[k][1] < 2 or not len(src) or not len(dst):
            continue
        if w is None:  # no value yet: every line faint
            w, faint = np.zeros((len(src), len(dst))), True
        else:
            faint = False
        size = np.abs(np.nan_to_num(w))  # a diverged run must still draw
        top = (tops[k] if tops else float(size.max(initial=0.0))) or 1.0
        size = size[: len(src), : len(dst)].ravel()  # lines in row-major (i, j) order
        tier = np.minimum((size / top * 3).astype(np.intp), 0 if k in dim else 2)
        order = np.argsort(size, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order)) + sum(map(len, line_styles))
        style = 1 + tier + 3 * (w[: len(src), : len(dst)].ravel() < 0)
        line_styles.append(np.full(len(order), FAINT) if faint else style[order])
        i, j = divmod(order, len(dst))
        by_rank.append(np.column_stack([np.full(len(order), k), i, j]))
        cell, bit, line = raster(k, np.repeat(src, len(dst)), np.tile(dst, len(src)))
        dots[cell * 8 + bit] = True
        np.maximum.at(best, cell, rank[line])
    if line_styles:
        bits = np.packbits(dots.reshape(-1, 8), axis=1, bitorder="little").ravel()
        hit = best >= 0
        codes[hit] = 0x2800 + bits[hit].astype(codes.dtype)
        styles[hit] = np.concatenate(line_styles)[best[hit]]
    for k, i, j in highlight:
        if not 0 <= k < len(values) or ends[k + 1][0] - ends[k][1] < 2:
            continue
        if 0 <= i < len(dots_y[k]) and 0 <= j < len(dots_y[k + 1]):
            cell, bit, _ = raster(k, dots_y[k][i : i + 1], dots_y[k + 1][j : j + 1])
            own = np.zeros(codes.size, np.intp)  # only its own dots, on top
            np.bitwise_or.at(own, cell, 1 << bit)
            codes[own > 0], styles[own > 0] = 0x2800 + own[own > 0], SEL_LINE
    lines = np.concatenate(by_rank) if by_rank else np.zeros((0, 3), np.intp)
    return best, lines


def weight_exists(snap: Snapshot, line: tuple[int, int, int]) -> bool:
    """Whether the connection (k, i, j) is one of this network's."""
    k, i, j = line
    return 0 <= k < len(snap.weights) and 0 <= i < snap.sizes[k] and 0 <= j < snap.sizes[k + 1]
