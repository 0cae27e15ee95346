"""The app driven by its keys (Textual's Pilot): each key changes the trainer as promised."""

import time

import numpy as np
import pytest
from apphelpers import dialog, make_app, wait_until

from core.pace import EPOCHS, Pace
from tui.ui.fields import FIELDS
from tui.ui.widgets.status_line import StatusLine


def status_text(app) -> str:
    return app.query_one(StatusLine).render().plain


async def test_space_pauses_and_resumes():
    app = make_app(paused=False, pace=Pace(EPOCHS, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 2)
        await pilot.press("space")
        assert await wait_until(pilot, lambda: app.snapshot.status == "paused")
        assert "paused" in status_text(app)
        epoch = app.session.trainer.epoch
        await pilot.pause(0.3)
        assert app.session.trainer.epoch == epoch
        await pilot.press("space")
        assert await wait_until(
            pilot, lambda: app.snapshot.status == "running" and app.snapshot.epoch > epoch + 1
        )


async def test_n_advances_exactly_one_step():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for expected in (1, 2, 3):
            await pilot.press("n")
            assert await wait_until(pilot, lambda e=expected: app.snapshot.steps == e)
        await pilot.pause(0.2)
        assert app.session.trainer.steps == 3 and app.snapshot.status == "paused"


async def test_p_walks_through_the_phases_of_one_step():
    app = make_app(hidden=(4, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        seen = []
        for _ in range(6):
            await pilot.press("p")
            n = len(seen) + 1
            assert await wait_until(pilot, lambda n=n: app.snapshot.applied >= n)
            seen.append(str(app.snapshot.last_phase or "update"))
        assert seen == ["forward", "loss", "backward 3", "backward 2", "backward 1", "update"]
        assert app.snapshot.steps == 1 and app.snapshot.phase_index == 0


async def test_e_runs_one_epoch():
    app = make_app(batch_size=10)  # 160 training rows: 16 steps
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        assert app.snapshot.steps == 16


async def test_plus_minus_follow_the_ladder_exactly():
    app = make_app(lr=0.03)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, expected in [
            ("plus", 0.1),
            ("plus", 0.3),
            ("minus", 0.1),
            ("minus", 0.03),
            ("minus", 0.01),
            ("minus", 0.003),
        ]:
            await pilot.press(key)
            assert await wait_until(pilot, lambda x=expected: app.snapshot.config.lr == x)
            assert app.session.trainer.config.lr == expected
        assert "lr 0.003" in status_text(app)


async def test_keys_faster_than_the_screen_each_take_a_rung():
    """Key repeat, or keys read in one go over SSH: the screen has not shown the first
    change when the next key comes, yet each key moves the rate one rung."""
    app = make_app(lr=0.03)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(4):
            app.screen.action_lr_down()  # back to back, no frame in between
        assert await wait_until(pilot, lambda: app.snapshot.config.lr == 0.0003)
        assert app.session.trainer.config.lr == 0.0003


async def test_l_types_an_exact_learning_rate():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog(pilot, "l")
        await pilot.press(*"0.0456", "enter")  # the field starts selected
        assert await wait_until(pilot, lambda: app.session.trainer.config.lr == 0.0456)


async def test_a_bad_learning_rate_is_refused_beside_the_field():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.session.trainer.net.params.copy()
        for bad, reason in [
            ("abc", "'abc' is not a number"),
            ("-1", "give a number > 0"),
            ("nan", "give a finite number"),
        ]:
            await dialog(pilot, "l")
            await pilot.press(*bad, "enter")
            await pilot.pause(0.05)
            error = app.screen.query_one("#dialog-error")
            assert reason in str(error.render())
            assert error.display
            await pilot.press("escape")
            await pilot.pause(0.05)
        assert app.session.trainer.config.lr == 0.03
        assert np.array_equal(app.session.trainer.net.params, before)


async def test_r_draws_new_weights_on_the_same_data():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        old = app.session.trainer.net.params.copy()
        X = app.session.trainer.X.copy()
        await pilot.press("r")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 0)
        assert not np.array_equal(app.session.trainer.net.params, old)
        assert np.array_equal(app.session.trainer.X, X)


async def test_a_diverging_run_pauses_and_says_why():
    app = make_app(
        paused=False,
        pace=Pace(EPOCHS, 300),
        dataset="linear",
        hidden=(8,),
        activation="relu",
        lr=50.0,
        batch_size=None,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.status == "diverged")
        assert "learning rate 50 is likely too large" in status_text(app)
        status = app.query_one(StatusLine)  # the whole message, on as many lines as it needs
        assert await wait_until(pilot, lambda: status.region.height >= 2)
        shown = " ".join(status.render_line(y).text for y in range(status.region.height))
        assert "Lower it and resume: training goes on from" in " ".join(shown.split())
        assert np.all(np.isfinite(app.session.trainer.net.params))
        for _ in range(5):  # 50 → 0.3: from the initial weights it goes back to, 1 is too large
            await pilot.press("minus")
        await pilot.press("space")
        assert await wait_until(
            pilot, lambda: app.snapshot.status == "running" and app.snapshot.epoch > 100
        )  # it had diverged at epoch 77
        assert await wait_until(pilot, lambda: status.region.height == 1)


async def test_changing_the_structure_asks_then_resets():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        controls = app.query_one("#controls")
        controls.focus()
        controls.cursor = [f.name for f in FIELDS].index("hidden")
        await dialog(pilot, "enter")
        await pilot.press(*"3,3", "enter")
        await pilot.pause(0.05)
        await pilot.press("n")  # no: nothing changes
        await pilot.pause(0.1)
        assert app.session.trainer.net.sizes == [2, 4, 2, 1]
        await dialog(pilot, "enter")
        await pilot.press(*"3,3", "enter", "y")
        assert await wait_until(pilot, lambda: app.snapshot.sizes == (2, 3, 3, 1))
        assert app.snapshot.epoch == 0


async def test_batch_size_applies_without_a_reset():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        params = app.session.trainer.net.params.copy()
        app.query_one("#controls").cursor = 1  # batch
        await dialog(pilot, "enter")
        await pilot.press(*"full", "enter")
        assert await wait_until(pilot, lambda: app.snapshot.config.batch_size is None)
        assert np.array_equal(app.session.trainer.net.params, params)
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 2)
        assert app.snapshot.steps == 16 + 1


async def test_save_then_load_and_a_corrupt_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short paths: every key of a path is a keypress
    app = make_app()
    path = tmp_path / "run.npz"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        await dialog(pilot, "s")
        await pilot.press(*"run.npz", "enter")
        assert await wait_until(pilot, lambda: path.exists())
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 2)
        await dialog(pilot, "o")
        await pilot.press(*"run.npz", "enter")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        bad = tmp_path / "bad.npz"
        bad.write_text("garbage")
        params = app.session.trainer.net.params.copy()
        await dialog(pilot, "o")
        await pilot.press(*"bad.npz", "enter")
        assert await wait_until(pilot, lambda: "damaged" in app.snapshot.notice)
        assert app.snapshot.notice_error and app.snapshot.epoch == 1
        assert np.array_equal(app.session.trainer.net.params, params)


async def test_help_screen_opens_and_closes():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("n")  # training keys do nothing under the help screen
        await pilot.pause(0.1)
        assert app.session.trainer.steps == 0
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: app.screen.__class__.__name__ != "HelpScreen")


async def test_a_tiny_terminal_asks_for_room_and_recovers():
    app = make_app(paused=False, pace=Pace(EPOCHS, 30))
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause(0.2)
        assert app.screen.has_class("too-small")
        assert "needs at least" in str(app.query_one("#too-small").render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert not app.screen.has_class("too-small")
        await pilot.resize_terminal(20, 5)
        await pilot.pause(0.2)
        assert app.session.trainer.epoch > 0


async def test_quitting_while_training_ends_promptly():
    app = make_app(paused=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch > 1)
        start = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - start < 2.0  # not hung on the worker (a hang is the failure)
    assert app.return_code == 0
    assert app.session.finished.wait(1.0)


async def test_command_palette_offers_the_actions():
    app = make_app()
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "Pause / resume",
            "One step",
            "One phase of the step",
            "One epoch",
            "Learning rate up the 1-3-10 ladder",
            "Slower",
            "Faster",
            "Save the run to a checkpoint",
            "Open a checkpoint",
            "Pace: 3 ep/s",
            "Pace: phases (0.5 s each)",
        ):
            assert title in titles


@pytest.mark.parametrize("pace", [Pace(EPOCHS, 10), Pace(EPOCHS, 30)])
async def test_a_phase_then_resume_goes_on_training(pace):
    """space, p, space: the run resumes mid-step at a pace that shows no phases (it ended
    the app: the screen read the step's phase from a field the snapshot left empty)."""
    app = make_app(paused=False, pace=pace)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 1)
        for key in ("space", "p", "space"):
            await pilot.press(key)
        assert await wait_until(pilot, lambda: app.snapshot.applied >= 3)
        epoch = app.snapshot.epoch
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= epoch + 2)
        assert app.is_running and app.snapshot.status == "running"
        assert "running" in status_text(app)
