"""The settings a person can change in the controls panel: how to show, parse and apply each.

Live fields (learning rate, batch size, optimiser, L2) apply at the next step; the others
change the network or the data, so they ask first and then start a new run. How each reads
from text and what it allows is the setting's record in core.settings (the same as its
command-line flag and TOML key).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.config import Config
from core.settings import SETTINGS, Setting, number

finite_number = number("weight", "a weight's new value", -math.inf).parse


@dataclass(frozen=True)
class Field:
    """One setting in the controls: its Config attribute, label, and whether it is live."""

    name: str  # the Config attribute
    label: str
    live: bool
    help: str = ""

    @property
    def setting(self) -> Setting:
        return SETTINGS[self.name]

    @property
    def choices(self) -> tuple[str, ...]:
        """A choice field when not empty."""
        return self.setting.choices

    @property
    def parse(self) -> Callable[[str], object]:
        return self.setting.parse

    def value_text(self, config: Config) -> str:
        return self.setting.show(getattr(config, self.name))


FIELDS: tuple[Field, ...] = (
    Field("lr", "lr", True, "learning rate: W_new = W_old - lr * grad"),
    Field(
        "batch_size",
        "batch",
        True,
        "1 = stochastic, N = mini-batch, full = the whole training set per step",
    ),
    Field("optimizer", "optim", True),
    Field("l2", "L2", True, "penalty 0.5 * l2 * ||W||^2 on the weights"),
    Field("activation", "act", False),
    Field("hidden", "hidden", False, "units per hidden layer: 4,2 (none: no hidden layer)"),
    Field("init", "init", False),
    Field("loss", "loss", False),
    Field("dataset", "data", False),
    Field("noise", "noise", False),
    Field("seed", "seed", False),
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
