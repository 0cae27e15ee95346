"""Pictures of a loss over a plane, in terminal cells, shared by the (m, b) surface and the
landscape of any network: shading in contour bands (half blocks "▀", two pixels a cell),
lines as braille dots, and rows of cells as strips.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .colours import POSITIVE

BANDS = 8  # contour bands from the lowest loss to the highest in view (log scale)
PATH = "#e5e7eb"  # a path's colour
# the bit of each braille dot, by 2 * (dot row 0-3) + (dot column 0-1) inside a cell
BRAILLE_BITS = np.array([0, 3, 1, 4, 2, 5, 6, 7], np.int32)


def rgb(colour: str) -> np.ndarray:
    """ "#rrggbb" as an array of three floats."""
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)


def shades(grid: np.ndarray, background: np.ndarray) -> np.ndarray:
    """(rows, cols, 3) RGB: log10 of the loss in BANDS bands, low blue to high background,
    every other band a little lighter so that the bands read as contour lines."""
    logs = np.log10(np.maximum(grid, 1e-300))
    finite = logs[np.isfinite(logs)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    t = np.clip((logs - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(logs)
    band = np.minimum((t * BANDS).astype(int), BANDS - 1)
    weight = 1.0 - band / BANDS  # 1 at the lowest band
    out = background + (rgb(POSITIVE) - background) * (0.15 + 0.7 * weight)[..., None]
    out += np.where(band % 2, 12.0, 0.0)[..., None]  # alternate bands: contour lines
    return np.clip(np.rint(out), 0, 255)


def path_lines(segments: list[tuple], extent: tuple, rows: int, cols: int) -> np.ndarray:
    """The straight lines between consecutive points of the path as braille dots: per
    cell of a rows x cols picture of ``extent`` the bits of its dots (0: none), (rows, cols).
    ``segments``: ((m, b), (m, b)) pairs, both ends inside the view. One sample per dot
    along each line, all lines at once."""
    m0, m1, b0, b1 = extent
    dots = np.zeros((rows, cols), np.int32)
    if not segments:
        return dots
    ends = np.array(segments, float)  # (k, 2 ends, 2)
    x = (ends[..., 0] - m0) / (m1 - m0) * (2 * cols - 1)  # (k, 2) in dot columns
    y = (b1 - ends[..., 1]) / (b1 - b0) * (4 * rows - 1)  # and dot rows
    counts = np.maximum(np.abs(x[:, 1] - x[:, 0]), np.abs(y[:, 1] - y[:, 0])).astype(int) + 2
    line = np.repeat(np.arange(len(counts)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    t = (np.arange(counts.sum()) - first) / (counts[line] - 1)
    xs = np.clip(np.rint(x[line, 0] + (x[line, 1] - x[line, 0]) * t).astype(int), 0, 2 * cols - 1)
    ys = np.clip(np.rint(y[line, 0] + (y[line, 1] - y[line, 0]) * t).astype(int), 0, 4 * rows - 1)
    np.bitwise_or.at(dots, (ys >> 2, xs >> 1), 1 << BRAILLE_BITS[(ys & 3) * 2 + (xs & 1)])
    return dots


def cell_strips(
    glyphs: np.ndarray, colours: np.ndarray, backgrounds: np.ndarray, base: Style
) -> list[Strip]:
    """One strip per row of cells: glyphs (rows, cols) in colours (rows, cols, 3) on
    backgrounds (rows, cols, 3), runs of one style in one segment."""

    def style(fg: np.ndarray, back: np.ndarray) -> Style:
        return base + Style(
            color=RichColor.from_rgb(*fg.astype(int)), bgcolor=RichColor.from_rgb(*back.astype(int))
        )

    strips, fg, back = [], colours, backgrounds  # short names: one segment per line
    rows, width = glyphs.shape
    for r in range(rows):
        key = [(glyphs[r, c], tuple(colours[r, c]), tuple(backgrounds[r, c])) for c in range(width)]
        cuts = [0, *(c for c in range(1, width) if key[c][1:] != key[c - 1][1:]), width]
        strips.append(
            Strip(
                [
                    Segment("".join(g for g, _, _ in key[a:b]), style(fg[r, a], back[r, a]))
                    for a, b in pairwise(cuts)
                ]
            )
        )
    return strips
