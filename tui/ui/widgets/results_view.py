"""The confusion matrix of a classification and its per-class scores, and misclassified
samples drawn as images when the inputs are a square image's pixels.

Rows are the true class, columns the predicted one; each cell's colour grows with its share
of its row: blue on the diagonal (right), orange off it (wrong), nothing for 0 ("·").
Beside the matrix, room permitting, each class's precision and recall; under it, the first
misclassified validation samples in grey half blocks, "true→predicted" under each.
Everything comes from ``snapshot.results`` (tui.snapshot.Results).
"""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ...snapshot import Misclassified, Results, Snapshot, distinct_labels
from ..centred import draw_message
from ..colours import NEGATIVE, POSITIVE


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)


def _cell_style(base: Style, share: float, right: bool) -> Style:
    """A cell's background: the panel's, blended towards blue (right) or orange by share."""
    bg = np.array(base.bgcolor.get_truecolor() if base.bgcolor else (0, 0, 0), float)
    hue = _rgb(POSITIVE if right else NEGATIVE)
    mix = bg + (hue - bg) * (0.15 + 0.75 * share)
    fg = (255, 255, 255) if mix.mean() < 140 else (0, 0, 0)
    return base + Style(color=Color.from_rgb(*fg), bgcolor=Color.from_rgb(*np.rint(mix)))


def _pct(x: float) -> str:
    """A share in 4 characters: '100%', ' 97%', or '   –' for none."""
    return "   –" if math.isnan(x) else f"{min(99, round(100 * x)):>3}%" if x < 1 else "100%"


def _line(pieces: list[tuple[str, Style]], width: int, base: Style) -> Strip:
    return Strip([Segment(t, s) for t, s in pieces]).crop(0, width).adjust_cell_length(width, base)


SCORES = " prec  rec"  # the heading of " 100%  97%"
WIDEST_HEAD = 8  # a column's heading is at most this many characters
ROW_LABEL = 10  # and a row's


def column_heads(names: list[str], counts: np.ndarray, width: int) -> tuple[int, list[str], bool]:
    """(cell width, the columns' headings, numbered): headings that tell the classes apart
    (core.metrics.distinct_labels) in cells as wide as room allows for every class (at
    most WIDEST_HEAD characters and a space), never narrower than the largest count."""
    digits = max(2, len(str(int(counts.max(initial=0)))))
    label = min(max(len(n) for n in names), ROW_LABEL) + 1
    room = (width - label - len(SCORES)) // max(len(names), 1) - 1
    wide = max(digits, min(WIDEST_HEAD, max(len(n) for n in names), room))
    heads, numbered = distinct_labels(names, wide)
    return max(digits, *(len(h) for h in heads)) + 1, heads, numbered


def matrix_lines(r: Results, width: int, height: int, base: Style) -> list[Strip]:
    """The matrix (and the scores when they fit) in at most ``height`` lines: a heading
    of predicted classes, then one line per true class; [] when not even 2 classes fit."""
    names = [str(n) for n in r.class_names]
    k = len(names)
    counts = np.asarray(r.matrix)
    cell, heads, numbered = column_heads(names, counts, width)
    if numbered:  # the rows say which number is which class
        names = [f"{h} {n}" for h, n in zip(heads, names, strict=True)]
    label = min(max(len(n) for n in names), ROW_LABEL) + 1
    names = distinct_labels(names, ROW_LABEL)[0]  # cut in the middle when they must be
    shown = min(k, (width - label) // cell, height - 1)
    if shown < 2:
        return []
    scores = label + shown * cell + len(SCORES) <= width
    dim, bold = base + Style(dim=True), base + Style(bold=True)
    head = [("t\\p".ljust(label)[:label], dim)]
    head += [(h.rjust(cell - 1) + " ", bold) for h in heads[:shown]]
    if shown < k:
        head.append((f"+{k - shown}", dim))
    elif scores:
        head.append((SCORES, dim))
    lines = [_line(head, width, base)]
    rows = counts.sum(axis=1)
    for i in range(shown):
        pieces = [(names[i].ljust(label), bold)]
        for j in range(shown):
            v = int(counts[i, j])
            text = f"{v:>{cell - 1}} " if v else "·".rjust(cell - 1) + " "
            style = _cell_style(base, v / rows[i], i == j) if v else dim
            pieces += [(text[:-1], style), (" ", base)]
        if scores and shown == k:
            pieces.append((f" {_pct(r.precision[i])} {_pct(r.recall[i])}", base))
        lines.append(_line(pieces, width, base))
    return lines


def image_lines(samples: tuple[Misclassified, ...], width: int, height: int, base: Style):
    """As many samples as fit side by side in ``height`` lines (half blocks: two pixel rows
    a line; a 28x28 image is halved to 14x14 first), "true→predicted" under each."""
    if not samples or height < 3:
        return []
    k = samples[0].pixels.shape[0]
    step = 2 if k > 16 else 1
    side = k // step
    rows = -(-side // 2)
    if rows + 1 > height or side > width:
        return []
    count = min(len(samples), (width + 1) // (side + 1))
    lines: list[list[tuple[str, Style]]] = [[] for _ in range(rows + 1)]
    for s in samples[:count]:
        p = s.pixels[: side * step, : side * step].reshape(side, step, side, step).mean(axis=(1, 3))
        p = np.vstack([p, np.zeros((rows * 2 - side, side))])
        grey = np.rint(np.clip(p, 0, 1) * 255).astype(int)
        for line in range(rows):
            for x in range(side):
                top, bottom = grey[2 * line, x], grey[2 * line + 1, x]
                style = base + Style(
                    color=Color.from_rgb(top, top, top), bgcolor=Color.from_rgb(*(bottom,) * 3)
                )
                lines[line].append(("▀", style))
            lines[line].append((" ", base))
        caption = f"{s.true}→{s.predicted}"[:side].ljust(side + 1)
        lines[rows].append((caption, base + Style(bold=True)))
    return [_line(pieces, width, base) for pieces in lines]


def draw_results(r: Results | None, width: int, height: int, base: Style) -> list[Strip]:
    """The whole view: a title line when there is room, the matrix, then the images."""
    if r is None:
        return draw_message("no confusion matrix yet", width, height, base)
    matrix = matrix_lines(r, width, height, base)
    if not matrix:
        return draw_message(f"{len(r.class_names)} classes: too many to draw here", width,
                            height, base)  # fmt: skip
    acc = "–" if math.isnan(r.accuracy) else f"{100 * r.accuracy:.1f}%"
    rows = int(np.asarray(r.matrix).sum())
    title = f"{r.which} set, {rows:,} rows: accuracy {acc}, epoch {r.epoch:,}"
    if len(title) > width:
        title = f"{r.which[:3]} {rows:,} rows · acc {acc} · ep {r.epoch:,}"
    strips = ([_line([(title, base + Style(dim=True))], width, base)] if len(matrix) < height
              else [])  # fmt: skip
    strips += matrix
    room = height - len(strips) - 1
    images = image_lines(r.misclassified, width, room, base)
    if images:
        strips.append(_line([("misclassified (true→predicted):", base + Style(dim=True))],
                            width, base))  # fmt: skip
        strips += images
    return strips


class ResultsPanel(Widget):
    """The confusion matrix view (key c), drawn from ``snapshot.results``."""

    DEFAULT_CSS = "ResultsPanel { width: 1fr; height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.results: Results | None = None
        self._note = ""  # why there is no matrix (a regression)
        self._cache: tuple[tuple, list[Strip]] | None = None

    def show(self, snapshot: Snapshot) -> None:
        note = "a regression has no classes: its R² is in the status line" * (
            snapshot.task == "regression"
        )
        if snapshot.results is not self.results or note != self._note:
            self.results, self._note = snapshot.results, note
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style
        key = (id(self.results), self._note, width, height, base)
        if self._cache is None or self._cache[0] != key:
            if self._note:
                drawn = draw_message(self._note, width, height, base)
            else:
                drawn = draw_results(self.results, width, height, base)
            self._cache = (key, drawn)
        strips = self._cache[1]
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, base)
