"""Panel 2, the loss plot: data, log scale twice, bad values, lr marks, integer ticks, cost."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from textual.app import App, ComposeResult

from core.config import Config
from core.ghosts import Ghost
from core.trainer import Trainer
from tui.snapshot import Curve, Snapshot
from tui.ui.ticks import nice_ticks, unique_labels
from tui.ui.widgets.loss_plot import BEST_MARK, LossPlot, lr_marks
from tui.worker.session import TrainingSession


def snapshot(epochs: int = 20, lr_at: int | None = None, **changes) -> Snapshot:
    config = Config(**{"dataset": "circle", "n_samples": 200, "hidden": (4, 2), **changes})
    s = TrainingSession(Trainer(config), paused=True)
    if lr_at is not None:
        s.trainer.train(lr_at)
        s.trainer.apply({"lr": 0.1})
    s.trainer.train(epochs - (lr_at or 0))
    return s.build_snapshot()


class PlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LossPlot()


async def rendered(snap: Snapshot, size=(60, 16), log: bool = False, times: int = 1) -> str:
    """The plot's plain text after ``times`` renders inside a running app."""
    app = PlotApp()
    async with app.run_test(size=size) as pilot:
        plot = app.query_one(LossPlot)
        plot.show(snap)
        plot.log_scale = log
        await pilot.pause()
        text = ""
        for _ in range(times):
            text = plot.render().plain
        app.export_screenshot()  # the whole screen pipeline, too
    return text


def x_labels(text: str) -> list[str]:
    """The tokens of the last non-blank line: the x tick labels."""
    return [line for line in text.splitlines() if line.strip()][-1].split()


async def test_renders_both_curves_after_20_epochs():
    text = await rendered(snapshot())
    assert "loss per epoch (lr 0.03)" in text
    assert "train" in text and "val" in text
    assert re.search("[\u2801-\u28ff]", text)  # braille dots: the curves are drawn


async def test_before_any_epoch_says_so():
    text = await rendered(TrainingSession(Trainer(Config()), paused=True).build_snapshot())
    assert "no epoch finished yet" in text


async def test_log_scale_renders_twice_and_after_a_resize():
    snap = snapshot()
    text = await rendered(snap, log=True, times=3)  # plotext's own log scale fails here
    assert "log" in text and "train" in text
    app = PlotApp()
    async with app.run_test(size=(50, 12)) as pilot:
        plot = app.query_one(LossPlot)
        plot.show(snap)
        plot.toggle_log_scale()
        await pilot.pause()
        await pilot.resize_terminal(70, 18)
        await pilot.pause()
        assert plot.log_scale and "log" in plot.render().plain


@pytest.mark.parametrize("log", [False, True])
async def test_huge_finite_losses_are_drawn_not_raised(log):
    y = np.array([1.0, 1e10, 1e100, 1e307, np.finfo(float).max])
    curve = Curve(np.arange(1.0, 6.0), y, y)
    text = await rendered(dataclasses.replace(snapshot(5), train_curve=curve), log=log)
    assert "train" in text and re.search(r"1e[23]\d\d┤", text)  # the top of the axis


@pytest.mark.parametrize(
    "values, on_linear, on_log",
    [
        ([1.0, np.nan, np.inf, 0.0, 0.5, 0.2], True, True),
        ([np.inf, 2.0, -np.inf, 1e-12, -0.3, 0.3], True, True),
        ([0.0] * 6, True, False),
        ([np.nan] * 6, False, False),
        ([np.inf] * 6, False, False),
    ],
)
@pytest.mark.parametrize("log", [False, True])
async def test_nan_inf_and_zero_do_not_crash(values, on_linear, on_log, log):
    y = np.array(values)
    curve = Curve(np.arange(1.0, 7.0), y, y)
    snap = dataclasses.replace(snapshot(6), train_curve=curve, val_curve=curve)
    text = await rendered(snap, log=log, times=2)
    plotted = on_log if log else on_linear
    assert ("train" in text) == plotted
    assert ("no epoch finished yet" in text) == (not plotted)


async def test_lr_change_in_title_and_marked_inside_the_range_only():
    snap = snapshot(20, lr_at=10)
    assert snap.lr_changes == ((11, 0.1),)
    text = await rendered(snap)
    assert "loss per epoch (lr 0.1)" in text
    assert lr_marks(snap.lr_changes, 1, 20) == [11.0]
    far = dataclasses.replace(snap, lr_changes=((11, 0.1), (500, 0.2)))
    assert lr_marks(far.lr_changes, 1, 20) == [11.0]
    assert max(int(t) for t in x_labels(await rendered(far))) <= 20  # axis not stretched
    many = tuple((e, 0.01 * e) for e in range(2, 20, 2))
    assert lr_marks(many, 1, 20) == [10.0, 12.0, 14.0, 16.0, 18.0]  # the 5 most recent


async def test_lr_marks_reach_the_figure():
    snap = snapshot(20, lr_at=10)
    app = PlotApp()
    async with app.run_test(size=(60, 16)) as pilot:
        plot = app.query_one(LossPlot)
        plot.show(snap)
        await pilot.pause()
        plot.render()
        assert 11.0 in plot.plt.monitor.vcoord[0]


@pytest.mark.parametrize("epochs", [1, 7, 20, 333])
async def test_x_tick_labels_are_integers(epochs):
    labels = x_labels(await rendered(snapshot(epochs, n_samples=40)))
    assert labels and all(re.fullmatch(r"\d+", t) for t in labels), labels


def test_tick_helpers():
    assert nice_ticks(1, 20, 5, integer=True) == [5, 10, 15, 20]
    assert all(t == int(t) for t in nice_ticks(1.5, 3.5, 6, integer=True))
    assert unique_labels([0.1, 0.12, 0.14]) == ["0.1", "0.12", "0.14"]
    assert unique_labels([1e-3, 1e-2]) == ["0.001", "0.01"]
    assert unique_labels([1e-5, 2.5e5, 150]) == ["1e-5", "2.5e5", "150"]
    assert unique_labels([0.101, 0.102]) == ["0.101", "0.102"]


async def test_show_repaints_only_on_change():
    snap = snapshot(5)
    plot = LossPlot()
    calls = []
    plot.refresh = lambda *a, **k: calls.append(1)  # type: ignore[method-assign]
    plot.show(snap)
    plot.show(dataclasses.replace(snap, seq=snap.seq + 1, last_loss=0.1))
    assert len(calls) == 1
    plot.show(dataclasses.replace(snap, lr_changes=((3, 0.1),)))
    assert len(calls) == 2


async def test_long_curve_reaches_plotext_downsampled_with_its_spike(monkeypatch):
    """20,000 points drawn as they are take plotext ~0.25 s a frame; two per column do not."""
    n = 20_000
    y = 1 / np.arange(1.0, n + 1)
    y[12_345] = 5.0  # a spike, which downsampling by maxima must keep
    curve = Curve(np.arange(1.0, n + 1), y, y)
    snap = dataclasses.replace(snapshot(3), train_curve=curve, val_curve=curve)
    plotted = []
    app = PlotApp()
    async with app.run_test(size=(120, 30)) as pilot:
        plot = app.query_one(LossPlot)
        real_plot = plot.plt.plot

        def spy(x, y, **kwargs):
            plotted.append(np.asarray(y))
            return real_plot(x, y, **kwargs)

        monkeypatch.setattr(plot.plt, "plot", spy)
        plot.show(snap)
        await pilot.pause()
        plot.render()
    assert len(plotted) >= 2  # train and val, once a frame
    assert all(len(p) <= 2 * 120 for p in plotted)
    assert all(p.max() == 5.0 for p in plotted)


async def test_panel_at_40x10(capsys):
    text = await rendered(snapshot(20, lr_at=10), size=(40, 10))
    with capsys.disabled():
        print("\n" + text)
    lines = text.splitlines()
    assert len(lines) == 10 and "loss per epoch (lr 0.1)" in lines[0] and "train" in text


def test_numbers_never_read_minus_zero():
    from tui.ui.numbers import num, vector

    assert num(-0.0) == "0" and num(float("nan")) == "–" and num(None) == "–"
    assert vector(np.array([-0.0, -0.5, 0.25]), 40) == "[0 -0.5 0.25]"
    assert vector(np.array([-0.0, 0.5]), 40, signed=True) == "[+0 +0.5]"


async def test_train_and_val_differ_in_shape_not_only_in_colour():
    text = await rendered(snapshot(20), size=(60, 16))
    assert "━━ train" in text and "•• val" in text and "•" in text.split("val", 1)[1]


async def marked(snap: Snapshot, ghost_val: bool = False, size=(60, 16)):
    """The plot's text and the series plotext was given: (x, marker) each."""
    series = []
    app = PlotApp()
    async with app.run_test(size=size) as pilot:
        plot = app.query_one(LossPlot)
        plot.ghost_val = ghost_val
        real_plot = plot.plt.plot

        def spy(x, y, **kwargs):
            series.append((np.asarray(x), kwargs.get("marker")))
            return real_plot(x, y, **kwargs)

        plot.plt.plot = spy
        plot.show(snap)
        await pilot.pause()
        series.clear()  # one render's
        text = plot.render().plain
    return text, series


async def test_the_lowest_validation_loss_is_marked_apart_from_the_lr_and_restore_marks():
    snap = dataclasses.replace(snapshot(20, lr_at=10), best_epoch=7, restores=((15, "best"),))
    text, series = await marked(snap)
    legend, plot = text.split("┌", 1)
    assert "┊ lowest val ep 7" in legend and "│ lr changed" in legend and "│ went back" in legend
    assert "┊" in plot  # dotted, where the lr's and the restore's lines are solid
    (x, _), *_ = [(x, m) for x, m in series if m == BEST_MARK]
    assert set(x) == {7}  # at its epoch


async def test_the_start_as_the_lowest_is_said_not_drawn_and_no_validation_no_mark():
    snap = snapshot(20)
    text, series = await marked(dataclasses.replace(snap, best_epoch=0))
    assert "┊ lowest val ep 0" in text.split("┌")[0] and "┊" not in text.split("┌", 1)[1]
    text, _ = await marked(dataclasses.replace(snap, val_size=0))
    assert "lowest val" not in text and "┊" not in text
    far = dataclasses.replace(snap, best_epoch=500)  # outside the plot: not stretched to it
    text, _ = await marked(far)
    assert "lowest val" not in text and max(int(t) for t in x_labels(text)) <= 20


async def test_a_lesson_can_show_its_ghosts_validation_losses_too():
    config = Config(dataset="circle", n_samples=200, hidden=(4, 2))
    trainer = Trainer(config)
    trainer.train(10)
    ghost = Ghost.of(trainer)
    snap = dataclasses.replace(snapshot(20, lr=0.1), ghosts=(ghost,))
    text, series = await marked(snap)
    assert "━━ lr 0.03" in text and len(series) == 4  # mark, ghost, train, val
    text, series = await marked(snap, ghost_val=True)
    assert "━• lr 0.03" in text and len(series) == 5
    assert [m for _, m in series].count("dot") == 2  # the live val and the ghost's
