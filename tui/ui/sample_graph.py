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

This module lays the graph out (what goes where); the network view draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..snapshot import BACKWARD, FORWARD, LOSS, UPDATE, Phase, Snapshot
from .fit import first_fit
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

    @property
    def cut(self) -> bool:
        return bool(any(self.hidden)) or len(self.columns) < self.n_columns

    n_columns: int = 0  # the network's neuron columns, shown or not


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
    return Layout(columns, xs, neurons, tops, hidden, n_columns=len(sizes))


def captions(snap: Snapshot, cut: bool) -> list[str]:
    """The line under the graph, most complete first: the phase that just ran (stepping
    phase by phase, or running at the phases pace), else the sample and its keys;
    ``cut``: the panel shows only part of the graph, and says how to see more."""
    k, phase = known(snap), snap.last_phase
    if snap.detail is None or phase is None or not k.forward:
        if snap.status == "running" and not snap.stepping:
            return ["one sample: pause (space) or slow to 1 step/s (<)", "pause to see values"]
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


def title(snap: Snapshot, width: int = 1000) -> str:
    """The panel's title while it shows the graph: which sample, and the neuron it centres
    on (◉, a_c[j] as the inspector names it), as much as fits."""
    column, j = selected_neuron(snap)
    neuron = f"◉ a{column}[{j}]"
    d = snap.detail
    if d is None:
        return first_fit([f"One sample, forward and back, {neuron}", "One sample"], width)
    where = f"Sample {snap.sample + 1} of {d.batch_size}"
    options = [f"{where} forward and back, {neuron}", f"{where}, {neuron}", where]
    return first_fit(options, width)


def selected_neuron(snap: Snapshot) -> tuple[int, int]:
    """The neuron the graph centres on, (column, index): the one the inspector's weight
    feeds, else the first output."""
    if snap.selected is None:
        return len(snap.sizes) - 1, 0
    k, _, j = snap.selected
    return k + 1, j
