"""``backprop-tui train`` and ``backprop-tui gradcheck``: the core without the UI."""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config
from core.gradcheck import check_gradients
from core.trainer import Diverged, EpochReport, Trainer


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


def train(args: argparse.Namespace, config: Config) -> int:
    """Train for --epochs epochs; progress about 20 lines; history CSV streamed each epoch."""
    trainer = load_checkpoint(args.resume) if args.resume else Trainer(config)
    if args.resume and args.lr is not None:
        trainer.set_lr(args.lr)
    epochs = config.epochs
    total = trainer.epoch + epochs
    every = max(1, epochs // 20)
    f, writer = history_writer(args.history, resuming=bool(args.resume))
    status = 0
    try:
        for i in range(epochs):
            report = trainer.run_epoch()
            if writer is not None:
                write_history_row(writer, report)
            if not args.quiet and ((i + 1) % every == 0 or i + 1 == epochs):
                print(progress_line(report, total, len(trainer.X_val) > 0), flush=True)
    except Diverged as e:
        print(f"stopped: {e}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print(f"interrupted at epoch {trainer.epoch}", file=sys.stderr)
        status = 130
    finally:
        if f is not None:
            f.close()
    if args.save:
        save_checkpoint(trainer, args.save)
        print(f"saved {args.save} at epoch {trainer.epoch}", file=sys.stderr)
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

    def cell(x: float) -> str:
        return "" if math.isnan(x) else repr(float(x))

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
