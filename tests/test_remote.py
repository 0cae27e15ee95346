"""The worker in a process of its own (tui.worker.remote, tui.worker.child): the session's
API over pipes, exact numbers, a failed worker said on screen, the final save done by the
worker, and no worker left behind however the app ends."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError, fields, is_dataclass
from pathlib import Path

import numpy as np
import pytest
from apphelpers import wait_until
from ptyterm import PtyApp
from waiting import wait_for

from core.checkpoint import load_checkpoint
from core.config import Config
from core.pace import PACES
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state
from tui.ui.app import BackpropApp
from tui.worker import commands
from tui.worker.commands import (
    AnswerQuiz,
    AskQuiz,
    ChangeSettings,
    CheckSelected,
    ClearGhosts,
    Command,
    Compare,
    DropQuiz,
    KeepGhost,
    Load,
    MoveSample,
    MoveSelection,
    NextPhase,
    PlanQuiz,
    Rebuild,
    ResetWeights,
    RestoreBest,
    RunEpoch,
    Save,
    Select,
    SetRunning,
    SetWeight,
    Show,
    StartRun,
    Step,
    StepLr,
    StepPace,
    SwitchNeuron,
    SwitchPlane,
    pairs,
)
from tui.worker.remote import RemoteSession
from tui.worker.session import TrainingSession

ROOT = Path(__file__).resolve().parent.parent


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.split(")")[-1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def remote():
    """Start RemoteSessions over small runs; each is ended after the test."""
    started = []

    def start(paused: bool = True, crash_save: Path | None = None, **config) -> RemoteSession:
        trainer = Trainer(Config(n_samples=200, **config))
        session = RemoteSession()
        started.append(session)
        session.start(trainer, paused=paused, crash_save=crash_save)
        assert session.wait_ready(20.0)
        return session

    yield start
    for session in started:
        session.close()


def settled(session: RemoteSession, number: int) -> bool:
    """Wait until the snapshot shows command ``number`` applied."""
    return wait_for(lambda: session.request_snapshot() or session.latest.applied >= number)


def test_commands_cross_by_name_and_come_back_numbered(remote):
    s = remote()
    n = s.submit(ChangeSettings.of(lr=0.1))
    assert settled(s, n) and s.latest.config.lr == 0.1
    n = s.submit(StepLr(up=True))  # keywords too
    assert settled(s, n) and s.latest.config.lr == 0.3
    n = s.submit(Step())
    assert settled(s, n) and s.latest.steps == 1 and s.latest.status == "paused"
    n = s.submit(ChangeSettings.of(lr=-1.0))  # refused by the worker: said, the run unchanged
    assert settled(s, n) and s.latest.notice_error and s.latest.config.lr == 0.3
    assert s.latest.applied == n  # the parent's numbers are the child's
    n = s.submit(ChangeSettings.of(pace=PACES[2]))
    assert settled(s, n) and s.latest.pace == PACES[2]


def test_every_command_is_a_frozen_value_that_crosses_a_pipe_unchanged():
    examples = [
        SetRunning(),
        SetRunning(False),
        Step(),
        NextPhase(),
        RunEpoch(),
        ChangeSettings.of(lr=0.1, pace=PACES[2]),
        StepLr(up=True),
        StepPace(slower=False),
        Rebuild(pairs({"hidden": (3,)})),
        StartRun(Config(lr=0.3)),
        Compare((pairs({"batch_size": "full"}),), 5),
        ResetWeights(),
        RestoreBest(),
        SetWeight(0, 1, 0, 2.5),
        SwitchNeuron(1, 2),
        Select((0, 0, 0)),
        MoveSelection((0, 1, 0)),
        MoveSample(-1),
        CheckSelected(),
        Show("data", True),
        SwitchPlane(),
        KeepGhost(),
        ClearGhosts(),
        Save("run.npz"),
        Load("run.npz"),
        AskQuiz(),
        AskQuiz("sign"),
        AnswerQuiz(1, "+"),
        DropQuiz(1),
        PlanQuiz(((0, "sign"), (3, "lower-loss"))),
    ]
    kinds = {
        value
        for value in vars(commands).values()
        if isinstance(value, type) and issubclass(value, Command) and value is not Command
    }
    assert {type(c) for c in examples} == kinds  # every kind of command is here
    for command in examples:
        assert pickle.loads(pickle.dumps(command)) == command
        with pytest.raises(FrozenInstanceError):
            command.label = "changed"  # type: ignore[misc]


def test_pause_applies_at_once_while_training(remote):
    s = remote(paused=False)
    assert wait_for(lambda: s.request_snapshot() or s.latest.epoch > 3)
    n = s.submit(SetRunning(False))
    assert settled(s, n) and s.latest.status == "paused"
    steps = s.latest.steps
    assert settled(s, s.submit(Select(None)))  # the worker has taken a turn since
    assert s.latest.steps == steps
    state = s.trainer_state()
    assert state["meta"]["steps"] == steps  # the child's own trainer stopped there


def test_the_snapshot_holds_the_child_trainers_exact_numbers(remote):
    trainer = Trainer(Config(n_samples=200))
    twin = TrainingSession(trainer_from_state(state_of(trainer)), paused=True)  # in-process
    s = remote()
    last = trainer.net.n_layers - 1  # its chain rule is there once backward has begun
    for session in (s, twin):
        session.submit(Select((last, 1, 0)))
        session.submit(Step())
        session.submit(Step())
        session.submit(NextPhase())
        session.submit(NextPhase())
        n = session.submit(NextPhase())  # forward, loss, backward of the last layer
    twin.tick()
    assert settled(s, n)
    got, want = s.latest, twin.latest
    assert got.inspection.chain is not None and got.detail is not None
    for name in ("inspection", "detail", "weights", "biases", "grad_norm", "last_loss"):
        assert exact(getattr(got, name), getattr(want, name)), name
    n = s.submit(Step())  # the step finished: the child's state is at a step's start
    assert settled(s, n)
    state = s.trainer_state()
    weights = trainer_from_state(state).net.weights
    for a, b in zip(s.latest.weights, weights, strict=True):
        assert np.array_equal(a, b)  # bit for bit


def exact(a, b) -> bool:
    """The same values bit for bit: dataclasses field by field, arrays element by element."""
    if is_dataclass(a):
        return type(a) is type(b) and all(
            exact(getattr(a, f.name), getattr(b, f.name)) for f in fields(a)
        )
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(exact(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return a == b


def test_a_data_view_crosses_only_when_new_and_every_snapshot_has_it(remote):
    s = remote(paused=False, dataset="moons", hidden=(4,))
    n = s.submit(Show("data", True))
    assert settled(s, n)
    seen = []
    s.on_publish = lambda: seen.append(s.latest.data)
    end = time.monotonic() + 1.5
    while time.monotonic() < end:  # snapshots as the app's frames ask for them
        s.request_snapshot()
        time.sleep(0.05)
    assert len(seen) >= 10 and all(d is not None and d.grid is not None for d in seen)
    # while training the child recomputes its grid every DATA_VIEW_SECONDS (0.5 s) and
    # reuses it between: the same object here means it was not sent again
    assert 2 <= len({id(d) for d in seen}) <= 5


def test_a_killed_worker_becomes_a_notice_and_commands_say_it_again(remote, tmp_path):
    s = remote(paused=False, crash_save=tmp_path / "run.npz")
    assert wait_for(lambda: s.request_snapshot() or s.latest.epoch > 0)
    os.kill(s.pid, signal.SIGKILL)
    assert s.finished.wait(5.0)
    last = s.latest
    assert last.status == "paused" and last.notice_error
    assert "worker process ended (killed by SIGKILL)" in last.notice
    assert f"backprop-tui --resume {tmp_path / 'run.npz'}" in last.notice
    s.submit(ChangeSettings.of(lr=0.1))  # nothing to send it to: the notice again
    assert s.latest.notice_id == last.notice_id + 1 and "Training has stopped" in s.latest.notice
    assert s.final_save(tmp_path / "end.npz", 1.0)[0] is False


def test_a_worker_failing_saves_the_run_and_the_screen_says_where(remote, tmp_path):
    path = tmp_path / "run.npz"
    s = remote(paused=False, crash_save=path)
    # a comparison whose next run cannot be built: the worker's loop itself fails
    s.submit(Compare((pairs({"data": str(tmp_path / "missing.csv")}),), epochs=2))
    assert s.finished.wait(10.0)
    notice = s.latest.notice
    assert "no such file" in notice and "(in " in notice  # what failed, and where
    assert f"saved to {path}" in notice
    assert load_checkpoint(path).epoch >= 2  # the run as it was when the worker failed
    assert s.final_save(tmp_path / "end.npz", 1.0)[0] is True  # nothing lost


async def test_the_app_over_a_worker_process_pauses_and_shows_a_crash(remote):
    session = remote(paused=False)
    app = BackpropApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.epoch > 0 and session.latest.epoch)
        await pilot.press("space")
        assert await wait_until(pilot, lambda: app.snapshot.status == "paused")
        os.kill(session.pid, signal.SIGKILL)
        assert await wait_until(pilot, lambda: "killed by SIGKILL" in app.snapshot.notice)
        notices = [n.message for n in app._notifications]
        assert any("Training stopped" in m for m in notices)
        await pilot.press("space")  # the screen still answers
        assert await wait_until(pilot, lambda: "Training has stopped" in app.snapshot.notice)


def test_final_save_is_the_workers_own_state(remote, tmp_path):
    s = remote(paused=False)
    assert wait_for(lambda: s.request_snapshot() or s.latest.epoch > 2)
    s.stop()  # as the app does on q; the save comes after
    saved, error, epoch = s.final_save(tmp_path / "end.npz", 5.0)
    assert saved and error == "" and epoch > 2
    loaded = load_checkpoint(tmp_path / "end.npz")
    assert loaded.epoch == epoch
    assert wait_for(lambda: not alive(s.pid), 5.0)  # the worker then ends by itself


KILLED_PARENT = """
import sys, time
from core.config import Config
from core.trainer import Trainer
from tui.worker.remote import RemoteSession
session = RemoteSession()
session.start(Trainer(Config(n_samples=200)))
session.wait_ready(20)
print(session.pid, flush=True)
time.sleep(60)
"""


def test_a_worker_dies_with_its_app_killed_with_sigkill():
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    assert wait_for(lambda: not alive(child), 5.0)


def app_and_worker(tmp_path: Path) -> tuple[PtyApp, int]:
    app = PtyApp(["--seed", "1"], tmp_path, size=(100, 30))
    app.wait_for("running +ep [1-9]")
    (worker,) = children(app.proc.pid)
    return app, worker


def test_the_app_killed_with_sigkill_leaves_no_worker(tmp_path):
    app, worker = app_and_worker(tmp_path)
    try:
        os.kill(app.proc.pid, signal.SIGKILL)
        app.proc.wait(5)
        assert wait_for(lambda: not alive(worker), 5.0)
    finally:
        app.kill()


@pytest.mark.parametrize("how", ["q", "SIGTERM"])
def test_quit_and_sigterm_save_the_workers_run_and_leave_nothing(tmp_path, how):
    app, worker = app_and_worker(tmp_path)
    try:
        app.pump(0.5)
        if how == "q":
            app.key(b"q")
        else:
            os.kill(app.proc.pid, signal.SIGTERM)
        start = time.monotonic()
        code = app.wait_gone(5.0)
        assert code == (0 if how == "q" else 128 + signal.SIGTERM)
        if how == "SIGTERM":
            assert time.monotonic() - start < 2.0
        app.pump(0.1)
    finally:
        app.kill()
    assert wait_for(lambda: not alive(worker), 5.0)
    (save,) = (tmp_path / "backprop-tui").glob("autosave-*.npz")
    trainer = load_checkpoint(save)
    assert trainer.epoch > 0  # the run as it ended, from the worker
    assert f"(epoch {trainer.epoch:,})" in app.text


def test_a_worker_that_cannot_start_says_why(tmp_path, monkeypatch):
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'ModuleNotFoundError: no numpy here' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    session = RemoteSession()
    try:
        session.start(Trainer(Config(n_samples=200)))
        assert not session.wait_ready(10.0)  # the screen says so, and names the thread
        assert session.gone == "ModuleNotFoundError: no numpy here"
    finally:
        session.close()


def test_commands_before_the_worker_starts_wait_for_it_in_order():
    trainer = Trainer(Config(n_samples=200))
    first = TrainingSession(trainer, paused=True).latest
    session = RemoteSession()
    try:
        session.start(trainer, paused=True, first=first, defer=True)
        assert session.pid is None and session.latest.seq == 0  # shown until the worker's
        session.submit(ChangeSettings.of(lr=0.1))  # as a lesson's commands at the app's start
        n = session.submit(StepLr(up=True))
        session.begin()  # the app does this once its first frame is drawn
        assert session.pid is not None
        assert settled(session, n) and session.latest.config.lr == 0.3
    finally:
        session.close()


def test_a_save_before_the_worker_starts_saves_the_run_and_no_worker_starts(tmp_path):
    """A hang-up or SIGTERM before the first frame: the run is saved by the app (the child
    never had it), and the app's begin() then starts no child to train unseen."""
    trainer = Trainer(Config(n_samples=200))
    session = RemoteSession()
    try:
        session.start(trainer, paused=True, defer=True)
        saved, _, epoch = session.final_save(tmp_path / "early.npz", 1.0)  # nothing trained
        assert saved and epoch == 0 and load_checkpoint(tmp_path / "early.npz").epoch == 0
        session.begin()
        assert session.pid is None and session.proc is None
    finally:
        session.close()


def test_a_failure_reading_the_workers_answers_ends_it_and_is_said():
    """A bug on the app's side of the pipe (here the callback for a new snapshot raises):
    the child, whom nobody would read any more, is ended, and ``gone`` says why."""
    session = RemoteSession()
    calls = []

    def broken() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("a bug")

    session.on_publish = broken
    try:
        session.start(Trainer(Config(n_samples=200)))
        assert session.finished.wait(10.0)
        assert "KeyError" in session.gone and session.proc.poll() is not None
    finally:
        session.close()
