"""A trained run scored on its own data: predictions in the data's units, with class names;
the confusion matrix and per-class scores of a classification; R², RMSE and MAE of a
regression.

    from core.evaluation import confusion, predict, predict_table, r2, regression_scores
    cm, names = confusion(trainer)          # on the validation set ("train", "test": others)
    y = predict(trainer, X)                 # X (n, d) as in the file -> target units
    p = predict_table(trainer, X)           # p.predicted: class names or values; p.probabilities
    scores = regression_scores(trainer)     # R², and RMSE, MAE in the target's own units
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .features import PLANE
from .metrics import confusion_matrix, errors, predicted_classes, r2_score
from .run_data import plane_inputs

SETS = {"train": "training", "val": "validation", "test": "test"}  # ``which``, in words


def arrays(trainer, which: str) -> tuple[NDArray, NDArray]:
    """X (n, d) and Y (n, k) of the training, validation or test set, as trained on."""
    if which == "val":
        return trainer.X_val, trainer.Y_val
    if which == "train":
        return trainer.X, trainer.Y
    if which == "test":
        test = trainer.data.test
        if test is None:
            raise ValueError("this run has no test set: give it test_fraction (--test-fraction)")
        dtype = trainer.net.dtype
        return test.X.astype(dtype, copy=False), test.Y.astype(dtype, copy=False)
    raise ValueError(f"which = {which!r} is not allowed: 'train', 'val' or 'test'")


def rows(trainer, which: str) -> int:
    """How many rows the training, validation or test set holds (0 for no test set)."""
    if which == "test" and trainer.data.test is None:
        return 0
    return len(arrays(trainer, which)[0])


def outputs(trainer, which: str = "val") -> NDArray:
    """The network's outputs (n, k) on the training or validation set, as trained (scaled)."""
    X, _ = arrays(trainer, which)
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
    _, Y = arrays(trainer, which)
    true = predicted_classes(Y, trainer.task)  # the one-hot (or 0/1) targets' classes
    names = trainer.train_set.class_names
    return confusion_matrix(true, predicted_classes(outputs(trainer, which), trainer.task),
                            len(names)), names  # fmt: skip


@dataclass(frozen=True)
class Predictions:
    """A model's answers for n rows.

    values: (n, k) the outputs in the target's units (a regression's predictions) or the
    class probabilities as the network gives them (one column, P(classes[1]), for two).
    classes: the class names (() for a regression). labels: (n,) each row's class index
    (None for a regression). probabilities: (n, C), one column per class, rows summing to 1.
    """

    values: NDArray[np.float64]
    classes: tuple[str, ...] = ()
    labels: NDArray[np.int64] | None = None
    probabilities: NDArray[np.float64] | None = None

    @property
    def predicted(self) -> NDArray:
        """(n,) each row's class name (an array of str), or (n,) a regression's value (its
        first output; ``values`` holds them all)."""
        if self.labels is None:
            return self.values[:, 0]
        return np.asarray(self.classes, dtype=object)[self.labels]


def input_columns(trainer) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    """What ``predict`` takes: the names of the columns of X (the file's features, or the
    plane's x1, x2 for derived inputs) and their means over the training rows (d,), as
    read (before any scaling)."""
    ds = trainer.train_set
    if ds.plane is not None:
        return PLANE, ds.plane.mean(axis=0)
    X = trainer.scaler.inverse(ds.X) if trainer.scaler is not None else ds.X
    return tuple(ds.feature_names), np.asarray(X, np.float64).mean(axis=0)


def predict_table(trainer, X: NDArray) -> Predictions:
    """``predict`` with the class of each row and its name: X (n, d) as the file holds
    them (points (n, 2) of the plane for derived inputs)."""
    values = predict(trainer, X)
    if trainer.task == "regression":
        return Predictions(values)
    names = tuple(trainer.train_set.class_names)
    labels = predicted_classes(values, trainer.task)
    probabilities = values if trainer.task == "multiclass" else np.hstack([1 - values, values])
    return Predictions(values, names, labels, probabilities)


def r2(trainer, which: str = "val") -> float:
    """R² of the current weights on the validation (or training) set (NaN for
    classification, or fewer than 2 rows). Unchanged by the target's standardisation."""
    if trainer.task != "regression":
        return float("nan")
    _, Y = arrays(trainer, which)
    return r2_score(Y, outputs(trainer, which)) if len(Y) >= 2 else float("nan")


@dataclass(frozen=True)
class RegressionScores:
    """R² (unitless), and RMSE = sqrt(mean (y - y_hat)²), MAE = mean |y - y_hat| in the
    target's own units (a standardised target scaled back); NaN for no rows."""

    r2: float
    rmse: float
    mae: float


def regression_scores(trainer, which: str = "val") -> RegressionScores:
    """R², RMSE and MAE of the current weights on the validation (training, test) set, from
    one forward pass; all NaN for a classification or a set of no rows."""
    nan = float("nan")
    if trainer.task != "regression" or rows(trainer, which) == 0:
        return RegressionScores(nan, nan, nan)
    _, Y = arrays(trainer, which)
    out = outputs(trainer, which)
    target = trainer.target_scaler
    units = target.inverse if target is not None else (lambda y: y)
    y, y_hat = units(np.asarray(Y, np.float64)), units(np.asarray(out, np.float64))
    r2 = r2_score(y, y_hat) if len(Y) >= 2 else nan
    return RegressionScores(r2, *errors(y, y_hat))
