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

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ...snapshot import Config, Ghost, Landscape, Snapshot, Surface
from ..colours import GHOSTS, SELECTED
from ..fields import ghost_label
from ..fit import first_fit
from ..shading import PATH, cell_strips, path_lines, rgb, shades
from .landscape_view import draw_landscape

MARKS = {"path": ("•", PATH), "now": ("●", SELECTED), "truth": ("✕", "#22c55e")}
BATCH = "#2dd4bf"  # the mini-batches' steps: apart from ●'s yellow and the ghosts'


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


def footer(s: Surface, width: int, k: int = 0) -> str:
    """What the marks are and the axes' ranges; the marks' words go first when short. k:
    the batch steps' magnification (0: none drawn)."""
    m0, m1, b0, b1 = s.extent
    axes = f"m {m0:.2g}…{m1:.2g} → b {b0:.2g}…{b1:.2g} ↑"
    at = f"m {s.truth[0]:g}, b {s.truth[1]:g}" if s.truth else ""
    mark, short = (f"✕ true {at}", f"✕ {at}") if s.truth else ("+ lowest", "+ lowest")
    options = [f"• path  {mark}  {axes}", f"{mark}  {axes}", f"{short} │ {axes}", axes]
    if k:
        times = f" ×{k}" if k > 1 else ""
        cloud, tight = f"· batch steps ◆ full{times}", f"·◆{times}"
        options = [f"{cloud}  {short} │ {axes}", f"{cloud} │ {axes}", f"{tight} │ {axes}", axes]
    return first_fit(options, width)


def ghost_legend(entries: list[tuple[str, str]], width: int, base: Style) -> Strip:
    """One line naming each ghost's path in its colour: "━ batch 1  ━ batch full"; each
    label cut to its first words when they do not all fit."""
    for cut in (None, 16, 8, 0):  # label[:None] is all of it
        texts = [f"━ {label[:cut].rstrip()}".rstrip() for label, _ in entries]
        if sum(len(t) + 2 for t in texts) - 2 <= width:
            break
    segments = []
    for text, (_, colour) in zip(texts, entries, strict=True):
        segments += [Segment(text, base + Style(color=colour)), Segment("  ", base)]
    return Strip(segments[:-1]).crop(0, width)


def magnified(s: Surface) -> tuple[np.ndarray, np.ndarray, int]:
    """The batch steps (n, 2) and the full step (2,) as drawn: from ``now``, ``k`` times
    longer (1, 2, 5, 10, 20 ...) when the longest would span under a tenth of the view, so
    that the cloud can be seen; and k."""
    now = np.array(s.now)
    steps, full = np.asarray(s.batch_steps) - now, np.array(s.full_step) - now
    span = np.array([s.extent[1] - s.extent[0], s.extent[3] - s.extent[2]])
    with np.errstate(all="ignore"):
        reach = float(np.nanmax(np.abs(np.vstack([steps, full]) / span), initial=0.0))
    ladder = [m * 10**e for e in range(7) for m in (1, 2, 5)]  # 1, 2, 5, 10, 20 ...
    k = next((k for k in ladder if not 0 < reach * k < 0.1), ladder[-1])
    return now + k * steps, now + k * full, k


def draw_surface(
    s: Surface, width: int, height: int, base: Style, labels: tuple[str, ...] = ()
) -> list[Strip]:
    """Title line, ``height - 2`` rows of the map (one less with ghosts: their legend),
    legend line. ``labels``: the ghosts' names, one per ``s.ghost_paths``."""
    named = enumerate(zip(s.ghost_paths, labels, strict=False))
    ghosts = [(p, GHOSTS[k % len(GHOSTS)], label) for k, (p, label) in named if len(p)]
    body = height - 2 - bool(ghosts)
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
        glyphs[r, c], colours[r, c], bottom[r, c] = glyph, rgb(colour), (top + under)[r, c] / 2

    for path, colour, _ in ghosts:  # under the live path
        seen = inside(path, s.extent)
        segments = [(path[i], path[i + 1]) for i in np.flatnonzero(seen[:-1] & seen[1:])]
        lines = path_lines(segments, s.extent, body, width)
        r, c = np.nonzero(lines)
        if len(r):
            mark(r, c, np.array([chr(0x2800 + int(b)) for b in lines[r, c]], object), colour)
        cell = cell_of(path[-1], s.extent, 2 * body, width)
        if cell is not None:  # where it ended
            mark(cell[0] // 2, cell[1], "○", colour)
    k = 0
    if s.batch_steps is not None and s.full_step is not None:
        steps, full, k = magnified(s)
        lines = path_lines([(np.array(s.now), full)], s.extent, body, width)
        r, c = np.nonzero(lines)
        if len(r):
            mark(r, c, np.array([chr(0x2800 + int(b)) for b in lines[r, c]], object), PATH)
        r, c = cells_of(steps, s.extent, 2 * body, width)
        if len(r):
            mark(r // 2, c, "·", BATCH)
        cell = cell_of(full, s.extent, 2 * body, width)
        if cell is not None:
            mark(cell[0] // 2, cell[1], "◆", PATH)
    live = SELECTED if ghosts else PATH  # beside the ghosts' (the first is white): ●'s colour
    leaving = exits(s.path, s.extent)
    seen = inside(s.path, s.extent)
    segments = [(s.path[i], s.path[i + 1]) for i in np.flatnonzero(seen[:-1] & seen[1:])]
    segments += [(s.path[i], edge) for i, edge, _ in leaving]  # up to the edge
    lines = path_lines(segments, s.extent, body, width)
    r, c = np.nonzero(lines)
    if len(r):
        mark(r, c, np.array([chr(0x2800 + int(b)) for b in lines[r, c]], object), live)
    r, c = cells_of(s.path, s.extent, 2 * body, width)
    if len(r):
        mark(r // 2, c, MARKS["path"][0], live)
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

    off = cell_of(s.now, s.extent, 2 * body, width) is None
    strips = [Strip([Segment(header(s, width, off), base)])]
    if ghosts:
        strips.append(ghost_legend([(label, colour) for _, colour, label in ghosts], width, base))
    strips += cell_strips(glyphs, colours, bottom, base)
    strips.append(Strip([Segment(footer(s, width, k), base + Style(dim=True))]))
    return [strip.adjust_cell_length(width, base) for strip in strips]


class SurfacePanel(Widget):
    """The loss surface for y = m x + b, the loss landscape of any other network, or a note
    saying why there is none yet."""

    DEFAULT_CSS = "SurfacePanel { width: 1fr; height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.surface: Surface | None = None
        self.landscape: Landscape | None = None
        self.ghosts: tuple[Ghost, ...] = ()
        self.config: Config | None = None
        self.note = "pausing or training draws the loss surface here"
        self._key: tuple | None = None

    def show(self, snapshot: Snapshot) -> None:
        key = (snapshot.seq, snapshot.steps, snapshot.epoch)
        if key != self._key:
            self._key = key
            self.surface, self.landscape = snapshot.surface, snapshot.landscape
            self.ghosts, self.config = snapshot.ghosts, snapshot.config
            self.note = snapshot.surface_note or self.note
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
                labels = tuple(ghost_label(g, self.config) for g in self.ghosts)
                strips = draw_surface(self.surface, width, height, base, labels)
            elif self.landscape is not None:
                strips = draw_landscape(self.landscape, width, height, base)
            else:
                lines = textwrap.wrap(self.note, max(width, 1))
                strips = [Strip([Segment(line, base + Style(dim=True))]) for line in lines]
            self._cache = (key, strips)
        return self._cache[1]
