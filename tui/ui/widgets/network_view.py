"""Panel 1: the network as columns of neurons joined by braille lines, one per weight.

Weights W_k (sizes[k], sizes[k+1]) join neuron column k to column k+1. Every connection is
rasterised on a braille canvas (2x4 dots per cell); a cell keeps all the dots drawn through
it and the style of the strongest |w| among them: blue for w >= 0, orange for w < 0, and
dim / normal / bold by |w| / max |W_k|. A column taller than the panel shows its first
neurons and "+ N more"; only the drawn neurons are connected. A dead ReLU neuron (its
output was 0 for every sample of the last epoch) is drawn hollow and red: ○; a neuron
switched off (a click on a hidden neuron, its output held at 0) a dim ✕. A CSV file's
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
from ..fit import first_fit
from ..formulas import update_rule
from ..halfblocks import LOWER, UPPER, cell_style
from ..network_canvas import (
    BOLD,
    DEAD,
    FAINT,
    MAP,
    SEL_NEURON,
    STYLES,
    column_labels,
    connections,
    weight_exists,
)
from ..neuron_maps import map_palette, map_pixels
from ..rows import ChangedRows
from ..sample_graph import draw_graph

DEAD_NEURON = "○"
OFF_NEURON = "✕"
MIN_MAP_PX, MAX_MAP_PX = 4, 8  # a neuron's map: pixel rows (two to a cell row), as many cells
LINE_ROOM, MIN_LINE_ROOM = 6, 4  # cells kept between two columns of maps for the connections

REVEAL_SECONDS = 0.05  # how often the graph looks whether a forward layer is due


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


def forward_words(norm: str) -> list[str]:
    """The forward phase in words, most complete first (with the normalisation's step)."""
    if norm:
        return [f"a = f({norm}(a·W + b)), layer by layer", f"a = f({norm}(a·W + b))"]
    return ["a = f(a·W + b), layer by layer", "a = f(a·W + b)"]


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
    off = len(snap.off_neurons)
    if off and snap.phase_index == 0:  # between steps the legend of the neurons off
        return [
            f"{OFF_NEURON} {off} off: output held at 0; a click switches it on",
            f"{OFF_NEURON} {off} off: output held at 0",
            f"{OFF_NEURON} {off} off",
        ]
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
        names = " → ".join(grouped(snap.layer_names))  # BN·tanh: normalised, then tanh
        return [f"activations: {names}", names]
    head = f"▶ {phase.label}"
    what = {
        FORWARD: forward_words(snap.norm_symbol),
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
    if _columns(column_labels(snap, 2), width - left - right) is None:
        return 0, 0
    return left, right


def _rows(n: int, body: int) -> tuple[list[int], int]:
    """Rows of the drawn neurons of a column of n (first body row 1), and how many are hidden."""
    if n <= body:
        return [1 + int((i + 0.5) * body / n - 0.5) for i in range(n)], 0  # slot centres
    return list(range(1, body)), n - (body - 1)


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
                labels = column_labels(snap, level)
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
        """A click on neuron ``index`` of column ``column`` (0 = the inputs), with the mouse
        ``button`` (1 left, 2 middle, 3 right) and the ``modifiers`` held ("ctrl",
        "shift", "meta"): the screen decides what each does."""

        def __init__(
            self, column: int, index: int, button: int = 1, modifiers: frozenset[str] = frozenset()
        ) -> None:
            super().__init__()
            self.column, self.index = column, index
            self.button, self.modifiers = button, modifiers

    class WeightClicked(Message):
        """A click on the connection of W_k[i, j], ``line`` = (k, i, j); ``button`` and
        ``modifiers`` as for a neuron."""

        def __init__(
            self,
            line: tuple[int, int, int],
            button: int = 1,
            modifiers: frozenset[str] = frozenset(),
        ) -> None:
            super().__init__()
            self.line, self.button, self.modifiers = line, button, modifiers

    def on_click(self, event: events.Click) -> None:
        """A click on a line posts its weight (not on the graph, where values are written
        over the lines); elsewhere, the neuron nearest to it (within a few cells)."""
        held = frozenset(k for k in ("ctrl", "shift", "meta") if getattr(event, k))
        line = None if self.graph else self.line_at(event.x, event.y)
        if line is not None and weight_exists(self.snapshot, line):
            self.post_message(self.WeightClicked(line, event.button, held))
            return
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
            self.post_message(self.NeuronClicked(c, i, event.button, held))

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
        styles = np.zeros((height, width), np.intp)  # indices into STYLES, or MAP
        shades = np.full((2, height, width), -1, np.intp)  # a map cell's upper, lower level

        def put(row: int, x: int, text: str, style: int) -> None:
            x = min(max(x, 0), max(width - len(text), 0))  # clamped into the row, cut on the right
            text = text[:width]
            codes[row, x : x + len(text)] = [ord(ch) for ch in text]
            styles[row, x : x + len(text)] = style

        self._ids = None
        if self.graph:  # one sample's computation graph instead (tui.ui.sample_graph)
            drawn = draw_graph(snap, (codes, styles), put, self.revealed(), self.hovered)
            self._lines_at, self._layout, self._ids = drawn
            return self._strips(codes, styles, shades, base)
        ncol = len(snap.sizes)
        left, right = name_margins(snap, width)  # room for a CSV file's column and class names
        body = height - 2  # rows between the labels and the caption
        maps = map_layout(snap, width, body, (left, right)) if self.draw_maps else None
        if maps:
            xs, labels, map_px, map_cells = maps
        else:
            for level in range(3):  # the longest labels that fit
                labels = column_labels(snap, level)
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
            owner, lines = connections(
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
                marks = (
                    [(i, DEAD_NEURON, DEAD) for i in np.flatnonzero(dead)]
                    if dead is not None
                    else []
                )
                marks += [(i, OFF_NEURON, FAINT) for col, i in snap.off_neurons if col == c]
                for i, mark, style in marks:
                    if i >= len(top):  # a neuron left out for room
                        continue
                    row = 1 + (int(top[i]) + map_px // 2) // 2
                    put(row, first + map_cells // 2, mark, style)
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
            owner, lines = connections(
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
                off = {i for col, i in snap.off_neurons if col == c}
                for i, y in enumerate(ys[c]):
                    sign = 2 if bias[i] > 0 else 5 if bias[i] < 0 else 0  # by the bias
                    end = sel is not None and (c, i) in ((sel[0], sel[1]), (sel[0] + 1, sel[2]))
                    style = (sign + 1 if sign else BOLD) if c in columns else sign
                    if i in off:  # held at 0 (selected or not: what it does comes first)
                        put(y, x, OFF_NEURON, SEL_NEURON if end else FAINT)
                    elif end:
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
        styled = [base + style for style in STYLES]
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


def weight_captions(snap: Snapshot, line: tuple[int, int, int]) -> list[str]:
    """The connection (k, i, j), most complete first: "W2[3,1] = -0.4231: a1[3] → neuron 1
    of layer 2", "W2[3,1] = -0.4231"."""
    k, i, j = line
    w = float(snap.weights[k][i, j])
    source = snap.input_names[i] if k == 0 and len(snap.input_names) > i else f"a{k}[{i}]"
    value = f"W{k + 1}[{i},{j}] = {w:.4g}"
    return [f"{value}: {source} → neuron {j} of layer {k + 1}", value]


def weight_caption(snap: Snapshot, line: tuple[int, int, int]) -> str:
    """ "W2[3,1] = -0.4231: a1[3] → neuron 1 of layer 2" for the connection (k, i, j)."""
    return weight_captions(snap, line)[0]
