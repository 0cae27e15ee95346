"""A neuron's map drawn small: its output over the input plane in half blocks, orange for
negative values through a neutral 0 to blue for positive ones (the data view's colours,
stronger: a small map has no points on top to leave room for).

The values come from the snapshot (NeuronMaps); a column's colours span its range: 0 to 1
for probabilities, else -m..m with m the largest |value| of any of its neurons, so a neuron
that barely varies looks flat beside one that does, and a dead ReLU (0 on every sample) is
the neutral colour over the data.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.segment import Segment
from rich.style import Style

from .halfblocks import LEVELS, UPPER, background, cell_style, levels, palettes, sample

STRENGTH = 0.9  # how far a map goes from the neutral towards orange or blue


def map_palette(base: Style) -> list[tuple[int, int, int]]:
    """The map's colours by level (orange .. neutral .. blue), over ``base``'s background."""
    return _palette(background(base))


@lru_cache(maxsize=8)
def _palette(bg: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    return [tuple(c) for c in palettes("binary", 2, bg, STRENGTH)[0].tolist()]


def map_pixels(values: np.ndarray, span: tuple[float, float], rows: int, cols: int) -> np.ndarray:
    """Palette levels (..., rows, cols) of one neuron's values (R, C), or of several
    (n, R, C) at once, sampled at rows x cols pixels: span = (lo, hi), lo orange, the
    middle neutral, hi blue (lo = hi: all neutral)."""
    lo, hi = span
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        lo, hi = -1.0, 1.0
    return levels(sample(np.asarray(values, float), rows, cols), "binary", lo, hi, LEVELS)


def cell_rows(
    pixels: np.ndarray, palette: list[tuple[int, int, int]], base: Style
) -> list[list[Segment]]:
    """Pixels (2h, w) of palette levels as h rows of w cells: "▀", upper pixel over lower."""
    rows = []
    for up, down in zip(pixels[0::2].tolist(), pixels[1::2].tolist(), strict=True):
        pairs = zip(up, down, strict=True)
        rows.append([Segment(UPPER, cell_style(base, palette[u], palette[d])) for u, d in pairs])
    return rows
