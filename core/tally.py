"""The running sums of the epoch under way: loss times rows, rows seen, rows classified right.

The loss and the rows are added at every step. Whether the rows were classified right is
counted from the outputs: each step's are kept in a buffer (one copy) and compared with
their labels when ``correct`` is read (at the end of the epoch, for a checkpoint) or when
the buffer is full: a few comparisons an epoch instead of several calls a step, and the
same count.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .batches import EpochBatches

KEEP_BYTES = 256 * 1024  # outputs kept before they are counted


def count_correct(task: str, y: NDArray, labels: NDArray) -> int:
    """Rows of outputs y (n, k) classified right: y > 0.5 for two classes (labels bool),
    the arg max for many (labels the class)."""
    if task == "binary":
        return int(np.count_nonzero((y > 0.5) == labels))
    return int(np.count_nonzero(y.argmax(axis=1) == labels))


class EpochTally:
    """Sums since the epoch started (or since a restore within it), over ``batches``.

    ``add`` is called once a step, before ``batches.pos`` moves on to the next batch.
    """

    def __init__(self, task: str, batches: EpochBatches, n_outputs: int, dtype: type) -> None:
        self.task, self.batches = task, batches
        self.loss_sum = 0.0  # the batches' mean losses times their rows
        self.seen = 0  # rows
        self._correct = 0  # rows counted so far
        rows = max(1, KEEP_BYTES // (n_outputs * np.dtype(dtype).itemsize))
        self._kept = None if task == "regression" else np.empty((rows, n_outputs), dtype)
        self._filled = 0  # rows of _kept holding outputs not counted yet
        self._first = 0  # the batch they start with

    def add(self, loss: float, outputs: NDArray) -> None:
        """One step: its mean loss over its rows, and their outputs (n, k)."""
        n = len(outputs)
        self.loss_sum += loss * n
        self.seen += n
        kept = self._kept
        if kept is not None:
            start = self._filled
            if start + n > len(kept):  # full: count what is kept, then keep this batch's
                self._count()
                start = 0
                if n > len(kept):  # a batch larger than the buffer: count it now
                    pos = self.batches.pos
                    labels = self.batches.labels_of(pos, pos + 1)
                    self._correct += count_correct(self.task, outputs, labels)
                    self._first = pos + 1
                    return
            kept[start : start + n] = outputs
            self._filled = start + n

    def _count(self) -> None:
        """Count the kept outputs (of batches _first .. pos - 1) against their labels."""
        pos = self.batches.pos
        if self._filled:
            labels = self.batches.labels_of(self._first, pos)
            self._correct += count_correct(self.task, self._kept[: self._filled], labels)
        self._filled, self._first = 0, pos

    @property
    def correct(self) -> int:
        """Rows classified right (0 for regression)."""
        self._count()
        return self._correct

    @correct.setter
    def correct(self, value: int) -> None:
        self._correct, self._filled, self._first = value, 0, self.batches.pos

    def clear(self) -> None:
        """Start the sums again from the batch at ``batches.pos``."""
        self.loss_sum, self.seen = 0.0, 0
        self.correct = 0
