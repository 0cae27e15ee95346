"""Ghost runs: kept, carried to the next run, labelled by what differs, drawn on the same axes."""

import numpy as np
import pytest
from apphelpers import make_app, wait_until

from core.config import Config
from core.ghosts import MAX_GHOSTS, Ghost, differences, keep
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state
from tui.ui.fields import ghost_label
from tui.ui.widgets.loss_plot import LossPlot
from tui.worker.commands import ClearGhosts, KeepGhost, ResetWeights, RunEpoch, StartRun
from tui.worker.session import TrainingSession


def run(epochs: int, **config) -> Trainer:
    t = Trainer(Config(n_samples=100, **config))
    t.train(epochs)
    return t


def test_a_ghost_holds_its_runs_whole_curve_as_copies():
    t = run(30)
    ghost = Ghost.of(t)
    assert ghost.epochs == 30 and ghost.x[0] == 1 and ghost.x[-1] == 30
    assert np.array_equal(ghost.train, t.history.recent("train_loss")[1])
    t.train(5)  # the run goes on; the ghost does not
    assert ghost.epochs == 30 and len(ghost.train) == 30
    long = run(3000, batch_size=None)
    assert len(Ghost.of(long).x) <= 512  # small whatever the run's length


def test_keep_forgets_the_oldest_beyond_three():
    ghosts: list[Ghost] = []
    made = [Ghost.of(run(2, lr=lr)) for lr in (0.01, 0.03, 0.1, 0.3)]
    for g in made:
        ghosts = keep(ghosts, g)
    assert len(ghosts) == MAX_GHOSTS and ghosts == made[1:]


@pytest.mark.parametrize(
    ("ghost", "live", "label"),
    [
        ({"lr": 0.3}, {"lr": 0.03}, "lr 0.3"),
        ({"batch_size": None}, {"batch_size": 1}, "batch full"),
        ({"batch_size": 1, "init": "he"}, {}, "init he, batch 1"),
        ({"hidden": ()}, {"hidden": (4,)}, "hidden none"),
        ({}, {}, "earlier weights"),
        ({"epochs": 5}, {}, "earlier weights"),  # headless epochs are no difference
    ],
)
def test_a_ghost_is_labelled_by_what_its_run_did_differently(ghost, live, label):
    g = Ghost(Config(**ghost), 1, np.ones(1), np.ones(1), np.ones(1))
    assert ghost_label(g, Config(**live)) == label
    assert set(differences(Config(**ghost), Config(**live))) <= set(ghost) - {"epochs"}


def applied(s: TrainingSession, number: int) -> None:
    while s.latest.applied < number:
        s.tick()


def test_ghosts_stay_for_the_next_runs_and_a_new_key_forgets_them():
    clock = lambda: 0.0  # noqa: E731
    s = TrainingSession(Trainer(Config(n_samples=100)), paused=True, clock=clock)
    applied(s, s.submit(KeepGhost()))
    assert s.latest.ghosts == () and "no epoch finished yet" in s.latest.notice
    applied(s, s.submit(RunEpoch()))
    applied(s, s.submit(KeepGhost()))
    applied(s, s.submit(StartRun(s.latest.config.replace(lr=0.3))))
    snap = s.latest
    assert snap.epoch == 0 and len(snap.ghosts) == 1 and snap.ghosts[0].epochs == 1
    assert ghost_label(snap.ghosts[0], snap.config) == "lr 0.03"
    applied(s, s.submit(ResetWeights()))
    assert len(s.latest.ghosts) == 1
    applied(s, s.submit(ClearGhosts()))
    assert s.latest.ghosts == ()


async def test_the_loss_plot_draws_the_ghosts_on_the_same_axes_epoch_0_aligned(monkeypatch):
    app = make_app(n_samples=100)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(40):
            app.session.submit(RunEpoch())
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 40)
        await pilot.press("g")
        assert await wait_until(pilot, lambda: len(app.snapshot.ghosts) == 1)
        app.session.submit(StartRun(app.snapshot.config.replace(lr=0.1)))
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 0)
        for _ in range(10):
            app.session.submit(RunEpoch())
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 10)
        plot = app.query_one(LossPlot)
        lines = []
        real_plot = plot.plt.plot
        monkeypatch.setattr(
            plot.plt, "plot", lambda x, y, **k: lines.append(x) or real_plot(x, y, **k)
        )
        legend = plot.render().plain.split("┌")[0]  # above the plot's frame
    curves = [x for x in lines if len(set(x)) > 1]  # not the lowest val loss's vertical mark
    assert [max(x) for x in curves[:1]] == [40]  # the ghost first (behind), its 40 epochs
    assert max(curves[1]) == 10 and min(curves[1]) == 1  # then the live run from epoch 1
    assert "━━ lr 0.03" in legend  # what the ghost's run did differently, in the legend


def test_ghosts_are_kept_in_the_checkpoint_and_checked_on_load(tmp_path):
    from core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

    t = run(20)
    t.ghosts = [Ghost.of(run(30, lr=0.3)), Ghost.of(run(10, batch_size=None))]
    save_checkpoint(t, tmp_path / "run.npz")
    back = load_checkpoint(tmp_path / "run.npz")
    assert [(g.config, g.epochs) for g in back.ghosts] == [(g.config, g.epochs) for g in t.ghosts]
    for a, b in zip(back.ghosts, t.ghosts, strict=True):
        assert np.array_equal(a.x, b.x) and np.array_equal(a.val, b.val, equal_nan=True)
    state = state_of(t)
    state["ghost/1/x"] = state["ghost/1/x"][::-1].copy()  # epochs that go backwards
    with pytest.raises(ValueError, match="ghost/1/x is not 512 or fewer increasing epochs"):
        trainer_from_state(state)
    state = state_of(t)
    state["meta"]["ghosts"][0]["config"]["lr"] = -1
    with pytest.raises(ValueError, match="ghost 0's config: lr"):
        trainer_from_state(state)
    assert isinstance(CheckpointError("x"), ValueError)


def test_history_exports_each_ghost_as_a_csv_of_its_own(tmp_path):
    import csv

    from core.checkpoint import save_checkpoint
    from tui.cli import main

    t = run(12)
    t.ghosts = [Ghost.of(run(7, lr=0.3))]
    save_checkpoint(t, tmp_path / "run.npz")
    history = tmp_path / "h.csv"
    argv = ["train", "--resume", str(tmp_path / "run.npz"), "--epochs", "2", "--quiet"]
    assert main([*argv, "--history", str(history)]) == 0
    rows = list(csv.DictReader(open(tmp_path / "h.ghost1.csv")))
    assert len(rows) == 7 and {r["run"] for r in rows} == {"lr=0.3"}
    assert [float(r["epoch"]) for r in rows] == list(range(1, 8))
    assert float(rows[-1]["train_loss"]) == t.ghosts[0].train[-1]
