"""Ghost runs: earlier runs kept beside the live one, so that their loss curves can be compared
(full batch vs mini-batch vs SGD, lr 0.003 vs 0.03 vs 0.3) on the same axes, epoch 0 aligned.

A ghost is small: its settings and its loss curves at GHOST_POINTS points (min/max buckets of
the run's history, so spikes survive), whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .config import Config
from .settings import SETTINGS

if TYPE_CHECKING:
    from .trainer import Trainer

GHOST_POINTS = 512  # points per curve
MAX_GHOSTS = 3  # keeping a fourth forgets the oldest


@dataclass(frozen=True, eq=False)  # the same ghost is the same object (arrays inside)
class Ghost:
    """An earlier run: its config, how many epochs it ran and its loss per epoch.

    x (p,): epochs (bucket centres); train, val (p,): the training and validation loss
    (bucket maxima; nan where there is no validation set).
    """

    config: Config
    epochs: int
    x: NDArray[np.float64]
    train: NDArray[np.float64]
    val: NDArray[np.float64]

    def __post_init__(self) -> None:
        for a in (self.x, self.train, self.val):  # its own copies, shared by whoever shows it
            a.flags.writeable = False

    @classmethod
    def of(cls, trainer: Trainer) -> Ghost:
        """The trainer's run as it is now (copies: the trainer goes on)."""
        x, _, train = trainer.history.series("train_loss", GHOST_POINTS)
        _, _, val = trainer.history.series("val_loss", GHOST_POINTS)
        return cls(trainer.config, trainer.epoch, x, train, val)  # new arrays


def keep(ghosts: list[Ghost], ghost: Ghost) -> list[Ghost]:
    """The ghosts with one more, the oldest forgotten beyond MAX_GHOSTS."""
    return [*ghosts, ghost][-MAX_GHOSTS:]


def differences(ghost: Config, live: Config) -> dict[str, object]:
    """The settings in which a ghost's run differs from the live one: {field: ghost's value}.
    How fast or how long a run goes (the pace, the epochs to train headless) is not a
    difference between two runs."""
    return {
        name: getattr(ghost, name)
        for name, setting in SETTINGS.items()
        if setting.of_the_run and getattr(ghost, name) != getattr(live, name)
    }
