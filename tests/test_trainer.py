"""The trainer: phases, learning, determinism, divergence, steering."""

import numpy as np
import pytest

import core.norms
import core.tally
from core.config import Config
from core.norms import DOT_NORMS_ABOVE
from core.trainer import Diverged, Trainer


def small(**changes) -> Config:
    return Config(**{"dataset": "circle", "n_samples": 200, "hidden": (4, 2), **changes})


def everything_shown(t: Trainer) -> list:
    """What the app and the history show of a run, and the buffers views read."""
    r = t.report()
    net = t.net
    return [
        t.net.params, t.net.grads, t.net.flat[2], t.steps, t.epoch, t.batches.pos,
        t.last_loss, t.tally.loss_sum, t.tally.correct, t.tally.seen, t.first_delta_norm,
        r.loss, r.grad_norm, r.bias_grad_norm, r.weight_norm, r.update_ratio, r.delta_norm,
        *(t.history.recent(c)[1] for c in t.history.columns),
        *(np.zeros(0) if d is None else d for d in t.activity.dead),
        *net.z, *net.a, *net.delta, t.batch_x, t.batch_y, t.norms.sums, t.norms.epoch_sums,
    ]  # fmt: skip


def assert_same(a: Trainer, b: Trainer) -> None:
    for x, y in zip(everything_shown(a), everything_shown(b), strict=True):
        assert np.array_equal(x, y, equal_nan=True)


@pytest.mark.parametrize(
    "changes",
    [
        dict(batch_size=7),  # tanh, mse; a shorter last batch
        dict(activation="relu", hidden=(6, 5), batch_size=16),  # dead ReLUs tracked
        dict(dataset="spiral3", activation="relu", batch_size=32),  # softmax, cross-entropy
        dict(output_activation="sigmoid", loss="bce", optimizer="adam", lr=0.01),
        dict(optimizer="momentum", l2=0.01, l1=0.001, clip=0.5, dtype="float32"),
        dict(batch_size=None, hidden=()),  # the full batch, no hidden layer
        dict(hidden=(80, 60), batch_size=16),  # norms by dot products (> DOT_NORMS_ABOVE)
    ],
)
def test_steps_and_epochs_equal_their_phases_bit_for_bit(changes):
    """run_epoch and advance (the fused step) against next_phase, phase by phase, over
    epoch ends, a step begun phase by phase and finished at once, and a new batch size."""
    a, b = Trainer(small(**changes)), Trainer(small(**changes))
    for t in (a, b):
        if t.net.n_layers > 1:  # a hidden neuron whose ReLU is 0 all epoch (dead)
            t.net.weights[0][:, 1], t.net.biases[0][1] = 0.0, -1.0
    n_phases = len(b.phases)
    a.run_epoch()
    while b.epoch < 1:
        b.next_phase()
    assert_same(a, b)
    for t in (a, b):
        t.next_phase(), t.next_phase()  # forward and loss of a step...
    a.advance()  # ... finished at once
    for _ in range(n_phases - 2):
        b.next_phase()
    assert_same(a, b)
    for t in (a, b):
        t.apply({"batch_size": 5})
    for _ in range(3):
        a.step()
    for _ in range(3 * n_phases):
        b.next_phase()
    assert_same(a, b)
    a.train(2)
    while b.epoch < a.epoch:
        b.next_phase()
    assert_same(a, b)


def test_phase_by_phase_equals_all_at_once_bit_for_bit():
    a, b = Trainer(small(batch_size=10)), Trainer(small(batch_size=10))
    names = []
    for _ in range(25):
        a.step()
        names = []
        while True:
            names.append(b.next_phase())
            if names[-1].kind == "update":
                break
    assert [p.label for p in names] == [
        "forward",
        "loss",
        "backward 3",
        "backward 2",
        "backward 1",
        "update",
    ]
    assert [p.layer for p in names[2:-1]] == [2, 1, 0]  # Network.weights[k] counts from 0
    assert np.array_equal(a.net.params, b.net.params)
    assert a.steps == b.steps == 25


@pytest.mark.parametrize("hidden", [(8, 8), (80, 60)])  # 105 and 5,161 parameters
@pytest.mark.parametrize("squares_bytes", [1, core.norms.SQUARES_BYTES])
def test_epoch_norms_are_each_steps_norms_added_in_order(hidden, squares_bytes, monkeypatch):
    """Summed when read, or when the buffer of squares is full (every step with 1 byte):
    the same bits as the squared norms of each update added up one after the other."""
    monkeypatch.setattr(core.norms, "SQUARES_BYTES", squares_bytes)
    t = Trainer(small(batch_size=10, hidden=hidden, val_fraction=0.0))
    measure = core.norms.LayerNorms(t.net)  # measures the network as it is now, when asked
    total, norms = np.zeros_like(t.norms.epoch_sums), []
    for _ in range(len(t.batches)):
        t.step()
        measure.measure()
        total += measure.sums
        norms.append(t.report().grad_norm)
        assert np.array_equal(norms[-1], np.sqrt(measure.sums[1, 0::2]))
    assert np.array_equal(t.norms.epoch_sums, np.zeros_like(total))  # a new epoch
    rms = t.history.last()
    for k in range(t.net.n_layers):
        assert rms[f"grad_norm_{k}"] == np.sqrt(total[1, 2 * k] / len(t.batches))
        ratio = np.sqrt(total[2, 2 * k] / len(t.batches) / measure.sums[0, 2 * k])
        assert rms[f"update_ratio_{k}"] == ratio


@pytest.mark.parametrize("keep_bytes", [1, 100, core.tally.KEEP_BYTES])
@pytest.mark.parametrize("dataset", ["circle", "spiral3"])  # two classes, three
def test_the_epochs_accuracy_counts_each_rows_output_once(dataset, keep_bytes, monkeypatch):
    """Outputs kept and counted when read or when the buffer is full (with 1 byte: each
    batch at once), over a new batch size within the epoch."""
    monkeypatch.setattr(core.tally, "KEEP_BYTES", keep_bytes)
    t = Trainer(small(dataset=dataset, batch_size=10, val_fraction=0.2))
    t.train(1)
    right = seen = 0
    while t.epoch == 1:
        if t.batches.pos == 4:
            t.apply({"batch_size": 7})
        t.step()
        right += t.n_correct(t.net.output, t.batch_y)
        seen += len(t.batch_y)
        if t.epoch == 1:
            assert t.tally.correct == right and t.tally.seen == seen
    assert t.history.last()["train_acc"] == right / seen


@pytest.mark.parametrize("hidden", [(8, 8), (80, 60)])  # 105 and 5,161 parameters
def test_step_reports_norms_and_sgd_update_ratio(hidden):
    t = Trainer(small(batch_size=10, lr=0.1, hidden=hidden))
    assert (t.net.n_params > DOT_NORMS_ABOVE) == (hidden[0] > 8)  # both ways of summing
    before = [w.copy() for w in t.net.weights]
    for _ in range(5):  # forward, loss, backward 2, 1, 0
        t.next_phase()
    grads = [dw.copy() for dw in t.net.dweights]
    bias_grads = [db.copy() for db in t.net.dbiases]
    t.next_phase()
    r = t.report()
    for k, (w0, g) in enumerate(zip(before, grads, strict=True)):
        assert np.array_equal(t.net.weights[k], w0 - 0.1 * g)  # W_new = W_old - lr * grad
        assert r.grad_norm[k] == pytest.approx(np.linalg.norm(g))
        assert r.bias_grad_norm[k] == pytest.approx(np.linalg.norm(bias_grads[k]))
        assert r.weight_norm[k] == pytest.approx(np.linalg.norm(t.net.weights[k]))
        ratio = np.linalg.norm(0.1 * g) / np.linalg.norm(t.net.weights[k])
        assert r.update_ratio[k] == pytest.approx(ratio)


def test_an_epoch_holds_many_steps_and_records_one_row():
    t = Trainer(small(batch_size=10, val_fraction=0.2))  # 160 training rows
    r = t.run_epoch()
    assert t.steps == 16 and t.epoch == 1 and len(t.history) == 1
    assert r.epoch == 1 and 0 <= r.train_acc <= 1 and np.isfinite(r.val_loss)
    assert set(t.history.last()) >= {"grad_norm_0", "update_ratio_2"}


@pytest.mark.parametrize("batch_size,steps", [(None, 1), (1, 160), (32, 5)])
def test_full_batch_sgd_and_mini_batch(batch_size, steps):
    t = Trainer(small(batch_size=batch_size))
    t.run_epoch()
    assert t.steps == steps


def test_same_config_same_history_bit_for_bit():
    runs = [Trainer(small(seed=3)) for _ in range(2)]
    for t in runs:
        t.train(5)
    assert np.array_equal(runs[0].net.params, runs[1].net.params)
    assert np.array_equal(
        runs[0].history.recent("train_loss")[1], runs[1].history.recent("train_loss")[1]
    )
    other = Trainer(small(seed=4))
    other.train(5)
    assert not np.array_equal(runs[0].net.params, other.net.params)


def test_linear_regression_learns_m_and_b():
    t = Trainer(
        Config(dataset="linear", hidden=(), lr=0.1, batch_size=None, noise=0.1, n_samples=400)
    )
    t.train(300)
    m, b = t.net.weights[0][0, 0], t.net.biases[0][0]
    assert abs(m - 3.0) < 0.05 and abs(b - 2.0) < 0.05


def test_xor_needs_a_hidden_layer_and_learns_with_one():
    with_hidden = Trainer(
        Config(dataset="xor", hidden=(4,), lr=0.3, batch_size=10, n_samples=200, val_fraction=0.0)
    )
    report = with_hidden.train(200)
    assert report.train_acc == 1.0
    without = Trainer(
        Config(dataset="xor", hidden=(), lr=0.3, batch_size=10, n_samples=200, val_fraction=0.0)
    )
    assert without.train(200).train_acc < 0.75


def test_spiral_two_by_sixteen_tanh():
    """Plain SGD; noise 0.05 (at 0.1 the arms overlap near the centre: ~91% at best)."""
    t = Trainer(
        Config(
            dataset="spiral",
            noise=0.05,
            hidden=(16, 16),
            activation="tanh",
            lr=0.1,
            batch_size=10,
            n_samples=400,
            val_fraction=0.0,
        )
    )
    t.train(400)
    _, acc = t.evaluate(t.X, t.Y)
    assert acc >= 0.95


def test_multiclass_spiral():
    t = Trainer(
        Config(
            dataset="spiral3",
            hidden=(16, 16),
            lr=0.01,
            optimizer="adam",
            batch_size=16,
            n_samples=450,
            val_fraction=0.0,
        )
    )
    t.train(300)
    assert t.evaluate(t.X, t.Y)[1] >= 0.90


def test_divergence_is_caught_with_a_reason_and_finite_weights():
    t = Trainer(Config(dataset="linear", hidden=(8,), activation="relu", lr=50.0, batch_size=None))
    with pytest.raises(Diverged, match=r"at epoch \d+.*learning rate 50 is likely too large"):
        t.train(1000)
    assert t.diverged and np.all(np.isfinite(t.net.params))
    t.apply({"lr": 0.01})  # lowering the learning rate lets it go on
    t.train(3)
    assert t.diverged is None and np.all(np.isfinite(t.net.params))


def test_divergence_from_the_initial_weights_blames_them_not_the_learning_rate():
    huge = Config(dataset="linear", n_samples=200, hidden=(64,) * 16, activation="linear",
                  init="normal", init_scale=1e6)  # fmt: skip
    t = Trainer(huge)
    not_lr = "no update has been made yet, so the learning rate 0.03 is not the cause"
    with pytest.raises(Diverged, match=not_lr + r": the initial weights \(init normal x 1e\+06\)"):
        t.step()
    assert t.steps == 0 and np.all(np.isfinite(t.net.params))

    exploding = small(hidden=(32,) * 6, activation="relu", init="normal", lr=0.01)
    t = Trainer(exploding)
    with pytest.raises(Diverged, match=r"‖δ‖ grew [\d.e+]+ times from the output back.*init he"):
        t.train(5)
    assert t.first_delta_norm[0] > 100 * t.first_delta_norm[-1]
    t = Trainer(exploding.replace(init="he"))
    t.train(5)
    assert t.first_delta_norm[0] < 10 * t.first_delta_norm[-1]


def test_learning_rate_changes_between_steps_and_is_recorded():
    t = Trainer(small(lr=0.03))
    t.step()
    t.apply({"lr": 0.3})
    assert t.config.lr == 0.3 and t.lr_changes == [(1, 0.3)]
    t.run_epoch()
    assert t.history.last()["lr"] == 0.3
    for bad in (float("nan"), -1.0, 0.0, float("inf"), "fast"):
        with pytest.raises(ValueError, match="lr = .* is not allowed"):
            t.apply({"lr": bad})
    with pytest.raises(ValueError, match="hidden changes the network or the data"):
        t.apply({"lr": 0.1, "hidden": (3,)})  # all or nothing: the rate is not taken either
    assert t.config.lr == 0.3 and t.lr_changes == [(1, 0.3)]


def test_reinitialize_gives_new_weights_on_the_same_data():
    t = Trainer(small())
    t.train(2)
    first = Trainer(small()).net.params.copy()
    t.reinitialize()
    assert t.epoch == 0 and len(t.history) == 0
    assert not np.array_equal(t.net.params, first)
    assert np.array_equal(t.X, Trainer(small()).X)
    new = t.net.params.copy()
    r = t.report()  # before any step: the new weights' norms, no gradient, no loss yet
    assert r.weight_norm[0] == pytest.approx(np.linalg.norm(t.net.weights[0]))
    assert not r.grad_norm.any() and np.isnan(r.loss)
    t.net.weights[0][0, 0] = np.inf  # a divergence after the reset: back to the new weights
    with pytest.raises(Diverged, match="from the initial weights"):
        t.train(1)
    assert np.array_equal(t.net.params, new)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_other_optimizers_reduce_the_loss(optimizer):
    t = Trainer(small(optimizer=optimizer, lr=0.01, hidden=(8,)))
    first = t.run_epoch().train_loss
    last = t.train(30).train_loss
    assert last < first * 0.9


def test_l2_shrinks_weights():
    plain, decayed = Trainer(small(hidden=(8,))), Trainer(small(hidden=(8,), l2=0.1))
    plain.train(20), decayed.train(20)
    assert np.linalg.norm(decayed.net.weights[0]) < np.linalg.norm(plain.net.weights[0])


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_a_weight_penalty_leaves_the_biases_alone(penalty):
    """One step from the same weights: the penalty adds lr·l2·W (or lr·l1·sign W) to each
    weight's step and nothing to a bias's."""
    plain = Trainer(small(hidden=(8,)))
    decayed = Trainer(small(hidden=(8,), **{penalty: 0.1}))
    for t in (plain, decayed):  # biases start at 0, where a penalty would add nothing
        for b in t.net.biases:
            b[...] = 0.5
    plain.step(), decayed.step()
    for k in range(plain.net.n_layers):
        assert np.array_equal(decayed.net.biases[k], plain.net.biases[k])
        before = plain.net.weights[k] + plain.net.step_weights[k]  # the weights before the step
        extra = 0.1 * (before if penalty == "l2" else np.sign(before)) * plain.config.lr
        assert np.allclose(plain.net.weights[k] - decayed.net.weights[k], extra, atol=1e-15)


def test_float32_option_trains():
    t = Trainer(small(dtype="float32"))
    t.train(3)
    assert t.net.params.dtype == np.float32 and np.isfinite(t.history.last()["train_loss"])
