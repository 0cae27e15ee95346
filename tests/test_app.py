"""The app driven by its keys: each key changes the run as promised. The loop the app
exists for (pause, step, phase, epoch, resume, the learning rate) runs over both workers:
the process users get, and the thread (whose trainer the test can read directly).

Keys are sent as the terminal sends them (``key``) and every check waits on a condition
(``settled``: every command applied and drawn; ``wait_until``), never on a sleep.
"""

import numpy as np
import pytest
from apphelpers import WORKERS, dialog, key, make_app, settled, wait_until
from waiting import DEADLINE

from core.pace import EPOCHS, Pace
from tui.ui.fields import FIELDS
from tui.ui.main_screen import MainScreen
from tui.ui.widgets.confirm_dialog import ConfirmDialog
from tui.ui.widgets.status_line import StatusLine


def status_text(app) -> str:
    return app.query_one(StatusLine).render().plain


async def barrier(pilot) -> None:
    """Two commands that change nothing in the end (lr up a rung and down again): once
    both are applied, the worker has taken turns since every key before them."""
    await key(pilot, "plus")
    await key(pilot, "minus")
    assert await settled(pilot)


@pytest.mark.parametrize("worker", WORKERS)
async def test_space_pauses_and_resumes(worker):
    app = make_app(paused=False, pace=Pace(EPOCHS, 30), worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 2)
        await key(pilot, "space")
        assert await settled(pilot) and app.snapshot.status == "paused"
        assert "paused" in status_text(app)
        epoch = app.snapshot.epoch
        await barrier(pilot)
        assert app.snapshot.epoch == epoch  # paused: the worker took turns, trained none
        await key(pilot, "space")
        assert await wait_until(
            pilot, lambda: app.snapshot.status == "running" and app.snapshot.epoch > epoch + 1
        )


@pytest.mark.parametrize("worker", WORKERS)
async def test_n_advances_exactly_one_step(worker):
    app = make_app(worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        for expected in (1, 2, 3):
            await key(pilot, "n")
            assert await settled(pilot) and app.snapshot.steps == expected
        await barrier(pilot)
        assert app.snapshot.steps == 3 and app.snapshot.status == "paused"


@pytest.mark.parametrize("worker", WORKERS)
async def test_p_walks_through_the_phases_of_one_step(worker):
    app = make_app(hidden=(4, 2), worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = []
        for _ in range(6):
            await key(pilot, "p")
            assert await settled(pilot)
            seen.append(str(app.snapshot.last_phase))
        assert seen == ["forward", "loss", "backward 3", "backward 2", "backward 1", "update"]
        assert app.snapshot.steps == 1 and app.snapshot.phase_index == 0


@pytest.mark.parametrize("worker", WORKERS)
async def test_e_runs_one_epoch(worker):
    app = make_app(batch_size=10, worker=worker)  # 160 training rows: 16 steps
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "e")
        assert await settled(pilot)
        assert app.snapshot.epoch == 1 and app.snapshot.steps == 16


@pytest.mark.parametrize("worker", WORKERS)
async def test_plus_minus_follow_the_ladder_exactly(worker):
    app = make_app(lr=0.03, worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        for name, expected in [
            ("plus", 0.1),
            ("plus", 0.3),
            ("minus", 0.1),
            ("minus", 0.03),
            ("minus", 0.01),
            ("minus", 0.003),
        ]:
            await key(pilot, name)
            assert await settled(pilot) and app.snapshot.config.lr == expected
        assert "lr 0.003" in status_text(app)


@pytest.mark.parametrize("worker", WORKERS)
async def test_keys_faster_than_the_screen_each_take_a_rung(worker):
    """Key repeat, or keys read in one go over SSH: the screen has not shown the first
    change when the next key comes, yet each key moves the rate one rung."""
    app = make_app(lr=0.03, worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(4):
            app.screen.action_lr_down()  # back to back, no frame in between
        assert await settled(pilot) and app.snapshot.config.lr == 0.0003


@pytest.mark.parametrize("worker", WORKERS)
async def test_a_live_change_then_a_new_network_keeps_both(worker):
    """+ then a new network before the screen has shown the new rate: the new run is built
    on the worker from the run's own settings, so it keeps lr 0.1 (it ended at 0.03)."""
    app = make_app(lr=0.03, worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.action_lr_up()
        controls = app.query_one("#controls")
        controls.cursor = [f.name for f in FIELDS].index("hidden")
        app.screen.post_message(controls.Changed(FIELDS[controls.cursor], (3,)))
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await key(pilot, "y")
        assert await settled(pilot)
        assert app.snapshot.sizes == (2, 3, 1) and app.snapshot.config.lr == 0.1


async def test_l_types_an_exact_learning_rate():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog(pilot, "l")
        for name in [*"0.0456", "enter"]:  # the field starts selected
            await key(pilot, name)
        assert await settled(pilot) and app.session.trainer.config.lr == 0.0456


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
            for name in [*bad, "enter"]:
                await key(pilot, name)
            error = app.screen.query_one("#dialog-error")
            assert await wait_until(pilot, lambda e=error: e.display)
            assert reason in str(error.render())
            await key(pilot, "escape")
            assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert await settled(pilot)
        assert app.session.trainer.config.lr == 0.03
        assert np.array_equal(app.session.trainer.net.params, before)


async def test_r_draws_new_weights_on_the_same_data():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "e")
        assert await settled(pilot) and app.snapshot.epoch == 1
        old = app.session.trainer.net.params.copy()
        X = app.session.trainer.X.copy()
        await key(pilot, "r")
        assert await settled(pilot) and app.snapshot.epoch == 0
        assert not np.array_equal(app.session.trainer.net.params, old)
        assert np.array_equal(app.session.trainer.X, X)


@pytest.mark.parametrize("worker", WORKERS)
async def test_a_diverging_run_pauses_and_says_why(worker):
    app = make_app(
        paused=False,
        pace=Pace(EPOCHS, 300),
        dataset="linear",
        hidden=(8,),
        activation="relu",
        lr=50.0,
        batch_size=None,
        worker=worker,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.status == "diverged")
        assert "learning rate 50 is likely too large" in status_text(app)
        status = app.query_one(StatusLine)  # the whole message, on as many lines as it needs
        assert await wait_until(pilot, lambda: status.region.height >= 2)
        shown = " ".join(status.render_line(y).text for y in range(status.region.height))
        assert "Lower it and resume: training goes on from" in " ".join(shown.split())
        assert all(np.isfinite(w).all() for w in app.snapshot.weights)
        for _ in range(5):  # 50 → 0.3: from the initial weights it goes back to, 1 is too large
            await key(pilot, "minus")
        await key(pilot, "space")
        assert await wait_until(
            pilot, lambda: app.snapshot.status == "running" and app.snapshot.epoch > 100
        )  # it had diverged at epoch 77
        assert await wait_until(pilot, lambda: status.region.height == 1)


async def test_changing_the_structure_asks_then_resets():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "e")
        controls = app.query_one("#controls")
        controls.focus()
        controls.cursor = [f.name for f in FIELDS].index("hidden")
        await dialog(pilot, "enter")
        for name in [*"3,3", "enter"]:
            await key(pilot, name)
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await key(pilot, "n")  # no: nothing changes
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert await settled(pilot) and app.session.trainer.net.sizes == [2, 4, 2, 1]
        await dialog(pilot, "enter")
        for name in [*"3,3", "enter", "y"]:
            await key(pilot, name)
        assert await wait_until(pilot, lambda: app.snapshot.sizes == (2, 3, 3, 1))
        assert app.snapshot.epoch == 0


async def test_batch_size_applies_without_a_reset():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "e")
        assert await settled(pilot) and app.snapshot.epoch == 1
        params = app.session.trainer.net.params.copy()
        app.query_one("#controls").cursor = 1  # batch
        await dialog(pilot, "enter")
        for name in [*"full", "enter"]:
            await key(pilot, name)
        assert await settled(pilot) and app.snapshot.config.batch_size is None
        assert np.array_equal(app.session.trainer.net.params, params)
        await key(pilot, "e")
        assert await settled(pilot) and app.snapshot.epoch == 2
        assert app.snapshot.steps == 16 + 1


@pytest.mark.parametrize("worker", WORKERS)
async def test_save_then_load_and_a_corrupt_file_is_refused(tmp_path, monkeypatch, worker):
    monkeypatch.chdir(tmp_path)  # short paths: every key of a path is a keypress
    app = make_app(worker=worker)
    path = tmp_path / "run.npz"
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "e")
        assert await settled(pilot) and app.snapshot.epoch == 1
        await dialog(pilot, "s")
        for name in [*"run.npz", "enter"]:
            await key(pilot, name)
        assert await settled(pilot) and path.exists()
        await key(pilot, "e")
        assert await settled(pilot) and app.snapshot.epoch == 2
        await dialog(pilot, "o")
        for name in [*"run.npz", "enter"]:
            await key(pilot, name)
        assert await settled(pilot) and app.snapshot.epoch == 1
        bad = tmp_path / "bad.npz"
        bad.write_text("garbage")
        weights = app.snapshot.weights
        await dialog(pilot, "o")
        for name in [*"bad.npz", "enter"]:
            await key(pilot, name)
        assert await settled(pilot) and "damaged" in app.snapshot.notice
        assert app.snapshot.notice_error and app.snapshot.epoch == 1
        assert all(np.array_equal(a, b) for a, b in zip(app.snapshot.weights, weights, strict=True))


async def test_help_screen_opens_and_closes():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "question_mark")
        assert await wait_until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen")
        await key(pilot, "n")  # training keys do nothing under the help screen
        await key(pilot, "escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert await settled(pilot) and app.session.submitted == app.snapshot.applied
        assert app.session.trainer.steps == 0


async def test_a_tiny_terminal_asks_for_room_and_recovers():
    app = make_app(paused=False, pace=Pace(EPOCHS, 30))
    async with app.run_test(size=(40, 12)) as pilot:
        assert await wait_until(pilot, lambda: app.screen.has_class("too-small"))
        assert "needs at least" in str(app.query_one("#too-small").render())
        await pilot.resize_terminal(80, 24)
        assert await wait_until(pilot, lambda: not app.screen.has_class("too-small"))
        await pilot.resize_terminal(20, 5)
        assert await wait_until(pilot, lambda: app.snapshot.epoch > 0)  # it trains on


@pytest.mark.parametrize("worker", WORKERS)
async def test_quitting_while_training_ends(worker, tmp_path):
    app = make_app(paused=False, worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch > 1)
        await key(pilot, "q")
    assert app.return_code == 0  # (a hang on the worker would stop the test at its timeout)
    if worker == "process":  # its loop has stopped: it saves the run as the launcher asks
        saved, error, epoch = app.session.final_save(tmp_path / "end.npz", DEADLINE)
        assert saved and epoch > 1, error
    assert app.session.finished.wait(DEADLINE)


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


@pytest.mark.parametrize("worker", WORKERS)
@pytest.mark.parametrize("pace", [Pace(EPOCHS, 10), Pace(EPOCHS, 30)])
async def test_a_phase_then_resume_goes_on_training(pace, worker):
    """space, p, space: the run resumes mid-step at a pace that shows no phases (it ended
    the app: the screen read the step's phase from a field the snapshot left empty)."""
    app = make_app(paused=False, pace=pace, worker=worker)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= 1)
        for name in ("space", "p", "space"):
            await key(pilot, name)
        assert await settled(pilot)
        epoch = app.snapshot.epoch
        assert await wait_until(pilot, lambda: app.snapshot.epoch >= epoch + 2)
        assert app.is_running and app.snapshot.status == "running"
        assert "running" in status_text(app)
