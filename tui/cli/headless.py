"""``backprop-tui train`` and ``backprop-tui gradcheck``: the core without the UI."""

from __future__ import annotations

import argparse
import csv
import math
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from core.checkpoint import save_checkpoint
from core.config import Config
from core.ghosts import differences
from core.gradcheck import check_gradients
from core.trainer import Diverged, EpochReport, Trainer

from .args import resume
from .hangup import say

PROGRESS_SECONDS = 10.0  # a progress line at least this often, however long the run


def progress_line(r: EpochReport, total: int, has_val: bool = True) -> str:
    """'epoch   100/1000  train 0.123456  val 0.130000  acc 95.0% / 94.0%  lr 0.03'; without
    a validation set 'epoch 1/10  train 0.69  acc 50.0%  lr 0.03  (no validation set)'."""
    width = len(str(total))
    line = f"epoch {r.epoch:>{width}}/{total}  train {r.train_loss:.6g}"
    line += f"  val {r.val_loss:.6g}" if has_val else ""
    if not math.isnan(r.train_acc):
        val_acc = f" / {100 * r.val_acc:.1f}%" if has_val else ""
        line += f"  acc {100 * r.train_acc:.1f}%{val_acc}"
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


def check_save_path(path: str) -> None:
    """Before training: --save must name a file in a folder that can be written."""
    if not path.strip():
        raise ValueError("--save needs a file name, e.g. --save run.npz")
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"--save {path}: that is a folder; give a file name, e.g. run.npz")
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"--save {path}: there is no folder {folder}")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise ValueError(f"--save {path}: {folder} cannot be written ({e.strerror})") from None


def run_epoch(trainer: Trainer, stop: Interrupted) -> EpochReport | None:
    """One epoch, step by step; None if a signal stopped it (at the end of a step)."""
    epoch = trainer.epoch
    with np.errstate(all="ignore"):
        while trainer.epoch == epoch:
            if stop.signum is not None:
                return None
            trainer._finish_step()
    return trainer.last_epoch


def train(args: argparse.Namespace, config: Config | None) -> int:
    """Train for --epochs epochs (a resumed run: its checkpoint's, unless given); progress
    about 20 lines, and one at least every PROGRESS_SECONDS; history CSV streamed each epoch.
    Ctrl-C, SIGTERM and SIGHUP stop at the end of a step, and --save still saves.
    ``config`` is the run to start, None with --resume."""
    if args.save is not None:
        check_save_path(args.save)
    trainer = resume(args.resume, args) if args.resume else Trainer(config)
    epochs = trainer.config.epochs
    total = trainer.epoch + epochs
    every = max(1, epochs // 20)
    shown = time.monotonic()
    quiet = args.quiet
    f, writer = history_writer(args.history, resuming=bool(args.resume))
    if args.history:
        for written in write_ghosts(args.history, trainer):
            say(f"ghost run written to {written}")
    status = 0
    with Interrupted() as stop:
        try:
            for i in range(epochs):
                report = run_epoch(trainer, stop)
                if report is None:
                    break
                if writer is not None:
                    write_history_row(writer, report)
                due = (i + 1) % every == 0 or i + 1 == epochs
                if not quiet and (due or time.monotonic() - shown >= PROGRESS_SECONDS):
                    shown = time.monotonic()
                    try:
                        print(progress_line(report, total, len(trainer.X_val) > 0), flush=True)
                    except OSError:  # the terminal is gone: train on quietly
                        quiet = True
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
        if args.save is not None:
            save_checkpoint(trainer, args.save)
            say(f"saved {args.save} at epoch {trainer.epoch}")
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


def write_history_row(writer: csv.writer, report) -> None:
    """One epoch as CSV: epoch, lr, train_loss, val_loss, train_acc, val_acc (empty if n/a)."""
    writer.writerow(
        [
            report.epoch,
            repr(report.lr),
            cell(report.train_loss),
            cell(report.val_loss),
            cell(report.train_acc),
            cell(report.val_acc),
        ]
    )


def write_ghosts(history: str, trainer: Trainer) -> list[Path]:
    """Each ghost of the run (earlier runs kept to compare with) as a CSV of its own beside
    the history, ``run.ghost1.csv`` ...: run (what it did differently), epoch, train_loss,
    val_loss, one row per point of its curve (bucket maxima past 512 epochs)."""
    written = []
    base = Path(history)
    for k, ghost in enumerate(trainer.ghosts, 1):
        changes = differences(ghost.config, trainer.config)
        label = ", ".join(f"{name}={value}" for name, value in changes.items()) or "earlier weights"
        path = base.with_name(f"{base.stem}.ghost{k}{base.suffix or '.csv'}")
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["run", "epoch", "train_loss", "val_loss"])
            for x, train, val in zip(ghost.x, ghost.train, ghost.val, strict=True):
                writer.writerow([label, f"{x:g}", cell(train), cell(val)])
        written.append(path)
    return written


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
        writer.writerow(["epoch", "lr", "train_loss", "val_loss", "train_acc", "val_acc"])
    return f, writer
