"""The settings a person can change in the controls panel: how to show and parse each.

How a setting reads from text, what it allows, how it is shown and whether it is live (the
run takes it at its next step) or builds a new run (the controls ask first) is its record
in core.settings: the same as its command-line flag and TOML key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.config import Config
from core.ghosts import Ghost, differences
from core.settings import DATASET_NAMES, LIVE, ONE_INPUT, SETTINGS, number

from .. import sandbox
from ..snapshot import Snapshot

finite_number = number("weight", "a weight's new value", -math.inf).parse


@dataclass(frozen=True)
class Field:
    """One setting: its Config attribute and label. A Config field takes ``parse``,
    ``show`` and ``choices`` (a choice field when not empty) from its record in
    core.settings; the data source (which sets several) gives them."""

    name: str  # the Config attribute, or "source"
    label: str
    help: str = ""
    parse: Callable[[str], object] | None = None
    show: Callable[[object], str] = str
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        setting = SETTINGS.get(self.name)
        if setting is not None:
            object.__setattr__(self, "parse", setting.parse)
            object.__setattr__(self, "show", setting.show)
            object.__setattr__(self, "choices", setting.choices)

    @property
    def live(self) -> bool:
        """The run takes it at its next step (core.settings); else it starts a new run."""
        return self.name in LIVE

    def changes(self, value: object) -> dict[str, object]:
        """The Config fields a new value sets: the data source's, or the field itself."""
        return dict(value) if self.name == "source" else {self.name: value}

    def value(self, snapshot: Snapshot) -> object:
        return getattr(snapshot.config, self.name)

    def value_text(self, snapshot: Snapshot) -> str:
        """As the controls show it: loss auto with what it resolved to ("auto: CE"), no
        hidden activation without a hidden layer ("–"), the data's set or file name."""
        if self.name == "source":
            return source_text(snapshot.config)
        if self.name == "loss" and snapshot.config.loss == "auto":
            return f"auto: {snapshot.loss_short}"
        if self.name == "activation" and not snapshot.config.hidden:
            return "–"
        config = snapshot.config
        if self.name == "features" and (config.data is not None or config.dataset in ONE_INPUT):
            return "–"  # derived inputs are for the 2-D built-in sets
        if self.name == "noise" and config.data is not None:
            return "–"  # a CSV file's rows are as read: noise is for the built-in sets
        return self.show(self.value(snapshot))


FIELDS: tuple[Field, ...] = (
    Field("lr", "lr", "learning rate: W_new = W - lr·dE/dW"),
    Field(
        "batch_size",
        "batch",
        "1 = stochastic, N = mini-batch, full = the whole training set per step",
    ),
    Field("optimizer", "optim"),
    Field("l2", "L2", "penalty 0.5·l2·‖W‖² on the weights (not the biases)"),
    Field("activation", "act", "of the hidden layers (the output's follows the loss)"),
    Field("hidden", "hidden", "units per hidden layer: 4,2 (none: no hidden layer)"),
    Field("init", "init"),
    Field("loss", "loss"),
    Field(
        "source",
        "data",
        f"a built-in set ({', '.join(DATASET_NAMES)}) or a CSV file's path",
        parse=lambda text: read_source(text),
        show=str,
    ),
    Field("noise", "noise", "of the built-in sets (a CSV file's data is as read: –)"),
    Field("seed", "seed"),
    Field("pace", "pace", "full, N epochs a second (30), N step (1 step), or phases; < and >"),
    Field(
        "features",
        "inputs",
        "what the network sees of a 2-D set's points: x1, x2, x1sq (x1²), x2sq, x1x2, "
        "sinx1 (sin πx1), sinx2, e.g. x1sq,x2sq",
    ),
    Field("dropout", "drop", "probability p of dropping a hidden neuron in a training step"),
    Field("norm", "norm", "each hidden layer's z normalised: batch, layer or none (BN·, LN·)"),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def source_text(config: Config) -> str:
    """The data the run trains on: the CSV file's name, or the built-in set's."""
    return Path(config.data).name if config.data is not None else config.dataset


def read_source(text: str) -> dict[str, object]:
    """A built-in set's name (any case) or a CSV file's path -> the settings it changes: a
    file gets hidden layers that fit it (auto); either drops a validation file. ValueError
    (said beside the field) for anything else, whatever the file system makes of it."""
    name = text.strip().lower()
    if name in DATASET_NAMES:
        return {"dataset": name, "data": None, "val_data": None}
    if sandbox.active() is not None:  # a served session: its folders only
        return {"data": path_to_read(text), "val_data": None, "hidden": None}
    if paths.kind(paths.expand(text)) is None:  # (a name too long, ~nosuchuser: refused)
        raise ValueError(
            f"{paths.shown(text.strip())!r} is neither a built-in data set "
            f"({', '.join(DATASET_NAMES)}) nor a file: give a set's name or a CSV file's path"
        )
    return {"data": str(paths.to_read(text)), "val_data": None, "hidden": None}


def path_to_write(text: str) -> str:
    """A checkpoint's path to write (never over a named pipe or a device); in a served
    session, inside its folder (tui.sandbox). ValueError saying why not."""
    if (box := sandbox.active()) is not None:
        return str(paths.to_write(str(_boxed(box.to_write, text))))
    return str(paths.to_write(text))


def path_to_read(text: str) -> str:
    """An existing regular file's path; in a served session, one it may read
    (tui.sandbox). ValueError saying why not (a folder, a named pipe, a loop of links...)."""
    if (box := sandbox.active()) is not None:
        return str(_boxed(box.to_read, text))
    return str(paths.to_read(text))


def _boxed(check: Callable[[str], Path], text: str) -> Path:
    """The sandbox's ``check(text)``, with the file system's own refusals (a name too
    long, a loop of symbolic links) turned into a ValueError that names the path."""
    try:
        return check(text)
    except OSError as e:
        raise ValueError(paths.refusal(text.strip(), e)) from None
    except RuntimeError as e:  # pathlib's symlink loop
        raise ValueError(f"{paths.shown(text.strip())}: {e}") from None


def ghost_label(ghost: Ghost, live: Config) -> str:
    """What a ghost's run did differently from the live one, as the controls name it:
    "lr 0.3", "batch 1, init he"; "earlier weights" when only the random draw differs."""
    parts = []
    for name, value in differences(ghost.config, live).items():
        field = FIELD_BY_NAME.get(name)
        parts.append(f"{field.label} {field.show(value)}" if field else f"{name} {value}")
    return ", ".join(parts) or "earlier weights"
