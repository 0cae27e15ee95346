"""Each neuron's map over the input plane, as the worker computes it: its values are the
neuron's activation at the grid's points, from one pass; only while a panel draws them."""

from pathlib import Path

import numpy as np
import pytest
from rich.style import Style

from core.config import Config
from core.trainer import Trainer
from tui.ui.halfblocks import LEVELS
from tui.ui.neuron_maps import cell_rows, map_palette, map_pixels
from tui.worker.clock import ManualClock
from tui.worker.commands import Show
from tui.worker.publish import DATA_VIEW_SECONDS
from tui.worker.session import TrainingSession
from tui.worker.views import MAP_COLS, MAP_ROWS, MAX_MAPS, grid_points, neuron_maps

IRIS = Path(__file__).resolve().parents[1] / "assets" / "iris.csv"


def grid_of(maps) -> np.ndarray:
    """The grid's points (MAP_ROWS * MAP_COLS, 2), row by row from the top (x2 max)."""
    return grid_points(maps.extent, MAP_ROWS, MAP_COLS)


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_a_neurons_map_is_its_activation_at_the_grid_points(activation):
    t = Trainer(Config(dataset="spiral", n_samples=200, hidden=(8, 5), activation=activation))
    t.train(3)
    maps = neuron_maps(t)
    assert [m.shape for m in maps.columns] == [(n, MAP_ROWS, MAP_COLS) for n in t.net.sizes]
    points = grid_of(maps)
    t.net.run_forward(points)  # the training code's own forward pass, all points at once
    assert np.array_equal(maps.columns[0].reshape(2, -1).T, points)
    for k, a in enumerate(t.net.a):
        for j in range(a.shape[1]):
            assert np.allclose(maps.columns[k + 1][j].ravel(), a[:, j], rtol=1e-12, atol=1e-15)
        top = np.abs(a).max()
        expected = (0.0, 1.0) if k == 2 else (-top, top)  # a sigmoid output: probabilities
        assert maps.ranges[k + 1] == pytest.approx(expected)


def test_the_grid_spans_the_training_points_top_row_at_the_largest_x2():
    t = Trainer(Config(dataset="moons", n_samples=200))
    maps = neuron_maps(t)
    x1, x2 = maps.columns[0]  # the input column: x1 and x2 themselves
    lo, hi = t.X.min(axis=0), t.X.max(axis=0)
    assert x1[0, 0] < lo[0] and x1[0, -1] > hi[0] and np.all(np.diff(x1, axis=1) > 0)
    assert x2[0, 0] > hi[1] and x2[-1, 0] < lo[1] and np.all(np.diff(x2, axis=0) < 0)


def test_with_features_the_inputs_column_is_the_features_over_the_plane():
    t = Trainer(
        Config(dataset="circle", n_samples=200, features=("x1sq", "x2sq", "sinx1"), hidden=(3,))
    )
    maps = neuron_maps(t)
    points = grid_of(maps)
    x1, x2 = points.T
    assert np.allclose(maps.columns[0][0].ravel(), x1**2)
    assert np.allclose(maps.columns[0][2].ravel(), np.sin(np.pi * x1))
    assert np.allclose(maps.columns[0][1].ravel(), x2**2)
    lo, hi = t.train_set.plane.min(axis=0), t.train_set.plane.max(axis=0)
    assert maps.extent[0] < lo[0] and maps.extent[1] > hi[0]  # over the plane, not the inputs
    net = t.net
    hidden = np.tanh(maps.columns[0].reshape(3, -1).T @ net.weights[0] + net.biases[0])
    assert np.allclose(maps.columns[1].reshape(3, -1).T, hidden)


def test_only_data_over_a_plane_has_maps():
    assert neuron_maps(Trainer(Config(dataset="linear", hidden=(3,)))) is None
    assert neuron_maps(Trainer(Config(data=str(IRIS), hidden=(4,)))) is None


def test_a_wide_layer_keeps_the_first_maps_and_the_scale_of_all():
    t = Trainer(Config(dataset="xor", n_samples=100, hidden=(MAX_MAPS + 36,)))
    maps = neuron_maps(t)
    assert maps.columns[1].shape == (MAX_MAPS, MAP_ROWS, MAP_COLS)
    t.net.run_forward(grid_of(maps))
    top = np.abs(t.net.a[0]).max()  # over all 100 neurons
    assert maps.ranges[1] == pytest.approx((-top, top))


def test_maps_only_while_wanted_and_at_the_panels_pace_while_training():
    clock = ManualClock()
    s = TrainingSession(Trainer(Config(n_samples=200)), paused=False, clock=clock)
    assert s.build_snapshot().neuron_maps is None  # no panel draws them: not computed
    s.wanted.add("maps")
    first = s.build_snapshot().neuron_maps
    s.trainer.train(3)
    clock.advance(DATA_VIEW_SECONDS / 2)
    assert s.build_snapshot().neuron_maps is first  # training: at most every 0.5 s
    clock.advance(DATA_VIEW_SECONDS / 2)
    later = s.build_snapshot().neuron_maps
    assert later is not first and not np.array_equal(later.columns[1], first.columns[1])
    s.running = False
    assert s.build_snapshot().neuron_maps is later  # paused, nothing moved: the same maps
    s.trainer.step()
    assert s.build_snapshot().neuron_maps is not later  # paused: fresh once the run moved
    s.replace_run(Trainer(Config(n_samples=200, hidden=(6,))), ghosts=None)
    assert s.build_snapshot().neuron_maps.columns[1].shape[0] == 6  # a new run: its own


def test_the_ui_asks_for_maps_by_a_command():
    s = TrainingSession(Trainer(Config(n_samples=200)), paused=True)
    s.submit(Show("maps", True))
    s.tick()
    assert "maps" in s.wanted and s.latest.neuron_maps is not None
    s.submit(Show("maps", False))
    s.tick()
    assert s.latest.neuron_maps is None


def test_huge_values_get_colours_not_a_crash():
    """A weight typed as 1e308 makes a map of +-1e308: its span's width overflows; every
    pixel still gets a level of the palette (the inspector indexed it with -2**63)."""
    values = np.array([[-1e308, 0.0], [1e308, np.nan]])
    pixels = map_pixels(values, (-1.7e308, 1.7e308), 4, 4)
    assert pixels.min() >= 0 and pixels.max() <= LEVELS
    assert pixels[0, 0] < LEVELS // 2 < pixels[-1, 0]  # orange below, blue above
    assert len(cell_rows(pixels, map_palette(Style()), Style())) == 2
