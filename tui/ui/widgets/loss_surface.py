"""The loss surface of y = m x + b: the training loss over the (m, b) plane, shaded in bands
(contours) from low (blue) to high (the background), with the path gradient descent took.

Half blocks "▀" give two shaded pixels per cell; on top, the path "·" (oldest to newest),
the weights now "●", and the truth the data was made with "✕" (or the lowest point "+").
A small learning rate crawls down the valley, a good one goes straight in, a too-large one
zig-zags across it and out.
"""

from __future__ import annotations

import textwrap
from itertools import pairwise

import numpy as np
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ...snapshot import Snapshot, Surface
from ..colours import POSITIVE, SELECTED

BANDS = 8  # contour bands from the lowest loss to the highest in view (log scale)
MARKS = {"path": ("·", "#e5e7eb"), "now": ("●", SELECTED), "truth": ("✕", "#22c55e")}


def _rgb(colour: str) -> np.ndarray:
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
    rgb = background + (_rgb(POSITIVE) - background) * (0.15 + 0.7 * weight)[..., None]
    rgb += np.where(band % 2, 12.0, 0.0)[..., None]  # alternate bands: contour lines
    return np.clip(np.rint(rgb), 0, 255)


def cell_of(point: tuple[float, float], extent: tuple, rows: int, cols: int):
    """(pixel row, column) of (m, b) in a rows x cols picture of ``extent``, or None."""
    m0, m1, b0, b1 = extent
    fx, fy = (point[0] - m0) / (m1 - m0), (b1 - point[1]) / (b1 - b0)
    if not (np.isfinite(fx) and np.isfinite(fy) and 0 <= fx <= 1 and 0 <= fy <= 1):
        return None
    return min(int(fy * rows), rows - 1), min(int(fx * cols), cols - 1)


def draw_surface(s: Surface, width: int, height: int, base: Style) -> list[Strip]:
    """Title line, ``height - 2`` rows of the map, legend line."""
    body = height - 2
    if width < 8 or body < 2:
        return []
    bg = np.array(base.bgcolor.get_truecolor() if base.bgcolor else (0, 0, 0), float)
    R, C = s.grid.shape
    rows = np.rint((np.arange(2 * body) + 0.5) / (2 * body) * (R - 1)).astype(int)
    cols = np.rint((np.arange(width) + 0.5) / width * (C - 1)).astype(int)
    pixels = shades(s.grid[np.ix_(rows, cols)], bg)  # (2 body, width, 3)
    top, bottom = pixels[0::2], pixels[1::2]
    glyphs = np.full((body, width), "▀", object)
    colours = top.copy()
    marks = [(p, "path") for p in map(tuple, s.path)]
    marks += [(s.truth or s.lowest, "truth"), (s.now, "now")]  # the latest on top
    for point, kind in marks:
        cell = cell_of(point, s.extent, 2 * body, width)
        if cell is not None:
            r, c = cell[0] // 2, cell[1]
            glyphs[r, c], colour = MARKS[kind]
            colours[r, c], bottom[r, c] = _rgb(colour), (top[r, c] + bottom[r, c]) / 2

    def style(fg: np.ndarray, back: np.ndarray) -> Style:
        return base + Style(
            color=RichColor.from_rgb(*fg.astype(int)), bgcolor=RichColor.from_rgb(*back.astype(int))
        )

    now = f"m {s.now[0]:.3g}  b {s.now[1]:.3g}"
    mark = f"✕ true m {s.truth[0]:g}, b {s.truth[1]:g}" if s.truth else "+ lowest"
    strips = [Strip([Segment(f"{s.loss_name} over (m, b): ● {now}"[:width], base)])]
    for r in range(body):
        key = [(glyphs[r, c], tuple(colours[r, c]), tuple(bottom[r, c])) for c in range(width)]
        cuts = [0, *(c for c in range(1, width) if key[c][1:] != key[c - 1][1:]), width]
        strips.append(
            Strip(
                [
                    Segment("".join(g for g, _, _ in key[a:b]), style(colours[r, a], bottom[r, a]))
                    for a, b in pairwise(cuts)
                ]
            )
        )
    m0, m1, b0, b1 = s.extent
    legend = f"{mark} · m {m0:.2g}…{m1:.2g} → · b {b0:.2g}…{b1:.2g} ↑"
    strips.append(Strip([Segment(legend[:width], base + Style(dim=True))]))
    return [strip.adjust_cell_length(width, base) for strip in strips]


class SurfacePanel(Widget):
    """The loss surface for y = m x + b, or a note saying why this network has none."""

    DEFAULT_CSS = "SurfacePanel { width: 1fr; height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.surface: Surface | None = None
        self.note = "pausing or training draws the loss surface here"
        self._key: tuple | None = None

    def show(self, snapshot: Snapshot) -> None:
        key = (snapshot.seq, snapshot.steps, snapshot.epoch)
        if key != self._key:
            self._key = key
            self.surface, self.note = snapshot.surface, snapshot.surface_note or self.note
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style
        strips = self._strips(width, height, base)
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, base)

    def _strips(self, width: int, height: int, base: Style) -> list[Strip]:
        key = (self._key, width, height, base)
        if getattr(self, "_cache", (None,))[0] != key:
            if self.surface is not None:
                strips = draw_surface(self.surface, width, height, base)
            else:
                lines = textwrap.wrap(self.note, max(width, 1))
                strips = [Strip([Segment(line, base + Style(dim=True))]) for line in lines]
            self._cache = (key, strips)
        return self._cache[1]
