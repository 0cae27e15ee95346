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
from .history import History
from .losses import get_loss
from .memory import check_run_memory
from .network import GRADS, STEP, Network
from .norms import LayerNorms
from .optimizers import make_optimizer
from .phases import Phase, step_phases
from .run_data import RunData, build_data, fitted_hidden
from .trainer_state import check_state

EPOCH_COLUMNS = ("lr", "train_loss", "val_loss", "train_acc", "val_acc")
# A first step's ||dW_k|| above this means the initial weights, not the learning rate, are
# what blows up (a sane initialisation gives norms near 1 or below).
FIRST_STEP_EXPLODING = 100.0


@dataclass(frozen=True)
class StepReport:
    """What one step did. Arrays have one entry per layer."""

    epoch: int  # the epoch this step belongs to (1-based)
    step: int  # steps taken so far, this one included
    loss: float
    grad_norm: NDArray[np.float64]  # ||dW_k||
    bias_grad_norm: NDArray[np.float64]  # ||db_k||
    weight_norm: NDArray[np.float64]  # ||W_k|| after the update
    update_ratio: NDArray[np.float64]  # ||delta W_k|| / ||W_k||


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
    """Raised by ``step`` when the loss, a gradient or a weight stops being finite."""


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
        self.first_grad_norm = float("nan")  # the largest ||dW_k|| of the first step
        self.batch_x: NDArray | None = None  # the last mini-batch forwarded (n, inputs)
        self.batch_y: NDArray | None = None  # and its targets (n, outputs)
        self.norms = LayerNorms(self.net)
        self._best = self.net.params.copy()  # the weights to go back to after a divergence
        self._best_epoch, self._best_loss = 0, np.inf
        self.best_val = BestValidation(self.net.params)  # lowest validation loss (best_val.py)
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
        # A finite gradient times a finite lr leaves finite weights, short of overflow;
        # an overflow would show in the next loss anyway. Check once an epoch to be sure.
        if not self.norms.weights_finite():
            self._diverge("the weights grew too large to represent (inf)")
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
        if train_loss <= self._best_loss:
            self._best_loss, self._best_epoch = train_loss, self.epoch
            np.copyto(self._best, self.net.params)
        self._start_epoch()
        return EpochReport(self.epoch, lr, train_loss, val_loss, train_acc, val_acc)

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

    def _loss(self) -> None:
        loss = self.net.output_delta(self.batch_y, self.loss)
        self.last_loss = loss
        if not math.isfinite(loss):
            self._diverge(f"the loss became {loss}")

    def _backward(self, k: int) -> None:
        self.net.backward_layer(k)
        if k == 0:
            g = self.net.grads
            if not math.isfinite(np.dot(g, g)):
                self._diverge("a gradient became too large to represent (inf)")

    def _update(self) -> None:
        net = self.net
        self.optimizer.apply(net.params, net.grads, net.flat[STEP], net.weight_mask)
        self.norms.update()
        if self.steps == 0:
            self.first_grad_norm = math.sqrt(self.norms.sums[GRADS, 0::2].max())
        n = self.batch_x.shape[0]
        self._loss_sum += self.last_loss * n
        self._seen += n
        if self._batch_labels is not None:
            self._correct += self.n_correct(net.a[-1], self.batch_y, self._batch_labels)
        self.steps += 1
        self.batches.pos += 1

    def _diverge(self, what: str) -> None:
        """Stop the step, go back to the best weights so far, and say why.

        Weights just before an overflow are finite but huge: no learning rate would bring
        them back. The weights at the end of the epoch with the lowest training loss are
        the last good ones (the initial weights if no epoch is complete); the optimiser's
        state (momentum, Adam's averages) grew with them and starts over.
        """
        self.phase_index = 0
        np.copyto(self.net.params, self._best)
        cfg = self.config
        self.optimizer = make_optimizer(
            cfg.optimizer,
            self.optimizer.lr,
            l2=self.optimizer.l2,
            l1=self.optimizer.l1,
            clip=self.optimizer.clip,
        )
        self.diverged = f"{what} at epoch {self.epoch + 1}: {self._cause()}"
        raise Diverged(self.diverged)

    def _cause(self) -> str:
        """The likely cause of a divergence and what to do, in words."""
        lr, cfg = f"the learning rate {self.optimizer.lr:g}", self.config
        init = f"init {cfg.init}" + (f" x {cfg.init_scale:g}" if cfg.init_scale != 1 else "")
        cure = "Choose init he (for ReLU) or xavier, or a smaller init scale"
        if self.steps == 0:  # the initial weights alone overflow
            return (
                f"no update has been made yet, so {lr} is not the cause: the initial weights "
                f"({init}) are. {cure}."
            )
        back = (
            f"the weights of epoch {self._best_epoch} (training loss {self._best_loss:.4g})"
            if self._best_epoch
            else "the initial weights"
        )
        resume = f"Lower it and resume: training goes on from {back}."
        if self.epoch == 0 and self.first_grad_norm > FIRST_STEP_EXPLODING:
            return (
                f"the gradients were already {self.first_grad_norm:.3g} at the first step, so "
                f"the initial weights ({init}) make them grow layer by layer and {lr} only "
                f"scales the damage. {cure}; or {resume[0].lower()}{resume[1:]}"
            )
        return f"{lr} is likely too large. {resume}"

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
        """The statistics of the last completed step."""
        return StepReport(
            epoch=self.epoch + (self.batches.pos > 0),
            step=self.steps,
            loss=self.last_loss,
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
        self.first_grad_norm = self.last_loss = float("nan")
        self.last_phase = None
        self.diverged = None
        np.copyto(self._best, self.net.params)  # a divergence goes back to these weights now
        self._best_epoch, self._best_loss = 0, np.inf
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
        trainer's own (training never writes into them)."""
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


def _part(state: dict, prefix: str) -> dict:
    """The entries ``prefix/name`` of a state as {name: array}."""
    return {k[len(prefix) + 1 :]: v for k, v in state.items() if k.startswith(prefix + "/")}
