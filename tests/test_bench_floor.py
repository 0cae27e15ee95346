"""The floor of bench/core.py: its hand-written loop must be the Trainer's arithmetic, bit for
bit, or the share of the floor it prints compares two different computations."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import core.batches
from core.config import Config
from core.run_data import build_data

BENCH = Path(__file__).resolve().parent.parent / "bench" / "core.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_core", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digits_like(n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    """n rows of 64 pixels in [0, 1] and one-hot labels of 10 classes (W2's shapes)."""
    rng = np.random.default_rng(0)
    return rng.random((n, 64)), np.eye(10)[rng.integers(0, 10, n)]


W1 = dict(dataset="spiral", n_samples=120, val_fraction=0.0, hidden=(8, 8), activation="tanh",
          output_activation="linear", loss="mse", lr=0.03, batch_size=10)  # fmt: skip
W2 = dict(hidden=(32,), activation="relu", loss="cross_entropy", lr=0.1, batch_size=32,
          val_fraction=0.0)  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [
        W1,
        {**W1, "dtype": "float32"},
        {**W1, "batch_size": None, "hidden": ()},  # W4: the full batch, no hidden layer
        W2,
        {**W2, "hidden": (16, 8), "batch_size": 7},
        {**W2, "gather_bytes": 0},  # W3: a large set, each batch copied out on its own
    ],
)
def test_the_floor_loop_trains_the_trainers_weights_bit_for_bit(bench, changes, monkeypatch):
    changes = dict(changes)
    if "gather_bytes" in changes:
        monkeypatch.setattr(core.batches, "GATHER_BYTES", changes["gather_bytes"])
        monkeypatch.setattr(bench, "GATHER_BYTES", changes.pop("gather_bytes"))
    cfg = Config(**changes)
    if "dataset" in changes:
        train = build_data(cfg).train
        X, Y, task = train.X, train.Y, train.task
    else:
        (X, Y), task = digits_like(), "multiclass"
    t = bench.trainer_for(cfg, X, Y, task)
    assert (t.batches.x_rows is None) == (core.batches.GATHER_BYTES == 0)
    epoch, params = bench.floor_loop(cfg, X, Y, t.net.params)
    other, other_params = bench.floor_loop(cfg.replace(lr=cfg.lr * 1.01), X, Y, t.net.params)
    for _ in range(3):
        t.run_epoch(), epoch(), other()
    assert np.array_equal(t.net.params, params)
    assert not np.array_equal(t.net.params, other_params)  # the comparison can fail
