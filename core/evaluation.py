"""A trained run scored on its own data: predictions in the data's units, the confusion
matrix and per-class scores of a classification, R² of a regression.

    from core.evaluation import confusion, predict, r2
    cm, names = confusion(trainer)          # on the validation set ("train" for the other)
    y = predict(trainer, X)                 # X (n, d) as in the file -> target units
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .metrics import confusion_matrix, predicted_classes, r2_score
from .run_data import plane_inputs


def _set(trainer, which: str) -> tuple[NDArray, NDArray]:
    if which == "val":
        return trainer.X_val, trainer.Y_val
    if which == "train":
        return trainer.X, trainer.Y
    raise ValueError(f"which = {which!r} is not allowed: 'train' or 'val'")


def outputs(trainer, which: str = "val") -> NDArray:
    """The network's outputs (n, k) on the training or validation set, as trained (scaled)."""
    X, _ = _set(trainer, which)
    with np.errstate(all="ignore"):
        return trainer.net.predict(X)[1]


def predict(trainer, X: NDArray) -> NDArray:
    """Outputs (n, k) for inputs X (n, d) as the file holds them: scaled like the training
    inputs, and a standardised regression target scaled back to its own units. For
    classification: the class probabilities (one column P(class 1) for two classes).
    A run with derived inputs (config.features) takes points (n, 2) of the plane."""
    X = plane_inputs(trainer.config.features, trainer.scaler, np.asarray(X, np.float64))
    with np.errstate(all="ignore"):
        y = trainer.net.predict(X.astype(trainer.net.dtype))[1].astype(np.float64)
    target = getattr(trainer, "target_scaler", None)
    return target.inverse(y) if target is not None else y


def confusion(trainer, which: str = "val") -> tuple[NDArray[np.int64], tuple[str, ...]]:
    """The confusion matrix (C, C) (rows true, columns predicted) of the current weights on
    the validation (or training) set, and the class names. ValueError for regression."""
    if trainer.task == "regression":
        raise ValueError("a regression has no confusion matrix: it is scored by R² (r2)")
    _, Y = _set(trainer, which)
    true = predicted_classes(Y, trainer.task)  # the one-hot (or 0/1) targets' classes
    names = trainer.train_set.class_names
    return confusion_matrix(true, predicted_classes(outputs(trainer, which), trainer.task),
                            len(names)), names  # fmt: skip


def r2(trainer, which: str = "val") -> float:
    """R² of the current weights on the validation (or training) set (NaN for
    classification, or fewer than 2 rows). Unchanged by the target's standardisation."""
    if trainer.task != "regression":
        return float("nan")
    _, Y = _set(trainer, which)
    return r2_score(Y, outputs(trainer, which)) if len(Y) >= 2 else float("nan")
