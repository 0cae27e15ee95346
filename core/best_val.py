"""The epoch with the lowest validation loss so far, and its weights (for --restore-best,
--patience and ``b``). Separate from the divergence's fallback (lowest training loss)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

DEFAULT_PATIENCE = 20  # a CSV run told nothing of how long to train stops after these


class BestValidation:
    """Remembers the weights with the lowest validation loss seen: the initial weights
    (epoch 0) are the first candidate, then the end of each epoch.

    ``epoch`` None and ``loss`` inf until a finite validation loss is seen (never without a
    validation set).
    """

    def __init__(self, params: NDArray) -> None:
        self.params = params.copy()
        self.epoch: int | None = None
        self.loss = math.inf

    def see(self, epoch: int, val_loss: float, params: NDArray) -> bool:
        """Record an epoch's end (0: the start); True (and a copy of the weights) if its
        loss is the lowest."""
        if not val_loss < self.loss:  # NaN (no validation set) is never better
            return False
        self.epoch, self.loss = epoch, float(val_loss)
        np.copyto(self.params, params)
        return True

    def waited(self, epoch: int) -> int:
        """Epochs since the best one (all of them if there is none yet)."""
        return epoch - (self.epoch or 0)

    def reset(self, params: NDArray) -> None:
        """Forget: new weights start a new search."""
        np.copyto(self.params, params)
        self.epoch, self.loss = None, math.inf


def weights_epoch(trainer) -> int:
    """The epoch whose end left the weights a Trainer holds: the epochs it has completed,
    or, when it went back to its best validation weights (``restore_best``) and has not
    stepped since, that best epoch."""
    restores, best = trainer.restores, trainer.best_val.epoch
    restored = bool(restores) and restores[-1] == (trainer.epoch + 1, "best")
    return best if restored and trainer.tally.seen == 0 and best is not None else trainer.epoch
