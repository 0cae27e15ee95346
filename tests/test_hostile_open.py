"""Opening a bad checkpoint: the app's `o` and the session say why and keep the run on
screen; `--resume` of a bad file is one line and exit code 2."""

import json
import threading

import numpy as np
import pytest
from apphelpers import dialog, make_app, wait_until
from test_session import applied, wait_for

from core.checkpoint import save_checkpoint
from core.config import Config
from core.history import History
from core.trainer import Trainer
from tui.cli.main import main
from tui.worker import commands
from tui.worker.commands import Load, Step
from tui.worker.session import TrainingSession


def renamed_column_file(tmp_path):
    """A checkpoint whose history calls train_loss 'training_loss' (it used to load, then
    crash the screen: KeyError in the worker thread)."""
    t = Trainer(Config(dataset="xor", n_samples=80, hidden=(3,)))
    t.train(3)
    path = tmp_path / "renamed.npz"
    save_checkpoint(t, path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    columns = arrays["history/columns"].copy()
    columns[1] = "training_loss"
    np.savez(path, **{**arrays, "history/columns": columns})
    return path


@pytest.fixture
def session():
    s = TrainingSession(Trainer(Config(n_samples=200)), paused=True)
    thread = threading.Thread(target=s.run, daemon=True)
    thread.start()
    yield s
    s.stop()
    thread.join(2)


def assert_refused_and_alive(s, trainer, number, what):
    assert applied(s, number)
    assert s.latest.notice_error and what in s.latest.notice
    assert s.trainer is trainer and s.latest.dataset_name == "circle"
    n = s.submit(Step())  # the worker is alive and the run still trains
    assert applied(s, n) and s.latest.steps == trainer.steps == 1


def test_a_renamed_history_column_is_refused_and_the_run_kept(session, tmp_path):
    path = renamed_column_file(tmp_path)
    trainer = session.trainer
    n = session.submit(Load(str(path)))
    assert_refused_and_alive(session, trainer, n, "history/columns")
    assert str(path) in session.latest.notice


def test_a_loaded_run_that_cannot_be_drawn_keeps_the_run(session, tmp_path, monkeypatch):
    """Whatever slips past the checks: the loaded run is drawn once before it replaces the
    one on screen, and if that fails the old run stays."""

    def undrawable(path):
        t = Trainer(Config(dataset="xor", n_samples=80))
        t.history = History(("something", "else"))
        t.history.append([1.0, 2.0])  # the snapshot looks for train_loss: KeyError
        return t

    monkeypatch.setattr(commands, "load_checkpoint", undrawable)
    trainer = session.trainer
    n = session.submit(Load(str(tmp_path / "any.npz")))
    assert_refused_and_alive(session, trainer, n, "cannot be shown")
    assert wait_for(lambda: session.latest.dataset_name == "circle")


async def test_opening_a_bad_file_in_the_app_keeps_the_run_and_says_why(tmp_path, monkeypatch):
    path = renamed_column_file(tmp_path)
    monkeypatch.chdir(tmp_path)  # a short relative name: typing is key by key
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        trainer = app.session.trainer
        await dialog(pilot, "o")
        await pilot.press(*path.name, "enter")
        assert await wait_until(pilot, lambda: "history/columns" in app.snapshot.notice)
        assert app.snapshot.notice_error and app.session.trainer is trainer
        steps = trainer.steps
        await pilot.press("n")  # keys still work: the screen is not frozen
        assert await wait_until(pilot, lambda: app.snapshot.steps == steps + 1)
        assert app.snapshot.dataset_name == "circle" and app.snapshot.epoch == 1


@pytest.mark.parametrize("command", [[], ["train"]])
def test_resume_of_a_bad_file_is_one_line_and_exit_2(tmp_path, capsys, command):
    path = renamed_column_file(tmp_path)
    assert main([*command, "--resume", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(path) in err and "history/columns" in err


def test_resume_of_a_file_with_a_metadata_list_is_one_line(tmp_path, capsys):
    path = tmp_path / "list.npz"
    np.savez(path, meta=np.array(json.dumps([1, 2])))
    assert main(["train", "--resume", str(path)]) == 2
    assert "metadata" in capsys.readouterr().err
