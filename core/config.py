"""Every setting of a run in one frozen dataclass, validated on creation, loadable from TOML.

An invalid value raises ConfigError naming the field, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .initializers import INITIALIZERS
from .losses import LOSSES, fused_loss
from .optimizers import OPTIMIZERS

DATASET_NAMES = ("linear", "sine", "xor", "circle", "gauss", "spiral", "moons", "blobs", "spiral3")
DTYPES = ("float64", "float32")
MAX_UNITS = 4096
MAX_HIDDEN_WEIGHTS = 4_000_000  # about 100 MB of parameters, gradients and steps
# the output activation each kind of data set gets by default (its loss follows from it)
DEFAULT_OUTPUT = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}
TASK_WORDS = {
    "regression": "a regression data set",
    "binary": "a data set of two classes",
    "multiclass": "a data set of many classes",
}


class ConfigError(ValueError):
    """A setting with a value that is not allowed."""


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{name} = {value!r} is not allowed: {allowed}")


def _number(name: str, value: Any, low: float, high: float = math.inf, *, low_open=False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and value <= high
    if not ok:
        bound = f"> {low}" if low_open else f">= {low}"
        upper = "" if high == math.inf else f" and <= {high}"
        _fail(name, value, f"a finite number {bound}{upper}")


def _choice(name: str, value: Any, allowed: tuple[str, ...] | list[str]) -> None:
    if value not in allowed:
        _fail(name, value, "one of " + ", ".join(allowed))


@dataclass(frozen=True)
class Config:
    """One training run: data, network, optimisation. ``batch_size = None`` is full batch."""

    dataset: str = "circle"
    data: str | None = None  # a CSV file; replaces ``dataset`` when given
    target: str | int = -1  # CSV target column: index or header name
    n_samples: int = 500
    noise: float = 0.1
    val_fraction: float = 0.2
    standardize: bool | None = None  # None: yes for CSV data, no for the built-in sets
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    output_activation: str = "auto"  # auto: sigmoid, softmax or linear by the task
    loss: str = "auto"  # auto: bce, cross_entropy or mse by the task
    init: str = "xavier"
    init_scale: float = 1.0
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int | None = 10
    l2: float = 0.0
    l1: float = 0.0
    clip: float = 0.0  # 0: no gradient clipping
    seed: int = 0
    dtype: str = "float64"
    epochs: int = 1000  # for headless training

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if self.data is None:
            _choice("dataset", self.dataset, DATASET_NAMES)
        if not isinstance(self.n_samples, int) or not 8 <= self.n_samples <= 1_000_000:
            _fail("n_samples", self.n_samples, "a whole number from 8 to 1000000")
        _number("noise", self.noise, 0.0, 10.0)
        _number("val_fraction", self.val_fraction, 0.0, 0.9)
        for units in self.hidden:
            if not isinstance(units, int) or isinstance(units, bool) or not 1 <= units <= MAX_UNITS:
                _fail("hidden", self.hidden, f"whole numbers of units from 1 to {MAX_UNITS}")
        if len(self.hidden) > 16:
            _fail("hidden", self.hidden, "at most 16 hidden layers")
        between = sum(a * b for a, b in itertools.pairwise(self.hidden))
        if between > MAX_HIDDEN_WEIGHTS:
            too_big = f"these have {between:,}: too big to train at a watchable pace"
            _fail("hidden", self.hidden, f"at most {MAX_HIDDEN_WEIGHTS:,} weights between hidden "
                  f"layers ({too_big})")  # fmt: skip
        _choice("activation", self.activation, HIDDEN_ACTIVATIONS)
        _choice("output_activation", self.output_activation, ("auto", *ACTIVATIONS))
        _choice("loss", self.loss, ("auto", *LOSSES))
        _choice("init", self.init, tuple(INITIALIZERS))
        _number("init_scale", self.init_scale, 0.0, 1e6, low_open=True)
        _choice("optimizer", self.optimizer, tuple(OPTIMIZERS))
        _number("lr", self.lr, 0.0, 1e6, low_open=True)
        if self.batch_size is not None and (
            not isinstance(self.batch_size, int)
            or isinstance(self.batch_size, bool)
            or self.batch_size < 1
        ):
            _fail("batch_size", self.batch_size, "a whole number >= 1, or full (whole data set)")
        for name in ("l2", "l1", "clip"):
            _number(name, getattr(self, name), 0.0)
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            _fail("seed", self.seed, "a whole number >= 0")
        _choice("dtype", self.dtype, DTYPES)
        if not isinstance(self.epochs, int) or self.epochs < 0:
            _fail("epochs", self.epochs, "a whole number >= 0")
        self._check_output_pair()

    def _check_output_pair(self) -> None:
        out, loss = self.output_activation, self.loss
        needs = LOSSES[loss].output_activation if loss != "auto" else None
        if needs and out not in ("auto", needs):
            _fail("output_activation", out, f"loss {loss} needs a {needs} output (or auto)")

    def resolved(self, task: str) -> tuple[str, str]:
        """(output activation, loss) for a task: regression, binary or multiclass.

        auto output: the one a fused loss needs, else the task's default; auto loss: the
        one fused with the output activation when it fits the task, else mse.
        """
        out, loss = self.output_activation, self.loss
        if out == "auto":
            needs = LOSSES[loss].output_activation if loss != "auto" else None
            out = needs or DEFAULT_OUTPUT[task]
        if loss == "auto":
            fused = fused_loss(out)
            loss = fused.name if fused and task in fused.tasks else "mse"
        if task not in LOSSES[loss].tasks:
            fits = " or ".join(v.name for v in LOSSES.values() if task in v.tasks)
            _fail("loss", loss, f"{fits} for {TASK_WORDS[task]}")
        if LOSSES[loss].output_activation not in (None, out):
            _fail("output_activation", out, f"loss {loss} needs its own output activation")
        return out, loss

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (hidden as a list)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """Build from a dict (e.g. TOML); unknown keys are an error listing the known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"unknown setting {unknown[0]!r}: known settings are {', '.join(sorted(known))}"
            )
        values = dict(values)
        if values.get("batch_size") == "full":
            values["batch_size"] = None
        if "hidden" in values and isinstance(values["hidden"], list):
            values["hidden"] = tuple(values["hidden"])
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        """Read a TOML file of settings (top level or a [train] table)."""
        try:
            with open(path, "rb") as f:
                values = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError(f"no such config file: {path}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path} is not valid TOML: {e}") from None
        return cls.from_dict(values.get("train", values))
