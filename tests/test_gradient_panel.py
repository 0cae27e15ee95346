"""Panel 3, the gradient panel: one line per layer, flags, phase by phase, widths, bad values."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from core.config import Config
from core.trainer import Trainer
from tui.snapshot import Curve, Snapshot
from tui.ui.widgets.gradient_panel import GradientPanel, log_bar, sci, sparkline
from tui.worker.session import TrainingSession


def session(epochs: int = 20, hidden: tuple[int, ...] = (4, 2)) -> TrainingSession:
    config = Config(dataset="circle", n_samples=200, hidden=hidden)
    s = TrainingSession(Trainer(config), paused=True)
    s.trainer.train(epochs)
    return s


def snapshot(epochs: int = 20, hidden: tuple[int, ...] = (4, 2)) -> Snapshot:
    return session(epochs, hidden)._build_snapshot()


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
    text = await rendered(TrainingSession(Trainer(Config()), paused=True)._build_snapshot())
    assert text.plain == "no step yet"


async def test_vanishing_and_exploding_are_flagged_in_colour():
    snap = snapshot(hidden=(4,))
    converged = dataclasses.replace(snap, grad_norm=np.array([2e-15, 3e-15]))  # at a minimum
    assert not any("vanishing" in line for line in layer_lines(await rendered(converged)))
    vanishing = dataclasses.replace(snap, grad_norm=np.array([1e-9, 1e-1]))
    text = await rendered(vanishing)
    first, second = layer_lines(text)
    assert "vanishing" in first and "vanishing" not in second
    warning = text.spans[[text.plain[s.start : s.end] for s in text.spans].index("vanishing")]
    assert "bold" in str(warning.style) and "#" in str(warning.style)  # the theme's $warning
    relative = dataclasses.replace(snap, grad_norm=np.array([1e-5, 1e-1]))  # < 1e-3 x largest
    assert "vanishing" in layer_lines(await rendered(relative))[0]
    big = dataclasses.replace(snap, grad_norm=np.array([1e-1, 5e3]))
    first, second = layer_lines(await rendered(big))
    assert "exploding" in second and "exploding" not in first
    both_huge = dataclasses.replace(snap, grad_norm=np.array([4e52, 2e55]))  # one word each
    first, second = layer_lines(await rendered(both_huge))
    assert "exploding" in first and "vanishing" not in first and "exploding" in second
    step_too_big = dataclasses.replace(snap, update_ratio=np.array([2.0, 1e-3]))
    first, second = layer_lines(await rendered(step_too_big))
    assert "exploding" in first and "exploding" not in second


async def test_nan_and_inf_are_shown_not_raised():
    snap = dataclasses.replace(
        snapshot(),
        grad_norm=np.array([np.nan, np.inf, 0.0]),
        update_ratio=np.array([np.nan, np.inf, np.nan]),
        grad_curves=(Curve(np.arange(3.0), *[np.array([np.nan, np.inf, 0.0])] * 2),) * 3,
    )
    for size in [(38, 10), (120, 4)]:
        lines = layer_lines(await rendered(snap, size=size))
        assert "nan" in lines[0] and "inf" in lines[1] and "0.0e+00" in lines[2]
        assert "exploding" in lines[1]  # 0 next to inf alone: no finite layer to compare with


async def test_phase_by_phase_hides_layers_not_reached_yet():
    s = session()
    done = [s.trainer.next_phase().label for _ in range(4)]
    assert done == ["forward", "loss", "backward 3", "backward 2"]
    snap = s._build_snapshot()
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
    assert not any("…" in line for line in layer_lines(await rendered(s._build_snapshot())))


async def test_after_forward_every_layer_is_pending():
    s = session()
    s.trainer.next_phase()
    lines = layer_lines(await rendered(s._build_snapshot()))
    assert all("…" in line for line in lines) and len(lines) == 3
    assert not any("vanishing" in line or "exploding" in line for line in lines)


@pytest.mark.parametrize("size", [(38, 3), (38, 10), (60, 10), (120, 10), (120, 40), (20, 8)])
async def test_fits_the_width(size):
    snap = snapshot(hidden=(64, 32))
    flagged = dataclasses.replace(snap, grad_norm=np.array([1e-9, 1e-1, 5e3]))
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
