"""The loss surface of y = m x + b: true values, the path of descent, and no fake surface."""

import numpy as np
import pytest
from apphelpers import make_app, settled, wait_until

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
        assert "mse over (m, b): ● m" in text and "✕ m 3, b 2 │ m" in text
        await pilot.press("u")
        assert await wait_until(pilot, lambda: app.snapshot.surface is None)
        assert app.current_view == "loss"


async def test_the_surface_view_of_a_bigger_network_draws_its_landscape_instead():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        assert await wait_until(pilot, lambda: app.snapshot.landscape is not None)
        assert app.snapshot.surface is None and "two numbers" in app.snapshot.surface_note
        await settled(pilot)
        panel = app.query_one("#surface")
        text = " ".join(panel.render_line(y).text.strip() for y in range(panel.size.height))
        assert "along the next step" in text or "random plane" in text


def surface_text(surface, width=38, height=11) -> list[str]:
    from rich.style import Style

    from tui.ui.widgets.loss_surface import draw_surface

    strips = draw_surface(surface, width, height, Style.parse("#e0e0e0 on #121212"))
    return [strip.text for strip in strips]


def test_a_path_that_leaves_the_view_gets_an_arrow_and_where_it_went():
    """lr 2.5: the second step lands at b = -32; the view keeps the valley and says so."""
    from tui.ui.widgets.loss_surface import ARROWS, exits

    t = Trainer(Config(**{**LINEAR, "lr": 2.5}))
    path = DescentPath()
    path.record(t)
    for _ in range(6):
        t.run_epoch()
        path.record(t)
    s = loss_surface(t, path)
    leaving = exits(s.path, s.extent)
    assert [i for i, _, _ in leaving] == [1]  # from the first step's point, inside, out
    _, edge, arrow = leaving[0]
    m0, m1, b0, b1 = s.extent
    assert edge[1] == pytest.approx(b0) and arrow in "↓↙↘"  # down through the bottom edge
    lines = surface_text(s)
    went = f"b {s.path[2][1]:.3g}"
    assert any(arrow in line and went in line for line in lines[1:-1])  # "↓ b -32.3"
    assert "off the view" in lines[0] or lines[0].endswith(" off")  # ● is elsewhere
    assert ARROWS.count(arrow) == 1


@pytest.mark.parametrize("width", [38, 58])
def test_header_and_footer_are_whole_at_80_and_120_columns(width):
    """m and b of a diverging run once cut the header ("b -3.59e+") and the footer ("b -0.")."""
    t = Trainer(Config(**{**LINEAR, "lr": 2.5}))
    path = DescentPath()
    path.record(t)
    for _ in range(200):
        t.run_epoch()
        path.record(t)
    s = loss_surface(t, path)
    head, *_, foot = surface_text(s, width)
    m, b = (f"{v:.3g}" for v in s.now)
    assert f"● m {m}" in head and f"b {b}" in head  # both numbers, whole
    assert foot.rstrip().endswith("↑") and "→ b" in foot  # the axes' ranges, whole
