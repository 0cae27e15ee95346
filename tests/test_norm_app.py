"""Normalisation in the app: named on the network and in the controls, ‖dγ‖ and ‖dβ‖ in
the gradients panel, the chain rule through BN, editing norm starts a new run, and λmax
neither measured nor crashing (at 80x24 and 120x40)."""

import re

import pytest
from apphelpers import key, make_app, settled, wait_until

from tui.ui.fields import FIELDS
from tui.ui.widgets.controls import Controls
from tui.ui.widgets.gradient_panel import GradientPanel
from tui.ui.widgets.inspector import Inspector
from tui.worker.commands import live_or_rebuild

SIZES = [(80, 24), (120, 40)]


def screen(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", SIZES)
async def test_a_batch_normalised_run_is_named_and_its_gamma_gradients_shown(size):
    app = make_app(dataset="circle", hidden=(5, 3), norm="batch")
    async with app.run_test(size=size) as pilot:
        await key(pilot, "n")  # one whole step
        assert await wait_until(pilot, lambda: app.snapshot.steps == 1)
        assert await settled(pilot)
        network = "\n".join(screen(app))
        assert "5 BN·tanh" in network and "3 BN·tanh" in network and "1 sigmoid" in network
        controls = app.query_one(Controls)
        if size == (80, 24):  # the last row: shown once the cursor goes there
            assert "norm" not in controls.render().plain and "drop   0" in controls.render().plain
            controls.focus()
            controls.cursor = len(FIELDS) - 1  # as the arrow keys move it
            assert await wait_until(pilot, lambda: controls.has_focus)
        assert "norm   batch" in controls.render().plain
        s = app.snapshot
        assert s.norm_grad.shape == (2, 2) and (s.norm_grad > 0).all()
        assert not s.norm_grad.flags.writeable  # a copy, read-only
        panel = app.query_one(GradientPanel).render().plain
        assert "BN·tanh" in panel
        if size == (120, 40):  # room for the stats beside each layer
            assert re.search(r"BN·tanh \|W\| [\d.]+ Δ/W \S+ ‖dγ‖\d\.\de-?\d+ ‖dβ‖\d", panel)
        else:  # no room: |W| and Δ/W as before
            assert "‖dγ‖" not in panel


async def test_the_chain_rule_goes_through_bn_and_matches_backprop():
    app = make_app(dataset="circle", hidden=(4,), norm="batch")
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "i")
        await key(pilot, "n")
        assert await wait_until(pilot, lambda: app.snapshot.steps == 1)
        assert await settled(pilot)
        text = app.query_one(Inspector).render().plain
        assert "da/dy = tanh'(y) = " in text  # f' at the normalised y
        assert "dE_s/dz = " in text and "BN" in text  # through the normalisation
        assert "✓" in text  # the batch mean of the products is backprop's number


async def test_editing_norm_in_the_controls_starts_a_normalised_run():
    app = make_app(dataset="circle", hidden=(4,))
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.submit(live_or_rebuild({"norm": "layer"}))  # what the controls send
        assert await wait_until(pilot, lambda: app.snapshot.config.norm == "layer")
        assert await settled(pilot)
        assert "4 LN·tanh" in "\n".join(screen(app))


async def test_lambda_max_is_not_measured_for_a_normalised_run_and_nothing_ends():
    app = make_app(dataset="circle", hidden=(4,), norm="batch")
    async with app.run_test(size=(120, 40)) as pilot:
        for name in ("n", "u", "n", "t", "n"):  # the landscape view asks for λmax
            await key(pilot, name)
        assert await wait_until(pilot, lambda: app.snapshot.steps == 3)
        assert await settled(pilot)
        assert app.snapshot.sharpness is None and app.snapshot.status == "paused"
        assert app.is_running
