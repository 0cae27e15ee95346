"""The training loop, one mini-batch (a step) at a time, or one phase of a step at a time.

A step is: forward, loss, backward of the last layer, ..., backward of the first layer,
update. ``step()`` runs those phases with the very methods ``next_phase()`` runs one by one,
so both give bit-identical weights. An epoch is one pass over the training data: with
mini-batches it holds many steps.

Per step the trainer keeps, per layer k: ||dW_k||, ||db_k||, ||W_k|| and the update ratio
||W_k,new - W_k,old|| / ||W_k|| (with plain SGD that is ||lr * dW_k|| / ||W_k||). Per epoch it
records the learning rate, the mean training loss over the epoch's mini-batches, the
validation loss, accuracies for classification, and each layer's RMS gradient norm and
update ratio over the epoch.

When a run goes wrong (a loss, gradient or weight that stops being finite, or a training
loss that stays far above where it started) the trainer raises Diverged, goes back to the
best weights it kept, and names the likely cause in words. "Best" is exact: an epoch's mean
loss is measured along the way, at weights that change every step, so it only picks
candidates (the end of the epochs with the lowest mean); at a divergence each candidate is
measured again at its very weights, and the notice quotes the loss of the ones restored.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .batches import EpochBatches
from .best_val import BestValidation
from .config import Config
from .datasets import Dataset, Standardizer
from .ghosts import Ghost
from .health import DEPTH_FACTOR, ReluActivity, constant_guess_loss, depth_growth
from .history import History
from .losses import get_loss
from .memory import check_run_memory
from .network import STEP, Network
from .norms import LayerNorms, delta_norms
from .optimizers import make_optimizer
from .phases import Phase, step_phases
from .run_data import RunData, build_data, fitted_hidden
from .trainer_state import check_state

EPOCH_COLUMNS = ("lr", "train_loss", "val_loss", "train_acc", "val_acc")
# A training loss above GROWTH times its reference (the lower of its start and a constant
# guess's loss) for SUSTAIN epochs in a row is reported like a divergence, unless it grew
# more than RUNAWAY times over them: then it is on its way to overflow, which says so.
GROWTH, SUSTAIN, RUNAWAY = 10.0, 5, 100.0
DATA_LARGE = 1e3  # data values beyond this are named as a cause (standardised data is near 1)
EVAL_ROWS = 16384  # rows per forward pass when measuring the whole training set


@dataclass(frozen=True)
class StepReport:
    """What one step did. Arrays have one entry per layer."""

    epoch: int  # the epoch this step belongs to (1-based)
    step: int  # steps taken so far, this one included
    loss: float
    grad_norm: NDArray[np.float64]  # ||dW_k||
    bias_grad_norm: NDArray[np.float64]  # ||db_k||
    weight_norm: NDArray[np.float64]  # ||W_k|| after the update
    update_ratio: NDArray[np.float64]  # ||step W_k|| / ||W_k|| (0 when nothing moved)
    delta_norm: NDArray[np.float64]  # ||delta_k||, delta_k = dE_s/dz_k: the error signal
    # of layer k, one sample's (RMS over the batch; core.norms.delta_norms)


@dataclass(frozen=True)
class EpochReport:
    epoch: int
    lr: float
    train_loss: float
    val_loss: float  # nan without a validation set
    train_acc: float  # nan for regression
    val_acc: float


def history_columns(n_layers: int) -> tuple[str, ...]:
    """The history's columns for a network of ``n_layers`` layers of weights."""
    return (
        EPOCH_COLUMNS
        + tuple(f"grad_norm_{k}" for k in range(n_layers))
        + tuple(f"update_ratio_{k}" for k in range(n_layers))
    )


class Diverged(RuntimeError):
    """Raised by ``step`` when the loss, a gradient or a weight stops being finite, or at the
    end of an epoch when the training loss has stayed far above where it started."""


class Trainer:
    """Trains a Network on a data set as a Config says."""

    def __init__(
        self,
        config: Config,
        data: RunData | tuple[Dataset, Dataset, Standardizer | None] | None = None,
    ) -> None:
        self.data = RunData.of(data) if data is not None else build_data(config)
        self.train_set, self.val_set, self.scaler = self.data.train, self.data.val, self.data.scaler
        self.target_scaler = self.data.target_scaler  # a regression target's, or None
        self.hidden_fitted = config.hidden is None  # chosen for the data (run_data)
        if self.hidden_fitted:
            config = config.replace(hidden=fitted_hidden(self.train_set))
        self.config = config
        self.task = self.train_set.task
        out_act, loss = config.resolved(self.task)
        self.loss_name = loss
        self.loss = get_loss(loss)
        dtype = np.dtype(config.dtype)
        sizes = [self.train_set.n_features, *config.hidden, self.train_set.n_outputs]
        n_train, n_val = self.train_set.n_samples, self.val_set.n_samples
        check_run_memory(n_train, n_val, sizes, config.batch_size, dtype.itemsize)
        self.X = np.ascontiguousarray(self.train_set.X, dtype)
        self.Y = np.ascontiguousarray(self.train_set.Y, dtype)
        self.Xa = np.hstack([self.X, np.ones((len(self.X), 1), dtype)])  # X with a ones column
        self.labels = self._labels_of(self.Y)  # what predictions are compared with, or None
        self.X_val = np.ascontiguousarray(self.val_set.X, dtype)
        self.Y_val = np.ascontiguousarray(self.val_set.Y, dtype)
        acts = [config.activation] * len(config.hidden) + [out_act]
        self.init_round = 0
        self.net = Network(sizes, acts, config.init, self._init_rng(), config.init_scale, dtype)
        self.optimizer = make_optimizer(
            config.optimizer, config.lr, l2=config.l2, l1=config.l1, clip=config.clip
        )
        shuffle_rng = np.random.default_rng([config.seed, 2])
        self.batches = EpochBatches(self.Xa, self.Y, self.labels, shuffle_rng)
        n_layers = self.net.n_layers
        self.history = History(history_columns(n_layers))
        self._row = np.empty(len(self.history.columns))  # one epoch's record, reused
        self.lr_changes: list[tuple[int, float]] = []  # (epoch at which it applies, new lr)
        self.ghosts: list[Ghost] = []  # earlier runs to compare with (core.ghosts)
        self.epoch = 0  # epochs completed
        self.steps = 0  # steps completed
        self.diverged: str | None = None
        self.last_loss = float("nan")  # of the last mini-batch
        self.first_delta_norm = np.full(n_layers, np.nan)  # ||delta_k|| of the first step
        self.batch_x: NDArray | None = None  # the last mini-batch forwarded (n, inputs)
        self.batch_y: NDArray | None = None  # and its targets (n, outputs)
        self.norms = LayerNorms(self.net)
        self.best_val = BestValidation(self.net.params)  # lowest validation loss (best_val.py)
        self.activity = ReluActivity([a.name for a in self.net.activations], sizes, dtype)
        with np.errstate(all="ignore"):
            self.baseline_loss = constant_guess_loss(self.loss, self.Y)  # the yardstick
        self.start_loss = self._training_loss()  # of the initial weights
        # the weights to go back to after a divergence: _best with its exact training loss,
        # and the candidates (see _keep_candidate), measured only when a divergence needs them
        self._best = self.net.params.copy()
        self._best_epoch, self._best_loss = 0, _finite_or_inf(self.start_loss)
        self._recent = np.empty((2, self.net.n_params), dtype)
        self._forget_candidates()
        self._high_epochs = 0  # epochs in a row with the training loss far above its start
        self._start_epoch()
        self.phase_index = 0  # index into self.phases of the next phase to run
        self.last_phase: Phase | None = None  # the phase that ran last
        self.phases = step_phases(n_layers)
        self._phase_fns = (
            [self._forward, self._loss]
            + [functools.partial(self._backward, p.layer) for p in self.phases[2:-1]]
            + [self._update]
        )

    def _init_rng(self) -> np.random.Generator:
        return np.random.default_rng([self.config.seed, 1, self.init_round])

    # --- epoch bookkeeping --------------------------------------------------------------

    def _training_loss(self) -> float:
        """The loss of the current weights over the whole training set (EVAL_ROWS at a time,
        each part's mean weighted by its rows)."""
        n, total = len(self.X), 0.0
        with np.errstate(all="ignore"):
            for i in range(0, n, EVAL_ROWS):
                part = slice(i, i + EVAL_ROWS)
                total += float(self.evaluate(self.X[part], self.Y[part])[0]) * len(self.X[part])
        return total / n if n else float("nan")

    def _start_epoch(self) -> None:
        self.batches.new_epoch(self.config.batch_size)
        self._loss_sum = 0.0
        self._correct = 0
        self._seen = 0
        self.norms.start_epoch()

    def _labels_of(self, Y: NDArray) -> NDArray | None:
        """What a prediction is compared with: Y > 0.5 for two classes, the class for many."""
        if self.task == "binary":
            return Y > 0.5
        return Y.argmax(axis=1) if self.task == "multiclass" else None

    def _end_epoch(self) -> EpochReport:
        self.epoch += 1
        lr = self.optimizer.lr
        train_loss = self._loss_sum / max(self._seen, 1)
        train_acc = self._correct / self._seen if self.task != "regression" else np.nan
        val_loss, val_acc = self.evaluate(self.X_val, self.Y_val)
        row = self._row
        row[:5] = lr, train_loss, val_loss, train_acc, val_acc
        self.norms.epoch_rms(len(self.batches), out=row[5:].reshape(2, -1))
        self.history.append(row)
        self.best_val.see(self.epoch, val_loss, self.net.params)
        self._keep_candidate(train_loss)
        self.activity.end_epoch()
        self._start_epoch()
        # The epoch is recorded and the next one started: a divergence here resumes cleanly.
        # A finite gradient times a finite lr leaves finite weights, short of overflow;
        # an overflow would show in the next loss anyway. Check once an epoch to be sure.
        if not self.norms.weights_finite():
            self._diverge(f"the weights grew too large to represent (inf) at epoch {self.epoch}")
        self._check_growth(train_loss)
        return EpochReport(self.epoch, lr, train_loss, val_loss, train_acc, val_acc)

    def _check_growth(self, train_loss: float) -> None:
        """Diverge when the training loss has stayed above GROWTH times its reference for
        SUSTAIN epochs and is not racing to overflow (see GROWTH)."""
        start, guess = self.start_loss, self.baseline_loss
        ref = start if start <= guess else guess
        high = train_loss > GROWTH * ref and train_loss > guess
        self._high_epochs = self._high_epochs + 1 if high else 0
        if self._high_epochs < SUSTAIN:
            return
        first = self.history.recent("train_loss", SUSTAIN)[1][0]
        if train_loss > RUNAWAY * first:
            return
        what = "its start" if start <= guess else "a constant guess's"
        self._diverge(
            f"the training loss stayed above {GROWTH:g} times {what} ({ref:.3g}) for "
            f"{SUSTAIN} epochs, {train_loss:.3g} at epoch {self.epoch}"
        )

    def _keep_candidate(self, train_loss: float) -> None:
        """At the end of an epoch whose mean training loss is the lowest so far, keep its
        weights in the older of two slots (the last two such epochs' weights are kept)."""
        if not train_loss < self._proxy_low:  # nan is never lower
            return
        self._proxy_low = train_loss
        epochs = self._recent_epochs
        slot = 0 if epochs[0] <= epochs[1] else 1
        self._recent[slot] = self.net.params  # a copy into the slot (cheaper than copyto)
        epochs[slot] = self.epoch

    def _forget_candidates(self) -> None:
        self._recent_epochs = [-1, -1]  # epoch of the weights in each slot (-1: empty)
        self._proxy_low = np.inf

    def _settle_best(self, measure_best: bool = True) -> None:
        """Make ``_best`` the lowest-loss weights of those kept, each measured exactly at its
        own weights (one pass over the training set each): the candidates, and ``_best``
        itself unless ``measure_best`` is False (its recorded loss is exact already, as
        every loss this trainer records for it; a divergence measures it anyway, in case it
        came from elsewhere). Ties and non-finite losses keep ``_best``. The network's
        weights are put back as they were: call it only while no step runs."""
        kept = [(e, self._recent[i]) for i, e in enumerate(self._recent_epochs) if e >= 0]
        chosen, lowest = (self._best_epoch, self._best), _finite_or_inf(self._best_loss)
        if measure_best:
            kept.insert(0, chosen)
            lowest = np.inf
        if kept:
            now = self.net.params.copy()
            for epoch, params in kept:
                np.copyto(self.net.params, params)
                loss = self._training_loss()
                if loss < lowest:
                    chosen, lowest = (epoch, params), loss
            np.copyto(self.net.params, now)
        if chosen[1] is not self._best:
            np.copyto(self._best, chosen[1])
        self._best_epoch, self._best_loss = chosen[0], lowest
        self._forget_candidates()

    def evaluate(self, X: NDArray, Y: NDArray) -> tuple[float, float]:
        """(loss, accuracy) of the current weights on a set; nan for what does not apply."""
        if X.shape[0] == 0:
            return np.nan, np.nan
        z, y = self.net.predict(X)
        loss = self.loss.value(z if self.loss.from_logits else y, Y)
        acc = self.n_correct(y, Y) / X.shape[0] if self.task != "regression" else np.nan
        return loss, acc

    def n_correct(self, y: NDArray, Y: NDArray, labels: NDArray | None = None) -> int:
        """Rows classified right: output > 0.5 for two classes, arg max for many."""
        labels = self._labels_of(Y) if labels is None else labels
        if self.task == "binary":
            return int(np.count_nonzero((y > 0.5) == labels))
        return int(np.count_nonzero(y.argmax(axis=1) == labels))

    # --- the phases of a step ---------------------------------------------------------

    def _forward(self) -> None:
        xa, self.batch_y, self._batch_labels = self.batches.current()
        self.net.run_forward(xa, augmented=True)
        self.batch_x = self.net.x
        if not self.activity.settled:
            self.activity.observe(self.net.hidden_block)

    def _loss(self) -> None:
        loss = self.net.output_delta(self.batch_y, self.loss)
        self.last_loss = loss
        if not math.isfinite(loss):
            self._diverge(f"the loss became {loss} at epoch {self.epoch + 1}")

    def _backward(self, k: int) -> None:
        self.net.backward_layer(k)
        if k == 0:
            g = self.net.grads
            if not math.isfinite(np.dot(g, g)):
                self._diverge(
                    f"a gradient became too large to represent (inf) at epoch {self.epoch + 1}"
                )

    def _update(self) -> None:
        net = self.net
        self.optimizer.apply(net.params, net.grads, net.flat[STEP], net.weight_mask)
        self.norms.update()
        if self.steps == 0:
            self.first_delta_norm = delta_norms(net)
        n = self.batch_x.shape[0]
        self._loss_sum += self.last_loss * n
        self._seen += n
        if self._batch_labels is not None:
            self._correct += self.n_correct(net.a[-1], self.batch_y, self._batch_labels)
        self.steps += 1
        self.batches.pos += 1

    def _diverge(self, what: str) -> None:
        """Stop the step, go back to the best weights kept, and say what went wrong and why.

        Weights just before an overflow are finite but huge: no learning rate would bring
        them back. The kept weights with the lowest training loss, measured at them, are
        the last good ones (see ``_settle_best``); the optimiser's state (momentum, Adam's
        averages) grew with the bad ones and starts over.
        """
        came_bad = not np.isfinite(self.net.params).all() and self.norms.weights_finite()
        self.phase_index = 0
        self._high_epochs = 0
        self._settle_best()
        np.copyto(self.net.params, self._best)
        o = self.optimizer
        self.optimizer = make_optimizer(o.name, o.lr, l2=o.l2, l1=o.l1, clip=o.clip)
        self.activity.clear()  # it described the weights just left behind
        self.diverged = f"{what}: {self._cause(came_bad)}"
        raise Diverged(self.diverged)

    def _back(self) -> str:
        """The weights training goes on from, with their training loss measured at them."""
        where = f"the weights of epoch {self._best_epoch}" if self._best_epoch else "the initial"
        where += "" if self._best_epoch else " weights"
        if math.isfinite(self._best_loss):
            where += f" (training loss {self._best_loss:.4g})"
        return where

    def _cause(self, weights_came_bad: bool) -> str:
        """The likely cause of a divergence and what to do, in words, the first that applies:
        the data, weights that no update made bad, a penalty, the initial weights (overflow
        before any update, a loss far above a constant guess's from the start, an error
        signal exploding through depth at the first step), else the steps overshoot.

        ``weights_came_bad``: the weights are not finite although the last update left them
        finite (a damaged checkpoint, an edit), so no learning rate is to blame.
        """
        o, cfg = self.optimizer, self.config
        lr, back = f"the learning rate {o.lr:g}", self._back()
        init = f"init {cfg.init}" + (f" x {cfg.init_scale:g}" if cfg.init_scale != 1 else "")
        cure = (
            "Choose a smaller init scale"
            if cfg.init_scale > 1
            else "Choose init he (ReLU) or xavier, or a smaller init scale"
        )
        data = self._data_problem()
        if data:
            return data
        if weights_came_bad:
            then = (
                f"Training goes on from {back} when you resume."
                if np.isfinite(self._best).all()
                else "Start over from new weights (r in the app, or a new run)."
            )
            return (
                "the weights held nan or inf before this step, and no update made them so: "
                f"{lr} is not the cause. {then}"
            )
        if o.l2 and o.lr * o.l2 >= 2:
            return (
                f"the L2 penalty {o.l2:g} is too large for {lr}: at lr·l2 = {o.lr * o.l2:.3g} "
                "(over 2) the penalty alone throws every weight past zero, further each step. "
                f"Lower l2 below {2 / o.lr:.3g} and resume: training goes on from {back}."
            )
        if o.l1 and o.lr * o.l1 >= 1:
            return (
                f"the L1 penalty {o.l1:g} is too large for {lr}: the penalty alone moves every "
                f"weight by lr·l1 = {o.lr * o.l1:.3g} each step. Lower l1 below "
                f"{1 / o.lr:.3g} and resume: training goes on from {back}."
            )
        if self.steps == 0:  # the initial weights alone overflow
            return (
                f"no update has been made yet, so {lr} is not the cause: the initial weights "
                f"({init}) are. {cure}."
            )
        d = self.first_delta_norm
        growth = depth_growth(d)[0]
        if self.epoch == 0 and len(d) > 1 and growth >= DEPTH_FACTOR:
            return (
                f"at the first step ‖δ‖ grew {growth:.3g} times from the output back to layer "
                f"1: the initial weights ({init}) make gradients explode layer by layer. "
                f"{cure}; resuming goes on from {back}."
            )
        start, guess = self.start_loss, self.baseline_loss
        if start > GROWTH * guess:
            return (
                f"the initial weights ({init}) were already {start / guess:.3g} times worse "
                f"than a constant guess. {cure}; resuming goes on from {back}."
            )
        return (
            f"{lr} is likely too large: each step overshoots the minimum and lands higher up "
            f"the other side. Lower it and resume: training goes on from {back}."
        )

    def _data_problem(self) -> str:
        """The training data as the cause, in words, or "" when it is not."""
        X, Y = self.X, self.Y
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

    def _run_phase(self, index: int) -> None:
        self._phase_fns[index]()
        self.last_phase = self.phases[index]
        self.phase_index = (index + 1) % len(self.phases)
        if self.phase_index == 0 and self.batches.done:
            self.last_epoch = self._end_epoch()

    def next_phase(self) -> Phase:
        """Run the next phase of the current step and return it.

        After the update phase the step is complete (and possibly the epoch).
        Raises Diverged when a value stops being finite.
        """
        phase = self.phases[self.phase_index]
        self.diverged = None
        with np.errstate(all="ignore"):  # overflow is caught as divergence, not warned
            self._run_phase(self.phase_index)
        return phase

    @property
    def in_step(self) -> bool:
        """True between the first and the last phase of a step."""
        return self.phase_index != 0

    def _finish_step(self) -> None:
        """The remaining phases of the current step (all of them if none ran)."""
        self.diverged = None
        if self.phase_index:
            while self.phase_index:
                self._run_phase(self.phase_index)
            return
        for fn in self._phase_fns:  # a whole step: the same phases, without the bookkeeping
            fn()
        self.last_phase = self.phases[-1]
        if self.batches.done:
            self.last_epoch = self._end_epoch()

    def step(self) -> StepReport:
        """One mini-batch: the remaining phases of the current step (all of them if none ran)."""
        with np.errstate(all="ignore"):
            self._finish_step()
        return self.report()

    def run_epoch(self) -> EpochReport:
        """Steps until the current epoch ends."""
        epoch = self.epoch
        with np.errstate(all="ignore"):
            while self.epoch == epoch:
                self._finish_step()
        return self.last_epoch

    def train(self, epochs: int) -> EpochReport | None:
        """Run ``epochs`` epochs (stops early with Diverged)."""
        report = None
        for _ in range(epochs):
            report = self.run_epoch()
        return report

    def report(self) -> StepReport:
        """The statistics of the last completed step (while stepping phase by phase,
        ||delta_k|| of the layers this step has reached already are this step's)."""
        started = self.steps > 0 or self.in_step
        return StepReport(
            epoch=self.epoch + (self.batches.pos > 0),
            step=self.steps,
            loss=self.last_loss,
            delta_norm=delta_norms(self.net) if started else np.zeros(self.net.n_layers),
            **self.norms.last_step(),
        )

    # --- steering ---------------------------------------------------------------------

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from the next step on (the config says what the run uses:
        a new run built from it keeps this rate)."""
        lr = float(lr)
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate {lr} is not allowed: a finite number > 0")
        if lr != self.optimizer.lr:
            self.config = self.config.replace(lr=lr)  # validates
            self.optimizer.lr = lr
            self.lr_changes.append((self.epoch + 1, lr))
            del self.lr_changes[:-1000]

    def reinitialize(self) -> None:
        """New initial weights on the same data; optimiser state and history start over."""
        self.init_round += 1
        cfg = self.config
        self.net.init(cfg.init, self._init_rng(), cfg.init_scale)
        lr = self.optimizer.lr
        self.optimizer = make_optimizer(cfg.optimizer, lr, l2=cfg.l2, l1=cfg.l1, clip=cfg.clip)
        self.history.clear()
        self.lr_changes.clear()
        self.epoch = self.steps = self.phase_index = 0
        self.last_loss = float("nan")
        self.first_delta_norm[...] = np.nan
        self.last_phase = None
        self.diverged = None
        self.start_loss = self._training_loss()
        np.copyto(self._best, self.net.params)  # a divergence goes back to these weights now
        self._best_epoch, self._best_loss = 0, _finite_or_inf(self.start_loss)
        self._forget_candidates()
        self._high_epochs = 0
        self.activity.clear()
        self.best_val.reset(self.net.params)
        self.norms.reset()
        self._start_epoch()

    def set_batch_size(self, batch_size: int | None) -> None:
        """From the next step on: the rest of this epoch's samples are re-cut to the new size."""
        config = self.config.replace(batch_size=batch_size)
        itemsize = self.net.dtype.itemsize
        check_run_memory(len(self.X), len(self.X_val), self.net.sizes, batch_size, itemsize)
        self.config = config
        if self.in_step:
            self.phase_index = 0  # the weights are untouched until the update: start it again
        self.batches.recut(batch_size)

    def set_optimizer(self, name: str) -> None:
        """Another optimiser from the next step on, same learning rate, fresh state."""
        o = self.optimizer
        self.optimizer = make_optimizer(name, o.lr, l2=o.l2, l1=o.l1, clip=o.clip)
        self.config = self.config.replace(optimizer=name)

    def set_l2(self, l2: float) -> None:
        """The L2 penalty from the next step on."""
        self.config = self.config.replace(l2=l2)  # validates
        self.optimizer.l2 = float(l2)

    def restore_best(self) -> int:
        """Go back to the weights of the epoch with the lowest validation loss (the optimiser
        starts afresh; the history goes on). Returns that epoch; ValueError if none yet."""
        best = self.best_val
        if best.epoch == 0:
            why = "no validation set" if len(self.X_val) == 0 else "no epoch has ended yet"
            raise ValueError(f"no best validation weights to go back to: {why}")
        np.copyto(self.net.params, best.params)
        self.set_optimizer(self.optimizer.name)  # momentum or Adam's averages start over
        self.phase_index = 0
        return best.epoch

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Write one weight W_layer[i, j], or the bias b_layer[j] when i is sizes[layer]
        (paused editing); the current step starts again."""
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"weight value {value} is not allowed: a finite number")
        self.net.stacked[layer][i, j] = value  # [W; b]: the bias is the last row
        self.phase_index = 0

    # --- the whole state as values ------------------------------------------------------

    def state(self) -> dict:
        """The run as plain values: ``state["meta"]`` JSON-able, every other entry an array
        (core/trainer_state.py names them). ``Trainer.from_state(t.state())`` continues bit
        for bit where ``t`` is: at the start of its current step (the weights change only in
        the update phase). The arrays training changes are copies; the data sets are the
        trainer's own (training never writes into them). The best weights kept are settled
        first (``_settle_best``), so the state's best are the best, with their exact loss."""
        self._settle_best(measure_best=False)  # nothing to measure unless it trained
        b = self.batches
        full_batch = b.indices[0] is None
        meta = {
            "config": self.config.to_dict(),
            "epoch": self.epoch,
            "steps": self.steps,
            "batch_pos": b.pos,
            "init_round": self.init_round,
            "lr": self.optimizer.lr,
            "optimizer_t": self.optimizer.t,
            "loss_sum": self._loss_sum,
            "correct": self._correct,
            "seen": self._seen,
            "last_loss": self.last_loss,
            "best_epoch": self._best_epoch,
            "best_loss": float(self._best_loss),
            "best_val_epoch": self.best_val.epoch,
            "best_val_loss": self.best_val.loss,
            "rng": b.rng.bit_generator.state,
            "full_batch": full_batch,
            "lr_changes": [list(c) for c in self.lr_changes],
            "ghosts": [{"config": g.config.to_dict(), "epochs": g.epochs} for g in self.ghosts],
        }
        arrays = {
            "params": self.net.params.copy(),
            "best": self._best.copy(),
            "best_val": self.best_val.params.copy(),
            "sums": self.norms.sums.copy(),
            "epoch_sums": self.norms.epoch_sums.copy(),
            **{f"optimizer/{k}": v for k, v in self.optimizer.state().items()},
            **{f"history/{k}": v for k, v in self.history.state().items()},
            **{
                f"ghost/{k}/{name}": getattr(g, name)  # frozen already
                for k, g in enumerate(self.ghosts)
                for name in ("x", "train", "val")
            },
        }
        for name, ds in (("train", self.train_set), ("val", self.val_set)):
            meta[name] = {
                "name": ds.name,
                "task": ds.task,
                "feature_names": list(ds.feature_names),
                "class_names": list(ds.class_names),
                "truth": dict(ds.truth),
                "target": ds.target,
                "reason": ds.reason,
            }
            arrays[f"{name}/X"], arrays[f"{name}/Y"] = ds.X, ds.Y
            if ds.plane is not None:  # the points derived inputs were made from
                arrays[f"{name}/plane"] = ds.plane
        if not full_batch:
            arrays["batches"] = np.concatenate(b.indices)
            arrays["batch_sizes"] = np.array([len(i) for i in b.indices], dtype=np.int64)
        if self.scaler is not None:
            arrays["scaler/mean"], arrays["scaler/std"] = self.scaler.mean, self.scaler.std
        if self.target_scaler is not None:
            target = self.target_scaler
            arrays["target_scaler/mean"], arrays["target_scaler/std"] = target.mean, target.std
        meta["hidden_fitted"] = self.hidden_fitted
        meta["stratified"] = self.data.stratified
        return {"meta": meta, **arrays}

    @classmethod
    def from_state(cls, state: dict) -> Trainer:
        """The Trainer that ``state()`` was taken from, exactly.

        Every value is checked first (types, ranges, shapes, agreement with the config and
        the network): StateError names the first one no run could have written, before
        anything is built. ConfigError if the run would not fit the memory budget.
        """
        checked = check_state(state, history_columns)
        meta = state["meta"]
        t = cls(checked.config, checked.data)
        t.init_round = meta["init_round"]
        if t.init_round:  # the loss the run's own initial weights started at (health)
            t.net.init(t.config.init, t._init_rng(), t.config.init_scale)
            t.start_loss = t._training_loss()
        t.net.params[...] = state["params"]
        t._best[...] = state["best"]
        t._best_epoch, t._best_loss = meta["best_epoch"], float(meta["best_loss"])
        t.best_val.params[...] = state.get("best_val", state["params"])  # older: none kept
        t.best_val.epoch = meta.get("best_val_epoch", 0)
        t.best_val.loss = float(meta.get("best_val_loss", np.inf))
        t.hidden_fitted = meta.get("hidden_fitted", False)
        t.norms.sums[...] = state["sums"]
        t.norms.epoch_sums[...] = state["epoch_sums"]
        t.optimizer.load_state(_part(state, "optimizer"))
        t.history = History.from_state(_part(state, "history"))
        t.lr_changes = [(int(e), float(lr)) for e, lr in meta["lr_changes"]]
        t.epoch, t.steps, t.batches.pos = meta["epoch"], meta["steps"], meta["batch_pos"]
        t._loss_sum, t._correct, t._seen = meta["loss_sum"], meta["correct"], meta["seen"]
        t.last_loss = meta["last_loss"]
        t.batches.rng.bit_generator.state = meta["rng"]
        t.batches.indices = checked.batches or [None]
        t.batches.gather()
        t.ghosts = checked.ghosts
        return t


def _finite_or_inf(loss: float) -> float:
    """A best loss is a number or inf (not measured, or not finite): never nan."""
    return loss if math.isfinite(loss) else math.inf


def _part(state: dict, prefix: str) -> dict:
    """The entries ``prefix/name`` of a state as {name: array}."""
    return {k[len(prefix) + 1 :]: v for k, v in state.items() if k.startswith(prefix + "/")}
