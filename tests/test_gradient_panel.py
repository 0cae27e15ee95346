"""Panel 3, the gradient panel: one line per layer, flags, phase by phase, widths, bad values."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from core.config import Config
from core.lessons import get_lesson
from core.pace import Pace
from core.trainer import Trainer
from tui.snapshot import Curve, Snapshot
from tui.ui.widgets.gradient_panel import GradientPanel, log_bar, rising, sci, sparkline
from tui.worker.clock import ManualClock
from tui.worker.session import TrainingSession


def session_of(config: Config) -> TrainingSession:
    return TrainingSession(Trainer(config), paused=True)


def session(epochs: int = 20, hidden: tuple[int, ...] = (4, 2)) -> TrainingSession:
    s = session_of(Config(dataset="circle", n_samples=200, hidden=hidden))
    s.trainer.train(epochs)
    return s


def snapshot(epochs: int = 20, hidden: tuple[int, ...] = (4, 2)) -> Snapshot:
    return session(epochs, hidden).build_snapshot()


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield GradientPanel()


async def rendered(snap: Snapshot, size=(40, 10)) -> Text:
    """The panel's render (rich Text) inside a running app of ``size``."""
    app = PanelApp()
    async with app.run_test(size=size) as pilot:
        panel = app.query_one(GradientPanel)
        panel.show(snap)
        await pilot.pause()
        text = panel.render()
        app.export_screenshot()  # the whole screen pipeline, too
    return text


def layer_lines(text: Text) -> list[str]:
    return [line for line in text.plain.splitlines() if line.startswith("L")]


async def test_one_line_per_layer_with_the_grad_norms():
    snap = snapshot()
    lines = layer_lines(await rendered(snap))
    assert [line.split()[0] for line in lines] == ["L1", "L2", "L3"]
    for line, norm, n_in, n_out in zip(
        lines, snap.grad_norm, snap.sizes, snap.sizes[1:], strict=False
    ):
        assert f"{norm:.1e}" in line and f"{n_in}→{n_out}" in line
        assert "vanishing" not in line and "exploding" not in line


async def test_second_line_with_weight_norm_and_update_ratio_when_tall_enough():
    snap = snapshot()
    tall = (await rendered(snap, size=(40, 10))).plain
    assert f"|W| {snap.weight_norm[0]:.3g}" in tall and f"Δ/W {snap.update_ratio[2]:.1e}" in tall
    assert "tanh" in tall and "sigmoid" in tall
    assert "|W|" not in (await rendered(snap, size=(40, 4))).plain  # 3 layers need 6 lines


async def test_before_any_step():
    text = await rendered(TrainingSession(Trainer(Config()), paused=True).build_snapshot())
    assert text.plain == "no step yet"


async def test_vanishing_and_exploding_are_judged_from_delta_through_depth():
    snap = snapshot(hidden=(4,))
    converged = dataclasses.replace(snap, delta_norm=np.array([2e-15, 3e-15]))  # at a minimum
    assert not any("vanishing" in line for line in layer_lines(await rendered(converged)))
    vanishing = dataclasses.replace(snap, delta_norm=np.array([1e-4, 1e-1]))  # 1/1000
    text = await rendered(vanishing)
    first, second = layer_lines(text)
    assert "vanishing" in first and "vanishing" not in second
    warning = text.spans[[text.plain[s.start : s.end] for s in text.spans].index("vanishing")]
    assert "bold" in str(warning.style) and "#" in str(warning.style)  # the theme's $warning
    exploding = dataclasses.replace(snap, delta_norm=np.array([50.0, 0.2]))  # 250 times
    first, second = layer_lines(await rendered(exploding))
    assert "exploding" in first and "exploding" not in second
    huge_dw = dataclasses.replace(snap, grad_norm=np.array([4e52, 2e55]))  # δ as it was
    assert not any("exploding" in line for line in layer_lines(await rendered(huge_dw)))


async def test_a_step_larger_than_the_weights_is_overshoot_only_while_the_loss_rises():
    snap = snapshot(hidden=(4,))
    big_step = dataclasses.replace(snap, update_ratio=np.array([2.0, 1e-3]))
    assert not rising(snap.train_curve)  # this run learns: a big step alone is no overshoot
    assert not any("overshoot" in line for line in layer_lines(await rendered(big_step)))
    up = Curve(np.arange(2.0), np.array([0.5, 0.9]), np.array([0.5, 0.9]))
    first, second = layer_lines(await rendered(dataclasses.replace(big_step, train_curve=up)))
    assert "overshoot" in first and "overshoot" not in second


def diverged_session(config: Config, turns: int = 2000) -> TrainingSession:
    """The run trained by the worker's own loop at full speed until it diverges (the
    worker then pauses it with its message)."""
    s = TrainingSession(Trainer(config.replace(pace=Pace())), clock=ManualClock(tick=0.001))
    for _ in range(turns):
        if s.latest.status == "diverged":
            return s
        s.tick()
    raise AssertionError(f"no divergence in {turns} turns of the worker")


async def test_a_one_layer_run_that_diverges_overshoots_and_never_explodes():
    """lr-too-large: the panel said "8.0e+151 exploding" for a network of one layer."""
    snap = diverged_session(get_lesson("lr-too-large").config).build_snapshot()
    assert snap.status == "diverged" and snap.grad_norm[0] > 1e100
    text = (await rendered(snap)).plain
    assert "overshoot" in text and "exploding" not in text and "vanishing" not in text


async def test_the_exploding_lesson_shows_delta_growing_layer_by_layer():
    s = session_of(get_lesson("exploding-gradients").config)
    s.trainer.step()
    snap = s.build_snapshot()
    lines = layer_lines(await rendered(snap, size=(38, 7)))  # its panel at 80x24
    assert len(lines) == 7 and all(len(line) <= 38 for line in lines)
    shown = [float(line.split("δ")[1].split()[0]) for line in lines]
    assert shown == pytest.approx(snap.delta_norm, rel=0.06) and np.all(np.diff(shown) < 0)
    assert ["exploding" in line for line in lines] == [True] * 3 + [False] * 4
    assert snap.grad_norm.max() < 2 * snap.grad_norm.min()  # while ‖dW‖ is flat


async def test_dead_relus_are_counted_per_layer():
    s = session_of(get_lesson("dead-relu").config)
    s.trainer.train(50)
    snap = s.build_snapshot()
    dead = [0 if d is None else int(d.sum()) for d in snap.dead_neurons]
    assert dead[1] >= 8 and dead[2] == 0
    lines = layer_lines(await rendered(snap))
    assert f"{dead[1]}/16 dead" in lines[1] and "dead" not in lines[2]
    assert ("dead" in lines[0]) == (dead[0] > 0)
    leaky = session_of(get_lesson("dead-relu").config.replace(activation="leaky_relu"))
    leaky.trainer.train(5)
    assert "dead" not in (await rendered(leaky.build_snapshot())).plain  # never exactly 0


async def test_zero_init_names_the_stationary_point_and_shows_no_nan():
    s = session_of(get_lesson("zero-init").config)
    s.trainer.train(3)
    snap = s.build_snapshot()
    assert snap.symmetric == (True, True, False)
    for size in [(38, 7), (60, 12), (120, 10)]:
        text = (await rendered(snap, size=size)).plain
        assert "nan" not in text
        first, second, third = layer_lines(Text(text))
        assert "symmetric" in first and "symmetric" in second and "symmetric" not in third
        assert "stationary point, not a minimum" in " ".join(text.split())
    assert "Δ/W 0" in (await rendered(snap, size=(60, 12))).plain


async def test_nan_and_inf_are_shown_not_raised():
    snap = dataclasses.replace(
        snapshot(),
        grad_norm=np.array([np.nan, np.inf, 0.0]),
        update_ratio=np.array([np.nan, np.inf, np.nan]),
        grad_curves=(Curve(np.arange(3.0), *[np.array([np.nan, np.inf, 0.0])] * 2),) * 3,
    )
    snap = dataclasses.replace(snap, delta_norm=np.array([np.inf, np.nan, 1.0]))
    for size in [(38, 10), (120, 4)]:
        lines = layer_lines(await rendered(snap, size=size))
        assert "nan" in lines[0] and "inf" in lines[1] and "0.0e+00" in lines[2]
        assert "δinf" in lines[0].replace(" ", "") and "δnan" in lines[1].replace(" ", "")
        assert not any("exploding" in line for line in lines)  # no finite chain to judge


async def test_phase_by_phase_hides_layers_not_reached_yet():
    s = session()
    done = [s.trainer.next_phase().label for _ in range(4)]
    assert done == ["forward", "loss", "backward 3", "backward 2"]
    snap = s.build_snapshot()
    text = await rendered(snap)
    first, second, third = layer_lines(text)
    assert "…" in first and "e-" not in first.split("▏")[-1].split()[0]  # no number for L1
    for line, k in ((second, 1), (third, 2)):  # this step's gradients, not the last step's
        assert f"{np.linalg.norm(s.trainer.net.dweights[k]):.1e}" in line
    assert "after backward 2" in text.plain  # layers counted from 1 on screen
    highlighted = [text.plain[sp.start : sp.end] for sp in text.spans if "reverse" in str(sp.style)]
    assert highlighted == ["L2"]
    s.trainer.next_phase()  # backward 0
    s.trainer.next_phase()  # update: the step is complete
    assert not any("…" in line for line in layer_lines(await rendered(s.build_snapshot())))


async def test_after_forward_every_layer_is_pending():
    s = session()
    s.trainer.next_phase()
    lines = layer_lines(await rendered(s.build_snapshot()))
    assert all("…" in line for line in lines) and len(lines) == 3
    assert not any("vanishing" in line or "exploding" in line for line in lines)


@pytest.mark.parametrize("size", [(38, 3), (38, 10), (60, 10), (120, 10), (120, 40), (20, 8)])
async def test_fits_the_width(size):
    snap = snapshot(hidden=(64, 32))
    flagged = dataclasses.replace(snap, delta_norm=np.array([1e-9, 1e-1, 5e-2]))
    for s in (snap, flagged):
        text = await rendered(s, size=size)
        lines = text.plain.splitlines()
        assert len(layer_lines(text)) == 3 and len(lines) <= size[1]
        assert max(Text(line).cell_len for line in lines) <= size[0], lines
    assert ("▁" in text.plain or "▄" in text.plain) == (size[0] >= 60)  # sparkline: wide only


def test_helpers():
    assert log_bar(1e-8, 10) == " " * 10 and log_bar(1e2, 10) == "█" * 10
    assert log_bar(1e-3, 8) == "████    "  # half way from 1e-8 to 1e2
    assert log_bar(math.nan, 4) == log_bar(0.0, 4) == "    "
    assert sci(0.0321) == "3.2e-02" and sci(math.inf) == "inf" and sci(math.nan) == "nan"
    rising = Curve(np.arange(8.0), *[10.0 ** np.arange(8.0)] * 2)
    assert sparkline(rising, 8) == "▁▂▃▄▅▆▇█" and sparkline(rising, 3) == "▁▅█"
    flat = Curve(np.arange(3.0), *[np.full(3, 0.5)] * 2)
    assert sparkline(flat, 5) == "▅▅▅"


async def test_panel_at_40x10(capsys):
    text = (await rendered(snapshot(), size=(40, 10))).plain
    with capsys.disabled():
        print("\n" + text)
    assert len(layer_lines(Text(text))) == 3 and text.count("|W|") == 3
