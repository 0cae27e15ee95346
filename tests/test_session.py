"""The worker session without any UI: commands in, snapshots out, prompt stop."""

import threading
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from waiting import DEADLINE, wait_for

from core.config import Config
from core.phases import Phase
from core.trainer import Trainer
from tui.worker.clock import ManualClock
from tui.worker.commands import (
    ChangeSettings,
    Command,
    Load,
    NextPhase,
    RunEpoch,
    Select,
    SetRunning,
    Show,
    StartRun,
    Step,
    StepLr,
)
from tui.worker.publish import DATA_VIEW_SECONDS
from tui.worker.session import TrainingSession


@pytest.fixture
def running():
    sessions = []

    def start(paused=True, **config):
        s = TrainingSession(Trainer(Config(n_samples=200, **config)), paused=paused)
        thread = threading.Thread(target=s.run, daemon=True)
        thread.start()
        sessions.append((s, thread))
        return s

    yield start
    for s, thread in sessions:
        s.stop()
        thread.join(2)


def applied(s, number):
    s.request_snapshot()
    return wait_for(lambda: s.latest.applied >= number and s.latest.seq > 0)


def test_step_runs_exactly_one_mini_batch(running):
    s = running(paused=True)
    n = s.submit(Step())
    assert applied(s, n)
    assert s.latest.steps == 1 and s.latest.status == "paused"
    n = s.submit(Step())
    assert applied(s, n) and s.latest.steps == 2


def test_phases_then_step_finishes_the_step(running):
    s = running(paused=True)
    for _ in range(3):
        n = s.submit(NextPhase())
    assert applied(s, n)
    assert s.latest.phase_index == 3 and s.latest.last_phase == Phase("backward", 2)
    assert s.latest.detail is not None and len(s.latest.detail.delta) == 3
    n = s.submit(Step())
    assert applied(s, n)
    assert s.latest.steps == 1 and s.latest.phase_index == 0


def test_run_and_pause(running):
    s = running(paused=False)
    assert wait_for(lambda: (s.request_snapshot(), s.latest.epoch)[1] > 3)
    n = s.submit(SetRunning(False))
    assert applied(s, n)
    epoch = s.latest.epoch
    assert applied(s, s.submit(Select(None)))  # the worker has taken a turn since: no epoch
    assert s.trainer.epoch == s.latest.epoch == epoch and s.latest.status == "paused"


def test_learning_rate_command_is_exact(running):
    s = running()
    n = s.submit(ChangeSettings.of(lr=0.3))
    assert applied(s, n) and s.trainer.config.lr == 0.3 and s.latest.config.lr == 0.3


def test_a_bad_command_keeps_the_run_and_says_why(running):
    s = running()
    before = s.trainer.net.params.copy()
    n = s.submit(ChangeSettings.of(lr=float("nan")))
    assert applied(s, n)
    assert s.latest.notice_error and "lr = nan is not allowed" in s.latest.notice
    assert s.trainer.config.lr == 0.03 and np.array_equal(s.trainer.net.params, before)
    n = s.submit(Load("/no/such/file.npz"))
    assert applied(s, n) and "no such checkpoint" in s.latest.notice


def test_divergence_pauses_with_the_reason(running):
    s = running(
        paused=False, dataset="linear", hidden=(8,), activation="relu", lr=50.0, batch_size=None
    )
    assert wait_for(lambda: (s.request_snapshot(), s.latest.status)[1] == "diverged")
    assert "learning rate 50 is likely too large" in s.latest.message
    assert np.all(np.isfinite(s.trainer.net.params))
    n = s.submit(ChangeSettings.of(lr=0.01))
    n = s.submit(SetRunning(True))
    assert applied(s, n)
    assert wait_for(lambda: (s.request_snapshot(), s.latest.epoch)[1] > 2)
    assert s.latest.status == "running"


def test_stop_ends_the_worker_promptly_while_running():
    s = TrainingSession(Trainer(Config()), paused=False)
    thread = threading.Thread(target=s.run)
    thread.start()
    assert wait_for(lambda: s.trainer.steps > 0)
    s.stop()
    thread.join(DEADLINE)  # a hung worker is the failure; it stops within one step in practice
    assert not thread.is_alive()
    assert s.finished.is_set()


def test_batch_size_and_optimizer_change_without_a_reset(running):
    s = running()
    s.submit(RunEpoch())
    n = s.submit(ChangeSettings.of(batch_size=None))
    assert applied(s, n)
    epoch = s.latest.epoch
    n = s.submit(RunEpoch())
    assert applied(s, n)
    assert s.latest.epoch == epoch + 1 and s.latest.steps_per_epoch == 1
    n = s.submit(ChangeSettings.of(optimizer="adam"))
    assert applied(s, n) and s.trainer.optimizer.name == "adam" and s.latest.epoch == epoch + 1


def test_rebuild_with_a_new_structure(running):
    s = running()
    n = s.submit(StartRun(s.trainer.config.replace(hidden=(3, 3, 3))))
    assert applied(s, n) and s.latest.sizes == (2, 3, 3, 3, 1) and s.latest.epoch == 0


def test_data_view_is_recomputed_at_the_panels_pace_while_training():
    clock = ManualClock()
    s = TrainingSession(Trainer(Config(n_samples=200)), paused=False, clock=clock)
    assert s.build_snapshot().data is None  # not on screen: not computed
    s.wanted.add("data")
    first = s.build_snapshot().data
    s.trainer.train(3)
    clock.advance(DATA_VIEW_SECONDS / 2)
    assert s.build_snapshot().data is first  # training: reused within DATA_VIEW_SECONDS
    clock.advance(DATA_VIEW_SECONDS / 2)
    assert s.build_snapshot().data is not first  # and recomputed once it is older
    s.running = False
    s.trainer.step()
    paused = s.build_snapshot().data
    assert paused is not first and not np.array_equal(paused.grid, first.grid)  # paused: fresh
    assert s.build_snapshot().data is paused  # (once: nothing has moved since)
    s.running = True
    s.replace_run(Trainer(Config(n_samples=200, dataset="xor")), ghosts=None)
    assert s.build_snapshot().data is not paused  # a new run: its own map at once


@pytest.mark.parametrize(
    ("error", "says"),
    [(MemoryError(), "rebuild: not enough memory"), (RuntimeError("boom"), "RuntimeError: boom")],
)
def test_a_failing_command_is_reported_and_the_worker_lives_on(running, error, says):
    s = running(paused=True)

    @dataclass(frozen=True)
    class Fail(Command):
        label: ClassVar[str] = "rebuild"

        def apply(self, session):
            raise error

    n = s.submit(Fail())
    assert applied(s, n)
    assert says in s.latest.notice and s.latest.notice_error
    n = s.submit(Step())  # the worker still applies commands
    assert applied(s, n) and s.latest.steps == 1


def test_a_failure_while_training_pauses_with_a_notice(running, monkeypatch):
    s = running(paused=False)
    assert wait_for(lambda: s.trainer.steps > 0)

    def broken(stop=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(s.trainer, "run_epoch", broken)
    s.request_snapshot()
    assert wait_for(lambda: (s.request_snapshot(), s.latest.status)[1] == "paused")
    assert "training paused: RuntimeError: boom" in s.latest.notice and s.latest.notice_error
    monkeypatch.undo()
    n = s.submit(Step())  # the worker lives on
    assert applied(s, n) and s.latest.status == "paused"


def test_a_new_run_built_from_the_snapshot_keeps_the_learning_rate_in_use(running):
    """+ takes lr up the ladder; a structural change rebuilds from the snapshot's config,
    which must hold the rate the run uses (it used to fall back to the starting 0.03)."""
    s = running(paused=True, lr=0.03)
    assert applied(s, s.submit(StepLr(up=True)))
    assert s.trainer.config.lr == s.latest.config.lr == 0.1
    assert applied(s, s.submit(StartRun(s.latest.config.replace(hidden=(3,)))))
    assert s.trainer.net.sizes[1] == 3 and s.trainer.config.lr == 0.1


def arrays_of(value, seen=None) -> list:
    """Every NumPy array reachable from a snapshot (dataclasses, tuples, dicts)."""
    import dataclasses

    if isinstance(value, np.ndarray):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        value = list(value.values())
    elif not isinstance(value, list | tuple):
        return []
    return [a for v in value for a in arrays_of(v)]


@pytest.mark.parametrize("phases", [0, 4, 6])  # between steps, mid-backward, after the update
def test_a_published_snapshot_never_changes_when_the_worker_steps_on(running, phases):
    s = running(paused=True, hidden=(4, 3), batch_size=10)
    assert applied(s, s.submit(Step()))
    assert applied(s, s.submit(Select((1, 2, 1))))
    assert applied(s, s.submit(Show("data", True)))
    for _ in range(phases):
        n = s.submit(NextPhase())
    assert applied(s, n if phases else s.submit(Step()))
    snap = s.latest
    assert snap.detail is not None and snap.inspection.chain is not None and snap.data
    frozen = [a.copy() for a in arrays_of(snap)]
    assert len(frozen) > 30
    for _ in range(25):  # more steps, a new epoch's shuffle, new batches through the buffers
        n = s.submit(Step())
    assert applied(s, n)
    for before, now in zip(frozen, arrays_of(snap), strict=True):
        assert np.array_equal(before, now, equal_nan=True)
    chain = snap.inspection.chain
    assert chain.product_mean == pytest.approx(float(np.mean(chain.de_dz * chain.dz_dw)))


def test_a_log_of_commands_replays_to_the_very_same_run():
    """Commands are values: kept in a list, given to a fresh session of the same run, they
    give the same weights bit for bit (a random key sequence that breaks the app can be
    replayed exactly)."""
    log = [
        Step(),
        StepLr(up=True),
        NextPhase(),
        NextPhase(),
        ChangeSettings.of(batch_size=None, optimizer="momentum"),
        RunEpoch(),
        Select((1, 2, 0)),
        StartRun(Config(n_samples=200, hidden=(3,), seed=4)),
        RunEpoch(),
        StepLr(up=False),
        Step(),
    ]
    runs = []
    for _ in range(2):
        s = TrainingSession(Trainer(Config(n_samples=200)), paused=True, clock=ManualClock())
        for command in log:
            s.submit(command)
            s.tick()
        runs.append(s)
    a, b = (s.trainer for s in runs)
    assert a.steps == b.steps > 0 and a.config == b.config and a.config.lr == 0.01
    assert np.array_equal(a.net.params, b.net.params)
    assert runs[0].latest.applied == runs[1].latest.applied == len(log)
