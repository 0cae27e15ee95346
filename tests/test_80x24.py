"""What a person sees at 80x24: nothing cut, nothing that reads wrong."""

import dataclasses
import re

from apphelpers import dialog, make_app, settled, wait_until

from core.pace import EPOCHS, Pace
from tui.ui.widgets.confirm_dialog import ConfirmDialog
from tui.ui.widgets.controls import Controls
from tui.ui.widgets.phase_view import PhaseView
from tui.ui.widgets.status_line import StatusLine
from tui.worker.commands import RunEpoch, Step


def screen(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_no_hidden_layer_means_no_hidden_activation_in_the_controls():
    app = make_app(dataset="linear", hidden=())
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        text = app.query_one(Controls).render().plain
        assert "act    –" in text and "hidden none" in text


async def test_the_rate_is_not_shown_before_it_is_measured():
    app = make_app(paused=False, pace=Pace(EPOCHS, 1000))  # paced: no rate at all
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.status == "running")
        status = app.query_one(StatusLine)
        assert "ep/s" not in status.render().plain.split("│")[-1]  # only the pace says ep/s
        snap = app.snapshot
        full_speed = snap.config.replace(pace=Pace())
        status.show(dataclasses.replace(snap, config=full_speed, epochs_per_second=0.0))
        assert "0 ep/s" not in status.render().plain


async def test_the_forward_phase_keeps_names_and_values_apart():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        assert await wait_until(pilot, lambda: str(app.snapshot.last_phase) == "forward")
        assert await settled(pilot)
        text = app.query_one(PhaseView).render().plain
        assert "a3 sigmoid [" in text and "a0 x       [" in text


async def test_the_confirm_dialog_is_whole():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        controls = app.query_one(Controls)
        controls.cursor = 5  # hidden
        await dialog(pilot, "enter")
        await pilot.press(*"3", "enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert await settled(pilot)
        assert "Go on?" in "\n".join(screen(app))


async def test_the_lessons_menu_names_every_lesson_with_its_title():
    from textual.widgets import OptionList

    from core.lessons import load_lessons

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog(pilot, "m")
        options = app.screen.query_one(OptionList)
        lessons = load_lessons()
        assert options.option_count == len(lessons) == 15
        for index, (name, lesson) in enumerate(lessons.items()):
            assert str(options.get_option_at_index(index).prompt) == f"{name}: {lesson.title}"
        await pilot.press(*["down"] * 14, "enter")  # the last one, scrolled to
        assert await wait_until(pilot, lambda: app.lesson is not None)
        assert app.lesson.name == "dropout"


def test_a_deep_network_keeps_its_first_and_last_layers_in_the_gradients_panel():
    from tui.ui.widgets.gradient_panel import visible_layers
    from tui.ui.widgets.network_view import grouped

    assert visible_layers(9, 7) == ([0, 1, 2, 6, 7, 8], 3)  # and a line for L4…L6
    assert visible_layers(3, 7) == ([0, 1, 2], 3)
    assert grouped(("sigmoid",) * 8 + ("sigmoid", "tanh")) == ["9× sigmoid", "tanh"]


def status_ends_whole(line: str) -> bool:
    """The status line ends on a value, never on a name without its number ("R²", "acc")."""
    return bool(re.search(r"(\d|%|–|ep/s|\))\s*$", line)) and "…" not in line


async def test_the_status_line_drops_whole_pieces_never_a_name_without_its_value():
    """A regression with long numbers at a phase pace: the line once ended at "R²"."""
    app = make_app(dataset="linear", hidden=(), lr=2.5, batch_size=None)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(60):
            app.session.submit(RunEpoch())
        await pilot.press("p")
        assert await wait_until(pilot, lambda: app.snapshot.phase_index == 1)
        status = app.query_one(StatusLine)
        snap = app.snapshot
        for pace in (Pace(), Pace(EPOCHS, 30)):
            for state in ("running", "paused"):
                paced = dataclasses.replace(snap, config=snap.config.replace(pace=pace))
                status.show(dataclasses.replace(paced, status=state))
                line = status.render().plain
                assert len(line) <= 80 and status_ends_whole(line), line
                assert "ep 60" in line and "lr 2.5" in line and "loss" in line


async def test_a_notice_never_covers_the_status_line_or_a_divergence():
    app = make_app(lr=30.0)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for _ in range(5):  # it diverges in the fifth (10 times its start for 5 epochs)
            app.session.submit(RunEpoch())
        assert await wait_until(pilot, lambda: app.snapshot.status == "diverged")
        await pilot.press("g")  # a notice: "kept this run's curves as ghost 1"
        assert await wait_until(pilot, lambda: "ghost 1" in "\n".join(screen(app)))
        lines = screen(app)
        at = next(i for i, line in enumerate(lines) if "ghost 1" in line)
        message = [i for i, line in enumerate(lines) if "DIVERGED" in line]
        assert message and at < 6 < message[0]  # the notice at the top, the message whole
        assert "learning rate 30" in " ".join(" ".join(lines[message[0] :]).split())


async def test_deep_layers_counted_and_fused_named_at_80_columns():
    app = make_app(hidden=(8,) * 8, activation="sigmoid")
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        assert "hidden 8×8 " in app.query_one(Controls).render().plain  # not "8,8,8,8,8,"
        app.session.submit(Step())
        await pilot.press("i", *["right"] * 8)  # the output layer: sigmoid and bce, fused
        assert await wait_until(pilot, lambda: app.snapshot.selected == (8, 0, 0))
        assert await settled(pilot)
        text = "\n".join(screen(app))
        assert "dE_s/dz = a - t = " in text and "(fused)" in text


async def test_the_update_of_a_line_says_the_derivative_once():
    app = make_app(dataset="linear", hidden=())
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.submit(Step())
        await pilot.press("i")
        assert await wait_until(pilot, lambda: app.snapshot.inspection is not None)
        assert await settled(pilot)
        text = "\n".join(screen(app))
        assert "da/dz = linear' = 1 " in text and "= 1 = 1" not in text
        assert "dE_s/da = mse' = 2(a-t) = " in text and "dE/dw = mean " in text
