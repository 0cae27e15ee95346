"""Repainting only the cells that changed (tui.ui.rows): the network, the loss plot and the
gradients send the terminal only what moved, and the screen then reads exactly as a whole
repaint would draw it."""

from __future__ import annotations

import re

from apphelpers import make_app, wait_until
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual._compositor import CompositorUpdate
from textual.app import App
from textual.strip import Strip
from textual.widget import Widget

from tui.ui.rows import changed_span
from tui.ui.widgets.gradient_panel import GradientPanel
from tui.ui.widgets.loss_plot import LossPlot
from tui.ui.widgets.network_view import NetworkView

RED, BLUE = Style(color="red"), Style(color="blue")


def strip(*parts: tuple[str, Style]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


def test_the_span_runs_from_the_first_to_the_last_changed_cell():
    old = strip(("ep 1,234 ", RED), ("│ lr 0.03", BLUE))
    assert changed_span(old, strip(("ep 1,239 ", RED), ("│ lr 0.03", BLUE)), 18) == (7, 1)
    assert changed_span(old, strip(("ep 2,234 ", RED), ("│ lr 0.01", BLUE)), 18) == (3, 15)
    assert changed_span(old, strip(("ep 1,234 ", BLUE), ("│ lr 0.03", BLUE)), 18) == (0, 9)
    split = strip(("ep 1,2", RED), ("34 ", RED), ("│ lr 0.03", BLUE))  # same cells
    assert changed_span(old, split, 18) == (0, 18)
    wide = strip(("ep 漢", RED))  # a character of two cells: the whole row
    assert changed_span(strip(("ep 字", RED)), wide, 5) == (0, 5)


PANELS = (NetworkView, LossPlot, GradientPanel)
TOKEN = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([0-9;]*)m|\x1b[^a-zA-Z]*[a-zA-Z]|(.)", re.S)


class Terminal:
    """The cells a terminal shows after the updates Textual sends it: (character, style)
    at (row, column); only cursor moves, colours and text are understood."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[str, str]] = {}

    def write(self, sequence: str) -> None:
        row = col = 0
        style = ""
        for token in TOKEN.finditer(sequence):
            move_y, move_x, sgr, ch = token.groups()
            if move_y:
                row, col = int(move_y) - 1, int(move_x) - 1
            elif sgr is not None:
                style = "" if sgr in ("", "0") else f"{style};{sgr}"
            elif ch and ch >= " ":  # new lines and the like: each line has its move
                self.cells[row, col] = (ch, style)
                col += max(1, cell_len(ch))


async def test_steps_repaint_only_changed_cells_and_the_terminal_shows_the_whole_screen(
    monkeypatch,
):
    dirty: dict[str, list] = {p.__name__: [] for p in PANELS}
    refresh, display = Widget.refresh, App._display
    terminal = Terminal()

    def recorded(self, *regions, **kwargs):
        if isinstance(self, PANELS) and regions:
            dirty[type(self).__name__].append((regions, self.size))
        return refresh(self, *regions, **kwargs)

    def sent(self, screen, renderable) -> None:  # what the terminal would get
        if isinstance(renderable, CompositorUpdate):
            terminal.write(renderable.render_segments(self.console))
        return display(self, screen, renderable)

    monkeypatch.setattr(Widget, "refresh", recorded)
    monkeypatch.setattr(App, "_display", sent)
    app = make_app(paused=True, dataset="moons", hidden=(4, 4))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "e")  # two epochs: the loss plot has a curve
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 2)
        for name in dirty:
            dirty[name].clear()
        for _ in range(3):  # steps: a little of each panel moves
            steps = app.snapshot.steps
            await pilot.press("n")
            assert await wait_until(pilot, lambda s=steps: app.snapshot.steps == s + 1)
        await pilot.press("e")  # an epoch: the loss curve grows
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 3)
        await pilot.pause()
        for name in ("NetworkView", "GradientPanel", "LossPlot"):
            calls = dirty[name]
            assert calls, f"{name} repainted nothing in part"
            for regions, size in calls:  # never the whole panel: rows, and cells of rows
                assert all(r.height == 1 for r in regions), name
                assert len(regions) < size.height or any(r.width < size.width for r in regions)
        whole = Terminal()  # the screen drawn whole, as it is now
        whole.write(app.screen._compositor.render_update(full=True).render_segments(app.console))
        assert terminal.cells == whole.cells
