"""The epoch with the lowest validation loss so far, and its weights (for --restore-best and
--patience). Separate from the divergence recovery's best weights (lowest training loss)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray


class BestValidation:
    """Remembers the weights at the end of the epoch with the lowest validation loss.

    ``epoch`` 0 and ``loss`` inf until an epoch with a finite validation loss (never,
    without a validation set); ``params`` then holds the initial weights.
    """

    def __init__(self, params: NDArray) -> None:
        self.params = params.copy()
        self.epoch = 0
        self.loss = math.inf

    def see(self, epoch: int, val_loss: float, params: NDArray) -> bool:
        """Record an epoch's end; True (and a copy of the weights) if its loss is the lowest."""
        if not val_loss < self.loss:  # NaN (no validation set) is never better
            return False
        self.epoch, self.loss = epoch, float(val_loss)
        np.copyto(self.params, params)
        return True

    def waited(self, epoch: int) -> int:
        """Epochs since the best one (all of them if there is none yet)."""
        return epoch - self.epoch

    def reset(self, params: NDArray) -> None:
        """Forget: new weights start a new search."""
        np.copyto(self.params, params)
        self.epoch, self.loss = 0, math.inf
