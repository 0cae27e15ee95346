"""The loss landscape of any network, drawn: the loss along a line and over a plane through
the current weights θ (tui.snapshot.Landscape, from core.landscape).

The line (braille) is E(θ + α d) along the last update d: ● the weights now (α = 0), ○ where
the last update started (α = -1), ▲ where the next step of this lr lands. A step that lands
past the valley's floor and higher than ● overshoots: a too-large rate, on any network.

The plane (half blocks, shaded like the (m, b) surface: low blue, in bands) is E(θ + x d₁ +
y d₂) for x, y from -1 to 1: two random directions normalised per neuron (±1 moves each
neuron's weights by their own size), or the path's own two (t switches). On it the last
weights kept, projected (a braille line, ◦ the oldest), and ● θ in the middle.
"""

from __future__ import annotations

import math

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...snapshot import Landscape
from ..colours import NEGATIVE, SELECTED
from ..fit import first_fit
from ..shading import PATH, cell_strips, path_lines, rgb, shades

MARKS = {"now": ("●", SELECTED), "before": ("○", PATH), "next": ("▲", NEGATIVE)}
MIN_LINE, MIN_PLANE = 2, 3  # rows of each picture at the least


def number(x: float) -> str:
    """4 significant digits; "inf" for an overflow, "–" for nan."""
    return "–" if math.isnan(x) else f"{x:.4g}"


def line_range(land: Landscape) -> tuple[float, float]:
    """The loss range the line is drawn over: from its lowest value up to its highest, or,
    where it shoots up far from the marks, 4 times the marks' height above the lowest (what
    lies above is drawn on the top row)."""
    values = land.line[np.isfinite(land.line)]
    if not values.size:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    marks = [land.loss_now, on_line(land, -1.0), on_line(land, land.step_alpha)]
    top = max((m for m in marks if math.isfinite(m)), default=hi)
    if top > lo:
        hi = min(hi, lo + 4 * (top - lo))
    return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)


def on_line(land: Landscape, alpha: float) -> float:
    """E on the drawn line at ``alpha`` (interpolated between its points; nan off it)."""
    a = land.alphas
    if not len(a) or not (math.isfinite(alpha) and a[0] <= alpha <= a[-1]):
        return math.nan
    return float(np.interp(alpha, a, land.line))


def line_header(land: Landscape, width: int) -> str:
    """E now and where the next step lands: higher (overshoot) or lower."""
    now, nxt = number(land.loss_now), number(land.step_loss)
    way = "↑" if land.step_loss > land.loss_now else "↓"
    if land.direction == "none":
        return first_fit([f"{land.loss_name} now {now}: no gradient, no step", f"● {now}"], width)
    along = "the last update" if land.direction == "last" else "the next step"
    return first_fit(
        [
            f"{land.loss_name} along {along}: ● now {now}, ▲ next step → {nxt} {way}",
            f"along {along}: ● {now}  ▲ next → {nxt} {way}",
            f"● {now}  ▲ next → {nxt} {way}",
            f"● {now} ▲ {nxt}",
        ],
        width,
    )


def line_footer(land: Landscape, width: int, rows: int) -> str:
    """The α axis, what ○ is, where ▲ hides (on ● or ○, in one cell), and how far off the
    line the step's ▲ is; the hiding place goes last of all."""
    if not len(land.alphas):
        return ""
    a0, a1 = land.alphas[0], land.alphas[-1]
    unit = "× last update" if land.direction == "last" else "× next step"
    off = f"  ▲ {land.step_off:.0%} off the line" if land.step_off >= 0.05 else ""
    hidden, cells = "", mark_cells(land, width, rows)
    before = "  ○ before it" if "before" in cells else ""
    if "next" in cells and cells["next"] == cells.get("now"):  # too short a step to be seen
        hidden = "  ▲ on ●"
    elif "next" in cells and cells["next"] == cells.get("before"):
        before, hidden = "", "  ▲ on ○ (before it)"
    axis, short = f"α {a0:.2g}…{a1:.2g} {unit}", f"α {a0:.2g}…{a1:.2g}"
    options = [axis + before + hidden + off, axis + hidden + off, axis + hidden, short + hidden]
    return first_fit([*options, axis, short], width)


def column(land: Landscape, alpha: float, width: int) -> int:
    """The cell column of ``alpha`` on the line's α axis."""
    a0, a1 = float(land.alphas[0]), float(land.alphas[-1])
    return min(int((alpha - a0) / (a1 - a0) * width), width - 1)


def plane_header(land: Landscape, width: int) -> str:
    """Which plane, how far off it the path lies, how to switch; incomplete if so."""
    off = land.path_off
    where = f"path {off:.0%} off it" if math.isfinite(off) else "no path yet"
    coarse, brief = (" (coarse: time ran out)", " coarse") if not land.complete else ("", "")
    if land.plane_asked == "path" and land.plane_kind == "random":
        options = [
            f"random plane: the path's own needs 3 weights kept, there are {len(land.path)}; t",
            "random plane: path too short; t",
            "random plane",
        ]
    elif land.plane_kind == "random":
        options = [
            f"plane: 2 random directions, ±1 = each neuron's size; {where}; t: the path's" + coarse,
            f"random plane ±1: {where}; t: the path's{coarse}",
            f"random plane: {where}; t{brief}",
            f"random plane{brief}",
        ]
    else:
        options = [
            f"plane: the path's own 2 directions; {where}; t: random{coarse}",
            f"the path's plane: {where}; t: random{coarse}",
            f"path plane: {where}; t{brief}",
            f"path plane{brief}",
        ]
    return first_fit(options, width)


def filled(plane: np.ndarray) -> np.ndarray:
    """The plane with each point not computed (nan, the budget ran out) given the value of
    the nearest one computed (the coarse grid is computed first)."""
    done = ~np.isnan(plane)
    if done.all() or not done.any():
        return plane
    idx = np.argwhere(done)
    out = plane.copy()
    for i, j in np.argwhere(~done):
        k = np.argmin(((idx - (i, j)) ** 2).sum(axis=1))
        out[i, j] = plane[tuple(idx[k])]
    return out


def resample(grid: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """A (g, g) grid at rows x cols pixel centres, bilinear; row 0 of the result is the top
    (the grid's last row: y = +1)."""
    g_r, g_c = grid.shape
    ys = (np.arange(rows)[::-1] + 0.5) / rows * (g_r - 1)
    xs = (np.arange(cols) + 0.5) / cols * (g_c - 1)
    across = np.array([np.interp(xs, np.arange(g_c), row) for row in grid])  # (g_r, cols)
    return np.array([np.interp(ys, np.arange(g_r), col) for col in across.T]).T


def _canvas(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Glyphs "▀", their colours (the upper pixels) and backgrounds (the lower)."""
    rows = len(pixels) // 2
    glyphs = np.full((rows, pixels.shape[1]), "▀", object)
    return glyphs, pixels[0::2].copy(), pixels[1::2].copy()


def draw_line(land: Landscape, width: int, rows: int, bg: np.ndarray) -> list:
    """The line's rows as (glyphs, colours, backgrounds): braille on the background."""
    glyphs = np.full((rows, width), " ", object)
    colours = np.tile(bg, (rows, width, 1)).astype(float)
    back = colours.copy()
    if not len(land.alphas):
        return [glyphs, colours, back]
    lo, hi = line_range(land)
    a0, a1 = float(land.alphas[0]), float(land.alphas[-1])
    values = np.clip(np.nan_to_num(land.line, nan=hi, posinf=hi, neginf=lo), lo, hi)
    points = np.stack([land.alphas, values], axis=1)
    extent = (a0, a1, lo, hi)
    segments = list(zip(points[:-1], points[1:], strict=True))
    dots = path_lines(segments, extent, rows, width)
    r, c = np.nonzero(dots)
    glyphs[r, c] = [chr(0x2800 + int(b)) for b in dots[r, c]]
    colours[r, c] = rgb(PATH)
    for kind, (row, col) in mark_cells(land, width, rows).items():  # ● last: on top
        glyphs[row, col], colours[row, col] = MARKS[kind][0], rgb(MARKS[kind][1])
    return [glyphs, colours, back]


def mark_cells(land: Landscape, width: int, rows: int) -> dict[str, tuple[int, int]]:
    """The cell (row, column) of each mark on the line's picture: ○ before (when the line
    follows the last update), ▲ next, ● now, in the order they are drawn."""
    if not len(land.alphas):
        return {}
    lo, hi = line_range(land)
    marks = [("before", -1.0)] if land.direction == "last" else []
    cells = {}
    for kind, alpha in [*marks, ("next", land.step_alpha), ("now", 0.0)]:
        y = on_line(land, alpha)
        if math.isfinite(y):
            row = min(int((hi - min(max(y, lo), hi)) / (hi - lo) * rows), rows - 1)
            cells[kind] = (row, column(land, alpha, width))
    return cells


def draw_plane(land: Landscape, width: int, rows: int, bg: np.ndarray) -> list:
    """The plane's rows as (glyphs, colours, backgrounds): shaded, the path and θ on top."""
    plane = filled(land.plane)
    finite = plane[np.isfinite(plane)]
    top = float(finite.max()) if finite.size else 1.0
    plane = np.nan_to_num(plane, nan=top, posinf=top, neginf=top)  # overflow: the highest band
    pixels = shades(resample(plane, 2 * rows, width), bg)
    glyphs, colours, bottom = _canvas(pixels)
    span = float(land.coords[-1])
    extent = (-span, span, -span, span)
    path = land.path[np.all(np.abs(land.path) <= span, axis=1)] if len(land.path) else land.path
    if len(path) >= 2:
        dots = path_lines(list(zip(path[:-1], path[1:], strict=True)), extent, rows, width)
        r, c = np.nonzero(dots)
        glyphs[r, c] = [chr(0x2800 + int(b)) for b in dots[r, c]]
        colours[r, c] = rgb(PATH)
        bottom[r, c] = (pixels[0::2] + pixels[1::2])[r, c] / 2
    spots = [(path[0], "◦", PATH)] if len(path) >= 2 else []
    for (x, y), glyph, colour in [*spots, ((0.0, 0.0), *MARKS["now"])]:
        col = min(int((x + span) / (2 * span) * width), width - 1)
        row = min(int((span - y) / (2 * span) * rows), rows - 1)
        glyphs[row, col], colours[row, col] = glyph, rgb(colour)
        bottom[row, col] = (pixels[0::2] + pixels[1::2])[row, col] / 2
    return [glyphs, colours, bottom]


def split(height: int) -> tuple[int, int]:
    """Rows of the line and of the plane in a panel ``height`` rows tall (each picture has a
    text line above or below it): 0 for a picture left out."""
    room = height - 3  # the line's header and axis, the plane's header
    if room < MIN_LINE + MIN_PLANE:
        return max(height - 2, 0), 0
    line = max(MIN_LINE, round(room * 0.4))
    return line, room - line


def draw_landscape(land: Landscape, width: int, height: int, base: Style) -> list[Strip]:
    """The line (header, picture, α axis) above the plane (header, picture)."""
    if width < 8 or height < 3:
        return []
    bg = np.array(base.bgcolor.get_truecolor() if base.bgcolor else (0, 0, 0), float)
    line_rows, plane_rows = split(height)
    dim = base + Style(dim=True)
    strips = [Strip([Segment(line_header(land, width), base)])]
    strips += cell_strips(*draw_line(land, width, line_rows, bg), base)
    strips.append(Strip([Segment(line_footer(land, width, line_rows), dim)]))
    if plane_rows:
        strips.append(Strip([Segment(plane_header(land, width), dim)]))
        strips += cell_strips(*draw_plane(land, width, plane_rows, bg), base)
    return [strip.adjust_cell_length(width, base) for strip in strips]
