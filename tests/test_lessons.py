"""Each lesson shows what its paragraph claims, with the trainer's own numbers."""

import numpy as np
import pytest

from core.health import depth_verdicts, symmetric_layers
from core.lessons import get_lesson, load_lessons
from core.trainer import Diverged, Trainer
from tui.cli import main

REQUIRED = [
    "linear-regression",
    "xor",
    "lr-too-large",
    "lr-too-small",
    "edge-of-stability",
    "batch-sizes",
    "vanishing-gradients",
    "cures",
    "normalisation",
    "exploding-gradients",
    "zero-init",
    "dead-relu",
    "features",
    "overfitting",
    "dropout",
]


def trainer(name: str, **changes) -> Trainer:
    return Trainer(get_lesson(name).config.replace(**changes))


def test_every_required_lesson_exists_and_lists(capsys):
    assert list(load_lessons()) == REQUIRED
    assert main(["--list-lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == REQUIRED


def test_unknown_lesson_is_a_clear_error():
    with pytest.raises(ValueError, match="lesson 'nope' is unknown: choose one of linear"):
        get_lesson("nope")


def test_linear_regression_finds_m_and_b():
    t = trainer("linear-regression")
    t.train(200)
    assert abs(t.net.weights[0][0, 0] - 3) < 0.05 and abs(t.net.biases[0][0] - 2) < 0.05


def test_xor_fails_without_a_hidden_layer_and_succeeds_with_one():
    assert trainer("xor").train(200).train_acc == 1.0
    assert trainer("xor", hidden=()).train(200).train_acc < 0.75


def test_too_large_a_learning_rate_zig_zags_across_the_valley_and_diverges():
    t = trainer("lr-too-large")
    x = t.X[:, 0]
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    assert 0.98 < 2 / np.linalg.eigvalsh(hessian).max() < 1.0  # "takes rates up to about 1"
    low_b, bs = 2.0, [float(t.net.biases[0][0])]
    too_large = "learning rate 1.05 is likely too large: lr·λmax = 1.05 x 2.009 = 2.11 > 2"
    with pytest.raises(Diverged, match=too_large):
        for _ in range(100):
            t.run_epoch()
            bs.append(float(t.net.biases[0][0]))
    assert t.epoch == 15  # "after 15 epochs"
    losses = t.history.recent("train_loss")[1]
    assert np.all(np.diff(losses) > 0)  # the loss grows every epoch
    sides = np.sign(np.array(bs[1:]) - low_b)
    assert np.all(sides[1:] == -sides[:-1])  # across the valley at every step: a zig-zag
    assert np.all(np.diff(np.abs(np.array(bs[1:]) - low_b)) > 0)  # further out each time


def test_after_the_overshoot_lr_03_goes_into_the_valley_and_along_its_floor():
    t = trainer("lr-too-large", lr=0.3)
    path = [(float(t.net.weights[0][0, 0]), float(t.net.biases[0][0]))]
    for _ in range(40):
        t.run_epoch()
        path.append((float(t.net.weights[0][0, 0]), float(t.net.biases[0][0])))
    m, b = np.array(path).T
    assert np.all(np.diff(b[:5]) > 0) and b.max() < 2.05  # into the valley, not across it
    assert np.all(np.diff(m) > 0) and abs(m[-1] - 3) < 0.01  # then along it to the ✕
    assert np.all(np.diff(t.history.recent("train_loss")[1]) <= 0)


def test_too_small_a_learning_rate_crawls():
    slow, good = trainer("lr-too-small"), trainer("lr-too-small", lr=0.1)
    slow.train(200), good.train(200)
    first = slow.history.recent("train_loss")[1][0]
    assert slow.history.last()["train_loss"] > 0.5 * first  # still far from the minimum
    assert np.all(np.diff(slow.history.recent("train_loss")[1]) < 0)  # but never worse
    assert good.history.last()["train_loss"] < 0.01 * first


def test_ten_times_the_rate_is_ten_times_the_progress_per_epoch_at_the_start():
    drops = []
    for lr in (0.0003, 0.003, 0.03):
        t = trainer("lr-too-small", lr=lr)
        t.train(2)
        before, after = t.history.recent("train_loss")[1][:2]
        drops.append(before - after)
    assert 8 < drops[1] / drops[0] < 12 and 8 < drops[2] / drops[1] < 12


def test_stochastic_is_noisy_full_batch_is_smooth():
    def ups(t: Trainer) -> int:
        t.train(60)
        return int((np.diff(t.history.recent("val_loss")[1]) > 0).sum())

    sgd, full = trainer("batch-sizes"), trainer("batch-sizes", batch_size=None)
    assert ups(sgd) >= 10 and ups(full) == 0
    assert sgd.steps == 60 * 240 and full.steps == 60


def first_to_last_gradient(t: Trainer, epochs: int = 10) -> float:
    t.train(epochs)
    g = t.report().grad_norm
    return g[0] / g[-1]


def test_vanishing_delta_is_about_100000_times_smaller_and_the_net_stays_at_chance():
    t = trainer("vanishing-gradients")
    report = t.train(300)  # ten seconds at the lesson's pace
    d = t.report().delta_norm
    assert 3e-6 < d[0] / d[-1] < 3e-5  # "about 100,000 times smaller"
    assert abs(report.train_loss - 0.69) < 0.02 and report.train_acc < 0.6


def test_vanishing_gradients_and_their_cure():
    assert first_to_last_gradient(trainer("vanishing-gradients")) < 1e-3
    assert first_to_last_gradient(trainer("cures")) > 1e-1


def test_vanishing_delta_shrinks_layer_by_layer_and_the_first_layers_are_flagged():
    t = trainer("vanishing-gradients")
    t.train(10)
    d = t.report().delta_norm
    assert np.all(np.diff(d) > 0)  # smaller at every layer further from the output
    assert d[0] < 1e-3 * d[-1]  # thousands of times smaller at the first layer
    verdicts = depth_verdicts(d)
    assert verdicts[:3] == ["vanishing"] * 3 and verdicts[-1] == ""


def test_normalisation_keeps_delta_of_one_order_and_learns_where_layer_norm_does_not():
    t = trainer("normalisation")
    for epochs, lowest in ((10, 0.0), (60, 0.9), (150, 0.95)):
        report = t.train(epochs - t.epoch)
        d = t.report().delta_norm
        assert np.all((d > 0.1) & (d < 20)) and d.max() / d.min() < 100, d  # "0.3 to 15"
        assert "vanishing" not in depth_verdicts(d)
        assert report.val_acc >= lowest  # 90% by epoch 60, near 97% at 150
    assert report.val_acc < 0.99
    none = trainer("normalisation", norm="none")
    none.train(10)
    d = none.report().delta_norm
    assert d.min() < 1e-4 and 0.3 < d.max() < 0.7  # "1e-5 to 0.5 without"
    layer = trainer("normalisation", norm="layer")
    assert layer.train(150).val_acc < 0.6  # at chance
    z = trainer("normalisation", norm="none")  # the collapse: the spread over a batch
    z.net.run_forward(z.X[:10])
    spread = [float(zk.std(axis=0).mean()) for zk in z.net.z[:-1]]
    shrink = np.array(spread[:-1]) / np.array(spread[1:])
    assert np.all(shrink > 3) and np.median(shrink) < 6  # "about 4 times a layer"
    rows = [float(zk.std(axis=1).mean()) for zk in z.net.z[1:-1]]
    assert all(0.3 < r < 0.7 for r in rows)  # each sample's spread over its units: about 0.5


def test_exploding_delta_grows_layer_by_layer_while_dw_stays_flat():
    t = trainer("exploding-gradients")
    r = t.step()
    d = r.delta_norm
    assert 0.5 < d[-1] < 0.7 and 2500 < d[0] < 4500  # from about 0.6 to about 3,500
    growth = d[:-1] / d[1:]
    assert np.all((growth > 3) & (growth < 6))  # about 4 per layer
    assert depth_verdicts(d)[0] == "exploding"
    assert np.all((r.grad_norm > 200) & (r.grad_norm < 800))  # dW near 400 in every layer
    a = [np.linalg.norm(a) for a in t.net.a[:-1]]
    assert np.all(np.diff(a) > 0)  # the activations grow towards the output
    cured = trainer("exploding-gradients", init="he").step().delta_norm
    assert 0.1 < cured[0] / cured[-1] < 10  # δ keeps its size through the layers


def test_exploding_gradients_with_large_initial_weights():
    t = trainer("exploding-gradients")
    assert t.step().grad_norm.min() > 100
    with pytest.raises(Diverged, match="at epoch 1: at the first step ‖δ‖ grew"):
        t.train(5)
    cured = trainer("exploding-gradients", init="he")
    assert cured.step().grad_norm.max() < 1
    assert cured.train(30).train_acc > 0.9


def test_zero_init_keeps_neurons_identical_and_at_chance():
    t = trainer("zero-init")
    report = t.train(50)
    for w in t.net.weights[:-1]:
        assert np.allclose(w, w[:, :1])  # every neuron of the layer has the same weights
    assert report.train_acc < 0.6


def test_zero_init_is_a_symmetric_stationary_point_not_a_minimum():
    t = trainer("zero-init")
    for _ in range(30):
        r = t.step()
        assert not r.grad_norm.any()  # dW = 0 for every weight
        assert not r.delta_norm[:-1].any() and r.delta_norm[-1] > 0  # δ stops at the output
    assert symmetric_layers(t.net.weights, t.net.biases) == (True, True, False)
    stuck = t.train(50).train_loss
    assert trainer("zero-init", init="xavier").train(50).train_loss < 0.5 * stuck


def dead_fraction(t: Trainer, layer: int) -> float:
    a = t.X
    for k in range(layer + 1):
        z = a @ t.net.weights[k] + t.net.biases[k]
        a = t.net.activations[k].fn(z)
    return float(np.mean(np.all(z <= 0, axis=0)))


def test_dead_relus_with_a_large_step_and_alive_with_a_small_one():
    t = trainer("dead-relu")
    report = t.train(50)
    assert dead_fraction(t, 1) >= 0.5 and report.train_acc < 0.6
    assert t.activity.dead[1].all()  # 16/16 dead, as the panel counts them
    alive = trainer("dead-relu", lr=0.03)
    alive.train(50)
    assert dead_fraction(alive, 1) < 0.25


def test_after_the_dead_relus_lr_003_and_new_weights_learn():
    t = trainer("dead-relu")
    t.train(50)
    t.apply({"lr": 0.03})
    t.reinitialize()  # r
    assert t.train(50).train_acc > 0.9 and dead_fraction(t, 1) < 0.25


def test_leaky_relu_stays_alive_yet_hovers_near_chance_at_lr_3():
    t = trainer("dead-relu", activation="leaky_relu")
    t.train(300)
    assert t.activity.layers == []  # never exactly 0: not counted as dead
    assert dead_fraction(t, 1) > 0.5  # pushed below zero for every sample, like the ReLUs
    r = t.step()
    assert np.all(r.delta_norm > 0) and np.all(r.grad_norm > 0)  # yet the gradient gets through
    assert np.median(t.history.recent("train_acc")[1]) < 0.6


def losses_over(t: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """The training line's and the validation loss's values, epoch by epoch."""
    reports = [t.run_epoch() for _ in range(epochs)]
    return np.array([r.train_loss for r in reports]), np.array([r.val_loss for r in reports])


def test_dropout_turns_the_validation_loss_up_later_or_not_at_all_and_keeps_w_large():
    none = trainer("dropout")
    assert none.config == get_lesson("overfitting").config  # "the overfitting run again"
    train0, val0 = losses_over(none, 200)
    assert 30 <= np.argmin(val0) + 1 <= 40 and val0[-1] > 1  # lowest near 35, past 1
    some = trainer("dropout", dropout=0.3)
    train3, val3 = losses_over(some, 200)
    assert 90 <= np.argmin(val3) + 1 <= 115 and val3.min() < val0.min()  # later, lower
    assert 0.24 < val3.min() < 0.26 and val3[-1] > 2 * val3.min()  # (0.25), then it climbs
    half = trainer("dropout", dropout=0.5)
    train5, val5 = losses_over(half, 200)
    assert val5[40:].max() < 0.6  # below 0.6 to epoch 200
    assert train5[150:].max() - train5[150:].min() > 0.3 > train0[150:].max()  # it jumps
    for t in (none, some, half):  # no shrinking: layer 2's |W| ends between 19 and 28
        assert 19 <= np.linalg.norm(t.net.weights[1]) <= 28
