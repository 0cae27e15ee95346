"""Panel 1: the network as columns of neurons joined by braille lines, one per weight.

Weights W_k (sizes[k], sizes[k+1]) join neuron column k to column k+1. Every connection is
rasterised on a braille canvas (2x4 dots per cell); a cell keeps all the dots drawn through
it and the style of the strongest |w| among them: blue for w >= 0, orange for w < 0, and
dim / normal / bold by |w| / max |W_k|. A column taller than the panel shows its first
neurons and "+ N more"; only the drawn neurons are connected. A dead ReLU neuron (its
output was 0 for every sample of the last epoch) is drawn hollow and red: ○. A CSV file's
column names label the inputs and its class names the outputs, where they fit.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ...snapshot import BACKWARD, FORWARD, LOSS, UPDATE, Phase, Snapshot
from ..colours import NEGATIVE, POSITIVE, SELECTED
from ..formulas import update_rule
from ..rows import ChangedRows

# 0 plain; 1-3 w >= 0 (or a bias > 0) by |w|: small, medium, large; 4-6 the same for w < 0;
# 7 the selected connection, 8 its two neurons; 9 what the last phase worked on; 10 faint;
# 11 a dead neuron
DEAD_COLOUR = "#ef4444"
DEAD_NEURON = "○"
_STYLES = [
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
SEL_LINE, SEL_NEURON, BOLD, FAINT, DEAD = 7, 8, 9, 10, 11
# the bit of each braille dot, by 2 * (dot row 0-3) + (dot column 0-1) inside a cell
_BITS = np.array([0, 3, 1, 4, 2, 5, 6, 7], np.int32)


def phase_emphasis(phase: Phase | None, n_layers: int) -> tuple[set[int], set[int]]:
    """(weight layers, neuron columns) a phase works on: both empty for None."""
    kind = phase.kind if phase else None
    if kind == FORWARD:
        return set(range(n_layers)), set(range(n_layers + 1))
    if kind == UPDATE:
        return set(range(n_layers)), set()
    if kind == LOSS:
        return set(), {n_layers}
    if kind == BACKWARD:
        return {phase.layer}, {phase.layer + 1}
    return set(), set()


def current_phase(snap: Snapshot) -> Phase | None:
    """The phase that ran last while stepping phase by phase, or None between steps."""
    if snap.last_phase is not None:
        return snap.last_phase
    return snap.phases[snap.phase_index - 1] if snap.phase_index else None


def grouped(names: tuple[str, ...]) -> list[str]:
    """Runs of the same name counted: ("sigmoid",) * 8 + ("tanh",) -> ["8× sigmoid", "tanh"]."""
    runs: list[list] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    return [f"{count}× {name}" if count > 1 else name for name, count in runs]


def caption(snap: Snapshot) -> str:
    """One line under the drawing: between steps the legend of dead neurons if there are
    any; else the last phase (1-based layers); else the activations."""
    phase, n, c = current_phase(snap), snap.n_layers, snap.config
    dead = sum(int(mask.sum()) for mask in snap.dead_neurons if mask is not None)
    if dead and snap.phase_index == 0:  # between steps the legend of the hollow neurons
        return f"{DEAD_NEURON} {dead} dead: ReLU 0 for every sample"  # of the last epoch
    if phase is None:
        if "leaky_relu" in snap.activation_names[:-1]:
            return "leaky_relu is never 0: no neuron dies"
        return "activations: " + " → ".join(grouped(snap.activation_names))
    what = {
        FORWARD: "a = f(a·W + b), layer by layer",
        LOSS: f"{snap.loss_name} and dE/dz of the output layer {n}",
        UPDATE: update_rule(c.optimizer, c.l2, c.l1, c.clip),
        BACKWARD: f"dE/dW of layer {(phase.layer or 0) + 1}",
    }[phase.kind]
    return f"▶ {phase.label}: {what}"


def dead_mask(snap: Snapshot, column: int) -> np.ndarray | None:
    """The dead neurons of neuron column ``column`` (0 = the inputs), or None."""
    masks = snap.dead_neurons
    return masks[column - 1] if 0 < column <= len(masks) else None


def _labels(snap: Snapshot, level: int) -> list[str]:
    """Column labels, shorter with each level: "128 relu", "128r", "128"."""
    labels = []
    for n, act in zip(snap.sizes, ("in", *snap.activation_names), strict=True):
        short = f"{n}{act[0]}" if level == 1 and act != "in" else f"{n}"
        labels.append(f"{n} {act}" if level == 0 else short)
    return labels


def _columns(labels: list[str], width: int) -> list[int] | None:
    """x of each column so that every label, centred on it, fits with a gap; None if not."""
    left, right = len(labels[0]) // 2, (len(labels[-1]) - 1) // 2
    span = width - 1 - left - right
    xs = [left + round(c * span / (len(labels) - 1)) for c in range(len(labels))]
    starts = [x - len(lab) // 2 for x, lab in zip(xs, labels, strict=True)]
    gaps = (b - a - len(lab) for a, b, lab in zip(starts, starts[1:], labels, strict=False))
    ok = span >= 0 and all(gap > 0 for gap in gaps)
    return xs if ok else None


def name_margins(snap: Snapshot, width: int) -> tuple[int, int]:
    """Columns kept left of the inputs and right of the outputs for their names (a CSV
    file's columns and classes), each name cut to at most 10 characters; (0, 0) when the
    network would not fit beside them."""
    if not snap.input_names or len(snap.input_names) != snap.sizes[0]:
        return 0, 0
    cap = min(10, max(3, width // 5))
    left = min(max(map(len, snap.input_names)), cap) + 1
    outputs = snap.output_names if len(snap.output_names) == snap.sizes[-1] else ()
    right = min(max(map(len, outputs)), cap) + 2 if outputs else 0
    if _columns(_labels(snap, 2), width - left - right) is None:
        return 0, 0
    return left, right


def _rows(n: int, body: int) -> tuple[list[int], int]:
    """Rows of the drawn neurons of a column of n (first body row 1), and how many are hidden."""
    if n <= body:
        return [1 + int((i + 0.5) * body / n - 0.5) for i in range(n)], 0  # slot centres
    return list(range(1, body)), n - (body - 1)


def _lines(x0: int, x1: int, y0: np.ndarray, y1: np.ndarray) -> list[np.ndarray]:
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


def _connections(
    snap: Snapshot,
    xs: list[int],
    ys: tuple[list[int], ...],
    canvas: tuple[np.ndarray, np.ndarray],
    dim: set[int],
    sel: tuple[int, int, int] | None,
) -> None:
    """Rasterise the connections of the drawn neurons into the cells of ``canvas``.

    canvas: (code points, style indices), each (height, width); layers in ``dim`` are dimmed.
    """
    codes, styles = canvas[0].reshape(-1), canvas[1].reshape(-1)  # views
    width = canvas[0].shape[1]

    def raster(k: int, src: np.ndarray, dst: np.ndarray) -> list[np.ndarray]:
        """Cell index, dot bit and line of every dot of the lines src[l] -> dst[l] of layer k."""
        x0, x1 = 2 * xs[k] + 2, 2 * xs[k + 1] - 1  # from the dot after a neuron to before
        x, y, line = _lines(x0, x1, np.asarray(src) * 4 + 1, np.asarray(dst) * 4 + 1)
        return [(y >> 2) * width + (x >> 1), _BITS[(y & 3) * 2 + (x & 1)], line]

    dots = np.zeros(codes.size * 8, bool)
    best = np.full(codes.size, -1, np.intp)  # the strongest line through each cell (by rank)
    line_styles: list[np.ndarray] = []  # style of each line, by rank
    for k, w in enumerate(snap.weights):
        src, dst = ys[k], ys[k + 1]
        if xs[k + 1] - xs[k] < 2 or not src or not dst:
            continue
        size = np.abs(np.nan_to_num(w))  # a diverged run must still draw
        top = float(size.max(initial=0.0)) or 1.0
        size = size[: len(src), : len(dst)].ravel()  # lines in row-major (i, j) order
        tier = np.minimum((size / top * 3).astype(np.intp), 0 if k in dim else 2)
        order = np.argsort(size, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order)) + sum(map(len, line_styles))
        line_styles.append((1 + tier + 3 * (w[: len(src), : len(dst)].ravel() < 0))[order])
        cell, bit, line = raster(k, np.repeat(src, len(dst)), np.tile(dst, len(src)))
        dots[cell * 8 + bit] = True
        np.maximum.at(best, cell, rank[line])
    if line_styles:
        bits = np.packbits(dots.reshape(-1, 8), axis=1, bitorder="little").ravel()
        hit = best >= 0
        codes[hit] = 0x2800 + bits[hit].astype(codes.dtype)
        styles[hit] = np.concatenate(line_styles)[best[hit]]
    if sel is None or not 0 <= sel[0] < len(snap.weights):
        return
    k, i, j = sel
    if 0 <= i < len(ys[k]) and 0 <= j < len(ys[k + 1]) and xs[k + 1] - xs[k] >= 2:
        cell, bit, _ = raster(k, [ys[k][i]], [ys[k + 1][j]])  # only its own dots, on top
        own = np.zeros(codes.size, np.intp)
        np.bitwise_or.at(own, cell, 1 << bit)
        codes[own > 0], styles[own > 0] = 0x2800 + own[own > 0], SEL_LINE


class NetworkView(ChangedRows, Widget):
    """The network drawn live: neurons, every weight as a coloured line, the current phase."""

    DEFAULT_CSS = "NetworkView { width: 1fr; height: 1fr; }"
    ALL = -1  # highlight_layer of a phase that works on every layer

    selected: reactive[tuple[int, int, int] | None] = reactive(None)
    """The weight W_k[i, j] picked by the user, as (k, i, j); drawn on top in yellow."""

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.snapshot: Snapshot | None = None
        self._key: tuple | None = None

    class NeuronClicked(Message):
        """A click on neuron ``index`` of column ``column`` (0 = the inputs)."""

        def __init__(self, column: int, index: int) -> None:
            super().__init__()
            self.column, self.index = column, index

    def on_click(self, event: events.Click) -> None:
        """Post the neuron nearest to the click (within a few cells)."""
        layout = getattr(self, "_layout", None)
        if layout is None:
            return
        best = min(
            (
                (abs(x - event.x) + 2 * abs(y - event.y), c, i)
                for c, (x, rows) in enumerate(zip(*layout, strict=True))
                for i, y in enumerate(rows)
            ),
            default=None,
        )
        if best is not None and best[0] <= 4:
            self.post_message(self.NeuronClicked(best[1], best[2]))

    def show(self, snapshot: Snapshot) -> None:
        """Draw this snapshot; nothing happens if it is the one already shown."""
        key = (snapshot.seq, snapshot.epoch, snapshot.steps, snapshot.phase_index, snapshot.sizes)
        if key != self._key:
            self.snapshot, self._key = snapshot, key
            self.repaint_rows()  # only the rows that changed reach the terminal

    @property
    def highlight_layer(self) -> int | None:
        """The layer the last phase worked on: k, ALL (forward, update) or None between steps."""
        snap = self.snapshot
        phase = current_phase(snap) if snap else None
        kind = phase.kind if phase else None
        if kind == BACKWARD:
            return phase.layer
        if kind == LOSS:
            return snap.n_layers - 1
        return self.ALL if kind in (FORWARD, UPDATE) else None

    def rows(self, width: int, height: int) -> list[Strip]:
        """The whole panel, drawn once per snapshot, selection, size (see ChangedRows)."""
        return self.draw(width, height, self.rich_style)  # the widget's colours, background

    def rows_key(self) -> tuple:
        return (*super().rows_key(), self.selected)

    def draw(self, width: int, height: int, base: Style | None = None) -> list[Strip]:
        """The whole panel: ``height`` strips of ``width`` cells, styled over ``base``."""
        snap, base = self.snapshot, base or Style()
        if snap is None or width < 1 or height < 1:
            return []
        codes = np.full((height, width), 32, "<u4")  # code points
        styles = np.zeros((height, width), np.intp)  # indices into _STYLES

        def put(row: int, x: int, text: str, style: int) -> None:
            x = min(max(x, 0), max(width - len(text), 0))  # clamped into the row, cut on the right
            text = text[:width]
            codes[row, x : x + len(text)] = [ord(ch) for ch in text]
            styles[row, x : x + len(text)] = style

        ncol = len(snap.sizes)
        left, right = name_margins(snap, width)  # room for a CSV file's column and class names
        for level in range(3):  # the longest labels that fit
            labels = _labels(snap, level)
            xs = _columns(labels, width - left - right)
            if xs:
                xs = [x + left for x in xs]
                break
        else:  # too narrow even for the sizes: spread the columns, drop overlapping labels
            xs = [round(c * (width - 1) / (ncol - 1)) for c in range(ncol)]
        body = height - 2  # rows between the labels and the caption
        phase = current_phase(snap)
        layers, columns = phase_emphasis(phase, snap.n_layers)
        dim = set(range(snap.n_layers)) - layers if phase else set()
        sel = self.selected
        if body > 0:
            ys, hidden = zip(*(_rows(n, body) for n in snap.sizes), strict=True)
            self._layout = (xs, ys)  # where the neurons are, for clicks
            _connections(snap, xs, ys, (codes, styles), dim, sel)
            spacing = min(b - a for a, b in pairwise(xs))
            for c, x in enumerate(xs):
                if hidden[c]:
                    more = f"+ {hidden[c]} more"
                    more = more if len(more) < spacing else f"+{hidden[c]}"
                    put(body, x - len(more) // 2, more, FAINT)
                bias = snap.biases[c - 1] if c else np.zeros(snap.sizes[0])
                dead = dead_mask(snap, c)
                for i, y in enumerate(ys[c]):
                    sign = 2 if bias[i] > 0 else 5 if bias[i] < 0 else 0  # by the bias
                    end = sel is not None and (c, i) in ((sel[0], sel[1]), (sel[0] + 1, sel[2]))
                    style = (sign + 1 if sign else BOLD) if c in columns else sign
                    if end:
                        put(y, x, "◉", SEL_NEURON)
                    elif dead is not None and dead[i]:
                        put(y, x, DEAD_NEURON, DEAD)
                    else:
                        put(y, x, "◉" if c in columns else "●", style)
            for i, y in enumerate(ys[0] if left else ()):  # inputs' names, to their left
                name = snap.input_names[i][: left - 1]
                put(y, xs[0] - 1 - len(name), name, FAINT)
            for j, y in enumerate(ys[-1] if right else ()):  # outputs' names, to their right
                put(y, xs[-1] + 2, snap.output_names[j][: right - 1], FAINT)
        last_end = -1
        for c, (x, label) in enumerate(zip(xs, labels, strict=True)):
            start = min(max(x - len(label) // 2, 0), width - len(label))
            if start > last_end:  # skip a label that would overlap the one before
                put(0, start, label, BOLD if c in columns else 0)
                last_end = start + len(label)
        if height > 1:
            put(height - 1, 0, caption(snap), BOLD if phase else FAINT)
        styled = [base + style for style in _STYLES]
        strips = []
        for line, row in zip(codes, styles, strict=True):
            text = line.tobytes().decode("utf-32-le")
            cuts = [0, *(np.flatnonzero(row[1:] != row[:-1]) + 1).tolist(), width]
            segments = [Segment(text[a:b], styled[row[a]]) for a, b in pairwise(cuts)]
            strips.append(Strip(segments, width))
        return strips
