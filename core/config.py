"""Every setting of a run in one frozen dataclass, validated on creation, loadable from TOML.

Each field's rules (type, range, choices, text form) are in ``core.settings``; an invalid
value raises ConfigError naming the field, the value and what is allowed.

A TOML file holds the settings at its top level or all in one ``[train]`` table. A value is
either its TOML type (``lr = 0.1``, ``hidden = [16, 16]``, ``standardize = false``) or, in
quotes, the text its command-line flag takes (``hidden = "16,16"``, ``batch_size = "full"``).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .losses import LOSSES, fused_loss
from .pace import FULL_SPEED, Pace
from .settings import (
    DATASET_NAMES,
    DTYPES,
    MAX_HIDDEN_WEIGHTS,
    MAX_UNITS,
    SETTINGS,
    ConfigError,
    brief,
    check_features_fit,
    refuse,
)

__all__ = ["Config", "ConfigError", "DATASET_NAMES", "DTYPES", "MAX_HIDDEN_WEIGHTS", "MAX_UNITS"]

MAX_TOML_BYTES = 1_000_000  # a settings file is a few hundred bytes; /dev/zero is not one
# the output activation each kind of data set gets by default (its loss follows from it)
DEFAULT_OUTPUT = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}
TASK_WORDS = {
    "regression": "a regression data set",
    "binary": "a data set of two classes",
    "multiclass": "a data set of many classes",
}


@dataclass(frozen=True)
class Config:
    """One training run: data, network, optimisation. ``batch_size = None`` is full batch."""

    dataset: str = "circle"
    data: str | None = None  # a CSV file; replaces ``dataset`` when given
    target: str | int = -1  # CSV target column: index or header name
    val_data: str | None = None  # a CSV file to validate on (else a share of ``data``)
    task: str = "auto"  # CSV target: auto (guess), classification or regression
    n_samples: int = 500
    noise: float = 0.1
    features: tuple[str, ...] = ("x1", "x2")  # a 2-D set's inputs to the network (features.py)
    val_fraction: float = 0.2
    test_fraction: float = 0.0  # rows held out, scored only at the end (never to choose)
    standardize: bool | None = None  # None: yes for CSV data, no for the built-in sets
    standardize_target: bool | None = None  # None: yes for a regression CSV file
    hidden: tuple[int, ...] | None = (4, 2)  # None: layers that fit the data (see run_data)
    activation: str = "tanh"
    output_activation: str = "auto"  # auto: sigmoid, softmax or linear by the task
    loss: str = "auto"  # auto: bce, cross_entropy or mse by the task
    init: str = "xavier"
    init_scale: float = 1.0
    norm: str = "none"  # batch, layer: each hidden layer's z normalised (core.normalization)
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int | None = 10
    l2: float = 0.0
    l1: float = 0.0
    clip: float = 0.0  # 0: no gradient clipping
    dropout: float = 0.0  # probability of dropping a hidden unit in a training step
    seed: int = 0
    dtype: str = "float64"
    epochs: int = 1000  # for headless training
    patience: int = 0  # headless: stop after this many epochs without a lower val loss
    restore_best: bool = False  # headless: end on the lowest validation loss's weights
    pace: Pace = FULL_SPEED  # how fast the app trains (headless: always as fast as it can)
    header: bool | None = None  # CSV first row: None guesses (see csv_read)
    sep: str = "auto"  # CSV field separator: auto (sniffed), comma, semicolon, tab or pipe
    missing: str = "refuse"  # CSV missing values: refuse, drop their rows, or mean
    keep_index: bool = False  # keep a CSV file's index column (pandas', R's) as a feature

    def __post_init__(self) -> None:
        for name, setting in SETTINGS.items():  # each checked and normalised (list -> tuple)
            object.__setattr__(self, name, setting.check(getattr(self, name)))
        self._check_output_pair()
        if self.val_fraction + self.test_fraction > 0.9:
            most = f"at most {0.9 - self.val_fraction:.2g} with val_fraction {self.val_fraction:g}"
            refuse("test_fraction", self.test_fraction, f"{most}: 0.1 of the rows are to train on")
        check_features_fit(self.features, self.dataset, self.data)
        if self.norm == "batch" and self.batch_size == 1:
            why = "batch normalisation needs batches of 2 or more rows (with batch size 1"
            refuse("norm", "batch", f"{why} every z is its own mean): use layer, or batches >= 2")

    def _check_output_pair(self) -> None:
        out, loss = self.output_activation, self.loss
        needs = LOSSES[loss].output_activation if loss != "auto" else None
        if needs and out not in ("auto", needs):
            refuse("output_activation", out, f"loss {loss} needs a {needs} output (or auto)")

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
            refuse("loss", loss, f"{fits} for {TASK_WORDS[task]}")
        if LOSSES[loss].output_activation not in (None, out):
            refuse("output_activation", out, f"loss {loss} needs its own output activation")
        return out, loss

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (hidden as a list)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["hidden"] = None if self.hidden is None else list(self.hidden)
        d["features"] = list(self.features)
        d["pace"] = self.pace.short
        return d

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """Build from a dict (a TOML table, a checkpoint's JSON): known keys only; a string
        for a setting that is not text is read like its flag's text ("16,16", "full")."""
        if not isinstance(values, dict):
            raise ConfigError(
                f"the settings must be a table of name = value, not {type(values).__name__}"
            )
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            known = ", ".join(sorted(SETTINGS))
            raise ConfigError(f"unknown setting {brief(unknown[0])}: known settings are {known}")
        return cls(
            **{
                name: SETTINGS[name].parse(v) if isinstance(v, str) else v
                for name, v in values.items()
            }
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        """Read a TOML file of settings (all at the top level, or all in a [train] table).
        Every error is a ConfigError that names the file."""
        try:
            return cls.from_dict(settings_table(read_toml(path)))
        except ConfigError as e:
            raise ConfigError(f"{path}: {e}") from None

    def fitted_to_data(self, chosen: set[str]) -> Config:
        """With CSV data, hidden layers that fit it (hidden = None, see run_data) unless
        ``hidden`` is among the settings ``chosen`` (given as flags or in a file)."""
        if self.data is None or "hidden" in chosen:
            return self
        return self.replace(hidden=None)


def toml_keys(path: str | Path) -> set[str]:
    """The names of the settings a TOML file gives (read after ``Config.from_toml``)."""
    return set(settings_table(read_toml(path)))


def read_toml(path: str | Path) -> dict[str, Any]:
    """The TOML file as a dict (a UTF-8 byte order mark is skipped); ConfigError if it cannot
    be read or parsed."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such config file") from None
    except IsADirectoryError:
        raise ConfigError("a folder, not a config file") from None
    except OSError as e:
        raise ConfigError(f"cannot be read: {e.strerror or e}") from None
    if len(raw) > MAX_TOML_BYTES:
        raise ConfigError(f"larger than {MAX_TOML_BYTES:,} bytes: not a settings file")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text (byte {e.start}): save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}") from None
    except ValueError as e:  # Python's limit on an integer's digits
        raise ConfigError(f"not valid TOML: {str(e).split(';')[0]}") from None
    except RecursionError:
        raise ConfigError("not valid TOML: lists or tables nested too deeply to read") from None


def settings_table(document: dict[str, Any]) -> dict[str, Any]:
    """The settings of a TOML document: its [train] table if it has one, else its top level.
    A [train] table with other settings beside it is refused (they would be ignored)."""
    if "train" not in document:
        return document
    table = document["train"]
    if not isinstance(table, dict):
        refuse("train", table, "one table of settings, [train] (not [[train]] nor a value)")
    beside = sorted(set(document) - {"train"})
    if beside:
        raise ConfigError(
            f"{brief(beside[0])} is outside the [train] table: put every setting in [train], "
            "or all of them at the top level"
        )
    return table
