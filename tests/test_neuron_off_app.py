"""A neuron switched off in the app, as a person at 80x24 or 120x40 does it: a click on
a hidden neuron, or 0 in the inspector; drawn ✕, the loss and the views follow; dropout
from the controls."""

from __future__ import annotations

import numpy as np
import pytest
from apphelpers import key, make_app, settled, show_data_view, wait_until

from tui.ui.fields import FIELD_BY_NAME
from tui.ui.widgets.controls import Controls
from tui.ui.widgets.inspector import Inspector
from tui.ui.widgets.loss_surface import SurfacePanel
from tui.ui.widgets.network_view import OFF_NEURON, NetworkView

SIZES = [(80, 24), (120, 40)]


def drawn_rows(view: NetworkView) -> list[str]:
    """The network view's rows as drawn at its size."""
    return [strip.text for strip in view.draw(view.size.width, view.size.height)]


@pytest.mark.parametrize("size", SIZES)
async def test_a_click_on_a_hidden_neuron_switches_it_off_and_a_second_on(size):
    app = make_app(paused=True, hidden=(4, 2))
    async with app.run_test(size=size) as pilot:
        assert await settled(pilot)
        await show_data_view(pilot, size)
        before = app.snapshot
        view = app.screen.query_one(NetworkView)
        assert view.draw_maps == (size[0] >= 120)
        xs, ys = view._layout
        x, y = xs[1], ys[1][2]  # neuron 2 of the first hidden layer
        assert OFF_NEURON not in "".join(drawn_rows(view))
        loss = app.session.trainer.training_loss()
        await pilot.click(NetworkView, offset=(x, y))
        assert await wait_until(pilot, lambda: app.snapshot.off_neurons == ((1, 2),))
        assert await settled(pilot)
        t = app.session.trainer
        assert t.net.off == [(0, 2)]
        notice = app.snapshot.notice
        assert "neuron 2 of layer 1 off" in notice and f"{loss:.4g} → " in notice
        assert f"→ {t.training_loss():.4g}" in notice and t.training_loss() != loss
        rows = drawn_rows(view)
        assert rows[y][x] == OFF_NEURON  # where the neuron was
        assert rows[-1].startswith(f"{OFF_NEURON} 1 off")  # the caption names it
        data = lambda: app.snapshot.data  # noqa: E731
        redrawn = lambda: data() is not None and not np.array_equal(data().grid, before.data.grid)  # noqa: E731
        assert await wait_until(pilot, redrawn)  # the data view, from the network as it is
        if size[0] >= 120:  # its map is 0 everywhere
            assert await wait_until(pilot, lambda: app.snapshot.neuron_maps is not None)
            assert np.all(app.snapshot.neuron_maps.columns[1][2] == 0)
        await pilot.click(NetworkView, offset=(x, y))  # and on again
        assert await wait_until(pilot, lambda: app.snapshot.off_neurons == ())
        assert await settled(pilot)
        assert t.net.off == [] and t.training_loss() == loss
        assert OFF_NEURON not in "".join(drawn_rows(view))


async def test_a_click_on_an_input_or_output_neuron_switches_nothing_off():
    app = make_app(paused=True, hidden=(4, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        view = app.screen.query_one(NetworkView)
        xs, ys = view._layout
        await pilot.click(NetworkView, offset=(xs[0], ys[0][1]))  # input 1
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 1, 0))
        await pilot.click(NetworkView, offset=(xs[3], ys[3][0]))  # the output
        assert await wait_until(pilot, lambda: app.snapshot.selected == (2, 0, 0))
        assert await settled(pilot)
        assert app.session.trainer.net.off == [] and app.snapshot.off_neurons == ()


@pytest.mark.parametrize("size", SIZES)
async def test_zero_in_the_inspector_switches_the_neuron_its_weight_feeds(size):
    app = make_app(paused=True, hidden=(4, 2))
    async with app.run_test(size=size) as pilot:
        assert await settled(pilot)
        await key(pilot, "i")
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 0))
        await key(pilot, "down")
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 1))
        await key(pilot, "0")
        assert await wait_until(pilot, lambda: app.snapshot.off_neurons == ((1, 1),))
        assert await settled(pilot)
        inspector = app.screen.query_one(Inspector)
        assert "✕ off" in inspector.render().plain.splitlines()[0]
        for _ in range(2):  # to the output layer: it stays on
            await key(pilot, "right")
        assert await wait_until(pilot, lambda: app.snapshot.selected[0] == 2)
        await key(pilot, "0")
        assert await settled(pilot)
        assert app.snapshot.off_neurons == ((1, 1),)
        await key(pilot, "left")
        await key(pilot, "left")
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 0))
        await key(pilot, "down")  # back to the neuron off, and on again
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 1))
        await key(pilot, "0")
        assert await wait_until(pilot, lambda: app.snapshot.off_neurons == ())


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_dropout_from_the_controls_is_live():
    app = make_app(paused=True, hidden=(4, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        assert await wait_until(pilot, lambda: "λmax " in screen_text(app))
        controls = app.screen.query_one(Controls)
        app.screen.post_message(controls.Changed(FIELD_BY_NAME["dropout"], 0.3))
        assert await wait_until(pilot, lambda: app.snapshot.config.dropout == 0.3)
        assert app.session.trainer.epoch == 0  # the same run, no new network
        await key(pilot, "n")
        assert await wait_until(pilot, lambda: app.snapshot.steps == 1)
        assert app.session.trainer.net.dropped is not None
        assert await wait_until(pilot, lambda: "drop   0.3" in screen_text(app))
        # the sharpness knows no masks: it says so
        assert await wait_until(pilot, lambda: "λmax* " in screen_text(app))


async def test_over_the_worker_process_a_click_switches_the_childs_neuron():
    app = make_app(paused=True, worker="process", hidden=(4, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        view = app.screen.query_one(NetworkView)
        xs, ys = view._layout
        await pilot.click(NetworkView, offset=(xs[2], ys[2][0]))  # neuron 0 of layer 2
        assert await wait_until(pilot, lambda: app.snapshot.off_neurons == ((2, 0),))
        assert "neuron 0 of layer 2 off" in app.snapshot.notice
        await key(pilot, "n")  # the child steps with it off
        assert await wait_until(pilot, lambda: app.snapshot.steps == 1)
        assert app.snapshot.off_neurons == ((2, 0),)


async def test_with_a_neuron_off_the_landscape_says_why_it_is_not_drawn():
    app = make_app(paused=True, hidden=(4, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        await key(pilot, "u")
        assert await wait_until(pilot, lambda: app.snapshot.landscape is not None)
        view = app.screen.query_one(NetworkView)
        xs, ys = view._layout
        await pilot.click(NetworkView, offset=(xs[1], ys[1][0]))
        assert await wait_until(pilot, lambda: app.snapshot.off_neurons == ((1, 0),))
        assert await wait_until(pilot, lambda: "switched off" in app.snapshot.surface_note)
        assert app.snapshot.landscape is None
        surface = app.screen.query_one(SurfacePanel)  # the panel writes the note
        assert await wait_until(pilot, lambda: "switched off (✕)" in surface.note)
        await pilot.click(NetworkView, offset=(xs[1], ys[1][0]))  # on again: drawn again
        assert await wait_until(pilot, lambda: app.snapshot.landscape is not None)
