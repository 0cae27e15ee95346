"""``backprop-tui train`` and ``backprop-tui gradcheck``: the core without the UI."""

from __future__ import annotations

import argparse
import csv
import math
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np

from core import paths
from core.best_val import DEFAULT_PATIENCE
from core.checkpoint import save_checkpoint
from core.config import Config
from core.evaluation import RegressionScores, regression_scores
from core.ghosts import differences
from core.gradcheck import check_gradients
from core.landscape import SharpnessColumn, stability_limit
from core.optimizers import Momentum
from core.run_data import describe
from core.trainer import Diverged, EpochReport, Trainer

from .args import chosen_settings
from .hangup import say
from .reports import ending_line, score_lines, stopping_line, stops_by_default, weights_words
from .resume import resume

PROGRESS_SECONDS = 10.0  # a progress line at least this often, however long the run


def progress_line(
    r: EpochReport,
    total: int,
    has_val: bool = True,
    scores: tuple[RegressionScores, RegressionScores] | None = None,
) -> str:
    """'epoch   100/1000  train 0.123456  val 0.130000  acc 95.0% / 94.0%  lr 0.03'; without
    a validation set 'epoch 1/10  train 0.69  acc 50.0%  lr 0.03  (no validation set)'; a
    regression's R², RMSE and MAE (training / validation; the errors in the target's units)
    after the losses: '  R² 0.912/0.897  RMSE 20.1/22.5  MAE 15.9/17.7'."""
    width = len(str(total))
    line = f"epoch {r.epoch:>{width}}/{total}  train {r.train_loss:.6g}"
    line += f"  val {r.val_loss:.6g}" if has_val else ""
    if not math.isnan(r.train_acc):
        val_acc = f" / {100 * r.val_acc:.1f}%" if has_val else ""
        line += f"  acc {100 * r.train_acc:.1f}%{val_acc}"
    if scores is not None:
        train, val = scores
        for name in ("r2", "rmse", "mae"):
            shown = "R²" if name == "r2" else name.upper()
            line += f"  {shown} {getattr(train, name):.4g}"
            line += f"/{getattr(val, name):.4g}" if has_val else ""
    return line + f"  lr {r.lr:g}" + ("" if has_val else "  (no validation set)")


class Interrupted:
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP while training, unless ignored (nohup): the first
    stops training at the end of the current step, so the run is saved whole; a second
    one leaves at once (saves are atomic: the file is the old one or the new one)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Interrupted:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.signum is not None:
            os._exit(128 + signum)
        self.signum = signum


def check_save_path(path: str) -> str:
    """Before training: --save must name a file (not a named pipe, a device or a folder) in
    a folder that can be written. The path to write (``~`` expanded)."""
    if not path.strip():
        raise ValueError("--save needs a file name, e.g. --save run.npz")
    try:
        return str(paths.to_write(path))
    except ValueError as e:
        raise ValueError(f"--save: {e}") from None


def check_history_paths(path: str, trainer: Trainer) -> str:
    """Before training: --history and the ghosts' files beside it (``ghost_path``) must be
    files that can be written (not named pipes, devices or folders). The history's path."""
    try:
        checked = paths.to_write(path)
        for k in range(1, len(trainer.ghosts) + 1):
            paths.to_write(str(ghost_path(checked, k)))
    except ValueError as e:
        raise ValueError(f"--history: {e}") from None
    return str(checked)


class EpochLog:
    """After each epoch: the history row, a progress line now and then (about 20 lines, and
    one at least every PROGRESS_SECONDS), and the patience's verdict. ``sharpness_every``:
    λmax every that many epochs (``Sharpness``)."""

    def __init__(
        self,
        trainer: Trainer,
        epochs: int,
        writer,
        quiet: bool,
        patience: int,
        sharpness_every: int | None = None,
    ) -> None:
        self.trainer, self.writer, self.quiet = trainer, writer, quiet
        self.first, self.last = trainer.epoch, trainer.epoch + epochs
        self.patience = patience
        self.every = max(1, epochs // 20)
        if patience:  # it may stop soon: a line every half patience
            self.every = min(self.every, max(1, patience // 2))
        self.shown = time.monotonic()
        self.sharpness = Sharpness(sharpness_every) if sharpness_every else None

    def epoch(self, report: EpochReport) -> bool:
        """Log one epoch; True when --patience says stop."""
        t = self.trainer
        scores = None
        if t.task == "regression":
            scores = regression_scores(t, "train"), regression_scores(t)
        lam = self.sharpness.measure(t) if self.sharpness else math.nan
        if self.writer is not None:
            best = t.best_val.epoch == report.epoch
            write_history_row(self.writer, report, scores, best, sharpness=lam)
        stop = bool(self.patience) and t.best_val.waited(t.epoch) >= self.patience
        due = (report.epoch - self.first) % self.every == 0 or report.epoch == self.last or stop
        if not self.quiet and (due or time.monotonic() - self.shown >= PROGRESS_SECONDS):
            self.shown = time.monotonic()
            line = progress_line(report, self.last, len(t.X_val) > 0, scores)
            line += self.sharpness.words(t) if self.sharpness else ""
            try:
                print(line, flush=True)
            except OSError:  # the terminal is gone: train on quietly
                self.quiet = True
        return stop


class Sharpness:
    """--sharpness-every N: λmax of the training loss's Hessian every N epochs (a history
    column, empty between), and the last one in words for the progress line."""

    def __init__(self, every: int) -> None:
        self.column = SharpnessColumn(every)
        self.value, self.at = math.nan, 0

    def measure(self, t: Trainer) -> float:
        """This epoch's λmax, or nan when it is not one of the N."""
        value = self.column(t)
        if not math.isnan(value):
            self.value, self.at = value, t.epoch
        return value

    def words(self, t: Trainer) -> str:
        """ "  λmax 2.71 (2/lr 2.86)"; "at ep 100" when older than this epoch; Adam has no limit."""
        if not self.at:
            return ""
        at = "" if self.at == t.epoch else f" at ep {self.at}"
        limit = stability_limit(t)
        name = "(2+2β)/lr" if isinstance(t.optimizer, Momentum) else "2/lr"
        beside = f"{name} {limit:.4g}" if limit is not None else "Adam: no 2/lr limit"
        return f"  λmax {self.value:.4g}{at} ({beside})"


def train(args: argparse.Namespace, config: Config | None) -> int:
    """Train for --epochs epochs (a resumed run: its checkpoint's, unless given); progress
    about 20 lines, and one at least every PROGRESS_SECONDS; history CSV streamed each epoch.
    Ctrl-C, SIGTERM and SIGHUP stop at the end of a step, and --save still saves.
    ``config`` is the run to start, None with --resume."""
    save = check_save_path(args.save) if args.save is not None else None
    trainer = resume(args.resume, args) if args.resume else Trainer(config)
    check_validation_needs(trainer)
    history = check_history_paths(args.history, trainer) if args.history else None
    by_default = not args.resume and stops_by_default(trainer, chosen_settings(args))
    patience, restore = trainer.config.patience, trainer.config.restore_best
    if by_default:
        patience, restore = DEFAULT_PATIENCE, True
    if trainer.config.data is not None and not args.resume:
        tell_data(trainer, args.quiet, [stopping_line(trainer)] if by_default else [])
    epochs = trainer.config.epochs
    every = getattr(args, "sharpness_every", None)
    if every and trainer.net.norm_layers:
        raise ValueError(
            f"--sharpness-every: λmax is not measured for a network with {trainer.config.norm} "
            "normalisation (no second derivatives through it here): drop one of the two"
        )
    f, writer = history_writer(history, resuming=bool(args.resume))
    if history:
        for written in write_ghosts(history, trainer):
            say(f"ghost run written to {written}")
    log = EpochLog(trainer, epochs, writer, args.quiet, patience, every)
    status, patience_ran_out = 0, False
    with Interrupted() as stop:
        try:
            for _ in range(epochs):
                report = trainer.run_epoch(lambda: stop.signum is not None)
                if report is None:
                    break
                if log.epoch(report):
                    patience_ran_out = True
                    break
        except Diverged as e:
            say(f"stopped: {e}")
            status = 1
        finally:
            if f is not None:
                f.close()
        if stop.signum is not None:
            name = signal.Signals(stop.signum).name
            say(f"interrupted ({name}) at epoch {trainer.epoch}")
            status = 128 + stop.signum
        restored = None
        if restore and trainer.best_val.epoch is not None and trainer.epoch:
            restored = trainer.restore_best()
        if patience_ran_out or restored is not None:
            say(ending_line(trainer, patience, patience_ran_out, restored))
        if not log.quiet and trainer.epoch:
            tell_results(trainer)
        if save is not None:
            save_checkpoint(trainer, save)
            say(f"saved {save} {weights_words(trainer)}")
    return status


def gradcheck(config: Config, rows: int = 16, tolerance: float = 1e-6) -> int:
    """Print each layer's relative error between backprop and central differences."""
    trainer = Trainer(config.replace(dtype="float64"))
    X, Y = trainer.X[:rows], trainer.Y[:rows]
    net = trainer.net
    rng = np.random.default_rng(config.seed)
    for b in net.biases:  # non-zero biases exercise every term
        b[...] = rng.normal(scale=0.1, size=b.shape)
    net.dropped = trainer.dropout_masks(len(X), rng)  # one fixed mask for both sides
    worst = 0.0
    for gamma, beta in zip(net.gammas, net.betas, strict=True):  # away from 1 and 0
        gamma[...] = 1.0 + rng.normal(scale=0.2, size=gamma.shape)
        beta[...] = rng.normal(scale=0.1, size=beta.shape)
    for c in check_gradients(net, X, Y, trainer.loss_name):
        act = net.activations[c.layer].name
        shape = f"{net.sizes[c.layer]}->{net.sizes[c.layer + 1]}"
        if c.part == "norm":
            shape, act = f"{net.sizes[c.layer + 1]}", f"{net.norm} norm γ, β"
        verdict = "ok" if c.relative_error < tolerance else "MISMATCH"
        print(
            f"layer {c.layer + 1} ({shape}, {act}): relative error {c.relative_error:.2e}  "
            f"max abs {c.max_abs_error:.2e}  {verdict}"
        )
        worst = max(worst, c.relative_error)
    mask = f", dropout {config.dropout:g} with one fixed mask" if config.dropout else ""
    print(
        f"loss {trainer.loss_name}, {len(X)} rows{mask}: worst {worst:.2e} "
        f"(tolerance {tolerance:g})"
    )
    return 0 if worst < tolerance else 1


REGRESSION_COLUMNS = ["train_r2", "val_r2", "train_rmse", "val_rmse", "train_mae", "val_mae"]
HISTORY_HEADER = [
    "epoch", "lr", "train_loss", "val_loss", "train_acc", "val_acc", *REGRESSION_COLUMNS,
    "best_val",
]  # fmt: skip
HISTORY_HEADER += ["sharpness"]  # λmax with --sharpness-every N (empty otherwise, or between)


def write_history_row(
    writer: csv.writer,
    report,
    scores: tuple[RegressionScores, RegressionScores] | None = None,
    best: bool = False,
    sharpness: float = math.nan,
) -> None:
    """One epoch as CSV (HISTORY_HEADER): epoch, lr, the losses, the accuracies (empty for a
    regression), ``regression_cells``, best_val 1 when the validation loss is the lowest so
    far (the last such row is the best epoch), sharpness: λmax (empty when not measured)."""
    writer.writerow(
        [
            report.epoch,
            repr(report.lr),
            cell(report.train_loss),
            cell(report.val_loss),
            cell(report.train_acc),
            cell(report.val_acc),
            *regression_cells(scores),
            "1" if best else "",
            cell(sharpness),
        ]
    )


def regression_cells(scores: tuple[RegressionScores, RegressionScores] | None) -> list[str]:
    """REGRESSION_COLUMNS' cells: R², RMSE and MAE (the errors in the target's own units)
    on the training and validation sets; empty for a classification."""
    if scores is None:
        return [""] * len(REGRESSION_COLUMNS)
    train, val = scores
    return [cell(getattr(s, name)) for name in ("r2", "rmse", "mae") for s in (train, val)]


def check_validation_needs(trainer: Trainer) -> None:
    """--patience and --restore-best watch the validation loss: refused without one."""
    cfg = trainer.config
    if len(trainer.X_val) == 0 and (cfg.patience or cfg.restore_best):
        flag = "--patience" if cfg.patience else "--restore-best"
        raise ValueError(
            f"{flag} needs a validation set: give --val-fraction above 0 or --val-data FILE.csv"
        )


def tell_data(trainer: Trainer, quiet: bool, more: list[str] = ()) -> None:
    """What was read and decided, and ``more`` (stdout, unless quiet); a warning always
    (stderr)."""
    for line in [*describe(trainer), *more]:
        if line.startswith("warning:"):
            say(line)
        elif not quiet:
            print(line)
    if not quiet:
        print(flush=True)


def tell_results(trainer: Trainer) -> None:
    """At the end: the scores on the validation set (the training set without one), then
    on the test set if rows were held out for it: a classification's confusion matrix and
    per-class scores, a regression's R², RMSE and MAE."""
    sets = ["val" if len(trainer.X_val) else "train"]
    sets += ["test"] if trainer.data.test is not None else []
    for k, which in enumerate(sets):
        if k:
            print()
        for line in score_lines(trainer, which):
            print(line)


def write_ghosts(history: str, trainer: Trainer) -> list[Path]:
    """Each ghost of the run (earlier runs kept to compare with) as a CSV of its own beside
    the history, ``run.ghost1.csv`` ...: run (what it did differently), epoch, train_loss,
    val_loss, one row per point of its curve (bucket maxima past 512 epochs)."""
    written = []
    base = Path(history)
    for k, ghost in enumerate(trainer.ghosts, 1):
        changes = differences(ghost.config, trainer.config)
        label = ", ".join(f"{name}={value}" for name, value in changes.items()) or "earlier weights"
        path = ghost_path(base, k)
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["run", "epoch", "train_loss", "val_loss"])
            for x, train, val in zip(ghost.x, ghost.train, ghost.val, strict=True):
                writer.writerow([label, f"{x:g}", cell(train), cell(val)])
        written.append(path)
    return written


def ghost_path(history: Path, k: int) -> Path:
    """The file of the run's ``k``-th ghost beside the history: run.csv -> run.ghost1.csv."""
    return history.with_name(f"{history.stem}.ghost{k}{history.suffix or '.csv'}")


def cell(x: float) -> str:
    """A CSV cell: the exact float, empty for nan."""
    return "" if math.isnan(x) else repr(float(x))


def history_writer(path: str | None, resuming: bool):
    """An open CSV file and writer (header written unless appending to a resumed run)."""
    if not path:
        return None, None
    append = resuming and Path(path).exists() and Path(path).stat().st_size > 0
    f = open(path, "a" if append else "w", newline="")
    writer = csv.writer(f)
    if not append:
        writer.writerow(HISTORY_HEADER)
    return f, writer
