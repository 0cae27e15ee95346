"""Maps over the input plane in half blocks, in the colours the data view and the neurons'
maps share: orange through a neutral to blue by value, one colour per class for many.

A cell "▀" holds two pixels, one above the other: the upper in its foreground colour, the
lower in its background. A palette is an array of RGB rows; ``levels`` turns values into
indices into it, ``sample`` picks a grid's values at the centres of a map's pixels.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.color import Color as RichColor
from rich.style import Style

from .colours import CLASSES, NEGATIVE, POSITIVE

LEVELS = 33  # shades from orange (0) to blue (LEVELS - 1); the middle one is the neutral
MUTE = 0.45  # how far the data view's map goes from the neutral towards a colour
UPPER, LOWER = "▀", "▄"  # a cell's upper half (or its lower) in the foreground colour


def rgb(colour: str) -> np.ndarray:
    """ "#rrggbb" as an array of three floats."""
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)


def palettes(
    task: str, classes: int, background: tuple[int, int, int], mute: float = MUTE
) -> np.ndarray:
    """(2, k + 1, 3) RGB: a map's colours (``mute`` of the way from the neutral) and the
    points' strong ones, by level or class.

    Muted around a neutral half way between mid grey and the background (dark and light themes);
    strong: lightened on a dark background, darkened on a light one. The last is the neutral.
    """
    bg = np.array(background, float)
    neutral = (128.0 + bg) / 2
    if task == "multiclass":
        hues = np.array([rgb(CLASSES[c % len(CLASSES)]) for c in range(classes)])
        weight = np.ones((classes, 1))
    else:
        t = np.linspace(-1.0, 1.0, LEVELS)[:, None]
        hues, weight = np.where(t < 0, rgb(NEGATIVE), rgb(POSITIVE)), np.abs(t)
    contrast = np.full(3, 255.0 if bg.mean() < 128 else 0.0)
    strong = hues + (contrast - hues) * 0.3
    colours = [neutral + (hues - neutral) * weight * mute, contrast + (strong - contrast) * weight]
    return np.rint([np.vstack([c, neutral]) for c in colours]).astype(int)


def levels(values: np.ndarray, task: str, lo: float, hi: float, neutral: int) -> np.ndarray:
    """Palette index of each value: its class, or its shade of lo..hi; NaN -> ``neutral``."""
    ok = np.isfinite(values)
    v = np.where(ok, values, 0.0)
    with np.errstate(all="ignore"):  # huge values only clip
        if task == "multiclass":
            index = np.clip(v, 0, 2**31).astype(np.intp) % neutral
        else:  # halves: hi - lo itself may overflow (a weight typed as 1e308)
            t = (v / 2 - lo / 2) / (hi / 2 - lo / 2) if hi > lo else np.full_like(v, 0.5)
            t = np.where(np.isfinite(t), t, 0.5)
            index = np.rint(np.clip(t, 0.0, 1.0) * (LEVELS - 1)).astype(np.intp)
    return np.where(ok, index, neutral)


def sample(grid: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The grid's values (..., R, C) nearest to the centres of rows x cols pixels over it:
    (..., rows, cols)."""
    R, C = grid.shape[-2:]
    r = np.rint((np.arange(rows) + 0.5) / rows * (R - 1)).astype(np.intp)
    c = np.rint((np.arange(cols) + 0.5) / cols * (C - 1)).astype(np.intp)
    return grid[..., r[:, None], c]


@lru_cache(maxsize=4096)
def cell_style(
    base: Style, fg: tuple[int, int, int], bg: tuple[int, int, int] | None = None
) -> Style:
    """``base`` with these colours (cached: a map has few distinct pairs)."""
    bgcolor = RichColor.from_rgb(*bg) if bg else None
    return base + Style(color=RichColor.from_rgb(*fg), bgcolor=bgcolor)


def background(base: Style) -> tuple[int, int, int]:
    """The RGB background of a style (black when it has none)."""
    return tuple(base.bgcolor.get_truecolor()) if base.bgcolor else (0, 0, 0)
