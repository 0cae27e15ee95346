"""NetworkView: labels, collapsed wide layers, weight colours, selection, phases, tiny sizes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from rich.color import Color
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

from core.config import Config
from core.phases import Phase
from core.trainer import Trainer
from tui.snapshot import Snapshot
from tui.ui.colours import NEGATIVE, POSITIVE, SELECTED
from tui.ui.widgets.network_view import NetworkView
from tui.worker.session import TrainingSession

NEURONS = "●◉"
BLUE, ORANGE, YELLOW = Color.parse(POSITIVE), Color.parse(NEGATIVE), Color.parse(SELECTED)


def snapshot(trainer: Trainer | None = None, **config) -> Snapshot:
    """The snapshot a paused session publishes for a fresh run (or for ``trainer``)."""
    return TrainingSession(trainer or Trainer(Config(**config)), paused=True).latest


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """A 784-256-128-10 network (784 features, 10 classes in a CSV file)."""
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.random((30, 784)).round(2), np.arange(30) % 10])
    path = Path(tmp_path_factory.mktemp("csv")) / "digits.csv"
    path.write_text("\n".join(",".join(f"{v:g}" for v in row) for row in rows))
    snap = snapshot(data=str(path), hidden=(256, 128), activation="relu")
    assert snap.sizes == (784, 256, 128, 10)
    return snap


class ViewApp(App):
    """Just the widget, filling the screen, showing one snapshot."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__()
        self.snap = snap

    def compose(self) -> ComposeResult:
        yield NetworkView()

    def on_mount(self) -> None:
        self.query_one(NetworkView).show(self.snap)


async def on_screen(snap: Snapshot, size: tuple[int, int]) -> tuple[NetworkView, list[Strip]]:
    """The widget and its lines as Textual renders them in a screen of ``size``."""
    app = ViewApp(snap)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        view = app.query_one(NetworkView)
        width, height = view.size
        strips = [view.render_line(y) for y in range(height)]
    assert (width, height) == size  # the widget fills the screen
    return view, strips


def text(strips: list[Strip]) -> list[str]:
    return [strip.text for strip in strips]


def cells(strips: list[Strip]) -> dict[tuple[int, int], tuple[str, Style]]:
    """(row, column) -> (character, style) of every cell."""
    out = {}
    for row, strip in enumerate(strips):
        x = 0
        for segment in strip:
            for ch in segment.text:
                out[row, x] = (ch, segment.style)
                x += 1
    return out


def braille(strips: list[Strip]) -> dict[tuple[int, int], Style]:
    """The style of every braille cell (a piece of a connection)."""
    return {pos: style for pos, (ch, style) in cells(strips).items() if "\u2800" < ch <= "\u28ff"}


async def test_each_layer_is_labelled_with_its_size_and_activation() -> None:
    view, strips = await on_screen(snapshot(hidden=(4, 2)), (40, 10))
    lines = text(strips)
    assert len(lines) == 10 and all(len(line) == 40 for line in lines)
    assert lines[0].split() == ["2", "in", "4", "tanh", "2", "tanh", "1", "sigmoid"]
    assert sum(line.count("●") for line in lines) == 2 + 4 + 2 + 1
    assert braille(strips)  # the connections
    assert lines[-1].startswith("activations: 2× tanh → sigmoid")


async def test_a_784_256_128_10_network_collapses_into_the_panel(wide: Snapshot) -> None:
    view, strips = await on_screen(wide, (120, 40))
    lines = text(strips)
    assert len(lines) == 40 and all(len(line) == 120 for line in lines)
    shown = 40 - 3  # all rows but the labels, the caption and the row of "+ N more"
    assert lines[40 - 2].split() == [
        *("+", str(784 - shown), "more"),
        *("+", str(256 - shown), "more"),
        *("+", str(128 - shown), "more"),
    ]
    assert lines[0].split() == ["784", "in", "256", "relu", "128", "relu", "10", "softmax"]
    assert sum(line.count("●") for line in lines) == 3 * shown + 10


def test_labels_shorten_when_the_panel_is_narrow(wide: Snapshot) -> None:
    view = NetworkView()
    view.show(wide)
    assert text(view.draw(30, 8))[0].split() == ["784", "256r", "128r", "10s"]
    assert text(view.draw(16, 8))[0].split() == ["784", "256", "128", "10"]


def test_positive_and_negative_weights_have_their_own_colours() -> None:
    snap = snapshot(hidden=())  # 2 inputs -> 1 output
    view = NetworkView()
    view.show(dataclasses.replace(snap, weights=(np.array([[1.0], [-1.0]]),)))
    colours = {pos: style.color for pos, style in braille(view.draw(20, 8)).items()}
    top, bottom = min(colours), max(colours)  # next to input 0 and to input 1
    assert colours[top] == BLUE and colours[bottom] == ORANGE
    view.show(dataclasses.replace(snap, seq=snap.seq + 1, weights=(np.array([[1.0], [1.0]]),)))
    assert {style.color for style in braille(view.draw(20, 8)).values()} == {BLUE}


def test_small_weights_are_dim_and_the_largest_bold() -> None:
    snap = snapshot(hidden=())
    view = NetworkView()
    view.show(dataclasses.replace(snap, weights=(np.array([[0.05], [-2.0]]),)))
    looks = {(s.color, bool(s.dim), bool(s.bold)) for s in braille(view.draw(20, 8)).values()}
    assert looks == {(BLUE, True, False), (ORANGE, False, True)}


async def test_the_selected_weight_is_drawn_on_top_with_its_two_neurons() -> None:
    app = ViewApp(snapshot(hidden=(4, 2)))
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        view = app.query_one(NetworkView)
        before = [view.render_line(y) for y in range(10)]
        view.selected = (1, 2, 0)  # W_1[2, 0]: hidden neuron 2 of 4 -> neuron 0 of 2
        await pilot.pause()
        after = [view.render_line(y) for y in range(10)]
    assert all(style.color != YELLOW for _, style in cells(before).values())
    assert text(after) != text(before)
    drawn = cells(after)
    ends = sorted((c, r) for (r, c), (ch, s) in drawn.items() if s.color == YELLOW and s.reverse)
    assert [drawn[r, c][0] for c, r in ends] == ["◉", "◉"]
    assert [r for c, r in ends] == [5, 2]  # rows of neuron 2 of 4 and of neuron 0 of 2
    line = [c for (r, c), s in braille(after).items() if s.color == YELLOW and s.bold]
    assert line and all(ends[0][0] < c < ends[1][0] for c in line)


async def test_stepping_phase_by_phase_highlights_and_captions_the_layer() -> None:
    trainer = Trainer(Config(hidden=(4, 2)))
    for _ in range(4):  # forward, loss, backward of W3, backward of W2
        trainer.next_phase()
    snap = snapshot(trainer)
    assert snap.last_phase == Phase("backward", 1)
    view, strips = await on_screen(snap, (40, 10))
    lines = text(strips)
    assert lines[-1].rstrip() == "▶ backward 2: dE/dW of layer 2"  # weights[1] is W2
    assert view.highlight_layer == 1
    xs = sorted({line.index(ch) for line in lines for ch in NEURONS if ch in line})
    bold = [c for (r, c), (ch, style) in cells(strips).items() if ch in NEURONS and style.bold]
    assert bold == [xs[2], xs[2]]  # the 2 neurons of column 2 only
    undimmed = [c for (r, c), style in braille(strips).items() if not style.dim]
    assert undimmed and all(xs[1] < c < xs[2] for c in undimmed)  # W_1 only


def test_highlight_layer_follows_the_phases() -> None:
    snap = snapshot(hidden=(4, 2))
    view = NetworkView()
    view.show(snap)
    assert view.highlight_layer is None
    expected = {
        Phase("forward"): NetworkView.ALL,
        Phase("loss"): 2,
        Phase("backward", 0): 0,
        Phase("update"): NetworkView.ALL,
    }
    for n, phase in enumerate(expected, 1):
        # the phase that ran last is the one before the next (the update ends the step)
        after = (snap.phases.index(phase) + 1) % len(snap.phases)
        shown = dataclasses.replace(snap, seq=snap.seq + n, phase_index=after, steps=1)
        assert shown.last_phase == phase
        view.show(shown)
        assert view.highlight_layer == expected[phase]


def test_show_redraws_only_when_the_snapshot_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    snap = snapshot(hidden=(4, 2))
    view = NetworkView()
    refreshes = []
    monkeypatch.setattr(view, "refresh", lambda *a, **k: refreshes.append(1))
    view.show(snap)
    view.show(snap)
    assert len(refreshes) == 1
    view.show(dataclasses.replace(snap, seq=snap.seq + 1))
    assert len(refreshes) == 2


@pytest.mark.parametrize("size", [(10, 4), (12, 5), (4, 2), (1, 1)])
async def test_tiny_screens_render_without_error(wide: Snapshot, size: tuple[int, int]) -> None:
    for snap in (snapshot(hidden=(4, 2)), wide):
        view, strips = await on_screen(snap, size)
        assert [len(line) for line in text(strips)] == [size[0]] * size[1]


def test_every_size_down_to_zero_fits(wide: Snapshot) -> None:
    view = NetworkView()
    for snap in (snapshot(hidden=(4, 2)), wide):
        view.show(snap)
        view.selected = (0, 1, 1)
        for width in range(0, 25, 3):
            for height in range(0, 9):
                lines = text(view.draw(width, height))
                assert [len(line) for line in lines] == [width] * (height if width else 0)
    view.show(snapshot(hidden=(4, 2)))
    assert text(view.draw(10, 4))[0].split() == ["2", "4t", "2t", "1s"]


async def test_dead_relus_are_drawn_hollow_with_a_legend() -> None:
    t = Trainer(Config(hidden=(6, 4), activation="relu", n_samples=200))
    t.net.weights[0][:, 2] = 0.0
    t.net.biases[0][2] = -1.0  # z = -1 for every sample: neuron 3 of layer 1 never fires
    t.run_epoch()
    snap = snapshot(t)
    assert snap.dead_neurons[0][2] and snap.dead_neurons[0].sum() == 1
    view, strips = await on_screen(snap, (40, 12))
    lines = text(strips)
    dead = sum(int(mask.sum()) for mask in snap.dead_neurons if mask is not None)
    assert sum(line.count("○") for line in lines[:-1]) == dead
    assert lines[-1].startswith(f"○ {dead} dead: ReLU 0 for every sample")
    column = {(r, c): ch for (r, c), (ch, _) in cells(strips).items() if ch in "●○" and r < 11}
    x = min(c for (r, c), ch in column.items() if ch == "○")  # the first hidden layer's
    rows = sorted(r for (r, c) in column if c == x)
    assert len(rows) == 6 and [column[r, x] for r in rows] == ["●", "●", "○", "●", "●", "●"]
    assert cells(strips)[rows[2], x][1].color == Color.parse("#ef4444")


async def test_leaky_relu_neurons_are_never_marked_dead_and_the_caption_says_why() -> None:
    t = Trainer(Config(hidden=(6, 4), activation="leaky_relu", n_samples=200))
    t.net.weights[0][:, 2] = 0.0
    t.net.biases[0][2] = -1.0  # negative for every sample, yet 0.01 z is not 0
    t.run_epoch()
    running = dataclasses.replace(snapshot(t), stepping=False)  # as while training
    view, strips = await on_screen(running, (40, 12))
    lines = text(strips)
    assert not any("○" in line for line in lines)
    assert lines[-1].startswith("leaky_relu is never 0: no neuron dies")
