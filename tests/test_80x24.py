"""What a person sees at 80x24: nothing cut, nothing that reads wrong."""

import dataclasses

from apphelpers import dialog, make_app, wait_until

from core.pace import EPOCHS, Pace
from tui.ui.widgets.confirm_dialog import ConfirmDialog
from tui.ui.widgets.controls import Controls
from tui.ui.widgets.phase_view import PhaseView
from tui.ui.widgets.status_line import StatusLine


def screen(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_no_hidden_layer_means_no_hidden_activation_in_the_controls():
    app = make_app(dataset="linear", hidden=())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
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
        await pilot.pause(0.05)
        text = app.query_one(PhaseView).render().plain
        assert "a3 sigm [" in text and "a0 x    [" in text


async def test_the_confirm_dialog_is_whole():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        controls = app.query_one(Controls)
        controls.cursor = 5  # hidden
        await dialog(pilot, "enter")
        await pilot.press(*"3", "enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.pause(0.1)
        assert "Go on?" in "\n".join(screen(app))


async def test_the_lessons_menu_names_every_lesson_with_its_title():
    from textual.widgets import OptionList

    from core.lessons import load_lessons

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog(pilot, "m")
        options = app.screen.query_one(OptionList)
        lessons = load_lessons()
        assert options.option_count == len(lessons) == 11
        for index, (name, lesson) in enumerate(lessons.items()):
            assert str(options.get_option_at_index(index).prompt) == f"{name}: {lesson.title}"
        await pilot.press(*["down"] * 10, "enter")  # the last one, scrolled to
        assert await wait_until(pilot, lambda: app.lesson is not None)
        assert app.lesson.name == "features"


def test_a_deep_network_keeps_its_first_and_last_layers_in_the_gradients_panel():
    from tui.ui.widgets.gradient_panel import visible_layers
    from tui.ui.widgets.network_view import grouped

    assert visible_layers(9, 7) == ([0, 1, 2, 6, 7, 8], 3)  # and a line for L4…L6
    assert visible_layers(3, 7) == ([0, 1, 2], 3)
    assert grouped(("sigmoid",) * 8 + ("sigmoid", "tanh")) == ["9× sigmoid", "tanh"]
