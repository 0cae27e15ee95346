"""Checkpoints: exact continuation, atomic writes, clear errors for bad files."""

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.checkpoint import CheckpointError, load_checkpoint, remove_litter, save_checkpoint
from core.config import Config
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state


def config(**changes):
    return Config(
        **{"dataset": "moons", "n_samples": 200, "hidden": (6,), "batch_size": 16, **changes}
    )


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_load_and_continue_equals_not_stopping(tmp_path, optimizer):
    straight = Trainer(config(optimizer=optimizer, lr=0.01))
    stopped = Trainer(config(optimizer=optimizer, lr=0.01))
    straight.train(3)
    stopped.train(3)
    for t in (straight, stopped):  # stop in the middle of an epoch, after a change of lr
        t.step(), t.step()
        t.apply({"lr": 0.02})
    save_checkpoint(stopped, tmp_path / "run.npz")
    resumed = load_checkpoint(tmp_path / "run.npz")
    straight.train(4)
    resumed.train(4)
    assert np.array_equal(straight.net.params, resumed.net.params)
    assert len(straight.history) == len(resumed.history) == 7
    for col in ("train_loss", "val_loss", "lr"):
        assert np.array_equal(
            straight.history.recent(col)[1], resumed.history.recent(col)[1], equal_nan=True
        )
    assert resumed.lr_changes == straight.lr_changes


@pytest.mark.parametrize("dataset", ["moons", "spiral3"])
def test_a_state_taken_between_two_steps_goes_on_as_if_never_taken(dataset):
    """What a step keeps to sum later (squared norms, outputs to count, ReLU activity) is
    summed into the state: every number of the history and the step report goes on the
    same, bit for bit, in the run resumed and in the one the state was taken from."""
    cfg = config(dataset=dataset, activation="relu", hidden=(6, 4), batch_size=8)
    straight, stopped = Trainer(cfg), Trainer(cfg)
    for t in (straight, stopped):
        t.train(1)
        for _ in range(5):
            t.step()
    resumed = trainer_from_state(state_of(stopped))
    for t in (straight, stopped, resumed):
        t.train(2)
        t.step()
    for t in (stopped, resumed):
        assert np.array_equal(straight.net.params, t.net.params)
        for col in straight.history.columns:
            assert np.array_equal(
                straight.history.recent(col)[1], t.history.recent(col)[1], equal_nan=True
            )
        a, b = straight.report(), t.report()
        for field in ("loss", "grad_norm", "bias_grad_norm", "weight_norm", "update_ratio"):
            assert np.array_equal(getattr(a, field), getattr(b, field))
        assert (t.tally.loss_sum, t.tally.correct, t.tally.seen) == (
            straight.tally.loss_sum, straight.tally.correct, straight.tally.seen
        )  # fmt: skip


def test_checkpoint_holds_the_data_and_config(tmp_path):
    t = Trainer(config())
    t.train(1)
    save_checkpoint(t, tmp_path / "a.npz")
    back = load_checkpoint(tmp_path / "a.npz")
    assert back.config == t.config
    assert np.array_equal(back.X, t.X) and np.array_equal(back.Y_val, t.Y_val)
    assert back.train_set.class_names == t.train_set.class_names


def test_an_interrupted_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    t = Trainer(config())
    save_checkpoint(t, path)
    old = path.read_bytes()
    t.train(2)

    def crash_halfway(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # the process is stopped mid-write

    monkeypatch.setattr(np, "savez", crash_halfway)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(t, path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temporary file left
    monkeypatch.undo()
    assert load_checkpoint(path).epoch == 0


def test_saves_killed_with_kill_9_leave_no_litter_after_the_next_save(tmp_path):
    """A process saving over and over is killed (SIGKILL) until a kill comes during a save
    (at most ten tries): the file is always whole, and the next save removes the temporary
    file the killed one left."""
    path = tmp_path / "run.npz"
    saver = (
        "import sys; from core.trainer import Trainer; from core.config import Config\n"
        "from core.checkpoint import save_checkpoint\n"
        "t = Trainer(Config(dataset='moons', hidden=(600, 600)))\n"
        "print('ready', flush=True)\n"
        "while True: save_checkpoint(t, sys.argv[1])\n"
    )
    root = Path(__file__).resolve().parent.parent
    for delay in (0.05, 0.13, 0.21, 0.08, 0.17, 0.11, 0.25, 0.06, 0.19, 0.14):
        proc = subprocess.Popen(
            [sys.executable, "-c", saver, str(path)], cwd=root, stdout=subprocess.PIPE
        )
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if path.exists():
            load_checkpoint(path)  # whole, whenever the kill came
        if list(tmp_path.glob(".run.npz.*.tmp")):
            break  # this kill came during a save (the next saver would remove its litter)
    litter = list(tmp_path.glob(".run.npz.*.tmp"))
    assert litter  # a kill came during a save (most of the loop's time)
    for tmp in litter:  # as if killed a while ago
        os.utime(tmp, (time.time() - 60, time.time() - 60))
    save_checkpoint(Trainer(config()), path)
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_only_stale_temporary_files_of_our_own_pattern_are_removed(tmp_path):
    old = time.time() - 60

    def make(name: str, age: float = old) -> Path:
        p = tmp_path / name
        p.write_bytes(b"x")
        os.utime(p, (age, age))
        return p

    stale = make(".run.npz.abcd_123.tmp")
    in_progress = make(".run.npz.zzzz9999.tmp")  # a save holds its lock while it writes
    starting = make(".run.npz.new12345.tmp", age=time.time())  # made this very moment
    others = [make(".other.npz.abcd1234.tmp"), make("run.npz.abcd1234.tmp"), make("a.tmp")]
    with open(in_progress, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        assert remove_litter(tmp_path, "run.npz") == 1
    assert not stale.exists()
    assert in_progress.exists() and starting.exists() and all(p.exists() for p in others)
    assert remove_litter(tmp_path) == 2  # every name: the other save's litter, then this one


def test_a_save_into_a_missing_folder_names_the_file_asked_for(tmp_path):
    with pytest.raises(OSError, match=r"cannot write .*nowhere/run\.npz"):
        save_checkpoint(Trainer(config()), tmp_path / "nowhere" / "run.npz")


def test_a_corrupt_file_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a backprop-tui checkpoint or is damaged"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.npz")


def test_a_truncated_checkpoint_gets_a_clear_error(tmp_path):
    path = tmp_path / "run.npz"
    save_checkpoint(Trainer(config()), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(path)


def test_a_foreign_npz_gets_a_clear_error(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(CheckpointError, match="damaged|not a backprop-tui"):
        load_checkpoint(path)
    np.savez(path, meta=np.array('{"format": "something else"}'))
    with pytest.raises(CheckpointError, match="not a backprop-tui checkpoint"):
        load_checkpoint(path)


@pytest.mark.parametrize(("key", "value"), [("epoch", None), ("steps", -1), ("lr", "fast")])
def test_a_checkpoint_with_wrong_types_inside_is_refused(tmp_path, key, value):
    path = tmp_path / "run.npz"
    save_checkpoint(Trainer(config()), path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays["meta"]))
    meta[key] = value
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(CheckpointError, match=f"damaged: {key} = "):
        load_checkpoint(path)


def test_no_pickle_inside(tmp_path):
    path = tmp_path / "run.npz"
    save_checkpoint(Trainer(config()), path)
    with np.load(path, allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_trainer_state_round_trip_without_a_file():
    t = Trainer(config(optimizer="momentum"))
    t.train(2)
    t.step()
    state = state_of(t)
    json.dumps(state["meta"])  # plain values
    twin = trainer_from_state(state)
    t.step()  # the state is a copy: training on does not change it
    assert not np.array_equal(t.net.params, state["params"])
    twin.step()
    t.train(2), twin.train(2)
    assert np.array_equal(t.net.params, twin.net.params)
    assert np.array_equal(t.history.recent("val_loss")[1], twin.history.recent("val_loss")[1])


def test_from_state_names_what_is_wrong():
    from core.trainer_state import StateError

    state = state_of(Trainer(config()))
    state["meta"]["correct"] = state["meta"]["seen"] + 1
    with pytest.raises(StateError, match="correct = "):
        trainer_from_state(state)
