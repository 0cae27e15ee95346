"""``backprop-tui predict RUN.npz DATA.csv [--out FILE.csv]``: a saved run's predictions for
the rows of a CSV file, as CSV: a ``prediction`` column (the class name, or the value in
the target's own units) and, for a classification, one probability column ``p_<class>``
per class; one row per row of the file, in its order."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from core import paths
from core.best_val import weights_epoch
from core.checkpoint import load_checkpoint
from core.csv_data import read_inputs
from core.evaluation import Predictions, input_columns, predict_table

from .hangup import say


def predict_file(args: argparse.Namespace) -> int:
    """Read the run and the rows, write the predictions (stdout without --out); notes on
    what was left out or filled go to stderr, one line each."""
    out = check_out(args.out, Path(args.data)) if args.out else None
    trainer = load_checkpoint(args.run)
    config = trainer.config
    names, means = input_columns(trainer)
    sep = getattr(args, "sep", config.sep)  # the run's reading, unless told otherwise
    header = getattr(args, "header", config.header)
    X, notes = read_inputs(args.data, names, sep, header, args.missing, means)
    for note in notes:
        say(note)
    table = rows_of(predict_table(trainer, X))
    if out is None:
        try:
            write_csv(sys.stdout, table)
            sys.stdout.flush()
        except BrokenPipeError:  # `| head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    with open(out, "w", newline="") as f:
        write_csv(f, table)
    epoch = weights_epoch(trainer)
    say(f"predicted {len(X):,} rows with {args.run} (the weights of epoch {epoch}): {out}")
    return 0


def check_out(text: str, data: Path) -> Path:
    """--out: a file that can be written (core.paths), and not the file being read."""
    try:
        out = paths.to_write(text)
    except ValueError as e:
        raise ValueError(f"--out: {e}") from None
    if out.exists() and out.samefile(data):
        raise ValueError(f"--out {out} is the file being predicted: give another file name")
    return out


def rows_of(p: Predictions) -> list[list[str]]:
    """The CSV's header and rows: prediction (prediction_1 ... for several outputs) and,
    for a classification, p_<class> per class."""
    if p.labels is None:
        k = p.values.shape[1]
        header = ["prediction"] if k == 1 else [f"prediction_{j + 1}" for j in range(k)]
        return [header, *([number(v) for v in row] for row in p.values.tolist())]
    header = ["prediction", *(f"p_{name}" for name in p.classes)]
    names = p.predicted.tolist()
    probabilities = p.probabilities.tolist()
    return [header, *([name, *map(number, row)] for name, row in zip(names, probabilities,
                                                                     strict=True))]  # fmt: skip


def number(x: float) -> str:
    """A value written with 10 significant digits."""
    return f"{x:.10g}"


def write_csv(f, table: list[list[str]]) -> None:
    """Rows as CSV, fields quoted where they must be, one line each."""
    writer = csv.writer(f, lineterminator="\n")
    writer.writerows(table)
