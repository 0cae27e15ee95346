"""One epoch's order of the training samples, cut into mini-batches.

Full batch: one batch of every sample, in order (``order`` None). Otherwise each epoch
draws a new permutation from the trainer's seeded generator (as core.datasets'
``batch_indices`` draws it) and cuts it into batches of ``batch_size`` (the last may be
shorter): batch i is ``order[bounds[i]:bounds[i + 1]]``. Training sets up to GATHER_BYTES
are copied into the epoch's order once, so that every mini-batch is a contiguous slice (no
copy per step): ``x_rows[bounds[i]:bounds[i + 1]]`` is batch i (for the full batch, the
arrays themselves); larger ones are indexed batch by batch.
"""

from __future__ import annotations

from itertools import accumulate, pairwise

import numpy as np
from numpy.typing import NDArray

GATHER_BYTES = 4_000_000  # training sets up to this size are re-ordered once per epoch


class EpochBatches:
    """The mini-batches of the current epoch over Xa (n, d + 1), Y (n, k), labels (n,) or None.

    ``order``: the epoch's order of the rows (None: the full batch, in order); ``bounds``:
    where each batch starts in it, and the last ends; ``pos``: how many batches are done.
    ``x_rows``, ``y_rows``, ``label_rows``: the rows in that order; None when batches are
    indexed one by one.
    """

    def __init__(self, Xa: NDArray, Y: NDArray, labels: NDArray | None, rng: np.random.Generator):
        self.Xa, self.Y, self.labels, self.rng = Xa, Y, labels, rng
        self.order: NDArray[np.int64] | None = None
        self.bounds = [0, len(Xa)]
        self.pos = 0
        self.gather()

    def __len__(self) -> int:
        return len(self.bounds) - 1

    @property
    def indices(self) -> list[NDArray[np.int64] | None]:
        """One index array per batch, or [None] for the full batch."""
        if self.order is None:
            return [None]
        return [self.order[lo:hi] for lo, hi in pairwise(self.bounds)]

    @indices.setter
    def indices(self, batches: list[NDArray[np.int64] | None]) -> None:
        """Batches as index arrays (or [None]), e.g. a checkpoint's; then ``gather()``."""
        if batches[0] is None:
            self.order, self.bounds = None, [0, len(self.Xa)]
        else:
            self.order = np.concatenate(batches).astype(np.int64, copy=False)
            self.bounds = [0, *accumulate(len(b) for b in batches)]

    @property
    def done(self) -> bool:
        """True once every batch of the epoch has been used."""
        return self.pos == len(self.bounds) - 1

    def new_epoch(self, batch_size: int | None) -> None:
        """Reshuffle (unless full batch) and start from the first batch."""
        n = len(self.Xa)
        if batch_size is None or batch_size >= n:
            self.order, self.bounds = None, [0, n]
        else:
            self.order = self.rng.permutation(n).astype(np.int64)
            self.bounds = [*range(0, n, batch_size), n]
        self.pos = 0
        self.gather()

    def recut(self, batch_size: int | None) -> None:
        """Cut the samples this epoch has not used yet into batches of the new size."""
        n, start = len(self.Xa), self.bounds[self.pos]
        rest = n - start
        if not rest:
            return
        if self.order is None:  # the full batch's order, now cut (its rows are the same)
            self.order = np.arange(n, dtype=np.int64)
        size = rest if batch_size is None or batch_size >= rest else batch_size
        self.bounds = [*self.bounds[: self.pos + 1], *range(start + size, n, size), n]

    def gather(self) -> None:
        """Lay out the epoch's rows in its order (after ``order`` changed): the arrays
        themselves for the full batch, a copy for a small training set, else nothing."""
        if self.order is None:
            self.x_rows, self.y_rows, self.label_rows = self.Xa, self.Y, self.labels
        elif self.Xa.nbytes > GATHER_BYTES:
            self.x_rows = self.y_rows = self.label_rows = None
        else:  # np.take: as Xa[order], faster for narrow rows
            order = self.order
            self.x_rows, self.y_rows = np.take(self.Xa, order, 0), np.take(self.Y, order, 0)
            self.label_rows = None if self.labels is None else np.take(self.labels, order, 0)

    def current(self) -> tuple[NDArray, NDArray, NDArray | None]:
        """The batch at ``pos``: (Xa_b, Y_b, labels_b or None)."""
        lo, hi = self.bounds[self.pos], self.bounds[self.pos + 1]
        if self.x_rows is not None:
            if hi - lo == len(self.x_rows):  # the whole set: the arrays themselves
                return self.x_rows, self.y_rows, self.label_rows
            labels = None if self.label_rows is None else self.label_rows[lo:hi]
            return self.x_rows[lo:hi], self.y_rows[lo:hi], labels
        idx = self.order[lo:hi]
        labels = None if self.labels is None else np.take(self.labels, idx, 0)
        return np.take(self.Xa, idx, 0), np.take(self.Y, idx, 0), labels

    def labels_of(self, first: int, end: int) -> NDArray | None:
        """The labels of batches first .. end - 1, in the order their rows were used."""
        lo, hi = self.bounds[first], self.bounds[end]
        if self.labels is None:
            return None
        if self.label_rows is not None:
            return self.label_rows[lo:hi]
        return self.labels[self.order[lo:hi]]
