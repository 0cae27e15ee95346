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
from core.checkpoint import save_checkpoint
from core.config import Config
from core.evaluation import confusion, r2
from core.ghosts import differences
from core.gradcheck import check_gradients
from core.metrics import format_report
from core.run_data import describe
from core.trainer import Diverged, EpochReport, Trainer

from .hangup import say
from .resume import resume

PROGRESS_SECONDS = 10.0  # a progress line at least this often, however long the run


def progress_line(
    r: EpochReport, total: int, has_val: bool = True, r2: tuple[float, float] | None = None
) -> str:
    """'epoch   100/1000  train 0.123456  val 0.130000  acc 95.0% / 94.0%  lr 0.03'; without
    a validation set 'epoch 1/10  train 0.69  acc 50.0%  lr 0.03  (no validation set)'; a
    regression's R² (training / validation) after the losses: '  R² 0.912 / 0.897'."""
    width = len(str(total))
    line = f"epoch {r.epoch:>{width}}/{total}  train {r.train_loss:.6g}"
    line += f"  val {r.val_loss:.6g}" if has_val else ""
    if not math.isnan(r.train_acc):
        val_acc = f" / {100 * r.val_acc:.1f}%" if has_val else ""
        line += f"  acc {100 * r.train_acc:.1f}%{val_acc}"
    if r2 is not None:
        line += f"  R² {r2[0]:.4g}" + (f" / {r2[1]:.4g}" if has_val else "")
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
    one at least every PROGRESS_SECONDS), and the patience's verdict."""

    def __init__(self, trainer: Trainer, epochs: int, writer, quiet: bool) -> None:
        self.trainer, self.writer, self.quiet = trainer, writer, quiet
        self.first, self.last = trainer.epoch, trainer.epoch + epochs
        self.every = max(1, epochs // 20)
        self.shown = time.monotonic()

    def epoch(self, report: EpochReport) -> bool:
        """Log one epoch; True when --patience says stop."""
        t = self.trainer
        scores = (r2(t, "train"), r2(t)) if t.task == "regression" else None
        if self.writer is not None:
            write_history_row(self.writer, report, scores, t.best_val.epoch == report.epoch)
        due = (report.epoch - self.first) % self.every == 0 or report.epoch == self.last
        if not self.quiet and (due or time.monotonic() - self.shown >= PROGRESS_SECONDS):
            self.shown = time.monotonic()
            try:
                print(progress_line(report, self.last, len(t.X_val) > 0, scores), flush=True)
            except OSError:  # the terminal is gone: train on quietly
                self.quiet = True
        patience, best = t.config.patience, t.best_val
        if patience and best.waited(t.epoch) >= patience:
            say(
                f"stopped early at epoch {t.epoch}: no lower validation loss for {patience} "
                f"epochs (the lowest, {best.loss:.6g}, at epoch {best.epoch})"
            )
            return True
        return False


def train(args: argparse.Namespace, config: Config | None) -> int:
    """Train for --epochs epochs (a resumed run: its checkpoint's, unless given); progress
    about 20 lines, and one at least every PROGRESS_SECONDS; history CSV streamed each epoch.
    Ctrl-C, SIGTERM and SIGHUP stop at the end of a step, and --save still saves.
    ``config`` is the run to start, None with --resume."""
    save = check_save_path(args.save) if args.save is not None else None
    trainer = resume(args.resume, args) if args.resume else Trainer(config)
    check_validation_needs(trainer)
    history = check_history_paths(args.history, trainer) if args.history else None
    if trainer.config.data is not None and not args.resume:
        tell_data(trainer, args.quiet)
    epochs = trainer.config.epochs
    f, writer = history_writer(history, resuming=bool(args.resume))
    if history:
        for written in write_ghosts(history, trainer):
            say(f"ghost run written to {written}")
    log = EpochLog(trainer, epochs, writer, args.quiet)
    status = 0
    with Interrupted() as stop:
        try:
            for _ in range(epochs):
                report = trainer.run_epoch(lambda: stop.signum is not None)
                if report is None or log.epoch(report):
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
        if trainer.config.restore_best and trainer.best_val.epoch is not None and trainer.epoch:
            best = trainer.restore_best()
            say(f"restored the weights of epoch {best} (the lowest validation loss, "
                f"{trainer.best_val.loss:.6g})")  # fmt: skip
        if not log.quiet and trainer.epoch:
            tell_results(trainer)
        if save is not None:
            save_checkpoint(trainer, save)
            say(f"saved {save} at epoch {trainer.epoch}")
    return status


def gradcheck(config: Config, rows: int = 16, tolerance: float = 1e-6) -> int:
    """Print each layer's relative error between backprop and central differences."""
    trainer = Trainer(config.replace(dtype="float64"))
    X, Y = trainer.X[:rows], trainer.Y[:rows]
    net = trainer.net
    rng = np.random.default_rng(config.seed)
    for b in net.biases:  # non-zero biases exercise every term
        b[...] = rng.normal(scale=0.1, size=b.shape)
    worst = 0.0
    for c in check_gradients(net, X, Y, trainer.loss_name):
        act = net.activations[c.layer].name
        shape = f"{net.sizes[c.layer]}->{net.sizes[c.layer + 1]}"
        verdict = "ok" if c.relative_error < tolerance else "MISMATCH"
        print(
            f"layer {c.layer + 1} ({shape}, {act}): relative error {c.relative_error:.2e}  "
            f"max abs {c.max_abs_error:.2e}  {verdict}"
        )
        worst = max(worst, c.relative_error)
    print(f"loss {trainer.loss_name}, {len(X)} rows: worst {worst:.2e} (tolerance {tolerance:g})")
    return 0 if worst < tolerance else 1


HISTORY_HEADER = [
    "epoch", "lr", "train_loss", "val_loss", "train_acc", "val_acc", "train_r2", "val_r2",
    "best_val",
]  # fmt: skip


def write_history_row(
    writer: csv.writer, report, r2: tuple[float, float] | None = None, best: bool = False
) -> None:
    """One epoch as CSV (HISTORY_HEADER): epoch, lr, the losses, the accuracies (empty for a
    regression), R² (empty for a classification), best_val 1 when the validation loss is
    the lowest so far (the last such row is the best epoch)."""
    nan = float("nan")
    writer.writerow(
        [
            report.epoch,
            repr(report.lr),
            cell(report.train_loss),
            cell(report.val_loss),
            cell(report.train_acc),
            cell(report.val_acc),
            *(cell(x) for x in (r2 or (nan, nan))),
            "1" if best else "",
        ]
    )


def check_validation_needs(trainer: Trainer) -> None:
    """--patience and --restore-best watch the validation loss: refused without one."""
    cfg = trainer.config
    if len(trainer.X_val) == 0 and (cfg.patience or cfg.restore_best):
        flag = "--patience" if cfg.patience else "--restore-best"
        raise ValueError(
            f"{flag} needs a validation set: give --val-fraction above 0 or --val-data FILE.csv"
        )


def tell_data(trainer: Trainer, quiet: bool) -> None:
    """What was read and decided (stdout, unless quiet); a warning always (stderr)."""
    for line in describe(trainer):
        if line.startswith("warning:"):
            say(line)
        elif not quiet:
            print(line)
    if not quiet:
        print(flush=True)


def tell_results(trainer: Trainer) -> None:
    """At the end: the confusion matrix and per-class scores of a classification on the
    validation set (the training set without one), a regression's R²."""
    which = "val" if len(trainer.X_val) else "train"
    rows = len(trainer.X_val) if which == "val" else len(trainer.X)
    where = f"{'validation' if which == 'val' else 'training'} set ({rows:,} rows)"
    if trainer.task == "regression":
        loss = trainer.evaluate(*((trainer.X_val, trainer.Y_val) if which == "val" else
                                  (trainer.X, trainer.Y)))[0]  # fmt: skip
        units = " (in standardised target units)" if trainer.target_scaler is not None else ""
        print(f"{where} at epoch {trainer.epoch}: R² {r2(trainer, which):.4g}, "
              f"{trainer.loss_name} {loss:.6g}{units}")  # fmt: skip
        return
    cm, names = confusion(trainer, which)
    print(f"{where} at epoch {trainer.epoch}: rows are the true class, columns the predicted")
    for line in format_report(cm, names):
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
