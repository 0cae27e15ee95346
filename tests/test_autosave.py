"""Autosaves: one file per run, the folder checked at start (with a fallback), --resume
continues the most recent one and lists the others, old ones pruned."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from ptyterm import PtyApp
from waiting import DEADLINE

from core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
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


def test_resume_leaves_the_autosave_of_a_running_app_alone(state, capsys):
    folder = state / "state" / "backprop-tui"
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "tui.cli"])
    try:
        ended = saved(folder / "autosave-20260101-100000-1.npz", epochs=2, age=60)
        live = saved(folder / f"autosave-20260102-100000-{running.pid}.npz")  # saved last
        assert autosave.in_use(live) and not autosave.in_use(ended)
        assert latest_autosave() == (ended, 1)
        assert f"{live}  (epoch 0, xor, hidden 3" in capsys.readouterr().err
        assert "its app is running" in autosave.resume_listing(ended, [live])
        for i in range(6):
            saved(folder / f"autosave-2026020{i}-000000-1.npz", age=30 - i)
        os.utime(live, (time.time() - 90, time.time() - 90))  # the oldest of all now
        autosave.prune(folder)
        assert live.exists()  # not pruned: its app will save to it
    finally:
        running.kill()
        running.wait()
    assert not autosave.in_use(live)  # its app has ended


def test_resume_without_any_autosave_says_where_it_looked(state):
    with pytest.raises(CheckpointError, match="no autosave to continue in .*backprop-tui"):
        latest_autosave()


def test_pruning_keeps_the_most_recent_untrained_and_never_the_resumed_one(state):
    folder = state / "state" / "backprop-tui"
    files = [saved(folder / f"autosave-2026010{i}-000000-1.npz", age=100 - i) for i in range(8)]
    resumed = files[0]  # the oldest
    (folder / "notes.npz").write_text("not an autosave")
    gone = autosave.prune(folder, spare=(files[-1], resumed), keep=4)
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


# --- in a real terminal -----------------------------------------------------------------


def quit_app(app: PtyApp) -> int | None:
    app.key(b"q")
    end = time.monotonic() + DEADLINE
    while app.proc.poll() is None and time.monotonic() < end:
        app.pump(0.05)  # read the terminal while it saves and says so
    return app.proc.poll()


def test_two_instances_and_a_new_run_never_overwrite_each_other(tmp_path):
    folder = tmp_path / "backprop-tui"
    first, second = PtyApp([], tmp_path), PtyApp(["--seed", "2"], tmp_path)
    try:
        for app in (first, second):
            app.wait_for(r"ep [1-9]")  # each has trained an epoch
        assert quit_app(first) == 0
        assert quit_app(second) == 0  # the second one is saved last
    finally:
        first.kill()
        second.kill()
    (a,) = folder.glob(f"autosave-*-{first.proc.pid}.npz")  # each app's file has its pid
    (b,) = folder.glob(f"autosave-*-{second.proc.pid}.npz")
    epochs = load_checkpoint(a).epoch, load_checkpoint(b).epoch
    assert min(epochs) > 0 and load_checkpoint(b).config.seed == 2
    resumed = PtyApp(["--resume", "--paused"], tmp_path)
    try:
        resumed.wait_for("paused")
        assert f"continuing {b}" in resumed.text.replace("\r\n", "")
        assert "other autosaves" in resumed.text and a.name in resumed.text
        assert quit_app(resumed) == 0
    finally:
        resumed.kill()
    assert load_checkpoint(a).epoch == epochs[0] and load_checkpoint(b).epoch == epochs[1]
    (c,) = set(folder.glob("autosave-*.npz")) - {a, b}  # the resumed run's own file
    assert load_checkpoint(c).epoch == epochs[1]


def test_an_unwritable_home_is_said_on_screen_and_the_run_saved_elsewhere(tmp_path):
    env = {"XDG_STATE_HOME": "", "HOME": "/dev/null", "TMPDIR": str(tmp_path)}
    app = PtyApp([], tmp_path, env=env)
    try:
        app.wait_for("autosaves go to")
        app.wait_for("running +ep [1-9]")  # the worker process starts after the first frame
        assert quit_app(app) == 0
    finally:
        app.kill()
    (saved_run,) = (tmp_path / f"backprop-tui-{os.getuid()}").glob("autosave-*.npz")
    assert load_checkpoint(saved_run).epoch > 0


def test_a_failed_final_save_exits_non_zero_and_says_why(tmp_path):
    app = PtyApp([], tmp_path)
    try:
        app.wait_for("running")
        folder = tmp_path / "backprop-tui"
        shutil.rmtree(folder)
        folder.write_text("a file where the autosave folder was")
        assert quit_app(app) == 1
        assert "the run was not saved" in app.text
    finally:
        app.kill()


# --- pruning by value ---------------------------------------------------------------------

DEAD = 4_190_000  # process ids of apps that have ended (none runs with them)


def autosave_of(folder: Path, n: int, epochs: int, age: float) -> Path:
    """The autosave of the ``n``-th app (ended), ``epochs`` trained, saved ``age`` s ago."""
    path = folder / f"autosave-20260101-{n:06d}-{DEAD + n}.npz"
    return saved(path, epochs, age)


def test_ten_quick_starts_after_three_trained_runs_keep_the_trained_runs(state):
    """Runs of 131, 265 and 739 epochs, then ten start-and-quit cycles, each autosaving an
    untrained run and pruning at its start: the trained runs all stay."""
    folder = state / "state" / "backprop-tui"
    trained = [autosave_of(folder, n, e, 1000 - n) for n, e in enumerate((131, 265, 739))]
    removed = {}
    for n in range(3, 13):
        own = autosave_of(folder, n, 0, 1000 - n)
        removed.update(autosave.prune(folder, spare=(own,)))
    left = set(folder.glob(autosave.PATTERN))
    assert set(trained) <= left
    assert len(left) == autosave.KEEP + 1  # and this run's own
    assert list(removed.values()) == [(0, 0)] * 6  # only untrained runs went


def test_the_longest_and_then_the_most_recent_trained_runs_are_kept(state):
    folder = state / "state" / "backprop-tui"
    epochs = [50, 3, 900, 2, 4, 1, 5, 6]  # oldest first; 8 trained runs
    runs = [autosave_of(folder, n, e, 1000 - n) for n, e in enumerate(epochs)]
    untrained = [autosave_of(folder, n, 0, 100 - n) for n in range(8, 11)]  # the newest
    gone = autosave.prune(folder)
    kept = set(folder.glob(autosave.PATTERN))
    longest = {runs[0], runs[2], runs[6]}  # 900, 50 and 6 epochs
    recent = {runs[7], runs[5], runs[4]}  # the most recent others that trained
    assert kept == longest | recent
    assert set(gone) == {runs[1], runs[3], *untrained}
    assert autosave.pruned_notice(gone).startswith(
        "Removed 5 older autosaves (2 trained, 3 untrained or unreadable): the 6 kept are"
    )
    two = dict(list(gone.items())[:2])  # the oldest two: 3 and 2 epochs
    assert autosave.pruned_notice(two).startswith("Removed 2 older autosaves (epoch 3, epoch 2)")


def test_pruning_leaves_special_files_and_running_apps_alone(state):
    folder = state / "state" / "backprop-tui"
    runs = [autosave_of(folder, n, 0, 100 - n) for n in range(8)]
    os.mkfifo(folder / "autosave-fifo.npz")
    (folder / "autosave-loop.npz").symlink_to("autosave-loop.npz")  # a loop of one link
    running = folder / f"autosave-20260101-000000-{os.getpid()}.npz"  # this process runs
    saved(running, age=1000)
    gone = autosave.prune(folder, keep=2)
    assert set(gone) == set(runs[:6])  # the oldest untrained ones, nothing else
    assert (folder / "autosave-fifo.npz").exists() and running.exists()
    assert (folder / "autosave-loop.npz").is_symlink()


def test_the_app_says_on_screen_what_it_pruned_and_keeps_the_trained_runs(tmp_path):
    folder = tmp_path / "backprop-tui"
    trained = [autosave_of(folder, n, e, 1000 - n) for n, e in enumerate((13, 26, 73))]
    untrained = [autosave_of(folder, n, 0, 500 - n) for n in range(3, 7)]  # 7 ended runs
    app = PtyApp(["--paused"], tmp_path, size=(120, 30))
    try:
        app.wait_for("Removed 1 older autosave")
        assert quit_app(app) == 0
    finally:
        app.kill()
    left = set(folder.glob(autosave.PATTERN))
    assert set(trained) <= left and untrained[0] not in left  # the oldest untrained one went
    assert len(left) == autosave.KEEP + 1


@pytest.mark.slow
def test_ordinary_use_never_loses_the_longest_runs(tmp_path):
    """As a person uses it: runs of 131, 265 and 739 epochs finished in the app (each a
    trained checkpoint the app continues, then q), then ten quick start-and-quit cycles.
    The three trained runs' autosaves are all still there."""
    lengths = (131, 265, 739)
    for epochs in lengths:
        checkpoint = tmp_path / f"r{epochs}.npz"
        result = subprocess.run(
            [sys.executable, "-m", "tui.cli", "train", "--epochs", str(epochs), "--quiet",
             "--save", str(checkpoint)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        app = PtyApp(["--resume", str(checkpoint), "--paused"], tmp_path)
        try:
            app.wait_for("paused")
            assert quit_app(app) == 0
        finally:
            app.kill()
    for _ in range(10):
        app = PtyApp(["--paused"], tmp_path)
        try:
            app.wait_for("paused")
            assert quit_app(app) == 0
        finally:
            app.kill()
    saves = (tmp_path / "backprop-tui").glob("autosave-*.npz")
    assert set(lengths) <= {load_checkpoint(p).epoch for p in saves}
