"""What the trainer says when a run goes wrong: the weights it goes back to, the loss it quotes
for them, the cause it names, and runs that go bad without ever overflowing."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

from core.config import Config
from core.datasets import Dataset
from core.lessons import get_lesson
from core.trainer import Diverged, Trainer
from core.trainer_state import state_of, trainer_from_state
from tui.cli import main


def diverge(t: Trainer, epochs: int = 2000) -> str:
    with pytest.raises(Diverged) as caught:
        t.train(epochs)
    return str(caught.value)


def quoted_loss(message: str) -> float:
    """The training loss the notice quotes for the weights training goes on from."""
    found = re.search(r"goes on from the (?:initial weights|weights of epoch \d+) "
                      r"\(training loss ([-+.\de]+)\)", message)  # fmt: skip
    assert found, message
    return float(found.group(1))


def test_the_loss_quoted_is_the_loss_of_the_weights_restored():
    """lr-too-large: the weights after epoch 1 have loss 74, the initial ones 5.30."""
    t = Trainer(get_lesson("lr-too-large").config)
    initial = t.net.params.copy()
    message = diverge(t)
    restored = t.evaluate(t.X, t.Y)[0]  # restore, evaluate, compare
    assert quoted_loss(message) == pytest.approx(restored, rel=1e-3)
    assert "initial weights" in message and np.array_equal(t.net.params, initial)
    assert restored < t.history.recent("train_loss")[1][1]  # better than after epoch 1


def test_with_mini_batches_too_the_quoted_loss_is_measured_at_the_restored_weights():
    t = Trainer(Config(dataset="circle", n_samples=300, hidden=(8,), batch_size=10, lr=0.1))
    t.train(30)  # learns
    t.apply({"lr": 200.0})  # then a rate that blows it up
    message = diverge(t, 500)
    restored = t.evaluate(t.X, t.Y)[0]
    assert quoted_loss(message) == pytest.approx(restored, rel=1e-3)
    assert "weights of epoch" in message and restored < 0.5  # learnt weights, not the start
    t.apply({"lr": 0.1})
    assert t.run_epoch().train_loss < 0.5  # and training goes on from them


def test_a_one_layer_network_that_diverges_has_overshot_not_exploded():
    message = diverge(Trainer(get_lesson("lr-too-large").config))
    assert "overshoot" in message and "explod" not in message and "layer by layer" not in message


def steep_line(n: int = 200) -> tuple[Dataset, Dataset, None]:
    """y = 3x with x of scale 50: a first gradient in the thousands, through one layer."""
    x = np.random.default_rng(0).normal(scale=50.0, size=(n, 1))
    train = Dataset("steep", x, 3 * x, "regression", ("x",), ())
    return train, train.subset(slice(0, 0)), None


def test_a_large_first_gradient_through_one_layer_is_not_blamed_on_depth():
    t = Trainer(Config(hidden=(), lr=0.03, batch_size=None), data=steep_line())
    message = diverge(t, 100)
    assert "layer by layer" not in message and "initial weights (init" not in message
    assert "overshoot" in message


def test_exploding_gradients_are_named_from_the_growth_of_delta_through_depth():
    t = Trainer(get_lesson("exploding-gradients").config)
    message = diverge(t, 5)
    assert re.search(r"‖δ‖ grew [\d,.e+]+ times from the output back to layer 1", message)
    assert "explode layer by layer" in message and "(init normal)" in message
    assert t.first_delta_norm[0] > 100 * t.first_delta_norm[-1]


@pytest.mark.parametrize(
    "changes",
    [
        dict(lr=1e6),
        dict(lr=1e6, optimizer="momentum"),
        dict(lr=1e6, optimizer="adam"),
        dict(lr=100.0, dtype="float32"),
    ],
)
def test_a_loss_that_stays_far_above_its_start_is_reported(changes):
    t = Trainer(Config(**changes))
    message = diverge(t, 30)
    assert re.search(
        r"stayed above 10 times (its start|a constant guess's) \([\d.]+\) for 5", message
    )
    assert "overshoot" in message and t.epoch <= 10
    assert quoted_loss(message) == pytest.approx(t.evaluate(t.X, t.Y)[0], rel=1e-3)


def test_huge_initial_weights_are_named_when_the_loss_never_grew():
    t = Trainer(Config(init_scale=1e6))
    message = diverge(t, 30)
    assert "initial weights (init xavier x 1e+06) were already" in message
    assert "times worse than a constant guess. Choose a smaller init scale" in message
    assert "learning rate 0.03 is likely" not in message


def test_growth_is_reported_in_headless_training_with_exit_1(capsys):
    assert main(["train", "--lr", "1e6", "--epochs", "30", "--quiet"]) == 1
    assert "the training loss stayed above 10 times" in capsys.readouterr().err


def test_runs_that_learn_or_only_stall_are_not_reported():
    for name in ("cures", "dead-relu", "zero-init", "vanishing-gradients", "batch-sizes"):
        Trainer(get_lesson(name).config).train(60)  # no Diverged
    t = Trainer(get_lesson("lr-too-large").config)  # growing fast: it overflows on its own
    assert "became inf" in diverge(t) and t.epoch > 50


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_a_huge_penalty_is_named_not_the_learning_rate(penalty):
    message = diverge(Trainer(Config(**{penalty: 1e308})), 5)
    assert f"{penalty.upper()} penalty 1e+308 is too large" in message
    assert "learning rate 0.03 is likely" not in message


def data_with(value: float) -> tuple[Dataset, Dataset, None]:
    x = np.random.default_rng(0).normal(size=(50, 2))
    y = x @ np.array([[1.0], [2.0]])
    x[3, 1] = value
    train = Dataset("odd", x, y, "regression", ("a", "b"), ())
    return train, train.subset(slice(0, 0)), None


def test_nan_in_the_data_is_named_and_no_learning_rate_is_advised():
    message = diverge(Trainer(Config(hidden=(4,)), data=data_with(np.nan)), 5)
    assert "training data holds nan or inf" in message
    assert "too large" not in message and "resume" not in message


def test_huge_data_is_named_not_the_initialisation():
    x = np.random.default_rng(0).normal(size=(50, 2)) * 1e200
    train = Dataset("huge", x, x @ np.array([[1.0], [2.0]]), "regression", ("a", "b"), ())
    message = diverge(Trainer(Config(hidden=(4,)), data=(train, train.subset(slice(0, 0)), None)))
    assert re.search(r"training targets reach [\d.]+e\+200", message), message
    assert "Choose init" not in message and "Scale the data to values near 1" in message


def test_nan_weights_that_no_update_made_are_named():
    t = Trainer(Config(hidden=(4,)))
    t.train(3)
    t.net.weights[0][0, 0] = np.nan  # as a damaged checkpoint would hold
    message = diverge(t, 5)
    assert "weights held nan or inf before this step" in message
    assert "too large" not in message
    assert np.all(np.isfinite(t.net.params)) and quoted_loss(message) == pytest.approx(
        t.evaluate(t.X, t.Y)[0], rel=1e-3
    )


def huge_data() -> tuple[Dataset, Dataset, None]:
    x = np.random.default_rng(0).normal(size=(50, 2)) * 1e200
    train = Dataset("huge", x, x @ np.array([[1.0], [2.0]]), "regression", ("a", "b"), ())
    return train, train.subset(slice(0, 0)), None


@pytest.mark.parametrize(
    "make",
    [
        lambda: Trainer(get_lesson("lr-too-large").config),
        lambda: Trainer(get_lesson("exploding-gradients").config),
        lambda: Trainer(Config(lr=1e6)),
        lambda: Trainer(Config(init_scale=1e6)),
        lambda: Trainer(Config(l2=1e308)),
        lambda: Trainer(Config(l1=1e308)),
        lambda: Trainer(Config(hidden=(4,)), data=huge_data()),
    ],
)
def test_every_notice_fits_the_status_line_at_80_columns(make):
    """The status line shows a divergence on up to 4 lines: all of it must be readable."""
    lines = textwrap.wrap(" DIVERGED  " + diverge(make(), 3000), 80)
    assert len(lines) <= 4, lines


def test_a_saved_state_keeps_the_best_weights_and_their_measured_loss():
    t = Trainer(Config(dataset="circle", n_samples=300, hidden=(8,), batch_size=10, lr=0.1))
    t.train(30)  # learns: the best weights are its recent ones, not the initial
    now = t.net.params.copy()
    state = state_of(t)
    assert np.array_equal(t.net.params, now)  # saving leaves the run as it is
    assert state["meta"]["best_epoch"] >= 29
    back = trainer_from_state(state)
    assert back.start_loss == pytest.approx(t.start_loss)
    back.apply({"lr": 200.0})
    message = diverge(back, 500)
    assert "weights of epoch" in message and "initial weights" not in message
    assert quoted_loss(message) == pytest.approx(back.evaluate(back.X, back.Y)[0], rel=1e-3)


def test_the_start_loss_of_a_restored_run_is_of_its_own_initial_weights():
    t = Trainer(Config(hidden=(4,), n_samples=200))
    t.reinitialize()  # init round 1: other initial weights than a new Trainer's
    start = t.start_loss
    t.train(2)
    assert trainer_from_state(state_of(t)).start_loss == start
