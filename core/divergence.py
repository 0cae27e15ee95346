"""Why a run diverged, in words: pure functions of what the trainer knew when it happened.

The trainer notices (a loss, gradient or weight that stops being finite, or a training loss
that stays far above where it started: ``Growth``), goes back to its fallback weights and
asks ``explain`` for the likely cause and what to do. The first cause that applies wins:
the data, weights that no update made bad, a penalty too large for the rate, the weights as
they were set (initialised, loaded from a checkpoint, typed in) overflowing before any
update, an error signal exploding through depth at the first step, initial weights far
worse than a constant guess; else the steps overshoot: the learning rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .health import DEPTH_FACTOR, depth_growth

# A training loss above GROWTH times its reference (the lower of its start and a constant
# guess's loss) for SUSTAIN epochs in a row is reported like a divergence, unless it grew
# more than RUNAWAY times over them: then it is on its way to overflow, which says so.
GROWTH, SUSTAIN, RUNAWAY = 10.0, 5, 100.0
DATA_LARGE = 1e3  # data values beyond this are named as a cause (standardised data is near 1)
INIT = "init"  # what set the weights: the initialiser (else a checkpoint, or an edit)


@dataclass(frozen=True)
class Facts:
    """What the trainer knew when the run diverged.

    ``set_by``: what set the weights last: INIT, "the checkpoint" or "the edit W1[0,0] =
    1e+308"; ``steps_since_set``: the updates made since. ``first_delta_norm`` (L,):
    ||δ_k|| at the run's first step. ``came_bad``: the weights were not finite before the
    step although no update made them so. ``back``: the weights training goes on from, in
    words; ``back_finite``: whether they are finite.
    """

    lr: float
    l2: float
    l1: float
    init: str
    init_scale: float
    set_by: str
    steps_since_set: int
    epoch: int
    first_delta_norm: NDArray[np.float64]
    start_loss: float
    baseline_loss: float
    came_bad: bool
    back: str
    back_finite: bool
    data_problem: str
    # λmax of the training loss's Hessian at the weights gone back to (nan: not measured),
    # and lr times the optimiser's stability limit: 2 (gradient descent), 2 + 2β
    # (momentum), None (Adam); a step grows along the sharpest direction once lr·λmax is over
    sharpness: float = math.nan
    stable_below: float | None = None


def explain(f: Facts) -> str:
    """The likely cause of a divergence and what to do (see the module docstring)."""
    lr, back = f"the learning rate {f.lr:g}", f.back
    init = f"init {f.init}" + (f" x {f.init_scale:g}" if f.init_scale != 1 else "")
    cure = (
        "Choose a smaller init scale"
        if f.init_scale > 1
        else "Choose init he (ReLU) or xavier, or a smaller init scale"
    )
    if f.data_problem:
        return f.data_problem
    if f.came_bad:
        then = (
            f"Training goes on from {back} when you resume."
            if f.back_finite
            else "Start over from new weights (r in the app, or a new run)."
        )
        return (
            "the weights held nan or inf before this step, and no update made them so: "
            f"{lr} is not the cause. {then}"
        )
    if f.l2 and f.lr * f.l2 >= 2:
        return (
            f"the L2 penalty {f.l2:g} is too large for {lr}: at lr·l2 = {f.lr * f.l2:.3g} "
            "(over 2) the penalty alone throws every weight past zero, further each step. "
            f"Lower l2 below {2 / f.lr:.3g} and resume: training goes on from {back}."
        )
    if f.l1 and f.lr * f.l1 >= 1:
        return (
            f"the L1 penalty {f.l1:g} is too large for {lr}: the penalty alone moves every "
            f"weight by lr·l1 = {f.lr * f.l1:.3g} each step. Lower l1 below "
            f"{1 / f.lr:.3g} and resume: training goes on from {back}."
        )
    if f.steps_since_set == 0:  # the weights as they were set overflow before any update
        if f.set_by == INIT:
            return (
                f"no update has been made yet, so {lr} is not the cause: the initial weights "
                f"({init}) are. {cure}."
            )
        return (
            f"no update has been made since {f.set_by}, so {lr} is not the cause: those "
            f"weights are too large for the loss to be computed. Resuming goes on from {back}."
        )
    growth = depth_growth(f.first_delta_norm)[0]
    if f.epoch == 0 and len(f.first_delta_norm) > 1 and growth >= DEPTH_FACTOR:
        return (
            f"at the first step ‖δ‖ grew {growth:.3g} times from the output back to layer "
            f"1: the initial weights ({init}) make gradients explode layer by layer. "
            f"{cure}; resuming goes on from {back}."
        )
    if f.start_loss > GROWTH * f.baseline_loss:
        return (
            f"the initial weights ({init}) were already {f.start_loss / f.baseline_loss:.3g} "
            f"times worse than a constant guess. {cure}; resuming goes on from {back}."
        )
    lower = f"Lower it and resume: training goes on from {back}."
    return f"{lr} is likely too large: {overshoot(f)}. {lower}"


def overshoot(f: Facts) -> str:
    """What a too-large rate does; with lr·λmax when it is over the optimiser's limit (at the
    weights gone back to: where it is under, the steps went where the loss is sharper)."""
    lam, limit = f.sharpness, f.stable_below
    if math.isfinite(lam) and limit is not None and f.lr * lam > limit:
        product = f"lr·λmax = {f.lr:g} x {lam:.4g} = {f.lr * lam:.3g}"
        return f"{product} > {limit:.3g}: each step overshoots the minimum"
    return "each step overshoots the minimum and lands higher up the other side"


def data_problem(X: NDArray, Y: NDArray) -> str:
    """The training data (inputs X, targets Y) as the cause, in words, or "" when it is not."""
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        return (
            "the training data holds nan or inf values: no learning rate or "
            "initialisation can fix that. Repair or remove them and start a new run."
        )
    big_x, big_y = (float(np.abs(v).max(initial=0.0)) for v in (X, Y))
    if max(big_x, big_y) < DATA_LARGE:
        return ""
    which, big = ("inputs", big_x) if big_x >= big_y else ("targets", big_y)
    return (
        f"the training {which} reach {big:.3g}: the loss and its gradients grow with "
        "them, beyond what weights and learning rates for values near 1 can take. Scale "
        "the data to values near 1 (standardize = true does the inputs) in a new run."
    )


class Growth:
    """Watches the epochs' training loss for one that stays far above where it started
    (the lower of the start's loss and a constant guess's), without racing to overflow."""

    def __init__(self, start_loss: float, baseline_loss: float) -> None:
        self.start, self.guess = start_loss, baseline_loss
        self.high_epochs = 0  # epochs in a row with the training loss far above its reference

    def see(self, epoch: int, train_loss: float, first_of_last: float) -> str:
        """After an epoch: what went wrong, or "". ``first_of_last``: the training loss of
        the first of the last SUSTAIN epochs (this one included)."""
        start, guess = self.start, self.guess
        ref = start if start <= guess else guess
        high = train_loss > GROWTH * ref and train_loss > guess
        self.high_epochs = self.high_epochs + 1 if high else 0
        if self.high_epochs < SUSTAIN or train_loss > RUNAWAY * first_of_last:
            return ""
        what = "its start" if start <= guess else "a constant guess's"
        return (
            f"the training loss stayed above {GROWTH:g} times {what} ({ref:.3g}) for "
            f"{SUSTAIN} epochs, {train_loss:.3g} at epoch {epoch}"
        )
