"""One epoch's order of the training samples, cut into mini-batches.

Full batch: one batch of every sample, in order (``indices == [None]``). Otherwise each
epoch draws a new permutation from the trainer's seeded generator and cuts it into
batches of ``batch_size`` (the last may be shorter). Training sets up to GATHER_BYTES are
copied into the epoch's order once, so that every mini-batch is a contiguous slice (no
copy per step); larger ones are indexed batch by batch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .datasets import batch_indices

GATHER_BYTES = 4_000_000  # training sets up to this size are re-ordered once per epoch


class EpochBatches:
    """The mini-batches of the current epoch over Xa (n, d + 1), Y (n, k), labels (n,) or None.

    ``indices``: one index array per batch, or [None] for the full batch; ``pos``: how many
    of them are done.
    """

    def __init__(self, Xa: NDArray, Y: NDArray, labels: NDArray | None, rng: np.random.Generator):
        self.Xa, self.Y, self.labels, self.rng = Xa, Y, labels, rng
        self.indices: list[NDArray[np.intp] | None] = [None]
        self.pos = 0
        self._order: tuple[NDArray, NDArray, NDArray | None] | None = None
        self._offsets: NDArray[np.intp] | None = None  # where each batch starts in _order

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
        self.gather()

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

    def gather(self) -> None:
        """Copy a small training set into the epoch's order (after ``indices`` changed)."""
        self._order = None
        if self.indices[0] is None or self.Xa.nbytes > GATHER_BYTES:
            return
        order = np.concatenate(self.indices)
        labels = None if self.labels is None else self.labels[order]
        self._order = (self.Xa[order], self.Y[order], labels)
        self._offsets = np.concatenate([[0], np.cumsum([len(b) for b in self.indices])])

    def current(self) -> tuple[NDArray, NDArray, NDArray | None]:
        """The batch at ``pos``: (Xa_b, Y_b, labels_b or None)."""
        if self._order is not None:
            lo, hi = self._offsets[self.pos], self._offsets[self.pos + 1]
            Xa, Y, labels = self._order
            return Xa[lo:hi], Y[lo:hi], None if labels is None else labels[lo:hi]
        idx = self.indices[self.pos]
        if idx is None:
            return self.Xa, self.Y, self.labels
        return self.Xa[idx], self.Y[idx], None if self.labels is None else self.labels[idx]
