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

from collections.abc import Callable
from itertools import pairwise

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from ...snapshot import BACKWARD, FORWARD, LOSS, UPDATE, Phase, Snapshot
from ..colours import NEGATIVE, POSITIVE, SELECTED
from ..fit import first_fit
from ..formulas import update_rule
from ..halfblocks import LOWER, UPPER, cell_style
from ..neuron_maps import map_palette, map_pixels
from ..rows import ChangedRows
from ..sample_graph import (
    BLOCK,
    Known,
    block_lines,
    block_text,
    known,
    layout,
    selected_neuron,
)
from ..sample_graph import caption as graph_caption

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
SEL_LINE, SEL_NEURON, BOLD, FAINT, DEAD, MAP = 7, 8, 9, 10, 11, 12  # MAP: a map's cell
MIN_MAP_PX, MAX_MAP_PX = 4, 8  # a neuron's map: pixel rows (two to a cell row), as many cells
LINE_ROOM, MIN_LINE_ROOM = 6, 4  # cells kept between two columns of maps for the connections
REVEAL_SECONDS = 0.05  # how often the graph looks whether a forward layer is due
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


def grouped(names: tuple[str, ...]) -> list[str]:
    """Runs of the same name counted: ("sigmoid",) * 8 + ("tanh",) -> ["8× sigmoid", "tanh"]."""
    runs: list[list] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    return [f"{count}× {name}" if count > 1 else name for name, count in runs]


def captions(snap: Snapshot) -> list[str]:
    """The line under the drawing, from the most complete to the shortest: between steps
    the legend of dead neurons if there are any; else the last phase (1-based layers);
    else the activations."""
    phase, n, c = snap.last_phase, snap.n_layers, snap.config
    dead = sum(int(mask.sum()) for mask in snap.dead_neurons if mask is not None)
    if dead and snap.phase_index == 0:  # between steps the legend of the hollow neurons
        return [  # of the last epoch
            f"{DEAD_NEURON} {dead} dead: ReLU 0 for every sample",
            f"{DEAD_NEURON} {dead} dead ReLU",
            f"{DEAD_NEURON} {dead} dead",
        ]
    if phase is None:
        if "leaky_relu" in snap.activation_names[:-1]:
            return ["leaky_relu is never 0: no neuron dies", "leaky_relu: none dies"]
        names = " → ".join(grouped(snap.activation_names))
        return [f"activations: {names}", names]
    head = f"▶ {phase.label}"
    what = {
        FORWARD: ["a = f(a·W + b), layer by layer", "a = f(a·W + b)"],
        LOSS: [f"{snap.loss_name} and dE_s/dz of the output layer {n}", f"dE_s/dz of layer {n}"],
        UPDATE: [update_rule(c.optimizer, c.l2, c.l1, c.clip)],  # the rule alone next
        BACKWARD: [f"dE/dW of layer {(phase.layer or 0) + 1}"],
    }[phase.kind]
    alone = [f"▶ {what[0]}"] if phase.kind == UPDATE else []
    return [*(f"{head}: {w}" for w in what), *alone, head]


def caption(snap: Snapshot, width: int = 1000) -> str:
    """The line under the drawing, the most complete that fits in ``width``."""
    return first_fit(captions(snap), width)


def dead_mask(snap: Snapshot, column: int) -> np.ndarray | None:
    """The dead neurons of neuron column ``column`` (0 = the inputs), or None."""
    masks = snap.dead_neurons
    return masks[column - 1] if 0 < column <= len(masks) else None


# an activation's short name in a column's label where room is short ("8σ": 8 sigmoid
# neurons); the help's legend lists them
SHORT_NAMES = {
    "linear": "l", "sigmoid": "σ", "tanh": "t", "relu": "r", "leaky_relu": "lr", "elu": "e",
    "softplus": "sp", "swish": "sw", "gelu": "g", "softmax": "sm",
}  # fmt: skip


def _labels(snap: Snapshot, level: int) -> list[str]:
    """Column labels, shorter with each level: "128 relu", "128r", "128"."""
    labels = []
    for n, act in zip(snap.sizes, ("in", *snap.activation_names), strict=True):
        short = f"{n}{SHORT_NAMES.get(act, act[:2])}" if level == 1 and act != "in" else f"{n}"
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
        x, y, line = _lines(x0, x1, np.asarray(src), np.asarray(dst))
        return [(y >> 2) * width + (x >> 1), _BITS[(y & 3) * 2 + (x & 1)], line]

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


def map_layout(
    snap: Snapshot, width: int, body: int, margins: tuple[int, int]
) -> tuple[list[int], list[str], int, int] | None:
    """Where the neurons' maps go, if every neuron's fits: (x of each column, its labels,
    map height in pixels (2 a row), map width in cells); None when they would not fit
    (a column too tall for maps of MIN_MAP_PX, too little room between columns).

    A map is square on screen: a cell is about twice as tall as wide, so a map of h pixel
    rows (h / 2 cells) is h cells wide. The largest that fits both ways is taken, the
    tallest column deciding the most pixels, the room between columns the most cells.
    """
    maps = snap.neuron_maps
    if maps is None or len(maps.columns) != len(snap.sizes) or body < 2:
        return None
    if any(m.shape[0] < n for m, n in zip(maps.columns, snap.sizes, strict=True)):
        return None
    tallest = min(MAX_MAP_PX, 2 * body // max(snap.sizes) - 1)  # a pixel apart, at least
    left, right = margins
    for px in range(tallest, MIN_MAP_PX - 1, -1):
        for room in range(LINE_ROOM, MIN_LINE_ROOM - 1, -1):  # lines get less room first
            for level in range(3):
                labels = _labels(snap, level)
                wide = [lab.center(max(len(lab), px + room)) for lab in labels]
                xs = _columns(wide, width - left - right)
                if xs:
                    return [x + left for x in xs], labels, px, px
    return None


def map_tops(n: int, body: int, height: int) -> np.ndarray:
    """The top pixel row (0: the first body row's upper half) of each of n maps of
    ``height`` pixels, centred in n equal slots of the body's 2 * body pixel rows."""
    centre = (np.arange(n) + 0.5) * (2 * body) / n
    tops = np.floor(centre - height / 2 + 0.5)  # halves up, all alike: even gaps
    return np.clip(tops, 0, 2 * body - height).astype(np.intp)


class NetworkView(ChangedRows, Widget):
    """The network drawn live: neurons, every weight as a coloured line, the current phase;
    on a large enough panel each neuron as a small map of what it computes."""

    DEFAULT_CSS = "NetworkView { width: 1fr; height: 1fr; }"
    ALL = -1  # highlight_layer of a phase that works on every layer

    selected: reactive[tuple[int, int, int] | None] = reactive(None)
    """The weight W_k[i, j] picked by the user, as (k, i, j); drawn on top in yellow."""

    hovered: reactive[tuple[int, int, int] | None] = reactive(None)
    """The weight under the mouse, as (k, i, j): drawn on top in yellow, its value said."""

    draw_maps: reactive[bool] = reactive(False)
    """Draw each neuron as a map of its output over the input plane, where they fit (the
    screen turns this on when the terminal is wide; the snapshot brings the maps)."""

    graph: reactive[bool] = reactive(False)
    """Draw one sample's computation graph instead (x): each neuron's z, a and δ, the
    lines coloured by w·δ; the panel takes the focus, its arrows pick the neuron."""

    BINDINGS = [  # while it draws the graph (it can take the focus only then)
        Binding("left", "move(-1, 0, 0)", "Layer -", show=False),
        Binding("right", "move(1, 0, 0)", "Layer +", show=False),
        Binding("up", "move(0, 0, -1)", "Neuron -", show=False),
        Binding("down", "move(0, 0, 1)", "Neuron +", show=False),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.snapshot: Snapshot | None = None
        self._key: tuple | None = None
        self._lines_at: tuple[np.ndarray, np.ndarray] | None = None  # the line in each cell
        self._ids: tuple[list[int], list[list[int]]] | None = None  # the graph's neurons
        self.clock: Callable[[], float] | None = None  # the session's (set by the screen)
        self._forward: tuple[tuple, float] | None = None  # an animated forward phase, since
        self._reveal_timer: Timer | None = None

    class Move(Message):
        """Move the selected neuron by (layers, 0, neurons), as the inspector's arrows do."""

        def __init__(self, dk: int, di: int, dj: int) -> None:
            super().__init__()
            self.delta = (dk, di, dj)

    def action_move(self, dk: int, di: int, dj: int) -> None:
        self.post_message(self.Move(dk, di, dj))

    def watch_graph(self, graph: bool) -> None:
        self.can_focus = graph
        self.hovered = None

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
            c, i = best[1], best[2]
            if self._ids is not None:  # the graph's columns and neurons: the network's own
                c, i = self._ids[0][c], self._ids[1][c][i]
            self.post_message(self.NeuronClicked(c, i))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Highlight the connection under the mouse (the strongest one drawn in that cell)."""
        self.hovered = self.line_at(event.x, event.y)

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = None

    def line_at(self, x: int, y: int) -> tuple[int, int, int] | None:
        """(k, i, j) of the connection drawn in cell (x, y), or None."""
        if self._lines_at is None:
            return None
        owner, lines = self._lines_at
        height, width = owner.shape
        if not (0 <= x < width and 0 <= y < height) or owner[y, x] < 0:
            return None
        return tuple(int(v) for v in lines[owner[y, x]])

    def map_cells_of(self, column: int, neuron: int) -> list[tuple[int, int]]:
        """The (row, x) cells the map of a neuron covers, as last drawn ([] without maps)."""
        box = getattr(self, "_map_boxes", {}).get((column, neuron))
        if box is None:
            return []
        top, first, px, cells = box
        rows = sorted({1 + p // 2 for p in range(top, top + px)})
        return [(row, x) for row in rows for x in range(first, first + cells)]

    def show(self, snapshot: Snapshot) -> None:
        """Draw this snapshot; nothing happens if it is the one already shown."""
        key = (snapshot.seq, snapshot.epoch, snapshot.steps, snapshot.phase_index, snapshot.sizes)
        if key != self._key:
            if self.snapshot is not None and self.snapshot.sizes != snapshot.sizes:
                self.hovered = None  # a line of the network before: the mouse moves again
            self.snapshot, self._key = snapshot, key
            self._follow_forward(snapshot)
            self.repaint_rows()  # only the rows that changed reach the terminal

    def _follow_forward(self, snap: Snapshot) -> None:
        """Note when an animated forward phase (running at the phases pace) was first shown,
        so that the graph reveals its layers one after the other."""
        phase = snap.last_phase
        animated = snap.status == "running" and snap.pace.kind == "phases" and snap.phase_index
        if not animated or phase is None or phase.kind != FORWARD or self.clock is None:
            self._forward = None
        elif self._forward is None or self._forward[0] != (snap.epoch, snap.steps):
            self._forward = ((snap.epoch, snap.steps), self.clock())
            if self.graph and self._reveal_timer is None:  # no snapshot comes in the phase:
                self._reveal_timer = self.set_interval(REVEAL_SECONDS, self._reveal)  # draw

    def _reveal(self) -> None:
        """Draw the layers of an animated forward phase as they fall due, until all are."""
        done = self._forward is None or not self.graph
        if done or self.revealed() >= len(self.snapshot.sizes):
            self._reveal_timer.stop()
            self._reveal_timer = None
        self.repaint_rows()

    def revealed(self) -> int:
        """The neuron columns whose forward values the graph shows: all, but during an
        animated forward phase the inputs and layer 1 at once, then one more layer each
        1 / L of the phase (as the code computes them, a layer after the other)."""
        snap = self.snapshot
        if self._forward is None or self.clock is None:
            return len(snap.sizes)
        elapsed = self.clock() - self._forward[1]
        share = elapsed * snap.pace.per_second  # of the phase's time
        return min(len(snap.sizes), 2 + int(share * snap.n_layers))

    @property
    def highlight_layer(self) -> int | None:
        """The layer the last phase worked on: k, ALL (forward, update) or None between steps."""
        snap = self.snapshot
        phase = snap.last_phase if snap else None
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
        return (*super().rows_key(), self.selected, self.hovered, self.draw_maps, self.graph)

    def draw(self, width: int, height: int, base: Style | None = None) -> list[Strip]:
        """The whole panel: ``height`` strips of ``width`` cells, styled over ``base``."""
        snap, base = self.snapshot, base or Style()
        if snap is None or width < 1 or height < 1:
            return []
        codes = np.full((height, width), 32, "<u4")  # code points
        styles = np.zeros((height, width), np.intp)  # indices into _STYLES, or MAP
        shades = np.full((2, height, width), -1, np.intp)  # a map cell's upper, lower level

        def put(row: int, x: int, text: str, style: int) -> None:
            x = min(max(x, 0), max(width - len(text), 0))  # clamped into the row, cut on the right
            text = text[:width]
            codes[row, x : x + len(text)] = [ord(ch) for ch in text]
            styles[row, x : x + len(text)] = style

        self._ids = None
        if self.graph:
            self._draw_graph(snap, (codes, styles), put)
            return self._strips(codes, styles, shades, base)
        ncol = len(snap.sizes)
        left, right = name_margins(snap, width)  # room for a CSV file's column and class names
        body = height - 2  # rows between the labels and the caption
        maps = map_layout(snap, width, body, (left, right)) if self.draw_maps else None
        if maps:
            xs, labels, map_px, map_cells = maps
        else:
            for level in range(3):  # the longest labels that fit
                labels = _labels(snap, level)
                xs = _columns(labels, width - left - right)
                if xs:
                    xs = [x + left for x in xs]
                    break
            else:  # too narrow even for the sizes: spread the columns, drop overlapping labels
                xs = [round(c * (width - 1) / (ncol - 1)) for c in range(ncol)]
        phase = snap.last_phase
        layers, columns = phase_emphasis(phase, snap.n_layers)
        dim = set(range(snap.n_layers)) - layers if phase else set()
        sel = self.selected
        self._lines_at = None
        self._map_boxes: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        if body > 0 and maps:
            tops = [map_tops(n, body, map_px) for n in snap.sizes]
            firsts = [x - map_cells // 2 for x in xs]
            ends = [(x, x + map_cells - 1) for x in firsts]
            dots_y = [4 + 2 * t + map_px - 1 for t in tops]  # the dot row at a map's middle
            self._layout = (xs, [list(1 + (t + map_px // 2) // 2) for t in tops])
            highlight = [line for line in (sel, self.hovered) if line is not None]
            owner, lines = _connections(
                list(snap.weights), ends, dots_y, (codes, styles), dim, highlight
            )
            self._lines_at = (owner.reshape(height, width), lines)
            self._draw_maps(snap, (tops, firsts, map_px, map_cells), styles, shades)
            self._map_boxes = {
                (c, i): (int(t), first, map_px, map_cells)
                for c, (top, first) in enumerate(zip(tops, firsts, strict=True))
                for i, t in enumerate(top)
            }
            for c, (top, first) in enumerate(zip(tops, firsts, strict=True)):
                dead = dead_mask(snap, c)
                for i in np.flatnonzero(dead) if dead is not None else ():
                    row = 1 + (int(top[i]) + map_px // 2) // 2
                    put(row, first + map_cells // 2, DEAD_NEURON, DEAD)
                    shades[:, row, first + map_cells // 2] = -1
            for i, t in enumerate(tops[0] if left else ()):  # inputs' names, to their left
                name = snap.input_names[i][: left - 1]
                put(1 + (int(t) + map_px // 2) // 2, firsts[0] - 1 - len(name), name, FAINT)
            for j, t in enumerate(tops[-1] if right else ()):  # outputs' names, to their right
                row = 1 + (int(t) + map_px // 2) // 2
                put(row, ends[-1][1] + 2, snap.output_names[j][: right - 1], FAINT)
        elif body > 0:
            ys, hidden = zip(*(_rows(n, body) for n in snap.sizes), strict=True)
            self._layout = (xs, ys)  # where the neurons are, for clicks
            highlight = [line for line in (sel, self.hovered) if line is not None]
            dots_y = [np.asarray(y, np.intp) * 4 + 1 for y in ys]
            owner, lines = _connections(
                list(snap.weights), [(x, x) for x in xs], dots_y, (codes, styles), dim, highlight
            )
            self._lines_at = (owner.reshape(height, width), lines)
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
            put(height - 1, 0, self.caption(bool(maps), width), BOLD if phase else FAINT)
        return self._strips(codes, styles, shades, base)

    def caption(self, maps: bool, width: int = 1000) -> str:
        """The line under the drawing: the weight under the mouse, else ``captions``'; with
        maps instead of the activations, what the maps show. The most complete that fits."""
        snap = self.snapshot
        if self.hovered is not None and weight_exists(snap, self.hovered):
            return first_fit(weight_captions(snap, self.hovered), width)
        options = captions(snap)
        if maps and options[0].startswith("activations:"):
            options = [
                "maps: each neuron's output over (x1, x2), orange < 0 < blue",
                "maps: each neuron's output, orange < 0 < blue",
                "maps: orange < 0 < blue",
            ]
        return first_fit(options, width)

    def _draw_graph(self, snap: Snapshot, canvas: tuple[np.ndarray, np.ndarray], put) -> None:
        """One sample's computation graph (tui.ui.sample_graph): each shown neuron's block
        of values, the lines between them by w·δ once backward has passed them."""
        codes, styles = canvas
        height, width = codes.shape
        k, revealed, phase = known(snap), self.revealed(), snap.last_phase
        plan = layout(
            snap.sizes,
            width,
            height - 2,
            selected_neuron(snap),
            lambda c: len(block_lines(snap, Known(), c, 0, 0)),
        )
        self._lines_at = self._layout = None
        if plan is None:
            put(0, 0, "one sample's graph: a larger panel", FAINT)
            return
        cols, last = plan.columns, len(snap.sizes) - 1
        self._ids = (cols, plan.neurons)
        dot_line = [0 if c == 0 else 1 for c in cols]  # the a (or x) line joins the lines
        dots = [[t + dot_line[v] for t in tops] for v, tops in enumerate(plan.tops)]
        self._layout = (plan.xs, dots)
        carried = snap.detail.carried if snap.detail is not None else ()
        values = [
            carried[c][np.ix_(plan.neurons[v], plan.neurons[v + 1])]
            if c in k.carried and c < len(carried)
            else None
            for v, c in enumerate(cols[:-1])
        ]
        top = max(
            (float(np.abs(np.nan_to_num(carried[c])).max()) for c in k.carried if c < len(carried)),
            default=1.0,
        )  # one scale for the whole graph: a gradient that vanishes looks faint
        fresh = phase.layer if phase is not None and phase.kind == BACKWARD else None
        dim = {v for v, c in enumerate(cols[:-1]) if fresh is not None and c != fresh}
        owner, lines = _connections(
            values,
            [(x, x + BLOCK - 1) for x in plan.xs],
            [np.asarray(rows, np.intp) * 4 + 1 for rows in dots],
            (codes, styles),
            dim,
            [],
            [top] * len(values),
        )
        if len(lines):  # the shown lines, as the network's (layer, input, neuron)
            lines = np.array(
                [(cols[v], plan.neurons[v][i], plan.neurons[v + 1][j]) for v, i, j in lines]
            )
        self._lines_at = (owner.reshape(height, width), lines)
        sel = selected_neuron(snap)
        bold = self._fresh_column(snap, revealed)
        for v, c in enumerate(cols):
            x = plan.xs[v]
            for i, t in zip(plan.neurons[v], plan.tops[v], strict=True):
                for n, (letter, number) in enumerate(block_lines(snap, k, c, i, revealed)):
                    new = c == bold[0] and letter in bold[1]
                    style = FAINT if number is None else BOLD if new else 0
                    put(t + n, x + 1, block_text(letter, number), style)
                mark = "◉" if (c, i) == sel else "●"
                put(t + dot_line[v], x, mark, SEL_NEURON if (c, i) == sel else 0)
            if plan.hidden[v]:
                put(height - 2, x, f"+ {plan.hidden[v]} more", FAINT)
        spacing = min((b - a for a, b in pairwise(plan.xs)), default=width)
        for level in range(3):  # the longest labels that fit over the blocks
            labels = [_labels(snap, level)[c] for c in cols]
            if max(map(len, labels)) < spacing:
                break
        for x, label in zip(plan.xs, labels, strict=True):
            put(0, x + (BLOCK - len(label)) // 2, label, 0)
        if cols[0] > 0:
            put(0, 0, "◀", BOLD)
        if cols[-1] < last:
            put(0, width - 1, "▶", BOLD)
        if self.hovered is not None and weight_exists(snap, self.hovered):
            text = first_fit(carried_captions(snap, self.hovered), width)
        else:
            text = graph_caption(snap, plan.cut, width)
        moving = snap.phase_index or snap.status == "running"  # a phase just ran
        put(height - 1, 0, text, BOLD if phase is not None and moving else FAINT)

    def _fresh_column(self, snap: Snapshot, revealed: int) -> tuple[int, str]:
        """(neuron column, letters) of the values the last phase has just computed."""
        phase, last = snap.last_phase, len(snap.sizes) - 1
        if phase is None or not snap.phase_index:
            return -1, ""
        if phase.kind == FORWARD:
            return min(revealed, len(snap.sizes)) - 1, "xza"
        if phase.kind == LOSS:
            return last, "tδ"
        if phase.kind == BACKWARD:
            return phase.layer, "δ"
        return -1, ""

    @staticmethod
    def _draw_maps(snap: Snapshot, where: tuple, styles: np.ndarray, shades: np.ndarray) -> None:
        """Each neuron's map into the cells: ``where`` = (top pixel of each neuron by
        column, first cell of each column, pixel rows, cells across)."""
        tops, firsts, px, cells = where
        maps = snap.neuron_maps
        for c, (top, first) in enumerate(zip(tops, firsts, strict=True)):
            column = map_pixels(maps.columns[c][: len(top)], maps.ranges[c], px, cells)
            for t, pixels in zip(top, column, strict=True):
                rows = 2 + t + np.arange(px)  # pixel rows of the panel (row 1 is pixels 2, 3)
                shades[rows % 2, rows // 2, first : first + cells] = pixels
                styles[rows // 2, first : first + cells] = MAP

    @staticmethod
    def _strips(codes, styles, shades, base: Style) -> list[Strip]:
        """The cells as strips: one segment per run of cells of the same style (and, in a
        map, the same colours)."""
        palette = map_palette(base)
        n = len(palette) + 1
        upper, lower = shades
        on_map = styles == MAP
        glyphs = np.where(upper < 0, ord(LOWER), ord(UPPER))
        codes = np.where(on_map, glyphs, codes).astype("<u4")
        fg, bg = np.where(upper < 0, lower, upper), np.where(upper < 0, -1, lower)
        keys = (styles * n + (fg + 1)) * n + (bg + 1)
        styled = [base + style for style in _STYLES]
        seen: dict[int, Style] = {}

        def style(key: int) -> Style:
            if key not in seen:
                kind, f, b = key // (n * n), key // n % n - 1, key % n - 1
                seen[key] = (
                    styled[kind]
                    if kind != MAP
                    else cell_style(base, palette[f], palette[b] if b >= 0 else None)
                )
            return seen[key]

        width = codes.shape[1]
        strips = []
        for line, row in zip(codes, keys, strict=True):
            text = line.tobytes().decode("utf-32-le")
            cuts = [0, *(np.flatnonzero(row[1:] != row[:-1]) + 1).tolist(), width]
            segments = [Segment(text[a:b], style(row[a])) for a, b in pairwise(cuts)]
            strips.append(Strip(segments, width))
        return strips


def weight_exists(snap: Snapshot, line: tuple[int, int, int]) -> bool:
    """Whether the connection (k, i, j) is one of this network's."""
    k, i, j = line
    return 0 <= k < len(snap.weights) and 0 <= i < snap.sizes[k] and 0 <= j < snap.sizes[k + 1]


def weight_captions(snap: Snapshot, line: tuple[int, int, int]) -> list[str]:
    """The connection (k, i, j), most complete first: "W2[3,1] = -0.4231: a1[3] → neuron 1
    of layer 2", "W2[3,1] = -0.4231"."""
    k, i, j = line
    w = float(snap.weights[k][i, j])
    source = snap.input_names[i] if k == 0 and len(snap.input_names) > i else f"a{k}[{i}]"
    value = f"W{k + 1}[{i},{j}] = {w:.4g}"
    return [f"{value}: {source} → neuron {j} of layer {k + 1}", value]


def carried_captions(snap: Snapshot, line: tuple[int, int, int]) -> list[str]:
    """The graph's connection (k, i, j), most complete first: what it carries back for the
    sample, "W2[3,1]·δ2[1] = -0.0213 back to a1[3]"; its weight until backward reaches it."""
    k, i, j = line
    d = snap.detail
    if d is None or k not in known(snap).carried or k >= len(d.carried):
        return weight_captions(snap, line)
    product = f"W{k + 1}[{i},{j}]·δ{k + 1}[{j}] = {float(d.carried[k][i, j]):.4g}"
    source = snap.input_names[i] if k == 0 and len(snap.input_names) > i else f"a{k}[{i}]"
    return [f"{product} back to {source}", product]


def weight_caption(snap: Snapshot, line: tuple[int, int, int]) -> str:
    """ "W2[3,1] = -0.4231: a1[3] → neuron 1 of layer 2" for the connection (k, i, j)."""
    return weight_captions(snap, line)[0]
