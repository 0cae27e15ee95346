"""The settings a person can change in the controls panel: how to show, parse and apply each.

Live fields (learning rate, batch size, optimiser, L2) apply at the next step; the others
change the network or the data, so they ask first and then start a new run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.activations import HIDDEN_ACTIVATIONS
from core.config import DATASET_NAMES, Config
from core.ghosts import Ghost, differences
from core.initializers import INITIALIZERS
from core.losses import LOSSES
from core.optimizers import OPTIMIZERS

from ..snapshot import Snapshot
from ..worker.pace import parse_pace


def parse_float(text: str, low: float = 0.0, low_open: bool = True) -> float:
    """A finite number above ``low`` (or at it when ``low_open`` is False)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()} is not allowed: give a finite number")
    if value < low or (low_open and value == low):
        raise ValueError(
            f"{value:g} is not allowed: give a number {'>' if low_open else '>='} {low:g}"
        )
    return value


def finite_number(text: str) -> float:
    """Any finite number (a weight's new value)."""
    return parse_float(text, -math.inf, low_open=False)


def parse_batch(text: str) -> int | None:
    """'full' (or 'f', 'all') -> None; a whole number >= 1 otherwise (1 = stochastic)."""
    text = text.strip().lower()
    if text in ("full", "f", "all"):
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{text!r} is not allowed: give a whole number >= 1, or full")
    return int(text)


def parse_hidden(text: str) -> tuple[int, ...]:
    """'16,8' -> (16, 8); '' or 'none' -> () (no hidden layer: linear/logistic regression)."""
    text = text.strip().lower()
    if text in ("", "none", "0", "-"):
        return ()
    parts = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    if not all(p.isdigit() and 1 <= int(p) <= 4096 for p in parts):
        raise ValueError(
            f"{text!r} is not allowed: units per layer from 1 to 4096, "
            "separated by commas (16,8), or none"
        )
    if len(parts) > 16:
        raise ValueError("at most 16 hidden layers")
    return tuple(int(p) for p in parts)


def parse_seed(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"{text.strip()!r} is not allowed: give a whole number >= 0")
    return int(text)


def show_batch(b: int | None) -> str:
    return "full" if b is None else str(b)


@dataclass(frozen=True)
class Field:
    """One setting: its Config attribute (or the session's, like the pace), label, how to
    read it and whether it is live."""

    name: str  # the Config attribute, or "pace"
    label: str
    live: bool
    choices: tuple[str, ...] = ()  # a choice field when not empty
    parse: Callable[[str], object] | None = None
    show: Callable[[object], str] = str
    help: str = ""

    @property
    def in_config(self) -> bool:
        return self.name != "pace"

    def value(self, snapshot: Snapshot) -> object:
        return getattr(snapshot.config, self.name) if self.in_config else snapshot.pace

    def value_text(self, snapshot: Snapshot) -> str:
        return self.show(self.value(snapshot))


FIELDS: tuple[Field, ...] = (
    Field(
        "lr",
        "lr",
        True,
        parse=parse_float,
        show=lambda v: f"{v:g}",
        help="learning rate: W_new = W_old - lr * grad",
    ),
    Field(
        "batch_size",
        "batch",
        True,
        parse=parse_batch,
        show=show_batch,
        help="1 = stochastic, N = mini-batch, full = the whole training set per step",
    ),
    Field("optimizer", "optim", True, tuple(OPTIMIZERS)),
    Field(
        "l2",
        "L2",
        True,
        parse=lambda t: parse_float(t, 0.0, low_open=False),
        show=lambda v: f"{v:g}",
        help="penalty 0.5 * l2 * ||W||^2 on the weights",
    ),
    Field("activation", "act", False, HIDDEN_ACTIVATIONS),
    Field(
        "hidden",
        "hidden",
        False,
        parse=parse_hidden,
        show=lambda h: ",".join(map(str, h)) or "none",
        help="units per hidden layer: 4,2",
    ),
    Field("init", "init", False, tuple(INITIALIZERS)),
    Field("loss", "loss", False, ("auto", *LOSSES)),
    Field("dataset", "data", False, DATASET_NAMES),
    Field(
        "noise",
        "noise",
        False,
        parse=lambda t: parse_float(t, 0.0, low_open=False),
        show=lambda v: f"{v:g}",
    ),
    Field("seed", "seed", False, parse=parse_seed),
    Field(
        "pace",
        "pace",
        True,
        parse=parse_pace,
        show=lambda p: p.short,
        help="full, N epochs a second (30), N step (1 step), or phases; < and > step it",
    ),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def path_to_write(text: str) -> str:
    path = Path(text.strip()).expanduser()
    if not text.strip():
        raise ValueError("give a file name")
    if path.is_dir():
        raise ValueError(f"{path} is a folder: give a file name")
    if not path.parent.exists():
        raise ValueError(f"folder {path.parent} does not exist")
    return str(path)


def path_to_read(text: str) -> str:
    path = Path(text.strip()).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return str(path)


def ghost_label(ghost: Ghost, live: Config) -> str:
    """What a ghost's run did differently from the live one, as the controls name it:
    "lr 0.3", "batch 1, init he"; "earlier weights" when only the random draw differs."""
    parts = []
    for name, value in differences(ghost.config, live).items():
        field = FIELD_BY_NAME.get(name)
        parts.append(f"{field.label} {field.show(value)}" if field else f"{name} {value}")
    return ", ".join(parts) or "earlier weights"
