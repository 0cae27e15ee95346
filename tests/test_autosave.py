"""Autosaves: one file per run, the folder checked at start (with a fallback), --resume
continues the most recent one and lists the others, old ones pruned."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pytest

from core.checkpoint import CheckpointError, save_checkpoint
from core.config import Config
from core.trainer import Trainer
from tui.cli import autosave
from tui.cli.launch import FinalSave, latest_autosave
from tui.worker.session import TrainingSession


@pytest.fixture
def state(tmp_path, monkeypatch):
    """XDG_STATE_HOME and the temporary directory (the fallback) inside tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def trainer(epochs: int = 0) -> Trainer:
    t = Trainer(Config(dataset="xor", n_samples=40, hidden=(3,)))
    t.train(epochs)
    return t


def saved(path: Path, epochs: int = 0, age: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(trainer(epochs), path)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_each_run_gets_a_file_of_its_own(state):
    folder = autosave.open_folder()
    assert folder.path == state / "state" / "backprop-tui" and folder.warning == ""
    path = autosave.new_path(folder.path)
    assert path.parent == folder.path and str(os.getpid()) in path.name
    assert path.match(autosave.PATTERN) and not path.exists()


def test_an_unwritable_state_folder_falls_back_to_a_temporary_one_and_says_so(state, monkeypatch):
    (state / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_STATE_HOME", str(state / "file"))  # even root cannot write there
    folder = autosave.open_folder()
    assert folder.path == state / "tmp" / f"backprop-tui-{os.getuid()}"
    assert "cannot be written" in folder.warning and str(folder.path) in folder.warning
    assert folder.path.stat().st_mode & 0o077 == 0  # the user's own


def test_no_home_folder_falls_back_too(state, monkeypatch):
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.delenv("HOME")

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    folder = autosave.open_folder()
    assert folder.path == autosave.fallback_folder() and "no home folder" in folder.warning


def test_a_fallback_folder_open_to_others_is_refused(state, monkeypatch):
    (state / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_STATE_HOME", str(state / "file"))
    shared = autosave.fallback_folder()
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # another user could have made it, or read what is in it
    folder = autosave.open_folder()
    assert folder.path is None
    assert "no autosave" in folder.warning and "save the run with s" in folder.warning


def test_resume_takes_the_most_recently_saved_and_lists_the_others(state, capsys):
    folder = state / "state" / "backprop-tui"
    older = saved(folder / "autosave-20260101-100000-11.npz", epochs=2, age=60)
    legacy = saved(folder / "autosave.npz", epochs=1, age=120)  # from an earlier version
    newest = saved(folder / "autosave-20250101-100000-12.npz", epochs=3)  # saved last
    assert latest_autosave() == (newest, 2)
    listing = capsys.readouterr().err
    assert f"continuing {newest} (epoch 3, xor, hidden 3" in listing
    assert str(older) in listing and str(legacy) in listing and "--resume FILE" in listing


def test_resume_without_any_autosave_says_where_it_looked(state):
    with pytest.raises(CheckpointError, match="no autosave to continue in .*backprop-tui"):
        latest_autosave()


def test_pruning_keeps_the_most_recent_few_and_never_the_resumed_one(state):
    folder = state / "state" / "backprop-tui"
    files = [saved(folder / f"autosave-2026010{i}-000000-1.npz", age=100 - i) for i in range(8)]
    resumed = files[0]  # the oldest
    (folder / "notes.npz").write_text("not an autosave")
    gone = autosave.prune(folder, spare=(files[-1], resumed))
    assert sorted(gone) == files[1:3]
    assert sorted(folder.glob(autosave.PATTERN)) == [resumed, *files[3:]]
    assert (folder / "notes.npz").exists()


def test_the_final_save_waits_for_the_worker_and_reports_failures(tmp_path):
    path = tmp_path / "run.npz"
    session = TrainingSession(trainer(1), paused=True)
    session.finished.clear()  # a worker still inside a command
    ok, message = FinalSave(session, path, "")(0.05)
    assert not ok and "a command was still running" in message and not path.exists()
    session.finished.set()  # it has stopped
    ok, message = FinalSave(session, path, "")(0.05)
    assert ok and f"run saved to {path} (epoch 1)" in message
    (tmp_path / "gone").write_text("a file where the folder was")
    ok, message = FinalSave(session, tmp_path / "gone" / "run.npz", "")(0.05)
    assert not ok and "not saved" in message
    ok, message = FinalSave(session, None, "HOME is read-only")(0.05)
    assert not ok and "HOME is read-only" in message


def test_build_trainer_resumes_a_named_file(state):
    from tui.cli.launch import build_trainer

    path = saved(state / "run.npz", epochs=2)
    args = argparse.Namespace(resume=str(path), lesson=None)
    assert build_trainer(args)[0].epoch == 2
