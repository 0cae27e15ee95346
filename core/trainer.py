"""The training loop, one mini-batch (a step) at a time, or one phase of a step at a time.

A step is: forward, loss, backward of the last layer, ..., backward of the first layer,
update. ``advance()`` runs the rest of a step with the very methods ``next_phase()`` runs
one by one, so both give bit-identical weights. An epoch is one pass over the training
data: with mini-batches it holds many steps; ``run_epoch(stop)`` runs one, and can be
interrupted between two steps and taken up again.

Per step the trainer keeps, per layer k: ||dW_k||, ||db_k||, ||W_k|| and the update ratio
||W_k,new - W_k,old|| / ||W_k|| (with plain SGD that is ||lr * dW_k|| / ||W_k||). Per epoch it
records the learning rate, the mean training loss over the epoch's mini-batches, the
validation loss, accuracies for classification, and each layer's RMS gradient norm and
update ratio over the epoch.

``advance()`` and ``run_epoch()`` run a whole step with ``_step``: the same phases fused
(core.network's ``forward_backward``); what only the screen and the history need is kept
cheaply per step and summed when read (core.norms, core.tally, core.health's ReluActivity).

The trainer owns the run's settings (``config``): ``apply`` takes the live ones (core.settings)
from the next step on, and the optimiser is handed the learning rate and penalties from it
at each update. When a run goes wrong (a loss, gradient or weight that stops being finite,
or a training loss that stays far above where it started) the trainer raises Diverged,
goes back to its fallback weights (core.fallback) and names the likely cause in words
(core.divergence). A restore (after a divergence, or ``restore_best``) starts the epoch's
running sums again, so the epoch it happens in reports the loss of the weights it went to.
The run as plain values (a checkpoint's content) is core.trainer_state's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .batches import EpochBatches
from .best_val import BestValidation
from .config import Config, ConfigError
from .datasets import Dataset, Standardizer
from .divergence import INIT, SUSTAIN, Facts, Growth, data_problem, explain
from .fallback import Fallback
from .ghosts import Ghost
from .health import ReluActivity, constant_guess_loss
from .history import History
from .inspect import parameter_name
from .landscape import stability_facts
from .losses import get_loss
from .memory import check_run_memory
from .network import Network
from .norms import LayerNorms, delta_norms
from .optimizers import make_optimizer
from .phases import Phase, step_phases
from .run_data import RunData, build_data, fitted_hidden
from .settings import LIVE, SETTINGS
from .tally import EpochTally, count_correct

EPOCH_COLUMNS = ("lr", "train_loss", "val_loss", "train_acc", "val_acc")
EVAL_ROWS = 16384  # rows per forward pass when measuring the whole training set
MAX_EVENTS = 1000  # learning rate changes and restores kept (the most recent)


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


@dataclass(frozen=True)
class Restored:
    """The weights a restore went back to, measured there: what the epoch it happened in
    reports (its steps before the restore belong to weights given up; after it, the
    learner is shown where training goes on from). nan where a measure does not apply."""

    why: str  # "diverged" or "best"
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float


def history_columns(n_layers: int) -> tuple[str, ...]:
    """The history's columns for a network of ``n_layers`` layers of weights."""
    return (
        EPOCH_COLUMNS
        + tuple(f"grad_norm_{k}" for k in range(n_layers))
        + tuple(f"update_ratio_{k}" for k in range(n_layers))
    )


class Diverged(RuntimeError):
    """Raised by a step when the loss, a gradient or a weight stops being finite, or at the
    end of an epoch when the training loss has stayed far above where it started."""


class Trainer:
    """Trains a Network on a data set as a Config says.

    Args:
        config: the run's settings (hidden None: layers fitted to the data).
        data: the data sets to use instead of reading or making them from ``config``.
        init_round: which draw of initial weights (0 the first; ``reinitialize`` counts).
    """

    def __init__(
        self,
        config: Config,
        data: RunData | tuple[Dataset, Dataset, Standardizer | None] | None = None,
        init_round: int = 0,
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
        self.init_round = init_round
        self.net = Network(
            sizes, acts, config.init, self._init_rng(), config.init_scale, dtype, config.norm
        )
        self.optimizer = make_optimizer(config.optimizer)
        shuffle_rng = np.random.default_rng([config.seed, 2])
        self.batches = EpochBatches(self.Xa, self.Y, self.labels, shuffle_rng)
        self.dropout_rng = np.random.default_rng([config.seed, 3])  # apart: p = 0 draws none
        n_layers = self.net.n_layers
        self.history = History(history_columns(n_layers))
        self._row = np.empty(len(self.history.columns))  # one epoch's record, reused
        self._row_norms = self._row[len(EPOCH_COLUMNS) :].reshape(2, -1)  # its norms' part
        self.lr_changes: list[tuple[int, float]] = []  # (epoch at which it applies, new lr)
        self.restores: list[tuple[int, str]] = []  # (epoch it happened in, "diverged"/"best")
        self.ghosts: list[Ghost] = []  # earlier runs to compare with (core.ghosts)
        self.epoch = 0  # epochs completed
        self.steps = 0  # steps completed
        self.edits = 0  # changes of the weights other than by a step (edits, restores, new)
        self.diverged: str | None = None
        self.last_loss = float("nan")  # of the last mini-batch
        self.last_epoch: EpochReport | None = None
        self.tally = EpochTally(self.task, self.batches, self.train_set.n_outputs, dtype)
        self.first_delta_norm = np.full(n_layers, np.nan)  # ||delta_k|| of the first step
        self._batch_xa: NDArray | None = None  # the last mini-batch forwarded, [x, 1]
        self.batch_y: NDArray | None = None  # and its targets (n, outputs)
        self._params, self._grads, self._step_rows = self.net.flat  # rows PARAMS, GRADS, STEP
        self._weight_mask = self.net.weight_mask
        self.norms = LayerNorms(self.net)
        self.activity = ReluActivity([a.name for a in self.net.activations], sizes, dtype)
        with np.errstate(all="ignore"):
            self.baseline_loss = constant_guess_loss(self.loss, self.Y)  # the yardstick
        self.best_val = BestValidation(self.net.params)  # lowest validation loss (best_val.py)
        self.fallback = Fallback(self.net.params, math.inf)  # what a divergence goes back to
        self.growth = Growth(math.inf, self.baseline_loss)
        self.set_by, self.set_at_step = INIT, 0  # what set the weights last, at which step
        self.restored: Restored | None = None  # a restore in the epoch under way (measured)
        self._start_from_these_weights()
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

    def _start_from_these_weights(self) -> None:
        """The current weights are the run's start: measured, they are the fallback and the
        first candidate for the best validation loss (epoch 0)."""
        self.start_loss = self.training_loss()
        self.fallback.reset(self.net.params, self.start_loss)
        self.growth = Growth(self.start_loss, self.baseline_loss)
        self.best_val.reset(self.net.params)
        with np.errstate(all="ignore"):
            self.best_val.see(0, self.evaluate(self.X_val, self.Y_val)[0], self.net.params)

    # --- measuring ----------------------------------------------------------------------

    def training_loss(self) -> float:
        """The loss of the current weights over the whole training set (EVAL_ROWS at a time,
        each part's mean weighted by its rows)."""
        n, total = len(self.X), 0.0
        with np.errstate(all="ignore"):
            for i in range(0, n, EVAL_ROWS):
                part = slice(i, i + EVAL_ROWS)
                total += float(self.evaluate(self.X[part], self.Y[part])[0]) * len(self.X[part])
        return total / n if n else float("nan")

    def _loss_at(self, params: NDArray) -> float:
        """The training loss at ``params`` (the network keeps them: callers put theirs back)."""
        np.copyto(self.net.params, params)
        return self.training_loss()

    def settle_fallback(self) -> None:
        """Measure the fallback's candidates now and keep the best (core.fallback); the
        weights are put back as they were."""
        now = self.net.params.copy()
        self.fallback.settle(self._loss_at, measure_kept=False)
        np.copyto(self.net.params, now)

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
        return count_correct(self.task, y, self._labels_of(Y) if labels is None else labels)

    def _labels_of(self, Y: NDArray) -> NDArray | None:
        """What a prediction is compared with: Y > 0.5 for two classes, the class for many."""
        if self.task == "binary":
            return Y > 0.5
        return Y.argmax(axis=1) if self.task == "multiclass" else None

    @property
    def batch_x(self) -> NDArray | None:
        """The last mini-batch forwarded (n, inputs), None before the first."""
        return None if self._batch_xa is None else self._batch_xa[:, :-1]

    # --- the phases of a step -----------------------------------------------------------

    def dropout_masks(self, n: int, rng: np.random.Generator) -> list[NDArray] | None:
        """Dropout's masks for a batch of n rows, one (n, units) per hidden layer:
        m = (u >= p) / (1 - p), u uniform in [0, 1) from ``rng``, so a unit is dropped with
        probability p and the kept ones scaled up (inverted dropout: the expected output
        is unchanged, and validation needs no scaling). None when p = 0 (nothing drawn)."""
        p = self.config.dropout
        if p == 0:
            return None
        scale = self.net.dtype.type(1 / (1 - p))
        return [(rng.random((n, m)) >= p) * scale for m in self.net.sizes[1:-1]]

    def _forward(self) -> None:
        xa, self.batch_y, _ = self.batches.current()
        self.net.dropped = self.dropout_masks(len(xa), self.dropout_rng)
        self.net.run_forward(xa, augmented=True)
        self._batch_xa = xa
        if not self.activity.settled:
            self.activity.observe(self.net.hidden_inputs)

    def _loss(self) -> None:
        loss = self.net.output_delta(self.batch_y, self.loss)
        self.last_loss = loss
        if not math.isfinite(loss):
            self._loss_diverged(loss)

    def _backward(self, k: int) -> None:
        self.net.backward_layer(k)
        if k == 0 and not math.isfinite(self.norms.gradient_norm_sq()):
            self._gradient_diverged()

    def _update(self) -> None:
        c = self.config
        self.optimizer.apply(
            self._params, self._grads, self._step_rows, self._weight_mask,
            c.lr, c.l2, c.l1, c.clip,
        )  # fmt: skip
        if self.net.norm_layers:  # batch norm's running averages take this batch's
            self.net.update_running_stats()
        self.norms.update()
        if not self.steps:
            self.first_delta_norm = delta_norms(self.net)
        self.tally.add(self.last_loss, self.net.output)
        self.steps += 1
        self.batches.pos += 1

    def _step(self) -> None:
        """A whole step: the phases above back to back, with the network's
        ``forward_backward`` doing forward, loss and backward in one go (the same calls in
        the same order, so the same bits as ``next_phase`` gives), the batch taken as a
        slice of the epoch's rows where there is one."""
        b = self.batches
        if b.x_rows is not None:
            lo = b.bounds[b.pos]
            hi = b.bounds[b.pos + 1]
            xa = b.x_rows[lo:hi]
            y = b.y_rows[lo:hi]
        else:
            xa, y, _ = b.current()
        self._batch_xa = xa
        self.batch_y = y
        net = self.net
        if self.config.dropout:
            net.dropped = self.dropout_masks(len(xa), self.dropout_rng)
        elif net.dropped is not None:
            net.dropped = None
        loss = self.last_loss = net.forward_backward(xa, y, self.loss)
        if not self.activity.settled:
            self.activity.observe(net.hidden_inputs)
        if not math.isfinite(loss):
            self._loss_diverged(loss)
        if not math.isfinite(self.norms.gradient_norm_sq()):
            self._gradient_diverged()
        self._update()

    def _loss_diverged(self, loss: float) -> None:
        self._diverge(f"the loss became {loss} at epoch {self.epoch + 1}")

    def _gradient_diverged(self) -> None:
        self._diverge(f"a gradient became too large to represent (inf) at epoch {self.epoch + 1}")

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

    def _advance(self) -> None:
        """``advance`` without its floating-point error state (the caller sets it)."""
        self.diverged = None
        if self.phase_index:
            while self.phase_index:
                self._run_phase(self.phase_index)
            return
        self._step()  # a whole step: the same phases, without the bookkeeping
        self.last_phase = self.phases[-1]
        if self.batches.done:
            self.last_epoch = self._end_epoch()

    def advance(self) -> bool:
        """The rest of the current step (all of it if none ran); True if it ended an epoch
        (then ``last_epoch`` reports it). Raises Diverged."""
        epoch = self.epoch
        with np.errstate(all="ignore"):  # overflow is caught as divergence, not warned
            self._advance()
        return self.epoch != epoch

    def step(self) -> StepReport:
        """One mini-batch: the rest of the current step; its statistics."""
        self.advance()
        return self.report()

    def run_epoch(self, stop: Callable[[], bool] | None = None) -> EpochReport | None:
        """Steps until the current epoch ends; None if ``stop()`` (asked before each step)
        said stop first: the epoch then goes on where it was at the next call."""
        epoch, b, update = self.epoch, self.batches, self.phases[-1]
        with np.errstate(all="ignore"):
            if self.phase_index:  # a step taken phase by phase: its rest first
                if stop is not None and stop():
                    return None
                self._advance()
            if self.epoch == epoch:  # _advance's whole steps, without its checks
                self.diverged = None
                for _ in range(len(b.bounds) - 1 - b.pos):  # the epoch's steps left
                    if stop is not None and stop():
                        return None
                    self._step()
                    self.last_phase = update
                self.last_epoch = self._end_epoch()
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

    # --- the end of an epoch --------------------------------------------------------------

    def _end_epoch(self) -> EpochReport:
        self.epoch += 1
        lr, tally, restored = self.config.lr, self.tally, self.restored
        if restored is not None:  # the weights it went back to, as measured there
            train_loss, train_acc = restored.train_loss, restored.train_acc
        else:
            train_loss = tally.loss_sum / max(tally.seen, 1)
            train_acc = tally.correct / max(tally.seen, 1) if self.task != "regression" else np.nan
        val_loss, val_acc = self.evaluate(self.X_val, self.Y_val)
        row = self._row
        row[0], row[1], row[2], row[3], row[4] = lr, train_loss, val_loss, train_acc, val_acc
        self.norms.epoch_rms(len(self.batches), out=self._row_norms)
        self.history.append(row)
        self.best_val.see(self.epoch, val_loss, self.net.params)
        self.fallback.offer(self.epoch, train_loss, self.net.params)
        self.activity.end_epoch()
        self.restored = None
        self._start_epoch()
        # The epoch is recorded and the next one started: a divergence here resumes cleanly.
        # A finite gradient times a finite lr leaves finite weights, short of overflow;
        # an overflow would show in the next loss anyway. Check once an epoch to be sure.
        if not self.norms.weights_finite():
            self._diverge(f"the weights grew too large to represent (inf) at epoch {self.epoch}")
        growth = self.growth  # (it reads the first of the last SUSTAIN epochs only then)
        high_for_long = growth.high_epochs >= SUSTAIN - 1
        first = self.history.recent("train_loss", SUSTAIN)[1][0] if high_for_long else math.nan
        what = growth.see(self.epoch, train_loss, first)
        if what:
            self._diverge(what)
        return EpochReport(self.epoch, lr, train_loss, val_loss, train_acc, val_acc)

    def _start_epoch(self) -> None:
        self.batches.new_epoch(self.config.batch_size)
        self.tally.clear()
        self.norms.start_epoch()

    # --- going back ---------------------------------------------------------------------

    def _diverge(self, what: str) -> None:
        """Stop the step, go back to the fallback weights, and say what went wrong and why.

        Weights just before an overflow are finite but huge: no learning rate would bring
        them back. The kept weights with the lowest training loss, measured at them, are
        the last good ones (core.fallback); the optimiser's state (momentum, Adam's
        averages) grew with the bad ones and starts over.
        """
        came_bad = not np.isfinite(self.net.params).all() and self.norms.weights_finite()
        self.phase_index = 0
        self.fallback.settle(self._loss_at)
        back = self.fallback.describe()
        self._go_back(self.fallback.params, "diverged")
        c = self.config
        facts = Facts(
            lr=c.lr,
            l2=c.l2,
            l1=c.l1,
            init=c.init,
            init_scale=c.init_scale,
            set_by=self.set_by,
            steps_since_set=self.steps - self.set_at_step,
            epoch=self.epoch,
            first_delta_norm=self.first_delta_norm,
            start_loss=self.start_loss,
            baseline_loss=self.baseline_loss,
            came_bad=came_bad,
            back=back,
            back_finite=bool(np.isfinite(self.fallback.params).all()),
            data_problem=data_problem(self.X, self.Y),
            **stability_facts(self),  # λmax at the weights gone back to, lr·(2/lr)
        )
        self.diverged = f"{what}: {explain(facts)}"
        raise Diverged(self.diverged)

    def _go_back(self, params: NDArray, why: str) -> None:
        """Continue from ``params``: a fresh optimiser, the step started again, the event
        kept, and these weights measured: the epoch under way reports them (Restored)."""
        np.copyto(self.net.params, params)
        self.optimizer = make_optimizer(self.config.optimizer)
        self.phase_index = 0
        self.growth.high_epochs = 0
        self.activity.clear()  # it described the weights just left behind
        self.edits += 1
        self.restores.append((self.epoch + 1, why))
        del self.restores[:-MAX_EVENTS]
        with np.errstate(all="ignore"):
            train_acc = self.evaluate(self.X, self.Y)[1] if self.task != "regression" else np.nan
            val = self.evaluate(self.X_val, self.Y_val)
            self.restored = Restored(why, self.training_loss(), train_acc, *val)

    def restore_best(self) -> int:
        """Go back to the weights with the lowest validation loss, those of the initial
        weights (epoch 0) included (the optimiser starts afresh; the history goes on).
        Returns that epoch; ValueError if there is none yet."""
        best = self.best_val
        if best.epoch is None or self.epoch == 0:
            why = "no validation set" if len(self.X_val) == 0 else "no epoch has ended yet"
            raise ValueError(f"no best validation weights to go back to: {why}")
        self._go_back(best.params, "best")
        return best.epoch

    # --- steering -----------------------------------------------------------------------

    def apply(self, changes: Mapping[str, Any]) -> None:
        """Take live settings (``core.settings.LIVE``: lr, batch size, optimiser, penalties,
        pace, how long to train) from the next step on, e.g. ``apply({"lr": 0.1})``.

        All or nothing: a value not allowed, a setting that is not live (it builds a new
        network: start a new run with it) or a batch size over the memory budget raises
        ConfigError and leaves the run as it was. A new batch size re-cuts the rest of this
        epoch's samples; a new optimiser starts with fresh state at the same rate.
        """
        for name in changes:
            if name not in SETTINGS:
                raise ConfigError(f"unknown setting {name!r}")
            if name not in LIVE:
                raise ConfigError(
                    f"{name} changes the network or the data, not a run in progress: "
                    "start a new run with it"
                )
        old, new = self.config, self.config.replace(**changes)  # checks every value
        if new.batch_size != old.batch_size:
            sizes, itemsize = self.net.sizes, self.net.dtype.itemsize
            check_run_memory(len(self.X), len(self.X_val), sizes, new.batch_size, itemsize)
        self.config = new
        if new.batch_size != old.batch_size:
            self.phase_index = 0  # the weights are untouched until the update: start it again
            self.batches.recut(new.batch_size)
        if new.optimizer != old.optimizer:
            self.optimizer = make_optimizer(new.optimizer)
        if new.lr != old.lr:
            self.lr_changes.append((self.epoch + 1, new.lr))
            del self.lr_changes[:-MAX_EVENTS]

    def reinitialize(self) -> None:
        """New initial weights on the same data; optimiser state and history start over."""
        self.init_round += 1
        cfg = self.config
        self.net.init(cfg.init, self._init_rng(), cfg.init_scale)
        self.optimizer = make_optimizer(cfg.optimizer)
        self.history.clear()
        self.lr_changes.clear()
        self.restores.clear()
        self.epoch = self.steps = self.phase_index = 0
        self.edits += 1
        self.last_loss = float("nan")
        self.first_delta_norm[...] = np.nan
        self.last_phase = None
        self.diverged = None
        self.restored = None
        self.set_by, self.set_at_step = INIT, 0
        self._start_from_these_weights()
        self.activity.clear()
        self.norms.reset()
        self._start_epoch()

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Write one weight W_layer[i, j], or the bias b_layer[j] when i is sizes[layer]
        (paused editing); the current step starts again."""
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"weight value {value} is not allowed: a finite number")
        self.net.stacked[layer][i, j] = value  # [W; b]: the bias is the last row
        self.phase_index = 0
        self.edits += 1
        name = parameter_name(layer, i, j, self.net.sizes)
        self.set_by, self.set_at_step = f"the edit {name} = {value:g}", self.steps

    def switch_neuron(self, layer: int, unit: int) -> bool:
        """Switch hidden neuron ``unit`` of neuron column ``layer`` (1 the first hidden
        layer, as in sizes) off (its output held at 0, in training and prediction) or back
        on; the current step starts again. Returns True if it is now on."""
        net = self.net
        if not 1 <= layer < len(net.sizes) - 1 or not 0 <= unit < net.sizes[layer]:
            raise ValueError(
                f"neuron {unit} of layer {layer} is not a hidden neuron: "
                f"hidden layers are 1 to {len(net.sizes) - 2}"
            )
        on = not net.on[layer - 1][unit]
        net.switch(layer - 1, unit, on)
        self.phase_index = 0
        self.edits += 1
        return on

    def weights_loaded(self) -> None:
        """The weights came from a checkpoint (core.trainer_state): a divergence before the
        next update blames them, not the learning rate."""
        self.set_by, self.set_at_step = "the checkpoint's weights were loaded", self.steps
