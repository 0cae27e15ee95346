"""The (m, b) surface as a picture of comparisons: the ghost runs' paths, labelled, and with
mini-batches the cloud of this epoch's batch steps around the full batch's."""

import numpy as np
import pytest
from apphelpers import make_app, settled, wait_until
from rich.style import Style

from core.config import Config
from core.trainer import Trainer
from tui.ui.widgets.loss_surface import draw_surface, magnified
from tui.worker.clock import ManualClock
from tui.worker.commands import ChangeSettings, KeepGhost, Rebuild, RunEpoch, Show, pairs
from tui.worker.session import TrainingSession
from tui.worker.surface import DescentPath, loss_surface

LINEAR = {"dataset": "linear", "hidden": (), "lr": 0.05, "n_samples": 200}
BASE = Style.parse("#e0e0e0 on #121212")


def test_each_batch_step_is_minus_lr_times_that_batchs_gradient():
    t = Trainer(Config(**LINEAR, batch_size=16))
    t.run_epoch()
    t.step()  # into the next epoch: its batches are drawn
    path = DescentPath()
    path.record(t)
    s = loss_surface(t, path)
    m, b = s.now
    x, y = t.X[:, 0].astype(float), t.Y[:, 0].astype(float)
    batches = t.batches.indices
    assert len(s.batch_steps) == len(batches) > 1
    for rows, step in zip(batches, s.batch_steps, strict=True):
        r = m * x[rows] + b - y[rows]  # mse: dE/dm = mean(2 r x), dE/db = mean(2 r)
        expected = (m - 0.05 * np.mean(2 * r * x[rows]), b - 0.05 * np.mean(2 * r))
        assert tuple(step) == pytest.approx(expected, rel=1e-9)
    r = m * x + b - y
    full = (m - 0.05 * np.mean(2 * r * x), b - 0.05 * np.mean(2 * r))
    assert s.full_step == pytest.approx(full, rel=1e-9)
    assert np.allclose(s.batch_steps.mean(axis=0), full, atol=0.05 * np.ptp(s.batch_steps))


def test_the_full_batch_has_no_cloud():
    t = Trainer(Config(**LINEAR, batch_size=None))
    t.run_epoch()
    s = loss_surface(t, DescentPath())
    assert s.batch_steps is None and s.full_step is None


def test_a_small_cloud_is_drawn_magnified_and_says_so():
    t = Trainer(Config(**{**LINEAR, "lr": 0.001}, batch_size=10))
    path = DescentPath()
    path.record(t)
    t.run_epoch()
    path.record(t)
    s = loss_surface(t, path)
    steps, full, k = magnified(s)
    assert k > 1 and k in (2, 5, 10, 20, 50, 100, 200, 500, 1000)
    assert np.allclose(steps - s.now, k * (s.batch_steps - s.now))
    lines = [strip.text for strip in draw_surface(s, 38, 11, BASE)]
    assert f"×{k}" in lines[-1] and "·" in "".join(lines[1:-1])


def session_of(**config) -> TrainingSession:
    s = TrainingSession(Trainer(Config(**config)), paused=True, clock=ManualClock())
    s.submit(Show("surface", True))
    return s


def test_a_ghosts_path_is_kept_and_drawn_with_its_label():
    s = session_of(**LINEAR, batch_size=1)
    for _ in range(3):
        s.submit(RunEpoch())
        s.tick()
    kept = np.array(s.path.points)
    s.submit(KeepGhost())
    s.submit(Rebuild(pairs({"batch_size": None})))
    s.tick()
    s.submit(RunEpoch())
    s.tick()
    surface = s.latest.surface
    assert len(surface.ghost_paths) == 1
    np.testing.assert_array_equal(surface.ghost_paths[0], kept)
    assert len(surface.path) == 2  # the new run's own: its start and one epoch
    lines = [strip.text for strip in draw_surface(surface, 38, 11, BASE, ("batch 1",))]
    assert lines[1].startswith("━ batch 1") and len(lines) == 11
    s.submit(ChangeSettings.of(lr=0.1))  # the ghost stays until the ghosts are cleared
    s.tick()
    assert len(s.latest.surface.ghost_paths) == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_batch_size_comparison_on_the_surface(size):
    app = make_app(**LINEAR, batch_size=1)
    async with app.run_test(size=size) as pilot:
        await pilot.press("u")
        for _ in range(2):
            app.session.submit(RunEpoch())
            await settled(pilot)
        await pilot.press("g")  # keep it as a ghost
        app.session.submit(Rebuild(pairs({"batch_size": 20})))
        await settled(pilot)
        app.session.submit(RunEpoch())
        await settled(pilot)
        assert await wait_until(pilot, lambda: len(app.snapshot.surface.ghost_paths) == 1)
        await settled(pilot)
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "━ batch 1" in text and "◆" in text and "·" in text
        assert "batch steps" in text or "·◆" in text
