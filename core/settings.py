"""Every setting of a run, once: its type, what is allowed, how it reads from text, how it shows.

Config, TOML files, the command line's flags and the app's controls all go through these
records, so each rule is written in one place. A setting has two ways in:

- ``check(value)``: a typed value (Python, a TOML number, list or boolean) -> the value,
  normalised (an int lr -> float, a list of units -> tuple), or ConfigError. Strict: a bool
  is not a number, a string is not a list, "no" is not a boolean.
- ``parse(text)``: text as typed after a flag, in a prompt, or quoted in a TOML file
  ("16,16", "none", "FULL", "0.1", "no") -> the value, checked the same way.

``show(value)`` is the text ``parse`` reads back (the controls show it, a prompt starts
from it). Errors read ``name = value is not allowed: what is`` (or ``is not a number``).

A setting is ``live`` when a run in progress takes it at its next step (``Trainer.apply``:
the learning rate, the batch size, the optimiser and its penalties, the pace, how long to
train); any other builds a new network or reads the data anew, so it starts a new run.
This record is the one place that says which is which: the controls, the app's keys, a
resumed run's flags and the trainer all ask it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .csv_cells import MISSING_CHOICES, SEPARATORS, separator_name
from .csv_targets import TASK_CHOICES
from .datasets import GENERATORS, ONE_INPUT
from .features import FEATURES, PLANE, feature_key, labels
from .initializers import INITIALIZERS
from .losses import LOSSES
from .normalization import NORMS
from .optimizers import OPTIMIZERS
from .pace import EPOCHS, MAX_RATE, Pace, parse_pace

DATASET_NAMES = tuple(GENERATORS)
DTYPES = ("float64", "float32")
MAX_UNITS = 4096
MAX_LAYERS = 16
MAX_HIDDEN_WEIGHTS = 4_000_000  # about 100 MB of parameters, gradients and steps
MAX_EPOCHS = 10**9  # days of training at the fastest; a typo like 10**20 is refused
NO_LAYERS = ("", "none", "0", "-")  # the words for "no hidden layer"
FULL_BATCH = ("full", "f", "all")  # the words for "the whole training set per step"
BOOLEANS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}

_short = reprlib.Repr()  # a bounded repr: a value 5,000 lists deep or 10^6 long stays short
_short.maxlevel, _short.maxlist, _short.maxtuple, _short.maxstring = 3, 20, 20, 80
_short.maxother = 80


class ConfigError(ValueError):
    """A setting with a value that is not allowed."""


def brief(value: Any) -> str:
    """repr(value), cut short: a message quotes at most a line of what it was given."""
    return _short.repr(value)


def refuse(name: str, value: Any, allowed: str) -> NoReturn:
    """Raise ConfigError 'name = value is not allowed: allowed'."""
    raise ConfigError(f"{name} = {brief(value)} is not allowed: {allowed}")


@dataclass(frozen=True)
class Setting:
    """One setting: its Config field ``name``, its flag and help, and its rules."""

    name: str
    help: str  # what it is, for --help (the choices are added to it)
    check: Callable[[Any], Any]  # typed value -> normalised value, or ConfigError
    read: Callable[[str], Any]  # text -> a value for ``check``, or ConfigError
    show: Callable[[Any], str] = str
    choices: tuple[str, ...] = ()
    flag: str = ""  # default: --name with dashes
    metavar: str = "TEXT"  # what --help shows after the flag
    switch: bool = False  # yes/no: the flag alone means yes, and --no-<name> means no
    live: bool = False  # a run in progress takes it at its next step (else: a new run)
    of_the_run: bool = True  # False: how fast or how long a run goes, not what it computes

    def parse(self, text: str) -> Any:
        """Text -> a checked value (the same rules as ``check``)."""
        return self.check(self.read(text))

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def flag_help(self) -> str:
        return f"{self.help}: {', '.join(self.choices)}" if self.choices else self.help


def _is_whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_digits(text: str) -> bool:
    """0-9 only ('²'.isdigit() is True, but int('²') fails)."""
    return text.isascii() and text.isdigit()


# --- kinds of setting -----------------------------------------------------------------------


def live(setting: Setting) -> Setting:
    """The setting, taken by a run in progress at its next step."""
    return dataclasses.replace(setting, live=True)


def pacing(setting: Setting) -> Setting:
    """The setting, live, and about how fast or how long a run goes (not what it computes:
    two runs that differ only in it are the same run)."""
    return dataclasses.replace(setting, live=True, of_the_run=False)


def number(
    name: str, help: str, low: float, high: float = math.inf, *, low_open=False, high_open=False
) -> Setting:
    """A finite float with low < x (``low_open``) or low <= x, and x < high (``high_open``)
    or x <= high."""
    bounds = [] if low == -math.inf else [f"{'>' if low_open else '>='} {low:g}"]
    bounds += [] if high == math.inf else [f"{'<' if high_open else '<='} {high:g}"]
    allowed = "a number " + " and ".join(bounds) if bounds else "a number"

    def check(value: Any) -> float:
        try:
            x = float(value) if _is_number(value) else None
        except OverflowError:  # an int beyond float's range
            x = None
        if x is None:
            refuse(name, value, f"give {allowed}")
        if not math.isfinite(x):
            refuse(name, value, f"give a finite {allowed.removeprefix('a ')}")
        if x < low or (low_open and x == low) or x > high or (high_open and x == high):
            refuse(name, value, f"give {allowed}")
        return x

    def read(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(
                f"{name} = {brief(text.strip())} is not a number: give {allowed}"
            ) from None

    return Setting(name, help, check, read, show=lambda v: f"{v:g}", metavar="X")


def whole(name: str, help: str, low: int, high: int, flag: str = "", allowed: str = "") -> Setting:
    """A whole number from low to high (``allowed`` says so in other words)."""
    allowed = "give " + (allowed or f"a whole number from {low} to {high}")

    def check(value: Any) -> int:
        if not _is_whole(value) or not low <= value <= high:
            refuse(name, value, allowed)
        return int(value)

    def read(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(
                f"{name} = {brief(text.strip())} is not a whole number: {allowed}"
            ) from None

    return Setting(name, help, check, read, flag=flag, metavar="N")


def choice(name: str, help: str, options: tuple[str, ...]) -> Setting:
    """One of ``options`` (text in any case: 'Adam' reads as 'adam')."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            refuse(name, value, "one of " + ", ".join(options))
        return value

    read = lambda text: text.strip().lower()  # noqa: E731
    return Setting(name, help, check, read, choices=options, metavar="NAME")


def _check_hidden(value: Any) -> tuple[int, ...] | None:
    """Units per hidden layer: a list or tuple of whole numbers; () is no hidden layer;
    None is "auto": layers that fit the data, chosen when the data is read."""
    units = f"whole numbers of units from 1 to {MAX_UNITS}"
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        refuse("hidden", value, f'a list of {units}, e.g. [16, 16] (or the text "16,16")')
    if not all(_is_whole(u) and 1 <= u <= MAX_UNITS for u in value):
        refuse("hidden", value, units)
    if len(value) > MAX_LAYERS:
        refuse("hidden", value, f"at most {MAX_LAYERS} hidden layers")
    between = sum(a * b for a, b in itertools.pairwise(value))
    if between > MAX_HIDDEN_WEIGHTS:
        refuse("hidden", value, f"at most {MAX_HIDDEN_WEIGHTS:,} weights between hidden layers "
               f"(these have {between:,}: too big to train at a watchable pace)")  # fmt: skip
    return tuple(int(u) for u in value)


def _read_hidden(text: str) -> tuple[int, ...] | None:
    """'16,8' or '16 8' -> (16, 8); '', 'none', '0' or '-' -> () (no hidden layer);
    'auto' -> None (layers that fit the data)."""
    text = text.strip().lower()
    if text in NO_LAYERS:
        return ()
    if text == "auto":
        return None
    parts = [p.strip() for p in text.split(",")] if "," in text else text.split()
    if not all(_is_digits(p) for p in parts):
        why = "an empty part between commas" if "" in parts else "units per layer"
        refuse("hidden", text, f"{why}: give units per layer separated by commas, e.g. 16,16")
    return tuple(int(p) for p in parts)


def _check_batch(value: Any) -> int | None:
    if value is not None and not (_is_whole(value) and value >= 1):
        refuse("batch_size", value, "a whole number >= 1, or full (the whole training set)")
    return None if value is None else int(value)


def _read_batch(text: str) -> int | str | None:
    """'full' (any case; or 'f', 'all') -> None, '32' -> 32; other text stays text (refused)."""
    text = text.strip().lower()
    if text in FULL_BATCH:
        return None
    return int(text) if _is_digits(text) else text


def yes_no_auto(name: str, help: str) -> Setting:
    """True, False or None (auto: decided by the data), read from yes / no / auto."""

    def check(value: Any) -> bool | None:
        if value is not None and not isinstance(value, bool):
            refuse(name, value, 'true or false (TOML booleans, no quotes), or "auto"')
        return value

    def read(text: str) -> bool | str | None:
        text = text.strip().lower()
        return None if text == "auto" else BOOLEANS.get(text, text)

    show = lambda v: {None: "auto", True: "yes", False: "no"}[v]  # noqa: E731
    return Setting(name, help, check, read, show=show, metavar="auto|yes|no", switch=True)


def yes_no(name: str, help: str) -> Setting:
    """True or False, read from yes / no (true, on / false, off)."""

    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            refuse(name, value, "true or false (TOML booleans, no quotes)")
        return value

    read = lambda text: BOOLEANS.get(text.strip().lower(), text.strip())  # noqa: E731
    show = lambda v: "yes" if v else "no"  # noqa: E731
    return Setting(name, help, check, read, show=show, metavar="yes|no", switch=True)


def _check_pace(value: Any) -> Pace:
    """A Pace, or a number of epochs a second (a TOML number)."""
    if isinstance(value, Pace):
        return value
    if _is_number(value) and 0 < value <= MAX_RATE:
        return Pace(EPOCHS, float(value))
    refuse("pace", value, "full, N epochs a second (e.g. 30), N step (e.g. 1 step), or phases")


def _read_pace(text: str) -> Pace:
    try:
        return parse_pace(text)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def _check_path(name: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            refuse(name, value, "the path of a CSV file, as text")
        return value

    return check


def _check_target(value: Any) -> str | int:
    if not (_is_whole(value) or isinstance(value, str) and value.strip()):
        refuse("target", value, "a column's index (0 the first, -1 the last) or header name")
    return int(value) if _is_whole(value) else value


def _read_target(text: str) -> str | int:
    """'3' or '-1' -> a column index; any other text is a header name."""
    text = text.strip()
    return int(text) if _is_digits(text.removeprefix("-")) else text


def _check_features(value: Any) -> tuple[str, ...]:
    """The inputs a 2-D set's network sees: a list of features (see core.features), each
    once, in any of their written forms; kept in the order of FEATURES."""
    names = ", ".join(FEATURES)
    if not isinstance(value, list | tuple) or not value:
        refuse("features", value, f'a list of one or more of {names}, e.g. ["x1sq", "x2sq"]')
    keys = [feature_key(v) if isinstance(v, str) else None for v in value]
    if None in keys:
        unknown = value[keys.index(None)]
        refuse("features", unknown, f"a feature: one of {names}")
    if len(set(keys)) < len(keys):
        refuse("features", value, "each feature once")
    return tuple(k for k in FEATURES if k in keys)


def check_features_fit(features: tuple[str, ...], dataset: str, data: str | None) -> None:
    """Features other than the plane's x1, x2 need a built-in 2-D data set: ConfigError."""
    if features == PLANE:
        return
    if data is not None:
        why = "a CSV file's columns are its inputs"
    elif dataset in ONE_INPUT:
        why = f"{dataset} has one input"
    else:
        return
    shown = ",".join(labels(features))
    refuse("features", shown, f"derived inputs need a 2-D built-in data set ({why}); "
           "set features to x1,x2 first")  # fmt: skip


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        choice("dataset", "built-in data", DATASET_NAMES),
        Setting(
            "data", "train on a CSV file instead", _check_path("data"), str, metavar="FILE.csv"
        ),
        Setting(
            "target",
            "CSV target column: index or header name (default: the last)",
            _check_target,
            _read_target,
            metavar="COLUMN",
        ),
        Setting(
            "val_data",
            "validate on this CSV file (the same columns) instead of a share of --data",
            _check_path("val_data"),
            str,
            metavar="FILE.csv",
        ),
        choice(
            "task",
            "CSV target: auto (text labels or at most 10 distinct whole numbers are classes, "
            "other numbers regression), or decide",
            TASK_CHOICES,
        ),
        whole("n_samples", "points to generate", 8, 1_000_000, flag="--samples"),
        number("noise", "noise of the built-in data", 0.0, 10.0),
        Setting(
            "features",
            "the inputs a 2-D built-in set's network sees, made from its x1 and x2: "
            "x1, x2, x1sq (x1²), x2sq, x1x2, sinx1 (sin πx1), sinx2; e.g. x1,x2,x1sq,x2sq",
            _check_features,
            lambda text: text.split(","),
            show=lambda keys: ",".join(labels(keys)),
            metavar="F,F",
        ),
        number("val_fraction", "share held out for validation", 0.0, 0.9),
        number(
            "test_fraction",
            "share of the rows held out as a test set, never used to choose anything (not "
            "for --patience nor --restore-best), scored at the end of a headless run",
            0.0,
            0.9,
        ),
        yes_no_auto(
            "standardize",
            "scale each input to mean 0, deviation 1: auto (CSV data yes, built-in no), yes, no",
        ),
        yes_no_auto(
            "standardize_target",
            "scale a regression target to mean 0, deviation 1 (the loss is then in those "
            "units; predictions in the target's): auto (CSV data yes), yes, no",
        ),
        Setting(
            "hidden",
            "units per hidden layer, e.g. 16,16 (none: no hidden layer; auto: fit the data, "
            "the default with --data)",
            _check_hidden,
            _read_hidden,
            metavar="N,N",
            show=lambda h: "auto" if h is None else ",".join(map(str, h)) or "none",
        ),
        choice(
            "activation",
            "hidden layers' activation (swish is also called SiLU; gelu is its tanh approximation)",
            HIDDEN_ACTIVATIONS,
        ),
        choice("output_activation", "output activation", ("auto", *ACTIVATIONS)),
        choice("loss", "loss", ("auto", *LOSSES)),
        choice("init", "initial weights", tuple(INITIALIZERS)),
        number("init_scale", "multiply the initial weights", 0.0, 1e6, low_open=True),
        choice(
            "norm",
            "normalise each hidden layer's z before its activation, with a learned scale γ "
            "and shift β (batch: over the mini-batch; layer: over the layer's units)",
            NORMS,
        ),
        live(choice("optimizer", "optimiser", tuple(OPTIMIZERS))),
        live(number("lr", "learning rate", 0.0, 1e6, low_open=True)),
        Setting(
            "batch_size",
            "samples per step: 1 (SGD), N, or full",
            _check_batch,
            _read_batch,
            metavar="N|full",
            show=lambda b: "full" if b is None else str(b),
            live=True,
        ),
        live(number("l2", "L2 penalty 0.5 * l2 * ||W||^2", 0.0)),
        live(number("l1", "L1 penalty l1 * |W|", 0.0)),
        live(number("clip", "clip the gradient's norm (0: off)", 0.0)),
        live(
            number(
                "dropout",
                "dropout: each hidden neuron's output is dropped (0) with this probability "
                "in each training step, the kept ones scaled by 1/(1-p); never at validation "
                "(0: off)",
                0.0,
                1.0,
                high_open=True,
            )
        ),
        whole(
            "seed",
            "random seed of the data and the weights",
            0,
            2**63 - 1,
            allowed="a whole number >= 0 (below 2**63)",
        ),
        choice("dtype", "floating point type", DTYPES),
        pacing(whole("epochs", "epochs to train (headless)", 0, MAX_EPOCHS)),
        pacing(
            whole(
                "patience",
                "stop after N epochs without a lower validation loss (headless; 0: never)",
                0,
                MAX_EPOCHS,
            )
        ),
        pacing(
            yes_no(
                "restore_best",
                "end on the weights of the epoch with the lowest validation loss (headless)",
            )
        ),
        pacing(
            Setting(
                "pace",
                "how fast the app trains: full, N epochs a second (30), N step (1 step: one "
                "mini-batch a second), or phases (each phase of a step for half a second); "
                "< and > change it in the app",
                _check_pace,
                _read_pace,
                show=lambda p: p.short,
                metavar="PACE",
            )
        ),
        yes_no_auto("header", "CSV first row: auto (a header if it names the columns), yes, no"),
        Setting(
            "sep",
            "CSV field separator, or its character (, ; | or a tab): auto is the one that "
            "splits the first lines evenly",
            lambda v: (
                separator_name(v)
                or refuse("sep", v, "auto, or , ; | or a tab (comma, semicolon, pipe, tab)")
            ),
            str,
            choices=("auto", *SEPARATORS),
            metavar="SEP",
        ),
        choice(
            "missing",
            "CSV missing values (empty, NA, NaN...): refuse (say where), drop their rows, or "
            "fill a feature's with its column's mean",
            MISSING_CHOICES,
        ),
        yes_no(
            "keep_index",
            "keep a CSV file's index column (unnamed, a different value in each row, as "
            "pandas and R write row numbers) as a feature instead of leaving it out",
        ),
    )
}
LIVE = tuple(name for name, s in SETTINGS.items() if s.live)  # what a run in progress takes
