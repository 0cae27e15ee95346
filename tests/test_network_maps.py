"""The network view's neuron maps: each neuron drawn as its output over the plane, in the
data view's colours, a dead ReLU marked, the connection under the mouse named."""

from __future__ import annotations

import dataclasses

import numpy as np
from rich.color import Color
from rich.style import Style
from test_network_view import cells as grid_of  # (row, x) -> (character, style)

from core.config import Config
from core.trainer import Trainer
from tui.snapshot import Snapshot
from tui.ui.halfblocks import LEVELS
from tui.ui.neuron_maps import map_palette
from tui.ui.widgets.network_view import NetworkView
from tui.worker.session import TrainingSession

DARK = Style.parse("#e0e0e0 on #1e1e1e")
MAP_CELLS = "▀▄"


def with_maps(**config) -> Snapshot:
    """A paused session's snapshot with the neurons' maps (as when a panel draws them)."""
    session = TrainingSession(Trainer(Config(n_samples=100, **config)), paused=True)
    session.wanted.add("maps")
    return session.build_snapshot()


def drawn(snap: Snapshot, size=(60, 24), maps=True) -> tuple[NetworkView, list]:
    view = NetworkView()
    view.draw_maps = maps
    view.show(snap)
    return view, view.draw(*size, DARK)


def map_cells(strips) -> dict[tuple[int, int], Style]:
    return {pos: style for pos, (ch, style) in grid_of(strips).items() if ch in MAP_CELLS}


def colour(rgb) -> tuple[int, int, int]:
    return tuple(rgb.get_truecolor())


def test_every_neuron_is_a_map_when_the_panel_has_room():
    snap = with_maps(hidden=(4, 2))
    view, strips = drawn(snap)
    cells = map_cells(strips)
    columns = sorted({x for _, x in cells})
    assert len(cells) > 9 * 4  # 2 inputs, 4 + 2 hidden, 1 output: several cells each
    text = ["".join(grid_of(strips)[y, x][0] for x in range(60)) for y in range(24)]
    assert not any("●" in line for line in text)  # maps instead of dots
    assert any("\u2800" < ch <= "\u28ff" for line in text for ch in line)  # and the lines
    assert text[0].split() == ["2", "in", "4", "tanh", "2", "tanh", "1", "sigmoid"]
    assert len(columns) >= 4 * 3  # four columns of maps, each some cells wide
    assert text[-1].startswith("maps: each neuron's output over (x1, x2)")


def test_a_map_shows_the_neurons_values_in_the_data_views_colours():
    snap = with_maps(hidden=(3,))
    maps = snap.neuron_maps
    hidden = maps.columns[1].copy()
    hidden[0], hidden[1], hidden[2] = 1.0, -1.0, 0.0  # all blue, all orange, all neutral
    fixed = dataclasses.replace(
        maps, columns=(maps.columns[0], hidden, maps.columns[2]), ranges=((-1, 1),) * 3
    )
    view, strips = drawn(dataclasses.replace(snap, neuron_maps=fixed))
    palette = map_palette(DARK)
    rows = sorted({y for y, x in view.map_cells_of(1, 0)})
    looks = [
        {colour(map_cells(strips)[pos].color) for pos in view.map_cells_of(1, j)} for j in range(3)
    ]
    assert looks == [{palette[-2]}, {palette[0]}, {palette[len(palette) // 2 - 1]}]
    assert rows  # (the neuron's cells were found)


def test_a_dead_relu_is_flat_and_marked_on_its_map():
    snap = with_maps(hidden=(3,), activation="relu")
    maps = snap.neuron_maps
    hidden = maps.columns[1].copy()
    hidden[1] = 0.0  # 0 for every point, as a dead ReLU is over the data
    fixed = dataclasses.replace(maps, columns=(maps.columns[0], hidden, maps.columns[2]))
    dead = (np.array([False, True, False]), None)
    view, strips = drawn(dataclasses.replace(snap, neuron_maps=fixed, dead_neurons=dead))
    cells = grid_of(strips)
    on_map = view.map_cells_of(1, 1)
    marks = [pos for pos in on_map if cells[pos][0] == "○"]
    assert len(marks) == 1 and cells[marks[0]][1].color.name.lower() == "#ef4444"
    shades = {cells[pos][1].color for pos in on_map if cells[pos][0] in MAP_CELLS}
    neutral = map_palette(DARK)[LEVELS // 2]
    assert shades == {Color.from_rgb(*neutral)}  # flat: one colour, the neutral
    assert "○ 1 dead" in "".join(cells[len(strips) - 1, x][0] for x in range(60))


def test_dots_when_the_maps_would_not_fit_or_are_not_wanted():
    snap = with_maps(hidden=(16, 16))
    _, strips = drawn(snap, size=(60, 14))  # 16 neurons in 12 rows: no room for maps
    assert not map_cells(strips) and any("●" in s.text for s in strips)
    _, strips = drawn(with_maps(hidden=(4, 2)), maps=False)
    assert not map_cells(strips)
    _, strips = drawn(with_maps(dataset="linear", hidden=(3,)))  # one input: no plane
    assert not map_cells(strips)


def test_the_connection_under_the_mouse_is_highlighted_with_its_weight():
    snap = with_maps(hidden=(3,))
    view, strips = drawn(snap, maps=False)
    lines = [pos for pos, (ch, _) in grid_of(strips).items() if "\u2800" < ch <= "\u28ff"]
    y, x = lines[len(lines) // 2]
    k, i, j = view.line_at(x, y)
    assert view.line_at(0, 0) is None  # a label, no line
    view.hovered = (k, i, j)
    strips = view.draw(60, 24, DARK)
    caption = strips[-1].text
    w = snap.weights[k][i, j]
    assert caption.startswith(f"W{k + 1}[{i},{j}] = {w:.4g}")
    yellow = [s for pos, (ch, s) in grid_of(strips).items() if s.color and s.bold]
    assert any(s.color.name.lower() == "#eab308" for s in yellow)


def test_a_hovered_line_of_a_larger_network_is_forgotten_when_the_network_shrinks():
    """The mouse rests on a line of 2-8-8-1; the network becomes 2-3-1 from the keyboard
    (a control, a lesson, a checkpoint): the next drawing neither fails nor names it."""
    view, _ = drawn(with_maps(hidden=(8, 8)), maps=False)
    view.hovered = (1, 6, 0)  # W2[6,0]: no such weight in 2-3-1
    small = with_maps(hidden=(3,))
    strips = view.draw(60, 24, DARK)  # still the large network: its line named
    assert strips[-1].text.startswith("W2[6,0]")
    view.show(small)
    assert view.hovered is None
    assert not view.draw(60, 24, DARK)[-1].text.startswith("W2[")
    view.hovered = (1, 6, 0)  # set between a snapshot and its drawing: not named either
    assert not view.draw(60, 24, DARK)[-1].text.startswith("W2[")
