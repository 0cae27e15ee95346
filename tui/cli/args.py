"""The command line's flags: one parser for the app, ``train`` and ``gradcheck``, and the
Config they describe. A bad argument prints one line saying what is wrong and exits with 2.
"""

from __future__ import annotations

import argparse

from core.config import Config

from ..worker.pace import Pace, parse_pace

# flag -> Config field, for the flags that map one to one
FIELDS = {
    "dataset": "dataset",
    "data": "data",
    "target": "target",
    "samples": "n_samples",
    "noise": "noise",
    "val_fraction": "val_fraction",
    "activation": "activation",
    "output_activation": "output_activation",
    "loss": "loss",
    "init": "init",
    "init_scale": "init_scale",
    "optimizer": "optimizer",
    "lr": "lr",
    "l2": "l2",
    "l1": "l1",
    "clip": "clip",
    "seed": "seed",
    "dtype": "dtype",
    "epochs": "epochs",
}


class Parser(argparse.ArgumentParser):
    """argparse that reports an error in one line, exit code 2, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parse_hidden(text: str) -> tuple[int, ...]:
    """'16,16' -> (16, 16); '' or 'none' or '0' -> () (no hidden layer)."""
    text = text.strip().lower()
    if text in ("", "none", "0"):
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"hidden layers {text!r}: give units per layer separated by commas, e.g. 16,16"
        ) from None


def parse_batch_size(text: str) -> int | str:
    """'full' (whole data set), '1' -> 1 (stochastic), '32' -> 32 (mini-batch)."""
    if text.strip().lower() == "full":
        return "full"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"batch size {text!r}: give a whole number >= 1, or full"
        ) from None


def _pace(text: str) -> Pace:
    try:
        return parse_pace(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_training_flags(p: argparse.ArgumentParser) -> None:
    """The flags shared by the app, ``train`` and ``gradcheck`` (all default to the config)."""
    g = p.add_argument_group("run settings (override --config)")
    g.add_argument("--config", metavar="FILE.toml", help="settings from a TOML file")
    g.add_argument(
        "--dataset",
        help="built-in data: linear, sine, xor, circle, gauss, spiral, moons, blobs, spiral3",
    )
    g.add_argument("--data", metavar="FILE.csv", help="train on a CSV file instead")
    g.add_argument("--target", help="CSV target column: index or header name (default: last)")
    g.add_argument("--samples", type=int, help="points to generate")
    g.add_argument("--noise", type=float)
    g.add_argument("--val-fraction", type=float, help="share held out for validation")
    g.add_argument("--hidden", type=parse_hidden, help="units per hidden layer, e.g. 16,16")
    g.add_argument("--activation", help="hidden layers: linear, sigmoid, tanh, relu, leaky_relu")
    g.add_argument("--output-activation", help="auto, linear, sigmoid, tanh, softmax, ...")
    g.add_argument("--loss", help="auto, mse, mae, bce, cross_entropy")
    g.add_argument("--init", help="zeros, uniform, normal, xavier, he")
    g.add_argument("--init-scale", type=float, help="multiply the initial weights")
    g.add_argument("--optimizer", help="sgd, momentum, adam")
    g.add_argument("--lr", type=float, help="learning rate")
    g.add_argument("--batch-size", type=parse_batch_size, help="1 (SGD), N, or full")
    g.add_argument("--l2", type=float)
    g.add_argument("--l1", type=float)
    g.add_argument("--clip", type=float, help="clip the gradient's norm (0: off)")
    g.add_argument("--seed", type=int)
    g.add_argument("--dtype", help="float64 or float32")
    g.add_argument("--epochs", type=int, help="epochs to train (headless)")


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config the flags describe: --config first, then each flag given."""
    base = Config.from_toml(args.config) if args.config else Config()
    changes = {
        f: getattr(args, flag)
        for flag, f in FIELDS.items()
        if getattr(args, flag, None) is not None
    }
    if args.hidden is not None:
        changes["hidden"] = args.hidden
    if args.batch_size is not None:
        changes["batch_size"] = None if args.batch_size == "full" else args.batch_size
    if "target" in changes and changes["target"].lstrip("-").isdigit():
        changes["target"] = int(changes["target"])
    return base.replace(**changes)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="backprop-tui", description="Watch and steer backpropagation in the terminal.")
    add_training_flags(p)
    p.add_argument("--paused", action="store_true", help="start paused")
    p.add_argument(
        "--pace",
        type=_pace,
        help="how fast to train: full (default), N epochs a second (30), N step (1 step: one "
        "mini-batch a second), or phases (each phase of a step for half a second); < and > "
        "change it in the app",
    )
    p.add_argument(
        "--resume",
        metavar="FILE",
        nargs="?",
        const="",
        help="continue a saved run (default: the most recent autosave; others are listed)",
    )
    p.add_argument("--lesson", help="start a lesson (see --list-lessons)")
    p.add_argument("--list-lessons", action="store_true", help="print the lessons and exit")
    sub = p.add_subparsers(dest="command", metavar="{train,gradcheck}")
    t = sub.add_parser("train", help="train without the UI")
    add_training_flags(t)
    t.add_argument("--history", metavar="FILE.csv", help="write each epoch as a CSV row")
    t.add_argument("--save", metavar="FILE", help="save a checkpoint at the end")
    t.add_argument("--resume", metavar="FILE", help="continue from a checkpoint")
    t.add_argument("--quiet", action="store_true", help="no progress lines")
    t.error = p.error  # type: ignore[method-assign]
    g = sub.add_parser("gradcheck", help="backprop against finite differences, per layer")
    add_training_flags(g)
    g.error = p.error  # type: ignore[method-assign]
    return p
