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
    t = Trainer(get_lesson("lr-too-large").config.replace(lr=2.5))  # it overflows on its own
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


def test_the_epoch_a_restore_happens_in_reports_the_loss_of_the_weights_it_went_to():
    """y = m x + b at lr 3: it diverges in epoch 6 and goes back to the initial weights
    (training loss 5.30); at lr 0.03 the rest of that epoch trains from them, and the epoch
    reports the loss of the weights it went back to, as quoted (it mixed in the overflowing
    steps before the restore: 2.46e+305), and the history says a restore happened in it."""
    t = Trainer(Config(dataset="linear", hidden=(), lr=3))
    quoted = quoted_loss(diverge(t, 50))
    assert t.restores == [(t.epoch + 1, "diverged")]  # kept, for the history
    assert t.restored.train_loss == pytest.approx(quoted, rel=1e-3)  # shown till the epoch ends
    t.apply({"lr": 0.03})  # - four times
    report = t.run_epoch()
    assert report.train_loss == pytest.approx(quoted, rel=1e-3)
    assert report.val_loss < report.train_loss  # measured at the epoch's end, as always
    assert t.restored is None and t.restores[-1][0] == report.epoch


def test_going_back_to_the_best_validation_loss_may_go_back_to_the_start():
    """lr 2.5 on y = m x + b: every epoch is worse than the initial weights, so b goes back
    to them (epoch 0), not to epoch 1's (validation loss 75)."""
    t = Trainer(Config(dataset="linear", hidden=(), lr=2.5))
    initial = t.net.params.copy()
    diverge(t, 50)
    t.train(1)  # on from the initial weights at the same rate: worse again
    assert t.restore_best() == 0 and np.array_equal(t.net.params, initial)
    assert t.best_val.loss == pytest.approx(t.evaluate(t.X_val, t.Y_val)[0])
    assert t.restores[-1] == (t.epoch + 1, "best")
    assert t.restored.train_loss == t.training_loss() and t.restored.val_loss == t.best_val.loss


def test_after_b_every_view_shows_the_weights_it_went_to():
    """Paused, b changes no step count: the confusion matrix, the data view and the status
    line's losses were those of before."""
    from tui.worker.commands import RestoreBest, Show
    from tui.worker.session import TrainingSession

    t = Trainer(Config(dataset="circle", n_samples=200, hidden=(8,), lr=0.3))
    t.train(30)
    t.apply({"lr": 30.0})
    t.train(3)  # worse than the best epoch, not diverged
    s = TrainingSession(t, paused=True)
    for view in ("results", "data"):
        s.submit(Show(view, True))
    s.tick()
    before = s.latest
    s.submit(RestoreBest())
    s.tick()
    after = s.latest
    assert "back to the weights of epoch" in after.notice
    assert after.results is not before.results and after.data is not before.data
    assert not np.array_equal(after.data.grid, before.data.grid)
    assert after.train_loss == pytest.approx(t.training_loss())
    assert after.val_loss == t.best_val.loss != before.val_loss


def test_a_weight_typed_too_large_is_named_not_the_learning_rate():
    t = Trainer(Config(dataset="linear", hidden=(), lr=0.03))
    t.train(2)
    t.set_weight(0, 0, 0, 1e308)  # m = 1e308: the loss overflows at the next step
    message = diverge(t, 5)
    assert "no update has been made since the edit W1[0,0] = 1e+308" in message
    assert "0.03 is not the cause" in message and "likely too large" not in message


def test_a_checkpoint_with_huge_weights_is_named_not_the_learning_rate(tmp_path):
    from core.checkpoint import load_checkpoint, save_checkpoint

    t = Trainer(Config(dataset="linear", hidden=(), lr=0.03))
    t.train(2)
    t.net.params[0] = 1e300
    save_checkpoint(t, tmp_path / "run.npz")
    message = diverge(load_checkpoint(tmp_path / "run.npz"), 5)
    assert "no update has been made since the checkpoint's weights were loaded" in message
    assert "likely too large" not in message


def test_a_too_large_rate_after_a_resume_is_still_the_rate(tmp_path):
    """The rule above blames the weights only for an overflow before any update: a resumed
    run at a rate that overshoots has made updates first."""
    from core.checkpoint import load_checkpoint, save_checkpoint

    t = Trainer(Config(dataset="linear", hidden=(), lr=0.03))
    t.train(2)
    save_checkpoint(t, tmp_path / "run.npz")
    resumed = load_checkpoint(tmp_path / "run.npz")
    resumed.apply({"lr": 5.0})
    assert "the learning rate 5 is likely too large" in diverge(resumed, 50)


def test_inputs_near_1e300_kept_as_read_are_warned_of_when_the_run_starts(tmp_path, capsys):
    """They train at chance without ever overflowing: nothing else would say why."""
    rng = np.random.default_rng(0)
    rows = [
        ",".join(repr(float(v)) for v in rng.normal(size=3) * 1e300) + f",{k % 2}"
        for k in range(60)
    ]
    path = tmp_path / "huge.csv"
    path.write_text("a,b,c,y\n" + "\n".join(rows) + "\n")
    args = ["train", "--data", str(path), "--epochs", "1", "--quiet"]
    assert main([*args, "--no-standardize"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"warning: the inputs reach \d\.\d+e\+300, kept as read", err), err
    assert main([*args, "--standardize", "yes"]) == 0
    assert "warning" not in capsys.readouterr().err
