"""Predict, then reveal in the app (k), and pointing at the network with the mouse, as a
person at 80x24 or 120x40 sees them: the numbers on screen are the trainer's."""

from __future__ import annotations

import re

import numpy as np
import pytest
from apphelpers import key, make_app, settled, show_data_view, wait_until

from core.pace import parse_pace
from tui.ui.main_screen import MainScreen
from tui.ui.widgets.network_view import NetworkView
from tui.ui.widgets.prompt_dialog import PromptDialog
from tui.ui.widgets.quiz_dialog import QuizDialog

SIZES = [(80, 24), (120, 40)]


def screen_text(app) -> str:
    """The whole screen as text, the dialog's lines joined into one paragraph."""
    rows = [strip.text for strip in app.screen._compositor.render_strips()]
    return " ".join(" ".join(rows).split())


async def question(pilot):
    """Wait for the dialog's question; (the question, its true answer: the thread
    worker's)."""
    app = pilot.app
    assert await wait_until(pilot, lambda: isinstance(app.screen, QuizDialog))
    assert await wait_until(pilot, lambda: app.screen.asking)
    await pilot.pause()
    return app.screen.question, app.session.quizzes.pending.truth


async def answered(pilot, name: str) -> str:
    """Press ``name`` in the dialog; the screen once the answer is revealed."""
    app = pilot.app
    await key(pilot, name)
    assert await wait_until(pilot, lambda: app.screen.reveal is not None)
    await pilot.pause()
    return screen_text(app)


KEY_NAMES = {"+": "plus", "-": "minus"}


@pytest.mark.parametrize("size", SIZES)
async def test_a_right_answer_a_wrong_one_the_score_and_the_trainers_numbers(size):
    app = make_app(paused=True)
    async with app.run_test(size=size) as pilot:
        assert await settled(pilot)
        t = app.session.trainer
        await key(pilot, "k")
        q, truth = await question(pilot)
        text = screen_text(app)
        assert q.kind == "sign" and f"W{q.weight[0] + 1}[{q.weight[1]},{q.weight[2]}]" in text
        assert "+ or - to answer" in text and t.steps == 0
        text = await answered(pilot, KEY_NAMES[truth])  # right
        k, i, j = q.weight
        grad = t.net.dweights[k][i, j]  # the step's own gradient
        assert f"✓ Right: dE/dw = {grad:.4g}" in text and "score 1 of 1" in text
        assert t.steps == 1 and app.snapshot.config.lr == 0.03  # "+" answered, lr untouched
        assert f"to {t.net.weights[k][i, j]:.4g}." in text  # the update, as held

        await key(pilot, "k")  # another: which layer's ‖δ‖ is smallest
        q, truth = await question(pilot)
        wrong = next(k for k in q.keys if k != truth)
        text = await answered(pilot, wrong)
        assert f"✗ Not so: layer {truth}'s ‖δ‖ was the smallest" in text
        assert "score 1 of 2" in text and t.steps == 2
        shown = dict(re.findall(r"L(\d) +([-\d.e+]+)", text))
        norms = t.report().delta_norm  # as the gradients panel shows them
        assert [float(shown[str(n + 1)]) for n in range(3)] == [float(f"{d:.3g}") for d in norms]

        await key(pilot, "enter")  # closed: the main screen, paused after the two steps
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await key(pilot, "k")  # a third: will the step lower its batch's loss?
        q, truth = await question(pilot)
        for name in ("e", "plus", "r"):  # the main screen's keys do nothing under it
            await key(pilot, name)
        text = await answered(pilot, truth)
        after = t.evaluate(t.batch_x, t.batch_y)[0]
        assert q.kind == "lower-loss" and f"went from {t.last_loss:.4g} to {after:.4g}" in text
        assert ("Right: lower." if after < t.last_loss else "Right: not lower.") in text
        await key(pilot, "escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert await settled(pilot)
        assert t.steps == 3 and app.snapshot.quiz_score == (2, 3)
        assert app.snapshot.config.lr == 0.03 and app.snapshot.status == "paused"


async def test_k_while_running_pauses_and_the_question_is_about_the_next_step():
    app = make_app(paused=False, pace=parse_pace("10"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 1)
        await key(pilot, "k")
        q, _ = await question(pilot)
        t = app.session.trainer
        assert app.snapshot.status == "paused" and q.step == t.steps + 1
        assert f"Step {q.step:,} (epoch {q.epoch:,})" in screen_text(app)
        await key(pilot, "escape")  # left unanswered: nothing runs, nothing is scored
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert await settled(pilot)
        assert t.steps == q.step - 1 and app.snapshot.quiz_score == (0, 0)
        assert app.snapshot.quiz_question is None and app.snapshot.status == "paused"


def line_cells(view: NetworkView) -> dict[tuple[int, int, int], list[tuple[int, int]]]:
    """Each drawn connection (k, i, j) and the cells (x, y) that show it."""
    cells: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    width, height = view.size
    for y in range(height):
        for x in range(width):
            line = view.line_at(x, y)
            if line is not None:
                cells.setdefault(line, []).append((x, y))
    return cells


@pytest.mark.parametrize("size", SIZES)
async def test_a_click_on_a_line_edits_its_weight_and_the_loss_maps_and_data_follow(size):
    app = make_app(paused=True, hidden=(3,))
    async with app.run_test(size=size) as pilot:
        assert await settled(pilot)
        await show_data_view(pilot, size)
        before = app.snapshot
        view = app.screen.query_one(NetworkView)
        cells = line_cells(view)
        line = (1, 2, 0) if (1, 2, 0) in cells else sorted(cells)[-1]
        k, i, j = line
        x, y = cells[line][len(cells[line]) // 2]
        await pilot.click(NetworkView, offset=(x, y))
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromptDialog))
        old = app.session.trainer.net.weights[k][i, j]
        title = f"W{k + 1}[{i},{j}] (now {old:.6g}): a{k}[{i}] → neuron {j} of layer {k + 1}"
        assert app.screen.title_text == title
        await pilot.press(*"2.5", "enter")
        assert await settled(pilot)
        assert await wait_until(pilot, lambda: app.snapshot.data is not before.data)
        t = app.session.trainer
        assert t.net.weights[k][i, j] == 2.5 and app.snapshot.weights[k][i, j] == 2.5
        assert f"W{k + 1}[{i},{j}] = 2.5: training loss" in app.snapshot.notice
        assert f"→ {t.training_loss():.4g}" in app.snapshot.notice
        assert not np.array_equal(app.snapshot.data.grid, before.data.grid)  # the data view
        if size[0] >= 120:  # the neuron the weight feeds computes something else
            assert await wait_until(pilot, lambda: app.snapshot.neuron_maps is not None)
            col = k + 1
            new, old_maps = app.snapshot.neuron_maps.columns[col], before.neuron_maps.columns[col]
            assert not np.array_equal(new[j], old_maps[j])


async def test_a_click_on_a_line_while_running_pauses_first_then_asks():
    app = make_app(paused=False, pace=parse_pace("10"), hidden=(3,))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 1)
        view = app.screen.query_one(NetworkView)
        cells = line_cells(view)
        line = sorted(cells)[0]
        await pilot.click(NetworkView, offset=cells[line][0])
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromptDialog))
        assert app.snapshot.status == "paused"
        held = app.session.trainer.net.params.copy()
        await pilot.press("escape")  # nothing written
        assert await settled(pilot)
        assert np.array_equal(app.session.trainer.net.params, held)
