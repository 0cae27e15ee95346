"""The loss plot's legend: above the frame, never on the data; the ghosts in it by their
labels; every two curves' colours apart for people with a common colour blindness."""

from __future__ import annotations

import itertools
import re

import pytest
from apphelpers import make_app, wait_until
from colour_vision import VISIONS, distance
from textual.color import Color

from tui.ui.colours import GHOST_FADE, GHOSTS, TRAIN, VAL
from tui.ui.widgets.loss_plot import LossPlot, legend_lines
from tui.worker.commands import RunEpoch

SEEN_APART = 15  # CIEDE2000: two thin lines of these colours read as different at a glance


async def test_every_curve_colour_differs_in_normal_vision_and_with_red_green_blindness():
    app = make_app()
    async with app.run_test(size=(80, 24)):
        surface = Color.parse(app.theme_variables["surface"])
    ghosts = [Color.parse(g).blend(surface, GHOST_FADE).rgb for g in GHOSTS]  # as drawn
    curves = {"train": Color.parse(TRAIN).rgb, "val": Color.parse(VAL).rgb}
    curves |= {f"ghost {i + 1}": rgb for i, rgb in enumerate(ghosts)}
    for (a, x), (b, y) in itertools.combinations(curves.items(), 2):
        for vision in VISIONS:
            assert distance(x, y, vision) >= SEEN_APART, (a, b, vision)
    for name, rgb in curves.items():  # and each stands out from the plot's background
        assert distance(rgb, surface.rgb) >= 2 * SEEN_APART, name


def test_the_old_ghost_colours_would_have_failed():
    """The first ghost (purple) beside the live curve (the theme's blue) was all but the
    same colour to a deuteranope: the check above tells such colours from good ones."""
    surface = Color.parse("#1e1e1e")
    old_purple = Color.parse("#a855f7").blend(surface, 0.35).rgb
    old_train = Color.parse("#0178d4").rgb
    assert distance(old_purple, old_train) > SEEN_APART  # apart in normal vision
    assert distance(old_purple, old_train, "deuteranopia") < SEEN_APART * 0.6


def frame_split(text: str) -> tuple[list[str], list[str]]:
    """The plot's lines above its frame (the legend) and from the frame down."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    return lines[:top], lines[top:]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_ghosts_are_named_above_the_frame_and_no_label_overprints_another(size):
    """g r g - - r: two ghosts of lr 0.03 behind a run at lr 0.003; at 80x24 the labels
    were drawn over each other inside the plot ("lr 0.10.03")."""
    app = make_app()
    async with app.run_test(size=size) as pilot:

        async def epochs(n: int) -> None:
            target = app.snapshot.epoch + n
            for _ in range(n):
                app.session.submit(RunEpoch())
            assert await wait_until(pilot, lambda: app.snapshot.epoch == target)

        await epochs(6)
        for key in ["g", "r", "g", "minus", "minus", "r"]:
            before = app.snapshot.seq
            await pilot.press(key)
            assert await wait_until(pilot, lambda b=before: app.snapshot.seq > b)
            if key == "r":
                await epochs(6)
        assert len(app.snapshot.ghosts) == 2 and app.snapshot.config.lr == 0.003
        plot = app.query_one(LossPlot)
        legend, plotted = frame_split(plot.render().plain)
    words = " ".join(legend)
    assert "━━ train" in words and "•• val" in words
    assert words.count("━━ lr 0.03") == 2  # both ghosts, each by its own label
    assert not re.search(r"\d\.\d+\.\d", words + " ".join(plotted))  # nothing overprinted
    assert not any(w in line for line in plotted for w in ("train", "val", "lr 0."))
    assert len(legend) <= 2


def test_the_legend_packs_whole_entries_and_shortens_the_title_first():
    white, grey = (255, 255, 255), (128, 128, 128)
    entries = [("━━ train", white), ("•• val", white), ("━━ batch full", grey)]
    titles = ["loss per epoch (lr 0.03)", "loss (lr 0.03)", "loss"]
    one = legend_lines(titles, entries, 80, 1)
    assert [line.plain for line in one] == [
        "loss per epoch (lr 0.03)  ━━ train  •• val  ━━ batch full"
    ]
    narrow = [line.plain for line in legend_lines(titles, entries, 36, 2)]
    assert narrow == ["loss per epoch (lr 0.03)  ━━ train", "•• val  ━━ batch full"]
    tight = [line.plain for line in legend_lines(titles, entries, 36, 1)]
    assert tight == ["━━ train  •• val  ━━ batch full"]  # the title goes, the ghost stays
    for line in legend_lines(titles, [*entries, ("━━ hidden 4, inputs x1,x2", grey)], 20, 2):
        assert len(line.plain) <= 20
