"""core.health and what the trainer records with it: ||delta|| per layer, dead ReLUs per epoch,
symmetric layers, a constant guess's loss, and 0/0 update ratios."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import Config
from core.health import (
    ReluActivity,
    constant_guess_loss,
    depth_growth,
    depth_verdicts,
    symmetric_layers,
)
from core.lessons import get_lesson
from core.losses import get_loss
from core.trainer import Trainer


def small(**changes) -> Config:
    return Config(**{"dataset": "circle", "n_samples": 200, "hidden": (8, 4), **changes})


def test_delta_norms_are_reported_per_layer_and_phase_by_phase():
    t = Trainer(small(batch_size=16))
    assert not t.report().delta_norm.any()  # no step yet
    t.next_phase(), t.next_phase()  # forward, loss: delta of the output layer
    per_sample = 16 * t.net.delta[-1]  # the buffers hold dE/dz = δ / n, δ = dE_s/dz
    rms = np.sqrt(np.mean(np.sum(per_sample**2, axis=1)))  # one sample's ‖δ‖, RMS
    assert t.report().delta_norm[-1] == pytest.approx(rms)
    for _ in range(4):  # backward 3, 2, 1, update
        t.next_phase()
    r = t.report()
    expected = [np.linalg.norm(d) * 4 for d in t.net.delta]  # sqrt(16) times the buffer's
    assert r.delta_norm == pytest.approx(expected) and np.all(r.delta_norm > 0)
    assert t.first_delta_norm == pytest.approx(expected)  # the first step's, kept
    t.step()
    assert t.first_delta_norm == pytest.approx(expected)
    t.reinitialize()
    assert not t.report().delta_norm.any() and np.isnan(t.first_delta_norm).all()


def test_the_exploding_lesson_grows_delta_layer_by_layer_while_dw_stays_flat():
    r = Trainer(get_lesson("exploding-gradients").config).step()
    d, g = r.delta_norm, r.grad_norm
    assert np.all(np.diff(d) < 0)  # larger at every layer further from the output
    assert d[0] > 1000 * d[-1] and g.max() < 2 * g.min()
    assert depth_verdicts(d)[:3] == ["exploding"] * 3 and depth_verdicts(d)[-1] == ""


def test_depth_growth_and_verdicts():
    assert depth_growth([400.0, 4.0, 2.0]) == pytest.approx([200.0, 2.0, 1.0])
    assert depth_verdicts([400.0, 4.0, 2.0]) == ["exploding", "", ""]
    assert depth_verdicts([1e-3, 0.5, 1.0]) == ["vanishing", "", ""]
    assert depth_verdicts([0.0, 0.0, 1.0]) == ["", "", ""]  # cut off, not shrunk: no verdict
    assert depth_verdicts([5.0]) == [""]  # one layer: no chain
    assert np.isnan(depth_growth([1.0, 0.0])).all() and depth_verdicts([1.0, 0.0]) == ["", ""]
    assert depth_verdicts([np.inf, 1.0]) == ["", ""] and depth_verdicts([1.0, np.nan]) == ["", ""]


def test_dead_relus_are_recorded_per_epoch():
    t = Trainer(small(activation="relu", hidden=(8, 4), batch_size=10))
    assert t.activity.layers == [0, 1] and t.activity.dead == (None, None, None)
    t.net.weights[0][:, 3] = 0.0
    t.net.biases[0][3] = -1.0  # z = -1 for every sample: its ReLU is 0 all epoch
    t.run_epoch()
    dead = t.activity.dead
    assert dead[2] is None and dead[0].dtype == bool and dead[0].shape == (8,)
    assert dead[0][3] and dead[0].sum() == 1
    a = np.maximum(t.X @ t.net.weights[0] + t.net.biases[0], 0.0)  # still 0 after the epoch
    assert np.all(a[:, 3] == 0)
    t.net.biases[0][3] = 5.0  # alive again: known at the end of the next epoch
    t.run_epoch()
    assert not t.activity.dead[0][3]
    t.reinitialize()
    assert t.activity.dead == (None, None, None)


@pytest.mark.parametrize("check_every", [1, 3, ReluActivity.CHECK_EVERY])
def test_dead_relus_are_those_never_active_in_the_epoch(check_every, monkeypatch):
    """Whether the epoch is settled is checked every few passes: the masks are the same."""
    monkeypatch.setattr(ReluActivity, "CHECK_EVERY", check_every)
    t = Trainer(small(activation="relu", hidden=(8, 4), batch_size=10, lr=0.5))
    t.net.weights[0][:, 3], t.net.biases[0][3] = 0.0, -1.0  # dead all epoch
    for epoch in (1, 2):
        active = [np.zeros(8, bool), np.zeros(4, bool)]
        while t.epoch < epoch:
            t.step()
            for k in (0, 1):
                active[k] |= (t.net.a[k] > 0).any(axis=0)
        assert [list(d) for d in t.activity.dead[:2]] == [list(~a) for a in active]
        assert t.activity.dead[0][3]


def test_only_relu_hidden_layers_are_tracked():
    for act in ("tanh", "leaky_relu", "sigmoid"):
        t = Trainer(small(activation=act))
        t.run_epoch()
        assert t.activity.layers == [] and t.activity.dead == (None, None, None)


def test_dead_relu_lesson_records_a_dead_second_layer():
    t = Trainer(get_lesson("dead-relu").config)
    t.train(50)
    assert t.activity.dead[1].mean() >= 0.5


def test_symmetric_layers():
    t = Trainer(get_lesson("zero-init").config)
    t.train(5)
    assert symmetric_layers(t.net.weights, t.net.biases) == (True, True, False)
    t.net.weights[1][0, 1] = 0.5  # neuron 2 of layer 2 differs now; layer 1's out-weights too
    assert symmetric_layers(t.net.weights, t.net.biases) == (False, False, False)
    other = Trainer(small())
    assert symmetric_layers(other.net.weights, other.net.biases) == (False, False, False)
    one = [np.zeros((2, 1)), np.zeros((1, 1))]  # one neuron: nothing to be the same as
    assert symmetric_layers(one, [np.zeros(1), np.zeros(1)]) == (False, False)


def test_zero_init_update_ratio_is_zero_not_nan():
    t = Trainer(get_lesson("zero-init").config)
    r = t.step()
    assert np.array_equal(r.update_ratio, [0.0, 0.0, 0.0])  # 0/0: no update
    t.run_epoch()
    last = t.history.last()
    assert [last[f"update_ratio_{k}"] for k in range(3)] == [0.0, 0.0, 0.0]


def test_constant_guess_loss():
    Y = np.array([[1.0], [0.0], [1.0], [1.0]])
    p = 0.75
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert constant_guess_loss(get_loss("bce"), Y) == pytest.approx(entropy)
    assert constant_guess_loss(get_loss("mse"), Y) == pytest.approx(Y.var())
    onehot = np.eye(3)[[0, 0, 1, 2]]
    ce = -(0.5 * np.log(0.5) + 2 * 0.25 * np.log(0.25))
    assert constant_guess_loss(get_loss("cross_entropy"), onehot) == pytest.approx(ce)
    assert constant_guess_loss(get_loss("bce"), np.ones((3, 1))) < 1e-9  # p clipped: finite


def test_saturation_is_the_share_of_outputs_at_a_flat_end():
    from core.health import saturation

    t = Trainer(small(hidden=(3, 2), activation="tanh", loss="mse"))
    assert all(np.isnan(saturation(t.net, t.loss)))  # no forward pass yet
    t.net.run_forward(t.X[:4])
    t.net.a[0][:] = [[1.0, 0.995, 0.2]] * 4  # two of three outputs at tanh's ends
    t.net.a[1][:] = 0.3
    t.net.a[2][:] = [[0.999], [0.5], [0.001], [0.5]]  # sigmoid output, mse: not fused
    shares = saturation(t.net, t.loss)
    assert shares == pytest.approx((2 / 3, 0.0, 0.5))
    fused = Trainer(small(hidden=(3,), activation="relu"))  # relu; sigmoid output with bce
    fused.step()
    assert all(np.isnan(saturation(fused.net, fused.loss)))
