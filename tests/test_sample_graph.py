"""The graph of one sample: its numbers are the backward pass's own (the trainer's z, a, δ
and the inspector's chain rule), shown as each phase computes them; its layout fits."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import Config
from core.pace import parse_pace
from core.trainer import Trainer
from tui.ui.sample_graph import BLOCK, MIN_GAP, carried_captions, known, layout, value, window
from tui.worker.clock import ManualClock
from tui.worker.commands import (
    ChangeSettings,
    MoveSample,
    NextPhase,
    Select,
    SetRunning,
    Show,
    Step,
)
from tui.worker.session import TrainingSession


def session(graph: bool = True, **config) -> TrainingSession:
    """A paused session over a small run, the graph on screen (or not)."""
    s = TrainingSession(Trainer(Config(n_samples=200, **config)), paused=True)
    s.submit(Show("graph", graph))
    s.tick()
    return s


def run(s: TrainingSession, *commands) -> None:
    for command in commands:
        s.submit(command)
    s.tick()


@pytest.mark.parametrize(
    "config",
    [
        {},  # tanh 4, 2 and a sigmoid output fused with bce
        {"dataset": "spiral3", "hidden": (5,), "activation": "relu"},  # softmax, fused
        {"dataset": "sine", "hidden": (6, 3), "loss": "mse"},  # linear output, regression
    ],
)
def test_every_value_is_the_backward_pass_own_phase_by_phase(config):
    s = session(batch_size=8, **config)
    t, n_layers = s.trainer, s.trainer.net.n_layers
    run(s, Step(), MoveSample(3), MoveSample(-1))  # sample 2 of the batch (0-based)
    for _ in range(len(t.phases)):
        run(s, NextPhase())
        snap, net = s.latest, t.net
        assert snap.sample == 2
        d, row = snap.detail, snap.detail.row(2)
        n = t.batch_x.shape[0]
        k = known(snap)
        assert k.forward
        assert np.array_equal(d.x[row], t.batch_x[2])
        for layer in range(n_layers):
            assert np.array_equal(d.z[layer][row], net.z[layer][2])
            assert np.array_equal(d.a[layer][row], net.a[layer][2])
            if layer in k.deltas:  # per sample: the stored δ carries the batch mean's 1/n
                assert np.array_equal(d.delta[layer][row], net.delta[layer][2] * n)
            if layer in k.carried:  # w·δ, with the weights the pass went through
                seen = s.before if t.phase_index == 0 else net.params
                w = net.views(seen)[0][layer]
                assert np.array_equal(d.carried[layer], w * (net.delta[layer][2] * n))
            if layer in k.carried and layer > 0:  # their sums are dE_s/da of the layer below
                np.testing.assert_allclose(
                    d.carried[layer].sum(axis=1), d.grad_a[layer - 1][row], rtol=1e-12
                )


def test_what_is_known_follows_the_phases():
    s = session()  # 3 layers: forward, loss, backward 3, 2, 1, update
    seen = []
    for _ in range(6):
        run(s, NextPhase())
        k = known(s.latest)
        seen.append((k.forward, sorted(k.deltas), sorted(k.carried)))
    assert seen == [
        (True, [], []),  # forward: z and a of every layer
        (True, [2], []),  # loss: δ of the output layer
        (True, [1, 2], [2]),  # backward 3: w·δ3 on its lines, δ2 below
        (True, [0, 1, 2], [1, 2]),
        (True, [0, 1, 2], [0, 1, 2]),  # backward 1: the first layer's lines
        (True, [0, 1, 2], [0, 1, 2]),  # update: the step's values stay
    ]


def test_the_graph_delta_and_w_delta_are_the_inspector_chain_rule():
    """For a hidden neuron j of layer k: dE_s/da_j = Σ_m W_(k+1)[j, m]·δ_(k+1)[m], the sum
    of the w·δ its outgoing lines carry; δ_j = dE_s/dz_j, the inspector's de_dz."""
    s = session(hidden=(4, 3), batch_size=6)
    run(s, Step(), Select((1, 0, 2)), MoveSample(4), Step())
    snap = s.latest
    chain, d, row = snap.inspection.chain, snap.detail, snap.detail.row(4)
    assert chain is not None and snap.sample == 4
    assert d.delta[1][row, 2] == chain.de_dz[4]
    np.testing.assert_allclose(d.carried[2][2].sum(), chain.de_da[4], rtol=1e-12)
    assert np.array_equal(d.carried[2][2], chain.next_weights * chain.next_deltas[4])


def test_a_sample_past_the_kept_rows_brings_its_block_of_rows():
    s = session(batch_size=80)
    run(s, Step(), MoveSample(70))
    d = s.latest.detail
    assert s.latest.sample == 70 and d.first_row == 64 and d.row(70) == 6
    assert np.array_equal(d.z[0][6], s.trainer.net.z[0][70])
    run(s, MoveSample(15))  # wraps around the batch of 80
    assert s.latest.sample == 5 and s.latest.detail.first_row == 0


def test_w_delta_is_computed_only_while_the_graph_is_shown_and_its_weights_known():
    s = session(graph=False)
    run(s, Step())
    assert s.latest.detail.carried == ()
    run(s, Show("graph", True))
    assert len(s.latest.detail.carried) == 3
    clock = ManualClock()  # steps run whole at 10 epochs a second: their weights not kept
    s = TrainingSession(Trainer(Config(n_samples=200)), paused=True, clock=clock)
    run(s, Show("graph", True), ChangeSettings.of(pace=parse_pace("10")), SetRunning(True))
    clock.now += 0.25
    s.tick()  # two epochs
    run(s, SetRunning(False))
    assert s.latest.epoch >= 1 and s.latest.detail.carried == ()
    assert s.latest.inspection is None or s.latest.inspection.chain is None
    run(s, Step())  # a step of its own colours the lines again
    assert len(s.latest.detail.carried) == 3


def test_values_fit_their_cells_with_the_most_digits():
    assert [value(x) for x in (0.41342, -0.0213456, -0.000412, 1.23e-5, 123456.0, 0.0)] == [
        "0.4134",
        "-0.0213",
        "-4.1e-4",
        "1.23e-5",
        "1.23e+5",
        "0",
    ]
    assert all(len(value(x)) <= 7 for x in np.geomspace(1e-30, 1e30, 200) * -1)


def test_a_narrow_panel_shows_the_selected_column_and_its_neighbours():
    sizes = (2, 4, 2, 1)
    rows = lambda c: 1 if c == 0 else 4 if c == 3 else 3  # noqa: E731
    wide = layout(sizes, 58, 19, (3, 0), rows)  # the network panel at 120x40: all of it
    assert wide.columns == [0, 1, 2, 3] and not wide.cut
    narrow = layout(sizes, 38, 9, (3, 0), rows)  # at 80x24: three columns, 2 of 4 neurons
    assert narrow.columns == [1, 2, 3] and narrow.cut
    assert narrow.hidden == [2, 0, 0] and narrow.neurons[0] == [0, 1]
    assert layout(sizes, 38, 9, (1, 3), rows).neurons[1] == [2, 3]  # around the selected
    assert layout(sizes, 38, 9, (1, 0), rows).columns == [0, 1, 2]
    for plan in (wide, narrow):
        gaps = [b - a - BLOCK for a, b in zip(plan.xs, plan.xs[1:], strict=False)]
        assert min(gaps) >= MIN_GAP and plan.xs[-1] + BLOCK <= 58
        for tops, column in zip(plan.tops, plan.columns, strict=True):
            ends = [top + rows(column) - 1 for top in tops]
            assert tops[0] >= 1 and all(e < t for e, t in zip(ends, tops[1:], strict=False))
    assert layout(sizes, BLOCK - 1, 9, (3, 0), rows) is None
    assert window(10, 3, 9) == [7, 8, 9] and window(2, 3, 0) == [0, 1]


def test_a_line_under_the_mouse_says_what_it_carries_back():
    s = session()
    run(s, Step())
    snap = s.latest
    w_delta = snap.detail.carried[2][1, 0]
    assert carried_captions(snap, (2, 1, 0))[0] == f"W3[1,0]·δ3[0] = {w_delta:.4g} back to a2[1]"
    run(s, NextPhase(), NextPhase())  # forward, loss: backward has not reached layer 3
    assert carried_captions(s.latest, (2, 1, 0))[0] == "W3[1,0]: backward has not reached it"
