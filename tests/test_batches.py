"""An epoch's mini-batches: every sample once, reshuffled, re-cut mid-epoch, gathered or not."""

import numpy as np
import pytest

import core.batches
from core.batches import EpochBatches
from core.config import Config
from core.trainer import Trainer


def batches(n: int = 30, seed: int = 0) -> EpochBatches:
    rng = np.random.default_rng(seed)
    Xa = np.hstack([rng.standard_normal((n, 2)), np.ones((n, 1))])
    Y = rng.standard_normal((n, 1))
    return EpochBatches(Xa, Y, Y[:, 0] > 0, np.random.default_rng(seed))


def visit(b: EpochBatches) -> list[np.ndarray]:
    """The rows of Xa each remaining batch holds, advancing to the end of the epoch."""
    seen = []
    while not b.done:
        xa, y, labels = b.current()
        assert len(xa) == len(y) == len(labels)
        seen.append(xa)
        b.pos += 1
    return seen


def rows(b: EpochBatches, parts: list[np.ndarray]) -> list[int]:
    """Which sample each visited row is (rows of Xa are distinct)."""
    where = {tuple(r): i for i, r in enumerate(b.Xa)}
    return [where[tuple(r)] for part in parts for r in part]


@pytest.mark.parametrize("gather", [True, False])
def test_an_epoch_visits_every_sample_once_in_a_new_order(gather, monkeypatch):
    if not gather:
        monkeypatch.setattr(core.batches, "GATHER_BYTES", 0)
    b = batches()
    b.new_epoch(7)
    first = visit(b)
    assert [len(p) for p in first] == [7, 7, 7, 7, 2]
    assert sorted(rows(b, first)) == list(range(30))
    b.new_epoch(7)
    second = rows(b, visit(b))
    assert sorted(second) == list(range(30)) and second != rows(b, first)


def test_full_batch_is_the_whole_set_in_order():
    b = batches()
    b.new_epoch(None)
    xa, y, labels = b.current()
    assert len(b) == 1 and xa is b.Xa and y is b.Y and labels is b.labels
    b.new_epoch(30)  # a batch size of the whole set is full batch too
    assert b.indices == [None]


def test_recut_keeps_what_was_used_and_cuts_the_rest():
    b = batches()
    b.new_epoch(7)
    used = []
    for _ in range(2):
        used.append(b.current()[0])
        b.pos += 1
    b.recut(5)
    rest = visit(b)
    assert [len(p) for p in rest] == [5, 5, 5, 1]
    assert sorted(rows(b, used + rest)) == list(range(30))


def test_gathered_and_indexed_batches_train_bit_identically(monkeypatch):
    config = Config(dataset="circle", n_samples=200, hidden=(4,), batch_size=16)
    gathered = Trainer(config)
    gathered.train(3)
    monkeypatch.setattr(core.batches, "GATHER_BYTES", 0)
    indexed = Trainer(config)
    indexed.train(3)
    assert indexed.batches.x_rows is None and gathered.batches.x_rows is not None
    assert np.array_equal(gathered.net.params, indexed.net.params)
