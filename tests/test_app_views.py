"""The teaching views in the app: chain-rule inspector, phase view, data view, lessons."""

import math

import numpy as np
import pytest
from apphelpers import dialog, make_app, settled, wait_until

from core.lessons import load_lessons
from tui.ui.widgets.data_view import DataPanel
from tui.ui.widgets.inspector import Inspector
from tui.ui.widgets.network_view import NetworkView
from tui.ui.widgets.phase_view import PhaseView
from tui.worker.commands import Select


async def open_inspector(pilot, app):
    await pilot.press("i")
    assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 0))


async def test_moving_the_selection():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        assert app.query_one(NetworkView).selected == (0, 0, 0)
        assert app.query_one(Inspector).region.height >= 10  # on screen, not just rendered
        for key, expected in [
            ("down", (0, 0, 1)),
            ("down", (0, 0, 2)),
            ("right_square_bracket", (0, 1, 2)),
            ("right", (1, 0, 0)),
            ("up", (1, 0, 1)),
            ("left", (0, 0, 0)),
            ("left", (2, 0, 0)),
        ]:
            await pilot.press(key)
            assert await wait_until(pilot, lambda e=expected: app.snapshot.selected == e), key
        assert app.query_one(NetworkView).selected == (2, 0, 0)
        assert "W3[0,0]" in app.query_one(Inspector).render().plain


async def test_moves_faster_than_the_screen_each_take_a_step():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        for delta in [(0, 0, 1), (0, 0, 1), (0, 1, 0), (1, 0, 0), (0, 0, 1)]:
            app.screen.on_inspector_move(Inspector.Move(*delta))  # no frame in between
        assert await wait_until(pilot, lambda: app.snapshot.selected == (1, 0, 1))


@pytest.mark.parametrize(
    ("settings", "shown"),
    [
        ({"l2": 0.5}, "W_new = W - lr·(dE/dW + 0.5·W)"),
        ({"l2": 0.5, "l1": 0.01}, "W_new = W - lr·(dE/dW + 0.5·W + 0.01·sign(W))"),
        ({"optimizer": "momentum"}, "momentum step: W "),
        ({"clip": 0.001}, "W_new = W - lr·dE/dW, clipped to 0.001: W "),
    ],
)
async def test_the_update_line_includes_penalties_and_names_other_rules(settings, shown):
    app = make_app(hidden=(4, 2), lr=0.1, **settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        await pilot.press("n", "n")
        assert await wait_until(
            pilot, lambda: app.snapshot.steps == 2 and app.snapshot.inspection.chain is not None
        )
        ins = app.snapshot.inspection
        assert shown in app.query_one(Inspector).render().plain
        if "clip" not in settings and "optimizer" not in settings:  # plain SGD with penalties
            w, g = ins.w_before, ins.chain.backprop
            penalty = settings.get("l2", 0) * w + settings.get("l1", 0) * np.sign(w)
            assert w - 0.1 * (g + penalty) == ins.w_now
            assert "✓ held" in app.query_one(Inspector).render().plain
        await pilot.press("p", "p", "p", "p", "p", "p")  # through a step to its update
        assert await wait_until(pilot, lambda: str(app.snapshot.last_phase) == "update")
        assert await settled(pilot)
        caption = app.query_one(NetworkView).render_line(app.query_one(NetworkView).size.height - 1)
        rule = shown.split(":")[0]  # one notation in every panel: the lesson's
        assert rule[:20] in caption.text


async def test_comma_and_full_stop_walk_the_samples_of_the_batch():
    app = make_app(hidden=(4, 2), batch_size=10)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        await pilot.press("n")
        assert await wait_until(
            pilot, lambda: app.snapshot.inspection and app.snapshot.inspection.chain
        )
        inspector, chain = app.query_one(Inspector), app.snapshot.inspection.chain
        net = app.session.trainer.net
        for key, sample in [("full_stop", 1), ("full_stop", 2), ("comma", 1), ("comma", 0),
                            ("comma", 9)]:  # fmt: skip
            await pilot.press(key)
            text = inspector.render().plain
            # dz/dw of W1[0, 0] is input 0 of that sample: a0 = x, x[sample, 0]
            assert f"a0[0] = {chain.dz_dw[sample]:.4g}" in text
            assert chain.dz_dw[sample] == net.layer_input(0)[sample, 0]
            product = chain.de_da[sample] * chain.da_dz[sample] * chain.dz_dw[sample]
            assert f"sample {sample + 1}/10: dE_s/dw = {product:.4g}" in text  # its own product


@pytest.mark.parametrize("selection", [(0, 1, 2), (1, 3, 0), (2, 1, 0)])
async def test_inspector_numbers_are_the_trainers(selection):
    app = make_app(hidden=(4, 2), lr=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        app.session.submit(Select(selection))
        await pilot.press("n", "n")
        assert await wait_until(
            pilot,
            lambda: (
                app.snapshot.steps == 2
                and app.snapshot.inspection is not None
                and app.snapshot.inspection.chain is not None
            ),
        )
        ins, (k, i, j) = app.snapshot.inspection, selection
        net = app.session.trainer.net
        assert ins.chain.backprop == net.dweights[k][i, j]
        assert math.isclose(
            ins.chain.product_mean, ins.chain.backprop, rel_tol=1e-12, abs_tol=1e-12
        )
        # the update line: W_new = W_old - lr * grad is exactly what the network now holds
        assert ins.w_before - 0.1 * ins.chain.backprop == ins.w_now == net.weights[k][i, j]
        text = app.query_one(Inspector).render().plain
        assert f"batch mean {ins.chain.product_mean:.6g} = backprop ✓" in text
        assert ins.chain.product_mean == pytest.approx(ins.chain.backprop, rel=1e-12)
        assert "✓ held" in text
        await pilot.press("f")
        assert await wait_until(
            pilot, lambda: app.snapshot.inspection.finite_difference is not None
        )
        assert app.snapshot.inspection.finite_difference == pytest.approx(
            ins.chain.backprop, rel=1e-5, abs=1e-9
        )


async def test_inspector_waits_for_backward_to_reach_the_layer():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        await pilot.press("p", "p", "p")  # forward, loss, backward 3 (the output layer)
        assert await wait_until(pilot, lambda: str(app.snapshot.last_phase) == "backward 3")
        assert "has not reached layer 1" in app.snapshot.inspection.waiting
        await pilot.press("p", "p")
        assert await wait_until(pilot, lambda: str(app.snapshot.last_phase) == "backward 1")
        chain = app.snapshot.inspection.chain
        assert chain.backprop == app.session.trainer.net.dweights[0][0, 0]


async def test_phase_view_follows_the_phases():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(100, 30)) as pilot:
        expected = {
            "forward": "a1 tanh",
            "loss": "E = mean of the E_s",
            "backward 3": "‖dW‖ =",
            "update": "‖ΔW‖ =",
        }
        for phase in ["forward", "loss", "backward 3", "backward 2", "backward 1", "update"]:
            await pilot.press("p")
            assert await wait_until(pilot, lambda p=phase: str(app.snapshot.last_phase) == p)
            assert await settled(pilot)
            assert app.current_view == "phase" and app.query_one(PhaseView).region.height >= 10
            text = app.query_one(PhaseView).render().plain
            assert text.startswith(phase)  # layers counted from 1, like W1
            if phase in expected:
                assert expected[phase] in text
        loss_text = app.query_one(PhaseView).render().plain
        assert "L1 ‖ΔW‖" in loss_text
        await pilot.press("n")
        assert await wait_until(pilot, lambda: app.current_view == "loss")


async def test_editing_a_weight_while_paused():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_inspector(pilot, app)
        await dialog(pilot, "w")
        await pilot.press(*"abc", "enter")
        assert await settled(pilot)
        assert "'abc' is not a number" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press("escape")
        old = app.session.trainer.net.weights[0][0, 0]
        await dialog(pilot, "w")
        await pilot.press(*"0.75", "enter")
        assert await wait_until(pilot, lambda: app.session.trainer.net.weights[0][0, 0] == 0.75)
        assert await wait_until(pilot, lambda: "training loss" in app.snapshot.notice)
        assert old != 0.75 and app.snapshot.weights[0][0, 0] == 0.75


async def test_data_view_2d_and_1d():
    app = make_app(dataset="circle")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        assert await wait_until(pilot, lambda: app.snapshot.data is not None)
        assert app.current_view == "data"
        panel = app.query_one("#data", DataPanel)
        assert panel.region.height >= 10 and app.snapshot.data.grid is not None
    app = make_app(dataset="linear", hidden=(), lr=0.1, batch_size=None)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(3):
            await pilot.press("e")
        await pilot.press("d")
        assert await wait_until(
            pilot, lambda: app.snapshot.epoch == 3 and app.snapshot.data is not None
        )
        data = app.snapshot.data
        assert data.curve_x is not None and set(data.fitted) == {"m", "b"}
        assert data.fitted["m"] == app.session.trainer.net.weights[0][0, 0]


async def test_wide_terminal_gives_the_data_view_its_own_panel():
    app = make_app(dataset="circle")
    async with app.run_test(size=(160, 44)) as pilot:
        await pilot.press("e")
        side = app.query_one("#side-data", DataPanel)
        assert await wait_until(pilot, lambda: app.snapshot.data is not None)
        assert app.current_view == "loss"  # the loss plot stays where it was
        assert side.region.width >= 40 and side.region.height >= 20
        assert await wait_until(pilot, lambda: "●" in side.render_line(side.size.height - 1).text)
        await pilot.press("v")  # validation points in every data view
        assert side.show_validation and app.query_one("#data", DataPanel).show_validation

        await pilot.resize_terminal(100, 30)  # narrower: back to four panels, no grid to compute
        assert await wait_until(pilot, lambda: side.region.width == 0)
        await pilot.press("n")
        assert await wait_until(pilot, lambda: app.snapshot.steps > 0 and app.snapshot.data is None)


async def test_lessons_load_from_the_menu():
    """One app goes through the menu to the first lesson, one that compares runs and the
    last (every lesson's own screen is tested in test_lesson_screens)."""
    app = make_app()
    lessons = load_lessons()
    async with app.run_test(size=(100, 30)) as pilot:
        for name in ("linear-regression", "batch-sizes", "dead-relu"):
            lesson = lessons[name]
            await dialog(pilot, "m")
            app.screen.try_value(name)
            assert await wait_until(pilot, lambda c=lesson.config: app.snapshot.config == c), name
            assert app.screen.__class__.__name__ == "LessonScreen"
            await pilot.press("escape")  # read, and stay paused
            await pilot.press("question_mark")
            assert await settled(pilot)
            assert lesson.title in str(app.screen.query("Static").first().render())
            await pilot.press("escape")
            assert app.snapshot.sizes[1:-1] == tuple(lesson.config.hidden)
            assert np.all(np.isfinite(app.snapshot.weights[0]))
            assert app.snapshot.status == "paused"


async def test_a_lesson_holds_the_run_until_its_paragraph_is_read():
    from core.trainer import Trainer
    from tui.ui.app import BackpropApp
    from tui.worker.session import TrainingSession

    lesson = load_lessons()["linear-regression"]
    session = TrainingSession(Trainer(lesson.config), paused=False)  # as --lesson starts
    app = BackpropApp(session, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: app.screen.__class__.__name__ == "LessonScreen")
        assert await settled(pilot)
        assert session.trainer.epoch == 0 and app.snapshot.status == "paused"
        await pilot.press("escape")  # closed unread: still paused
        assert await settled(pilot)
        assert session.trainer.epoch == 0 and app.snapshot.status == "paused"
        await dialog(pilot, "m")  # from the menu: held too, and enter starts it
        app.screen.try_value("xor")
        assert await wait_until(pilot, lambda: app.screen.__class__.__name__ == "LessonScreen")
        assert await wait_until(pilot, lambda: app.snapshot.config.dataset == "xor")
        assert await settled(pilot)
        assert session.trainer.epoch == 0 and app.snapshot.status == "paused"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: app.snapshot.epoch > 0)


async def test_a_click_on_a_neuron_selects_a_weight_into_it():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(NetworkView)
        xs, ys = view._layout
        await pilot.click(NetworkView, offset=(xs[3], ys[3][0]))  # the output neuron
        assert await wait_until(pilot, lambda: app.snapshot.selected == (2, 0, 0))
        assert app.current_view == "inspector"
        await pilot.click(NetworkView, offset=(xs[0], ys[0][1]))  # input 1
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 1, 0))
        await pilot.click(NetworkView, offset=(xs[2], ys[2][1]))  # neuron 1 of layer 2
        assert await wait_until(pilot, lambda: app.snapshot.selected == (1, 0, 1))
        assert app.snapshot.off_neurons == ((2, 1),)  # switched off too (test_neuron_off_app)


async def test_a_bias_is_selected_like_a_weight_and_updated_without_the_penalty():
    app = make_app(hidden=(4, 2), lr=0.1, l2=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_inspector(pilot, app)
        await pilot.press("n", "n", "right_square_bracket", "right_square_bracket")
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 2, 0))  # past x[1]
        assert await wait_until(pilot, lambda: app.snapshot.inspection.chain is not None)
        ins = app.snapshot.inspection
        text = app.query_one(Inspector).render().plain
        assert text.startswith("b1[0]: bias → tanh neuron 0") and "dz/db = 1" in text
        assert ins.chain.backprop == app.session.trainer.net.dbiases[0][0]
        assert ins.w_before - 0.1 * ins.chain.backprop == ins.w_now  # no 0.5·b: L2 skips biases
        assert "b_new = " in text and "✓ held" in text
        for line in text.splitlines():
            assert len(line) <= 38, line  # the panel's width at 80x24


async def test_the_phase_view_of_y_equals_m_x_plus_b_names_both_numbers():
    app = make_app(dataset="linear", hidden=(), lr=0.1, batch_size=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p", "p", "p")  # forward, loss, backward
        assert await wait_until(pilot, lambda: str(app.snapshot.last_phase) == "backward 1")
        assert await settled(pilot)
        text = app.query_one(PhaseView).render().plain
        d = app.snapshot.detail
        assert f"dE/dm = mean x·δ1 = {d.dweights[0][0, 0]:+.4g}" in text
        assert f"dE/db = mean δ1   = {d.dbiases[0][0]:+.4g}" in text
        m, b = app.snapshot.weights[0][0, 0], app.snapshot.biases[0][0]
        await pilot.press("p")  # the update
        assert await wait_until(pilot, lambda: str(app.snapshot.last_phase) == "update")
        assert await settled(pilot)
        text = app.query_one(PhaseView).render().plain
        step = -0.1 * d.dweights[0][0, 0]  # W_new = W - lr·dE/dW
        assert f"m {m:.4g} → {m + step:.4g} ({step:+.3g})" in text
        assert f"b {b:.4g} → " in text
