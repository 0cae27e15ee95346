"""The inspector at 80x24: the maps of the two neurons the selected weight joins (below the
text while training, alone with a when paused), the inputs by name, the new activations'
da/dz with their numbers."""

import re

import numpy as np
import pytest
from apphelpers import make_app, settled, wait_until

from core.pace import parse_pace
from tui.ui.neuron_maps import map_palette, map_pixels
from tui.ui.widgets.inspector import Inspector


def screen(app) -> list[str]:
    return [s.text for s in app.screen._compositor.render_strips()]


def panel(app) -> list[str]:
    """The inspector's lines (the right half of the top panels at 80x24)."""
    return [line[41:79] for line in screen(app)[1:12]]


async def chain_shown(pilot) -> None:
    app = pilot.app
    await pilot.press("i", "n", "n")
    assert await wait_until(
        pilot,
        lambda: app.snapshot.inspection is not None and app.snapshot.inspection.chain is not None,
    )
    assert await settled(pilot)


async def test_while_training_the_two_neurons_maps_show_below_the_text():
    app = make_app(paused=False, pace=parse_pace("5"), seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        assert await wait_until(pilot, lambda: app.snapshot.neuron_maps is not None)
        assert await settled(pilot)
        lines = panel(app)
    assert lines[0].startswith("W1[0,0]: a0[0] → tanh neuron 0")
    label = next(i for i, line in enumerate(lines) if line.split()[:2] == ["x1", "a1[0]"])
    maps = lines[label + 1 : -1]
    assert len(maps) >= 4 and all(line.count("▀") >= 2 * 8 for line in maps)
    assert sum("─w→" in line for line in maps) == 1
    assert lines[-1].startswith("←→↑↓[] pick")


async def test_paused_the_chain_rule_keeps_its_room_and_a_shows_the_maps_alone():
    app = make_app(seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await chain_shown(pilot)
        lines = panel(app)
        assert any(line.startswith("da/dz = tanh' = 1-a²") for line in lines)
        assert not any("▀" in line for line in lines)  # no room beside the numbers here
        await pilot.press("a")
        assert await settled(pilot)
        alone = panel(app)
        assert alone[1].split() == ["x1", "a1[0]"] and sum("▀" in line for line in alone) >= 6
        assert alone[-1].startswith("←→↑↓[] pick  a the chain rule")
        await pilot.press("a")
        assert await settled(pilot)
        assert any(line.startswith("da/dz") for line in panel(app))


async def test_a_on_data_with_no_plane_keeps_the_chain_rule_and_its_keys():
    app = make_app(seed=3, dataset="sine")  # one input: no plane, no maps
    async with app.run_test(size=(80, 24)) as pilot:
        await chain_shown(pilot)
        await pilot.press("a")
        assert await settled(pilot)
        lines = panel(app)
    assert any(line.startswith("da/dz") for line in lines)
    keys = [line for line in lines if line.strip()][-1]
    assert keys.startswith("←→↑↓[] pick ,. sample")


async def test_the_maps_colours_are_the_neurons_values():
    app = make_app(seed=3, hidden=(3,))
    async with app.run_test(size=(80, 24)) as pilot:
        await chain_shown(pilot)
        await pilot.press("down", "a")  # W1[0,1]: x1 -> neuron 1 of layer 1
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 1))
        assert await settled(pilot)
        inspector = app.screen.query_one(Inspector)
        lines = list(inspector.render().split("\n"))
        maps = app.snapshot.neuron_maps
        palette = map_palette(inspector.rich_style)  # over the panel's own background
    rows = [line for line in lines if "▀" in line.plain]
    high = len(rows)
    cells = rows[0].plain.index(" ")
    expected = map_pixels(maps.columns[1][1], maps.ranges[1], 2 * high, cells)
    second = rows[0].plain.index("▀", cells + 1)  # the neuron's map, right of the arrow
    for r, line in enumerate(rows):
        spans = {s.start: s.style for s in line.spans}
        style = spans[second + 2]
        assert tuple(style.color.get_truecolor()) == palette[expected[2 * r, 2]]
        assert tuple(style.bgcolor.get_truecolor()) == palette[expected[2 * r + 1, 2]]


async def test_features_are_named_in_the_inspector():
    app = make_app(features=("x1sq", "x2sq"), hidden=(3,))
    async with app.run_test(size=(80, 24)) as pilot:
        await chain_shown(pilot)
        await pilot.press("a")
        assert await settled(pilot)
        lines = panel(app)
    assert lines[0].startswith("W1[0,0]: x1² → tanh neuron 0")
    assert lines[1].split() == ["x1²", "a1[0]"]


@pytest.mark.parametrize(
    "activation,formula",
    [
        ("elu", "1 if z>0 else a+1"),
        ("softplus", "σ(z)"),
        ("swish", "s+a(1-s), s=σ(z)"),
        ("gelu", "½(1+t)+½z(1-t²)u'"),
    ],
)
async def test_the_new_activations_da_dz_with_its_number(activation, formula):
    app = make_app(seed=3, activation=activation)
    async with app.run_test(size=(80, 24)) as pilot:
        await chain_shown(pilot)
        text = "\n".join(panel(app))
        chain = app.snapshot.inspection.chain
    assert f"da/dz = {activation}' = {formula}" in text
    shown = re.search(r"da/dz = [^\n]*?(?:\n\s*)?= (-?[\d.e+-]+)\s*$", text, re.M)
    assert shown and float(shown.group(1)) == pytest.approx(chain.da_dz[0], rel=1e-3)


async def test_gelu_says_it_is_the_tanh_approximation_where_there_is_room():
    app = make_app(seed=3, activation="gelu")
    async with app.run_test(size=(120, 40)) as pilot:
        await chain_shown(pilot)
        text = "\n".join(screen(app))
    assert "  tanh approximation: t=tanh u, u=√(2/π)(z+0.044715z³)" in text
    assert np.isfinite(app.snapshot.inspection.chain.da_dz).all()
