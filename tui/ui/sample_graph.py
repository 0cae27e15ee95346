"""One sample's computation graph, laid out over the network: every neuron's z and a from
the forward pass, its δ = dE_s/dz from the backward pass, each connection's w·δ.

For sample s of the mini-batch and layer k (W_k joins neuron column k to column k + 1;
column 0 holds the inputs, a_0 = x):

    forward:   z_k = a_k·W_k + b_k,   a_(k+1) = f(z_k)
    backward:  W_k[i, j]·δ_k[j] is what the connection i → j carries back to its input i;
               their sum over j is dE_s/da_k[i], and δ_(k-1)[i] = f'(z_(k-1)[i]) times it

Every value is the snapshot's (PhaseDetail: the backward pass's own z, a, δ and w·δ for
the sample), shown once the step has computed it: z and a after forward (at the phases
pace a column at a time over the forward phase), δ of the output layer after the loss,
δ_(k-1) and the w·δ of layer k's connections after backward k. A panel too narrow for
every column shows the selected neuron's column and its neighbours, one too short for a
column the neurons around the selected one ("+ N more").

The network view hands this module its canvas (tui.ui.network_canvas) in graph mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from ..snapshot import BACKWARD, FORWARD, LOSS, UPDATE, Phase, Snapshot
from .fit import first_fit
from .network_canvas import BOLD, FAINT, SEL_NEURON, column_labels, connections, weight_exists
from .numbers import num

VALUE_WIDTH = 7  # a value's cells: "-0.0213", "0.4134", "1.2e-5"
BLOCK = 3 + VALUE_WIDTH  # a neuron's text: its dot, a letter, a space, the value
MIN_GAP = 4  # cells between two columns' blocks, for the connections
PENDING = "·"  # a value the step has not computed yet


@dataclass(frozen=True)
class Known:
    """What the current step has computed so far, for the graph to show.

    ``forward``: z and a of every layer (and the batch's inputs); ``deltas``: the layers k
    whose δ_k is known; ``carried``: the layers k whose connections carry w·δ_k back.
    """

    forward: bool = False
    deltas: frozenset[int] = frozenset()
    carried: frozenset[int] = frozenset()


def known(snap: Snapshot) -> Known:
    """What the step has computed: the phases run so far (all of them between steps)."""
    d = snap.detail
    if d is None or d.row(snap.sample) is None or snap.last_phase is None:
        return Known()
    ran = snap.phases[: snap.phase_index] if snap.phase_index else snap.phases
    deltas = {snap.n_layers - 1} if Phase(LOSS) in ran else set()
    deltas |= {p.layer - 1 for p in ran if p.kind == BACKWARD and p.layer > 0}
    carried = {p.layer for p in ran if p.kind == BACKWARD}
    return Known(Phase(FORWARD) in ran, frozenset(deltas), frozenset(carried))


def value(x: float, width: int = VALUE_WIDTH) -> str:
    """The most significant digits (4 at most) that fit in ``width``, as a plain number or
    with an exponent (without its padding zero): "0.4134", "-0.0213", "-4.1e-4"."""
    for digits in range(4, 0, -1):
        for spec in (f".{digits}g", f".{digits - 1}e"):
            text = num(x, spec).replace("e-0", "e-").replace("e+0", "e+")
            if len(text) <= width:
                return text
    return text


def block_lines(snap: Snapshot, k: Known, column: int, neuron: int, revealed: int) -> list:
    """A neuron's lines as (letter, value or None while pending): an input's x; a hidden
    neuron's z, a, δ; an output's z, a, its target t, δ. ``revealed``: the neuron columns
    whose forward values are shown (all but at the start of an animated forward phase)."""
    d, shown = snap.detail, k.forward and column < revealed
    row = d.row(snap.sample) if d is not None else None
    if column == 0:
        return [("x", float(d.x[row, neuron]) if shown else None)]
    layer = column - 1
    lines = [
        ("z", float(d.z[layer][row, neuron]) if shown else None),
        ("a", float(d.a[layer][row, neuron]) if shown else None),
    ]
    if column == len(snap.sizes) - 1:
        lines.append(("t", float(d.y_true[row, neuron]) if k.deltas else None))
    lines.append(("δ", float(d.delta[layer][row, neuron]) if layer in k.deltas else None))
    return lines


def block_text(letter: str, x: float | None) -> str:
    """ "a  0.3912": the letter and the value (or · while pending), BLOCK - 1 cells."""
    return f"{letter} {value(x) if x is not None else PENDING:>{VALUE_WIDTH}}"


@dataclass(frozen=True)
class Layout:
    """Where the graph goes in a panel: the neuron columns shown (consecutive, left to
    right), the x of each one's dots (its blocks span x .. x + BLOCK - 1), and per shown
    column its neurons shown, the top row of each one's block, and how many are left out."""

    columns: list[int]
    xs: list[int]
    neurons: list[list[int]]
    tops: list[list[int]]
    hidden: list[int]
    n_columns: int  # the network's neuron columns, shown or not

    @property
    def cut(self) -> bool:
        """Some of the graph is left out for room."""
        return bool(any(self.hidden)) or len(self.columns) < self.n_columns


def fitting_columns(n: int, width: int) -> int:
    """How many neuron columns (of n) fit side by side in ``width`` cells."""
    m = n
    while m > 1 and m * BLOCK + (m - 1) * MIN_GAP > width:
        m -= 1
    return m if BLOCK <= width else 0


def window(n: int, count: int, centre: int) -> list[int]:
    """``count`` consecutive indices of n around ``centre`` (as centred as the ends allow)."""
    start = min(max(centre - (count - 1) // 2, 0), max(n - count, 0))
    return list(range(start, min(start + count, n)))


def layout(
    sizes: tuple[int, ...], width: int, body: int, selected: tuple[int, int], rows_of
) -> Layout | None:
    """The graph in ``width`` cells and ``body`` rows (from row 1), around the selected
    neuron (column, index); ``rows_of(column)``: the lines of one of its blocks. None when
    not even one block fits."""
    m = fitting_columns(len(sizes), width)
    if m == 0:
        return None
    column, neuron = selected
    columns = window(len(sizes), m, column)
    if m == 1:
        xs = [(width - BLOCK) // 2]
    else:
        xs = [round(i * (width - BLOCK) / (m - 1)) for i in range(m)]
    neurons, tops, hidden = [], [], []
    for c in columns:
        per, n = rows_of(c), sizes[c]
        room = body
        count = min(n, (room + 1) // (per + 1))  # a blank row between two blocks
        if count < n:  # the last row says how many are left out
            room = body - 1
            count = (room + 1) // (per + 1)
        if count < 1:
            if per > body:
                return None
            count, room = 1, body  # one block, no room to say the rest
        shown = window(n, count, neuron if c == column else 0)
        slot = room / count
        tops.append([1 + max(int(i * slot + (slot - per) / 2 + 0.5), 0) for i in range(count)])
        tops[-1] = [min(t, 1 + room - per) for t in tops[-1]]
        neurons.append(shown)
        hidden.append(n - count)
    return Layout(columns, xs, neurons, tops, hidden, len(sizes))


def captions(snap: Snapshot, cut: bool) -> list[str]:
    """The line under the graph, most complete first: the phase that just ran (stepping
    phase by phase, or running at the phases pace), else the sample and its keys;
    ``cut``: the panel shows only part of the graph, and says how to see more."""
    k, phase = known(snap), snap.last_phase
    if snap.detail is None or phase is None or not k.forward:
        if snap.status == "running" and not snap.stepping:
            return [
                "one sample: pause (space) or slow to 1 step/s (<)",
                "pause (space) or slow down (<)",
                "pause to see values",
            ]
        return ["one sample's values: n a step, p a phase", "n or p: the values"]
    d, n = snap.detail, snap.n_layers
    animated = snap.status == "running" and snap.pace.kind == "phases"
    if not (snap.phase_index or animated):  # between two steps
        where = f"sample {snap.sample + 1}/{d.batch_size}: , . another"
        more = [f"{where} · ←→ more, or widen", f"{where} · ←→ more"] if cut else []
        return [*more, f"{where} · lines w·δ: blue > 0, orange < 0", f"{where} · lines w·δ", where]
    head = f"▶ {phase.label}"
    loss = value(float(d.per_sample_loss[d.row(snap.sample)]))
    what = {
        FORWARD: ["z = a·W + b, a = f(z), layer by layer", "z = a·W + b, a = f(z)"],
        LOSS: [f"E_s = {loss}, δ{n} = dE_s/dz of the output", f"E_s = {loss}"],
        UPDATE: ["W_new = W - lr·dE/dW, dE/dW the mean of a·δ", "W - lr·dE/dW"],
    }.get(phase.kind, [])
    if phase.kind == BACKWARD:
        layer = phase.layer + 1
        below = f"δ{layer - 1} = f'(z{layer - 1})·Σ w·δ{layer}"
        what = [f"lines w·δ{layer}, {below}", below] if layer > 1 else [f"lines w·δ{layer}"]
    return [*(f"{head}: {w}" for w in what), head]


def caption(snap: Snapshot, cut: bool, width: int) -> str:
    return first_fit(captions(snap, cut), width)


def title(snap: Snapshot, width: int = 1000, cut: bool = False) -> str:
    """The panel's title while it shows the graph: which sample, and the neuron it centres
    on (◉, a_c[j] as the inspector names it), as much as fits; ``cut``: the graph leaves
    some out for room, and the title says how to see it."""
    column, j = selected_neuron(snap)
    neuron = f"◉ a{column}[{j}]"
    d = snap.detail
    if d is None:
        return first_fit([f"One sample, forward and back, {neuron}", "One sample"], width)
    where = f"Sample {snap.sample + 1} of {d.batch_size}"
    options = [f"{where} forward and back, {neuron}", f"{where}, {neuron}", where]
    if cut:
        options.insert(1, f"{where}, {neuron} · ←→ more")
    return first_fit(options, width)


def selected_neuron(snap: Snapshot) -> tuple[int, int]:
    """The neuron the graph centres on, (column, index): the one the inspector's weight
    feeds, else the first output."""
    if snap.selected is None:
        return len(snap.sizes) - 1, 0
    k, _, j = snap.selected
    return k + 1, j


class Drawn(NamedTuple):
    """What the graph drew, for the mouse: the line in each cell ((height, width) indices
    into (k, i, j) rows of the network's layer, input, neuron, or -1), the x of each shown
    column and the rows of its neurons' dots, and which column and neurons those are."""

    lines_at: tuple[np.ndarray, np.ndarray] | None
    where: tuple[list[int], list[list[int]]] | None
    ids: tuple[list[int], list[list[int]]] | None


def draw_graph(
    snap: Snapshot,
    canvas: tuple[np.ndarray, np.ndarray],
    put: Callable[[int, int, str, int], None],
    revealed: int,
    hovered: tuple[int, int, int] | None,
) -> Drawn:
    """Draw the graph into ``canvas`` (code points, style indices; ``put(row, x, text,
    style)`` writes text): each shown neuron's block of values, the lines between them by
    w·δ once backward has passed them (one scale for the whole graph, so that a gradient
    that vanishes looks faint), the column labels, the caption."""
    codes, styles = canvas
    height, width = codes.shape
    k, phase = known(snap), snap.last_phase
    plan = panel_layout(snap, width, height)
    if plan is None:
        put(0, 0, "one sample's graph: a larger panel", FAINT)
        return Drawn(None, None, None)
    cols = plan.columns
    dot_line = [0 if c == 0 else 1 for c in cols]  # the a (or x) line joins the lines
    dots = [[t + dot_line[v] for t in tops] for v, tops in enumerate(plan.tops)]
    carried = snap.detail.carried if snap.detail is not None else ()
    ready = [c for c in k.carried if c < len(carried)]
    values = [
        carried[c][np.ix_(plan.neurons[v], plan.neurons[v + 1])] if c in ready else None
        for v, c in enumerate(cols[:-1])
    ]
    top = max((float(np.abs(np.nan_to_num(carried[c])).max()) for c in ready), default=1.0)
    fresh = phase.layer if phase is not None and phase.kind == BACKWARD else None
    dim = {v for v, c in enumerate(cols[:-1]) if fresh is not None and c != fresh}
    ends = [(x, x + BLOCK - 1) for x in plan.xs]
    dots_y = [np.asarray(rows, np.intp) * 4 + 1 for rows in dots]
    owner, lines = connections(values, ends, dots_y, canvas, dim, [], [top] * len(values))
    if len(lines):  # the shown lines as the network's (layer, input, neuron)
        lines = np.array(
            [(cols[v], plan.neurons[v][i], plan.neurons[v + 1][j]) for v, i, j in lines]
        )
    selected, new = selected_neuron(snap), fresh_values(snap, revealed)
    for v, c in enumerate(cols):
        x = plan.xs[v]
        for i, t in zip(plan.neurons[v], plan.tops[v], strict=True):
            for n, (letter, number) in enumerate(block_lines(snap, k, c, i, revealed)):
                style = FAINT if number is None else BOLD if (c, letter) in new else 0
                put(t + n, x + 1, block_text(letter, number), style)
            mark = "◉" if (c, i) == selected else "●"
            put(t + dot_line[v], x, mark, SEL_NEURON if (c, i) == selected else 0)
        if plan.hidden[v]:
            put(height - 2, x, f"+ {plan.hidden[v]} more", FAINT)
    spacing = min((b - a for a, b in pairwise(plan.xs)), default=width)
    for level in range(3):  # the longest labels that fit over the blocks
        labels = [column_labels(snap, level)[c] for c in cols]
        if max(map(len, labels)) < spacing:
            break
    for x, label in zip(plan.xs, labels, strict=True):
        put(0, x + (BLOCK - len(label)) // 2, label, 0)
    if cols[0] > 0:
        put(0, 0, "◀", BOLD)
    if cols[-1] < len(snap.sizes) - 1:
        put(0, width - 1, "▶", BOLD)
    if hovered is not None and weight_exists(snap, hovered):
        text = first_fit(carried_captions(snap, hovered), width)
    else:
        text = caption(snap, plan.cut, width)
    moving = snap.phase_index or snap.status == "running"  # a phase has just run
    put(height - 1, 0, text, BOLD if phase is not None and moving else FAINT)
    return Drawn((owner.reshape(height, width), lines), (plan.xs, dots), (cols, plan.neurons))


def panel_layout(snap: Snapshot, width: int, height: int) -> Layout | None:
    """The graph's layout in a panel of ``width`` x ``height`` cells (a row of labels
    over it, a caption under it), around the selected neuron."""

    def rows_of(column: int) -> int:
        return len(block_lines(snap, Known(), column, 0, 0))

    return layout(snap.sizes, width, height - 2, selected_neuron(snap), rows_of)


def fresh_values(snap: Snapshot, revealed: int) -> set[tuple[int, str]]:
    """(neuron column, letter) of the values the last phase has just computed (bold)."""
    phase, columns = snap.last_phase, len(snap.sizes)
    if phase is None or not snap.phase_index:
        return set()
    if phase.kind == FORWARD:  # the last column revealed
        return {(min(revealed, columns) - 1, letter) for letter in "xza"}
    if phase.kind == LOSS:
        return {(columns - 1, "t"), (columns - 1, "δ")}
    if phase.kind == BACKWARD:
        return {(phase.layer, "δ")}
    return set()


def carried_captions(snap: Snapshot, line: tuple[int, int, int]) -> list[str]:
    """The connection (k, i, j) under the mouse, most complete first: what it carries back
    for the sample, "W2[3,1]·δ2[1] = -0.0213 back to a1[3]", or that it has not yet."""
    k, i, j = line
    d, name = snap.detail, f"W{k + 1}[{i},{j}]"
    if d is None or k not in known(snap).carried or k >= len(d.carried):
        return [f"{name}: backward has not reached it", name]
    product = f"{name}·δ{k + 1}[{j}] = {float(d.carried[k][i, j]):.4g}"
    source = snap.input_names[i] if k == 0 and len(snap.input_names) > i else f"a{k}[{i}]"
    return [f"{product} back to {source}", product]
