"""DataPanel: the 2-D map and its colours, the points, the 1-D fit, the message, tiny sizes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

from core.config import Config
from core.trainer import Trainer
from tui.snapshot import DataView, Snapshot
from tui.ui.widgets.data_view import DataPanel, FitPlot, draw_map
from tui.ui.widgets.results_view import ResultsPanel
from tui.worker.session import TrainingSession

IRIS = Path(__file__).resolve().parents[1] / "assets" / "iris.csv"
CIRCLE = dict(dataset="circle", n_samples=200, lr=0.3)  # learns the disc in 30 epochs
LINEAR = dict(dataset="linear", hidden=(), lr=0.1, batch_size=None)
DARK = Style.parse("#e0e0e0 on #1e1e1e")


def trained(epochs: int = 30, **config) -> Snapshot:
    """The snapshot of a paused session after ``epochs`` epochs."""
    session = TrainingSession(Trainer(Config(**config)), paused=True)
    session.trainer.train(epochs)
    session.wanted.add("data")  # the app turns this on while the data view is shown
    return session.build_snapshot()


@pytest.fixture(scope="module")
def circle() -> Snapshot:
    return trained(**CIRCLE)


class DataApp(App):
    """Only a DataPanel, showing one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        yield DataPanel()

    def on_mount(self) -> None:
        self.query_one(DataPanel).show(self.snapshot)


def lines(panel: DataPanel) -> list[Strip]:
    return [panel.render_line(y) for y in range(panel.size.height)]


def cell(strip: Strip, x: int) -> tuple[str, Style]:
    """The character and the style of cell x of a strip."""
    (segment,) = list(strip.crop(x, x + 1))
    return segment.text, segment.style


def blue_ish(rgb: tuple[int, int, int]) -> bool:
    return rgb[2] > rgb[0] + 40


def orange_ish(rgb: tuple[int, int, int]) -> bool:
    return rgb[0] > rgb[2] + 40


async def test_circle_map_is_blue_in_the_middle_and_orange_in_a_corner(circle: Snapshot):
    assert circle.data.grid[24, 48] > 0.9 and circle.data.grid[0, 0] < 0.1
    async with DataApp(circle).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        strips = lines(pilot.app.query_one(DataPanel))
        body = len(strips) - 1  # the last line is the legend
        _, middle = cell(strips[body // 2], 30)
        _, corner = cell(strips[0], 0)
        assert blue_ish(middle.bgcolor.triplet) and orange_ish(corner.bgcolor.triplet)
        char, corner = cell(strips[body - 1], 59)
        assert char == "▀" and orange_ish(corner.color.triplet)  # both halves of a map cell
        assert "P(class 1)" in strips[-1].text and "orange 0" in strips[-1].text


async def test_training_points_are_drawn_once_per_cell_they_occupy(circle: Snapshot):
    async with DataApp(circle).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        panel = pilot.app.query_one(DataPanel)
        strips = lines(panel)[:-1]
        x0, x1, y0, y1 = circle.data.extent
        X = circle.data.train_x
        cols = ((X[:, 0] - x0) / (x1 - x0) * 60).astype(int)
        rows = ((y1 - X[:, 1]) / (y1 - y0) * len(strips)).astype(int)
        occupied = set(zip(rows.tolist(), cols.tolist(), strict=True))
        dots = sum(strip.text.count("●") for strip in strips)
        assert 30 < len(occupied) and abs(dots - len(occupied)) <= 3
        assert "○" not in "".join(strip.text for strip in strips)
        r, c = next(iter(occupied))  # a point of class 1 is drawn blue, class 0 orange
        label = circle.data.train_y[(rows == r) & (cols == c)][-1, 0]
        char, style = cell(strips[r], c)
        assert char == "●" and (blue_ish if label == 1 else orange_ish)(style.color.triplet)


async def test_the_validation_toggle_adds_hollow_points(circle: Snapshot):
    async with DataApp(circle).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        panel = pilot.app.query_one(DataPanel)
        before = "".join(strip.text for strip in lines(panel)[:-1])
        panel.toggle_validation()
        await pilot.pause()
        after = "".join(strip.text for strip in lines(panel)[:-1])
        assert panel.show_validation and before.count("○") == 0 and after.count("○") > 5
        assert after.count("●") <= before.count("●")  # training points stay on top
        assert "○ val" in lines(panel)[-1].text
        panel.toggle_validation()
        await pilot.pause()
        assert "○" not in "".join(strip.text for strip in lines(panel))


async def test_the_1d_linear_fit_shows_m_and_b_beside_the_truth():
    snap = trained(200, **LINEAR)
    async with DataApp(snap).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        plot = pilot.app.query_one(FitPlot)
        assert plot.display and plot.region.height == 20
        text = str(plot.render())
        found = re.search(r"y = ([\d.]+) x \+ ([\d.]+)\s+\(true: 3 x \+ 2\)", text)
        assert found, text
        m, b = float(found[1]), float(found[2])
        assert abs(m - 3.0) < 0.05 and abs(b - 2.0) < 0.05
        assert "•" in text and any(0x2800 < ord(ch) <= 0x28FF for ch in text)  # points, curve


async def test_sine_draws_points_and_curve():
    snap = trained(100, dataset="sine", hidden=(8,))
    async with DataApp(snap).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = str(pilot.app.query_one(FitPlot).render())
        assert text.splitlines()[0].strip().startswith("sine")
        assert "•" in text and any(0x2800 < ord(ch) <= 0x28FF for ch in text)


async def test_iris_has_four_inputs_and_gets_its_confusion_matrix():
    snap = trained(1, data=str(IRIS))
    async with DataApp(snap).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        panel = pilot.app.query_one(DataPanel)
        matrix = panel.query_one(ResultsPanel)
        assert matrix.display and not panel.query_one(FitPlot).display
        text = [matrix.render_line(y).text for y in range(matrix.size.height)]
        assert text[0].startswith("validation set, 30 rows: accuracy")
        assert [line.split()[0] for line in text[2:5]] == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize("size", [(10, 4), (3, 2), (1, 1)])
@pytest.mark.parametrize("config", [CIRCLE, LINEAR, dict(data=str(IRIS))])
async def test_tiny_sizes_do_not_crash(size: tuple[int, int], config: dict):
    snap = trained(2, **config)
    async with DataApp(snap).run_test(size=size) as pilot:
        panel = pilot.app.query_one(DataPanel)
        panel.toggle_validation()
        await pilot.pause()
        assert len(lines(panel)) == size[1]
        assert str(panel.query_one(FitPlot).render()) is not None


def test_every_size_down_to_zero_draws_the_right_number_of_lines(circle: Snapshot):
    panel = DataPanel()
    panel.show(circle)
    for width in range(6):
        for height in range(6):
            strips = panel.draw(width, height, DARK)
            assert len(strips) == (height if width else 0)
            assert all(strip.cell_length == width for strip in strips)


def test_nan_in_the_grid_is_drawn_neutral_and_empty_data_draws(circle: Snapshot):
    data = dataclasses.replace(circle.data, grid=np.full((48, 96), np.nan))
    strips = draw_map(data, 30, 10, True, DARK)
    _, style = cell(strips[0], 0)
    r, g, b = style.bgcolor.triplet
    assert r == g == b and style.color.triplet == style.bgcolor.triplet
    empty = np.zeros((0, 2))
    data = DataView(2, "binary", empty, np.zeros((0, 1)), empty, np.zeros((0, 1)), grid=None)
    panel = DataPanel()
    panel.show(dataclasses.replace(circle, seq=circle.seq + 1, data=data))
    assert "no data" in "".join(strip.text for strip in panel.draw(30, 5, DARK))
    data = dataclasses.replace(data, grid=np.full((4, 4), 0.5), train_x=empty)
    assert "●" not in "".join(strip.text for strip in draw_map(data, 20, 6, True, DARK))


def test_multiclass_and_regression_maps_use_their_own_scales():
    blobs = trained(30, dataset="blobs", n_samples=200, lr=0.3).data
    strips = draw_map(blobs, 40, 12, False, DARK)
    colours = {cell(strip, x)[1].bgcolor.triplet for strip in strips[:-1] for x in range(40)}
    assert len(colours) >= 3 and "class 0 1 2" in strips[-1].text
    circle = trained(30, **CIRCLE).data
    y = circle.train_y * 10.0 - 5.0
    data = dataclasses.replace(circle, task="regression", grid=circle.grid * 10 - 5, train_y=y)
    legend = draw_map(data, 60, 12, False, DARK)[-1].text
    assert re.search(r"y: orange -5(\.\d+)? … blue 5", legend), legend


def test_show_repaints_only_for_a_new_snapshot(circle: Snapshot, monkeypatch):
    panel = DataPanel()
    calls = []
    monkeypatch.setattr(panel, "refresh", lambda *a, **k: calls.append(1))
    panel.show(circle)
    panel.show(circle)
    assert len(calls) == 1
    panel.show(dataclasses.replace(circle, seq=circle.seq + 1))
    assert len(calls) == 2


@pytest.mark.parametrize("case", ["inf", "nan", "flat"])
async def test_a_diverged_or_flat_1d_fit_still_draws(case: str):
    snap = trained(5, **LINEAR)
    d = snap.data
    curve_y, train_y = d.curve_y.copy(), d.train_y.copy()
    if case == "flat":
        curve_y[:], train_y[:] = 1.0, 1.0
        d = dataclasses.replace(d, train_x=np.zeros_like(d.train_x), curve_x=np.zeros(200))
    else:
        curve_y[::2], train_y[::3] = np.inf, -np.inf
    if case == "nan":
        curve_y[:], train_y[:] = np.nan, np.nan
    snap = dataclasses.replace(snap, data=dataclasses.replace(d, curve_y=curve_y, train_y=train_y))
    async with DataApp(snap).run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = str(pilot.app.query_one(FitPlot).render())
        assert ("nothing finite to draw" in text) == (case == "nan") and "y = " in text
