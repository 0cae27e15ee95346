"""The loss surface of y = m x + b: the training loss over the (m, b) plane, shaded in bands
(contours) from low (blue) to high (the background), with the path gradient descent took.

Half blocks "▀" give two shaded pixels per cell; on top, the path (a "•" at each point,
joined by braille lines, oldest to newest), the weights now "●", and the truth the data was
made with "✕" (or the lowest point "+"). Where the path leaves the view (a run that
diverges), an arrow on the edge points the way it went, and the last one says where to
("↓ b -32.3").
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
from ..fit import first_fit

BANDS = 8  # contour bands from the lowest loss to the highest in view (log scale)
PATH = "#e5e7eb"
MARKS = {"path": ("•", PATH), "now": ("●", SELECTED), "truth": ("✕", "#22c55e")}
# the bit of each braille dot, by 2 * (dot row 0-3) + (dot column 0-1) inside a cell
BRAILLE_BITS = np.array([0, 3, 1, 4, 2, 5, 6, 7], np.int32)


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


ARROWS = "→↗↑↖←↙↓↘"  # by the direction's angle, counter-clockwise from east in eighths


def inside(path: np.ndarray, extent: tuple) -> np.ndarray:
    """Which points (k, 2) of the path lie in the view, (k,) bool (nan and inf do not)."""
    m0, m1, b0, b1 = extent
    return (path[:, 0] >= m0) & (path[:, 0] <= m1) & (path[:, 1] >= b0) & (path[:, 1] <= b1)


def exits(path: np.ndarray, extent: tuple) -> list[tuple[int, np.ndarray, str]]:
    """Where the path (k, 2) leaves the view: for each step i from a point inside to one
    outside (or not finite), (i, the point (m, b) on the edge where it crosses, an arrow
    pointing the way it went)."""
    m0, m1, b0, b1 = extent
    lo, hi, span = np.array([m0, b0]), np.array([m1, b1]), np.array([m1 - m0, b1 - b0])
    seen = inside(path, extent)
    out = []
    for i in np.flatnonzero(seen[:-1] & ~seen[1:]):
        p, q = path[i], path[i + 1]
        with np.errstate(all="ignore"):
            d = (q - p) / span  # in fractions of the view
            d = np.where(np.isfinite(d), d, np.sign(np.nan_to_num(q - p, posinf=1, neginf=-1)))
            room = np.where(d > 0, (hi - p) / span, np.where(d < 0, (lo - p) / span, np.inf))
            t = float(np.min(np.abs(room / np.where(d == 0, np.nan, d)), initial=np.inf))
        t = t if np.isfinite(t) else 0.0
        edge = np.clip(p + t * d * span, lo, hi)
        angle = np.arctan2(d[1], d[0] * 2)  # a cell is about twice as tall as wide
        arrow = ARROWS[int(np.round(angle / (np.pi / 4))) % 8]
        out.append((int(i), edge, arrow))
    return out


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


def cells_of(points: np.ndarray, extent: tuple, rows: int, cols: int) -> tuple:
    """(pixel rows, columns) of the points (k, 2) inside a rows x cols picture of
    ``extent``, as cell_of gives them one by one (the points outside left out)."""
    m0, m1, b0, b1 = extent
    points = points[inside(points, extent)]
    fx, fy = (points[:, 0] - m0) / (m1 - m0), (b1 - points[:, 1]) / (b1 - b0)
    r = np.minimum((fy * rows).astype(int), rows - 1)
    return r, np.minimum((fx * cols).astype(int), cols - 1)


def away(point: np.ndarray, extent: tuple) -> str:
    """The coordinates of a point off the view that lie outside it: "b -32.3", "m 15 b 140"."""
    m0, m1, b0, b1 = extent
    parts = [
        f"{name} {value:.3g}"
        for name, value, lo, hi in (("m", point[0], m0, m1), ("b", point[1], b0, b1))
        if not lo <= value <= hi
    ]
    return " ".join(parts)


def header(s: Surface, width: int, off: bool) -> str:
    """The weights now, and which loss the shading is: as much as fits."""
    m, b = s.now
    where = f"● m {m:.3g}  b {b:.3g}" + (" off the view" if off else "")
    short = f"● m {m:.3g} b {b:.3g}" + (" off" if off else "")
    return first_fit([f"{s.loss_name} over (m, b): {where}", where, short, "●"], width)


def footer(s: Surface, width: int) -> str:
    """What the marks are and the axes' ranges; the marks' words go first when short."""
    m0, m1, b0, b1 = s.extent
    axes = f"m {m0:.2g}…{m1:.2g} → b {b0:.2g}…{b1:.2g} ↑"
    at = f"m {s.truth[0]:g}, b {s.truth[1]:g}" if s.truth else ""
    mark, short = (f"✕ true {at}", f"✕ {at}") if s.truth else ("+ lowest", "+ lowest")
    options = [f"• path  {mark}  {axes}", f"{mark}  {axes}", f"{short} │ {axes}", axes]
    return first_fit(options, width)


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
    colours, under = top.copy(), bottom.copy()

    def mark(r, c, glyph, colour: str) -> None:
        """Glyph(s) at cell rows r, columns c (ints or arrays) over both pixels' mean."""
        glyphs[r, c], colours[r, c], bottom[r, c] = glyph, _rgb(colour), (top + under)[r, c] / 2

    leaving = exits(s.path, s.extent)
    seen = inside(s.path, s.extent)
    segments = [(s.path[i], s.path[i + 1]) for i in np.flatnonzero(seen[:-1] & seen[1:])]
    segments += [(s.path[i], edge) for i, edge, _ in leaving]  # up to the edge
    lines = path_lines(segments, s.extent, body, width)
    r, c = np.nonzero(lines)
    if len(r):
        mark(r, c, np.array([chr(0x2800 + int(b)) for b in lines[r, c]], object), PATH)
    r, c = cells_of(s.path, s.extent, 2 * body, width)
    if len(r):
        mark(r // 2, c, MARKS["path"][0], MARKS["path"][1])
    for point, kind in [(s.truth or s.lowest, "truth"), (s.now, "now")]:  # the latest on top
        cell = cell_of(point, s.extent, 2 * body, width)
        if cell is not None:
            mark(cell[0] // 2, cell[1], *MARKS[kind])
    for index, (i, edge, arrow) in enumerate(leaving):
        cell = cell_of(edge, s.extent, 2 * body, width)
        if cell is None:
            continue
        mark(cell[0] // 2, cell[1], arrow, SELECTED)
        if index == len(leaving) - 1:  # the last exit says where the path went
            label = away(s.path[i + 1], s.extent)
            row, col = cell[0] // 2, cell[1]
            start = col + 2 if col + 2 + len(label) <= width else col - 1 - len(label)
            for k, ch in enumerate(label if start >= 0 else ""):
                mark(row, start + k, ch, SELECTED)

    def style(fg: np.ndarray, back: np.ndarray) -> Style:
        return base + Style(
            color=RichColor.from_rgb(*fg.astype(int)), bgcolor=RichColor.from_rgb(*back.astype(int))
        )

    off = cell_of(s.now, s.extent, 2 * body, width) is None
    strips = [Strip([Segment(header(s, width, off), base)])]
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
    strips.append(Strip([Segment(footer(s, width), base + Style(dim=True))]))
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
