"""The loss landscape of any network (u) and λmax beside 2/lr (the gradients panel): every
number drawn is the code's own, computed on the worker only while shown, at 80x24 and 120x40.
"""

import math
import re

import numpy as np
import pytest
from apphelpers import make_app, settled, wait_until
from rich.style import Style

from core.config import Config
from core.landscape import line_slice, sharpness, stability_limit
from core.pace import EPOCHS, Pace
from core.trainer import Trainer
from tui.ui.widgets.help_screen import HELP
from tui.ui.widgets.landscape_view import draw_landscape
from tui.worker import landscape as worker_landscape
from tui.worker.clock import ManualClock
from tui.worker.commands import RunEpoch, SetRunning, Show, Step, SwitchPlane
from tui.worker.session import TrainingSession

SPIRAL = {"dataset": "spiral", "hidden": (8, 8), "activation": "tanh", "n_samples": 200}
BASE = Style.parse("#e0e0e0 on #121212")


def session(
    paused: bool = True, shown=("landscape", "sharpness"), tick: float = 0.0, **config
) -> TrainingSession:
    trainer = Trainer(Config(**{**SPIRAL, **config}))
    s = TrainingSession(trainer, paused=paused, clock=ManualClock(tick=tick))
    for view in shown:
        s.submit(Show(view, True))
    s.tick()
    return s


def steps(s: TrainingSession, n: int) -> None:
    for _ in range(n):
        s.submit(Step())
    s.tick()


def test_the_centre_of_the_line_and_of_the_plane_is_the_loss_now():
    s = session(batch_size=None)
    steps(s, 5)
    land, t = s.latest.landscape, s.trainer
    now = t.training_loss()
    assert land.loss_now == pytest.approx(now, rel=1e-12)
    middle = len(land.coords) // 2
    assert land.plane[middle, middle] == pytest.approx(now, rel=1e-12)
    assert land.line[list(land.alphas).index(0.0)] == pytest.approx(now, rel=1e-12)
    assert land.direction == "last" and land.plane_kind == "random" and land.complete
    core = line_slice(t, "last", max_rows=worker_landscape.MAX_ROWS)
    assert land.step_alpha == core.step_alpha and land.step_loss == core.step_loss
    np.testing.assert_array_equal(land.line, core.values)


def test_the_line_is_the_loss_at_those_weights():
    s = session(batch_size=None)
    steps(s, 3)
    t, land = s.trainer, s.latest.landscape
    before = t.net.params.copy()
    direction = line_slice(t, "last").direction
    for i in (0, 7, 33):
        t.net.params[...] = before + land.alphas[i] * direction
        assert land.line[i] == pytest.approx(t.training_loss(), rel=1e-9)
    t.net.params[...] = before


def test_lambda_max_is_the_cores_beside_two_over_lr():
    s = session(lr=0.3)
    steps(s, 4)
    shown = s.latest.sharpness
    assert shown.epoch == s.trainer.epoch and shown.steps == 4 and shown.converged
    assert shown.value == pytest.approx(sharpness(s.trainer), rel=1e-4)
    assert shown.limit == 2 / 0.3 and shown.limit_name == "2/lr"


@pytest.mark.parametrize(
    ("optimizer", "limit", "name"),
    [("momentum", (2 + 2 * 0.9) / 0.1, "(2+2β)/lr"), ("adam", None, "")],
)
def test_the_limit_follows_the_optimiser(optimizer, limit, name):
    s = session(optimizer=optimizer, lr=0.1)
    steps(s, 1)
    assert s.latest.sharpness.limit == (pytest.approx(limit) if limit else None)
    assert s.latest.sharpness.limit_name == name
    assert stability_limit(s.trainer) == s.latest.sharpness.limit


def test_nothing_is_computed_unless_shown_and_y_mx_b_keeps_its_surface():
    s = session(shown=())
    steps(s, 2)
    assert s.latest.landscape is None and s.latest.sharpness is None
    s = session(dataset="linear", hidden=(), shown=("surface", "landscape"))
    steps(s, 2)
    assert s.latest.surface is not None and s.latest.landscape is None


def test_the_plane_turns_to_the_paths_own_directions_and_back():
    s = session(batch_size=None)
    for _ in range(6):  # a path of six epochs' weights
        steps(s, 1)
    random = s.latest.landscape
    s.submit(SwitchPlane())
    s.tick()
    path = s.latest.landscape
    assert (random.plane_kind, path.plane_kind) == ("random", "path")
    assert random.path_off > 0.5  # a random plane misses the path almost entirely
    assert path.path_off < 0.05 and np.abs(path.path).max() == pytest.approx(0.8)
    s.submit(SwitchPlane())
    s.tick()
    assert s.latest.landscape.plane_kind == "random"


def test_a_plane_out_of_time_is_coarse_and_says_so(monkeypatch):
    monkeypatch.setattr(worker_landscape, "PLANE_SECONDS", 0.0)
    s = session()
    steps(s, 1)
    land = s.latest.landscape
    assert not land.complete and np.isnan(land.plane).any()
    middle = len(land.coords) // 2
    assert land.plane[middle, middle] == pytest.approx(s.trainer.training_loss())
    text = [strip.text for strip in draw_landscape(land, 60, 16, BASE)]
    assert any("coarse" in line for line in text)


def test_while_training_the_landscape_and_lambda_max_follow_the_run():
    s = session(paused=False, tick=0.001)  # full speed: each reading of the clock a ms
    for _ in range(60):
        s.request_snapshot()
        s.tick()
    shown = s.latest.sharpness
    assert 0 < shown.epoch < s.trainer.epoch  # at most every SHARPNESS_EVERY seconds
    assert s.latest.landscape is not None


def drawn(land, width: int, height: int) -> list[str]:
    return [strip.text for strip in draw_landscape(land, width, height, BASE)]


def test_the_drawing_marks_now_before_and_the_next_step(monkeypatch):
    s = session(batch_size=None, lr=0.7)
    steps(s, 20)
    land = s.latest.landscape
    for width, height in [(38, 11), (58, 17)]:
        lines = drawn(land, width, height)
        assert len(lines) == height and all(len(line) == width for line in lines)
        assert f"● {land.loss_now:.4g}" in lines[0] or f"now {land.loss_now:.4g}" in lines[0]
        assert f"{land.step_loss:.4g}" in lines[0]
        body, every = "".join(lines[1:5]), "".join(lines)
        assert "●" in body and ("▲" in body or "▲ on ●" in every)
        assert "○" in body or "▲ on ○" in every
        assert re.search(r"α -?[\d.]+…[\d.]+ × last update", "".join(lines))
        assert "random plane" in "".join(lines) or "2 random directions" in "".join(lines)


def test_the_help_names_every_symbol_of_the_new_views():
    for symbol in ("● now", "○ where", "▲ where", "◦ the oldest", "λmax", "┃ at 2/lr", "◆", "×10"):
        assert symbol in HELP, symbol


def screen_text(app) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_u_draws_the_landscape_with_the_workers_numbers(size):
    app = make_app(**SPIRAL, batch_size=None, lr=0.7)
    async with app.run_test(size=size) as pilot:
        await pilot.press("t")  # the path's plane, once it has three weights
        for _ in range(30):
            app.session.submit(RunEpoch())
        await pilot.press("u")
        await settled(pilot)
        assert "path too short" in screen_text(app) or "needs 3 weights" in screen_text(app)
        for _ in range(2):  # one epoch at a time: a weight on the path each
            app.session.submit(RunEpoch())
            await settled(pilot)
        await pilot.press("t")  # back to two random directions
        await settled(pilot)
        assert await wait_until(pilot, lambda: app.snapshot.landscape is not None)
        await settled(pilot)
        snap, text = app.snapshot, screen_text(app)
        land, lam = snap.landscape, snap.sharpness
        assert "Loss landscape" in text
        assert f"{land.loss_now:.4g}" in text and f"{land.step_loss:.4g}" in text
        assert f"λmax {lam.value:.3g}" in text and f"2/lr {2 / snap.config.lr:.3g}" in text
        assert lam.value == pytest.approx(sharpness(app.session.trainer), rel=1e-4)
        for mark in "●▲":
            assert mark in text
        assert land.plane_kind == "random" and "random plane" in text
        await pilot.press("t")
        assert await wait_until(pilot, lambda: app.snapshot.landscape.plane_kind == "path")
        await settled(pilot)
        assert "path plane" in screen_text(app) or "the path's plane" in screen_text(app)
        await pilot.press("u")  # back to the loss plot: the landscape is no longer computed
        assert await wait_until(pilot, lambda: app.snapshot.landscape is None)
        assert app.snapshot.sharpness is not None


async def test_adam_has_no_two_over_lr_and_says_so():
    app = make_app(**SPIRAL, optimizer="adam")
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.submit(Step())
        await settled(pilot)
        assert await wait_until(pilot, lambda: app.snapshot.sharpness is not None)
        await settled(pilot)
        assert "Adam" in screen_text(app) and "2/lr" not in screen_text(app)


async def test_running_then_paused_the_line_is_the_one_for_the_weights_on_screen():
    app = make_app(**SPIRAL, pace=Pace(EPOCHS, 10))
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.submit(SetRunning(True))
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 3)
        app.session.submit(SetRunning(False))
        await settled(pilot)
        assert await wait_until(pilot, lambda: app.snapshot.sharpness.steps == app.snapshot.steps)
        if hasattr(app.session, "trainer"):
            assert math.isclose(
                app.snapshot.sharpness.value, sharpness(app.session.trainer), rel_tol=1e-4
            )
