"""The loss surface of y = m x + b: true values, the path of descent, and no fake surface."""

import numpy as np
import pytest
from apphelpers import make_app, wait_until

from core.config import Config
from core.pace import EPOCHS, Pace
from core.trainer import Trainer
from tui.worker.clock import ManualClock
from tui.worker.commands import RunEpoch, Show
from tui.worker.session import TrainingSession
from tui.worker.surface import DescentPath, loss_surface, surface_note

LINEAR = {"dataset": "linear", "hidden": (), "lr": 0.1, "batch_size": None}


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_every_point_of_the_surface_is_the_loss_at_those_weights(loss):
    t = Trainer(Config(loss=loss, **LINEAR))
    path = DescentPath()
    path.record(t)
    s = loss_surface(t, path)
    m0, m1, b0, b1 = s.extent
    rows, cols = s.grid.shape
    for r, c in [(0, 0), (rows - 1, cols - 1), (rows // 3, cols // 2), (7, 80)]:
        t.net.weights[0][0, 0] = m0 + (m1 - m0) * c / (cols - 1)
        t.net.biases[0][0] = b1 - (b1 - b0) * r / (rows - 1)  # the top row is b max
        assert s.grid[r, c] == pytest.approx(t.evaluate(t.X, t.Y)[0], rel=1e-9, abs=1e-12)


def test_the_view_holds_the_start_the_lowest_point_and_the_truth():
    t = Trainer(Config(**LINEAR))
    path = DescentPath()
    path.record(t)
    start = path.points[0]
    for _ in range(50):
        t.run_epoch()
        path.record(t)
    s = loss_surface(t, path)
    m0, m1, b0, b1 = s.extent
    for m, b in [start, s.lowest, s.truth, s.now]:
        assert m0 <= m <= m1 and b0 <= b <= b1
    assert s.truth == (3.0, 2.0) and len(s.path) == 51
    assert s.grid.min() == pytest.approx(
        np.mean((s.lowest[0] * t.X[:, 0] + s.lowest[1] - t.Y[:, 0]) ** 2), rel=0.05
    )  # the shading's lowest point is the least-squares solution, up to the grid's step


def test_a_diverging_path_does_not_blow_the_view_up():
    t = Trainer(Config(**{**LINEAR, "lr": 2.5}))
    path = DescentPath()
    path.record(t)
    for _ in range(40):
        t.run_epoch()
        path.record(t)
    s = loss_surface(t, path)
    m0, m1, b0, b1 = s.extent
    assert np.abs(s.path).max() > 1e3  # the run zig-zagged far out
    assert m1 - m0 < 100 and b1 - b0 < 100  # the view stays on the valley it left


def test_any_other_network_gets_a_note_not_a_surface():
    t = Trainer(Config(n_samples=100))
    assert "two numbers, y = m x + b" in surface_note(t) and "this one has 25" in surface_note(t)
    assert loss_surface(t, DescentPath()) is None


def test_at_a_slow_pace_the_path_has_every_epoch():
    clock = ManualClock()
    t = Trainer(Config(**LINEAR, pace=Pace(EPOCHS, 10)))
    s = TrainingSession(t, paused=False, clock=clock)
    s.submit(Show("surface", True))
    for _ in range(100):  # 1 s
        clock.advance(0.01)
        s.tick()
    assert t.epoch == 10
    assert len(s.latest.surface.path) == 11  # the initial weights and each epoch's
    assert s.latest.surface.now == tuple(s.latest.surface.path[-1])


async def test_u_shows_the_surface_and_again_goes_back():
    app = make_app(**LINEAR)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        assert await wait_until(pilot, lambda: app.snapshot.surface is not None)
        assert app.current_view == "surface"
        app.session.submit(RunEpoch())
        assert await wait_until(pilot, lambda: len(app.snapshot.surface.path) == 2)
        text = "\n".join(
            app.query_one("#surface").render_line(y).text
            for y in range(app.query_one("#surface").size.height)
        )
        assert "mse over (m, b): ● m" in text and "true m 3, b 2" in text
        await pilot.press("u")
        assert await wait_until(pilot, lambda: app.snapshot.surface is None)
        assert app.current_view == "loss"


async def test_the_surface_view_of_a_bigger_network_says_why_it_is_empty():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        assert await wait_until(pilot, lambda: app.snapshot.surface_note != "")
        panel = app.query_one("#surface")
        text = " ".join(panel.render_line(y).text.strip() for y in range(panel.size.height))
        assert "drawn for a network of two numbers" in text
