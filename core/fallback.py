"""The weights a divergence goes back to: the lowest training loss kept, measured exactly.

An epoch's mean training loss is measured along the way, at weights that change every
step, so it only picks candidates: the weights at the end of the two epochs with the
lowest mean so far. When a divergence needs them, ``settle`` measures each candidate again
at its very weights (one pass over the training set each) and keeps the lowest. The
initial weights are the first fallback, with their loss measured when the run starts.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray


def finite_or_inf(loss: float) -> float:
    """A kept loss is a number or inf (not measured, or not finite): never nan."""
    return loss if math.isfinite(loss) else math.inf


class Fallback:
    """``params`` (P,) with its exact training loss ``loss``, from the end of ``epoch`` (0: the
    initial weights); and up to two candidates, measured only by ``settle``."""

    def __init__(self, params: NDArray, loss: float) -> None:
        self.params = params.copy()
        self.candidates = np.empty((2, len(params)), params.dtype)
        self.reset(params, loss)

    def reset(self, params: NDArray, loss: float, epoch: int = 0) -> None:
        """Start again from ``params`` (new weights, a loaded run) with its measured loss."""
        np.copyto(self.params, params)
        self.epoch, self.loss = epoch, finite_or_inf(loss)
        self.forget_candidates()

    def forget_candidates(self) -> None:
        self.candidate_epochs = [-1, -1]  # the epoch of the weights in each slot (-1: empty)
        self.lowest_mean = math.inf  # the lowest epoch mean offered so far

    def offer(self, epoch: int, mean_loss: float, params: NDArray) -> None:
        """At the end of an epoch whose mean training loss is the lowest so far, keep its
        weights in the older of the two slots."""
        if not mean_loss < self.lowest_mean:  # nan is never lower
            return
        self.lowest_mean = mean_loss
        epochs = self.candidate_epochs
        slot = 0 if epochs[0] <= epochs[1] else 1
        self.candidates[slot] = params  # a copy into the slot
        epochs[slot] = epoch

    def settle(self, measure: Callable[[NDArray], float], measure_kept: bool = True) -> None:
        """Make ``params`` the lowest-loss weights of those kept, each measured with
        ``measure(params) -> training loss``: the candidates, and the kept weights too unless
        ``measure_kept`` is False (their loss is exact already when this object measured
        it; a divergence measures it anyway, in case they came from elsewhere). Ties and
        non-finite losses keep the kept weights."""
        chosen = (self.epoch, self.params)
        lowest = math.inf if measure_kept else self.loss
        kept = [(e, self.candidates[i]) for i, e in enumerate(self.candidate_epochs) if e >= 0]
        if measure_kept:
            kept.insert(0, chosen)
        for epoch, params in kept:
            loss = measure(params)
            if loss < lowest:
                chosen, lowest = (epoch, params), loss
        if chosen[1] is not self.params:
            np.copyto(self.params, chosen[1])
        self.epoch, self.loss = chosen[0], finite_or_inf(lowest)
        self.forget_candidates()

    def describe(self) -> str:
        """ "the weights of epoch 12 (training loss 0.3141)", or "the initial weights ..."."""
        where = f"the weights of epoch {self.epoch}" if self.epoch else "the initial weights"
        if math.isfinite(self.loss):
            where += f" (training loss {self.loss:.4g})"
        return where
