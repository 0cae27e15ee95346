"""One epoch's order of the training samples, cut into mini-batches.

Full batch: one batch of every sample, in order (``indices == [None]``). Otherwise each
epoch draws a new permutation from the trainer's seeded generator and cuts it into
batches of ``batch_size`` (the last may be shorter). Training sets up to GATHER_BYTES are
copied into the epoch's order once, so that every mini-batch is a contiguous slice (no
copy per step): ``x_rows[bounds[i]:bounds[i + 1]]`` is batch i (the full batch is the
arrays themselves); larger ones are indexed batch by batch.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np
from numpy.typing import NDArray

from .datasets import batch_indices

GATHER_BYTES = 4_000_000  # training sets up to this size are re-ordered once per epoch


class EpochBatches:
    """The mini-batches of the current epoch over Xa (n, d + 1), Y (n, k), labels (n,) or None.

    ``indices``: one index array per batch, or [None] for the full batch; ``pos``: how many
    of them are done. ``x_rows``, ``y_rows``, ``label_rows``: the epoch's rows in batch
    order, batch i at rows ``bounds[i]:bounds[i + 1]``; None when batches are indexed.
    """

    def __init__(self, Xa: NDArray, Y: NDArray, labels: NDArray | None, rng: np.random.Generator):
        self.Xa, self.Y, self.labels, self.rng = Xa, Y, labels, rng
        self.indices: list[NDArray[np.intp] | None] = [None]
        self.pos = 0
        self.gather()

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def done(self) -> bool:
        """True once every batch of the epoch has been used."""
        return self.pos == len(self.indices)

    def new_epoch(self, batch_size: int | None) -> None:
        """Reshuffle (unless full batch) and start from the first batch."""
        n = len(self.Xa)
        full = batch_size is None or batch_size >= n
        self.indices = [None] if full else batch_indices(n, batch_size, self.rng)
        self.pos = 0
        self.gather(None if full else self.indices[0].base)  # slices of one permutation

    def recut(self, batch_size: int | None) -> None:
        """Cut the samples this epoch has not used yet into batches of the new size."""
        rest = self.indices[self.pos :]
        idx = np.arange(len(self.Xa)) if not rest or rest[0] is None else np.concatenate(rest)
        if batch_size is None or batch_size >= len(idx):
            chunks = [idx]
        else:
            chunks = [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
        self.indices = self.indices[: self.pos] + chunks
        self.gather()

    def gather(self, order: NDArray[np.intp] | None = None) -> None:
        """Lay out the epoch's rows in batch order (after ``indices`` changed): the arrays
        themselves for the full batch, a copy for a small training set, else nothing.
        ``order``: the batches' indices one after the other, if the caller has them."""
        self.bounds = [0, len(self.Xa)]
        if self.indices[0] is None:
            self.x_rows, self.y_rows, self.label_rows = self.Xa, self.Y, self.labels
            return
        self.x_rows = self.y_rows = self.label_rows = None
        if self.Xa.nbytes > GATHER_BYTES:
            return
        if order is None or len(order) != len(self.Xa):
            order = np.concatenate(self.indices)
        self.x_rows, self.y_rows = self.Xa[order], self.Y[order]
        self.label_rows = None if self.labels is None else self.labels[order]
        self.bounds = [0, *accumulate(len(b) for b in self.indices)]

    def current(self) -> tuple[NDArray, NDArray, NDArray | None]:
        """The batch at ``pos``: (Xa_b, Y_b, labels_b or None)."""
        idx = self.indices[self.pos]
        if idx is None:
            return self.Xa, self.Y, self.labels
        if self.x_rows is not None:
            lo, hi = self.bounds[self.pos], self.bounds[self.pos + 1]
            labels = None if self.label_rows is None else self.label_rows[lo:hi]
            return self.x_rows[lo:hi], self.y_rows[lo:hi], labels
        return self.Xa[idx], self.Y[idx], None if self.labels is None else self.labels[idx]

    def labels_of(self, first: int, end: int) -> NDArray | None:
        """The labels of batches first .. end - 1, in the order their rows were used."""
        if self.labels is None:
            return None
        if self.label_rows is not None:
            return self.label_rows[self.bounds[first] : self.bounds[end]]
        return self.labels[np.concatenate(self.indices[first:end])]
