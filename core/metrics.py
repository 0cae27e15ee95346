"""How good the predictions are: a confusion matrix and per-class scores, and R².

Pure NumPy functions on predictions and labels, usable on any model's output:

    cm = confusion_matrix(true, predicted, n_classes)   # (C, C): rows true, columns predicted
    report = class_report(cm)                            # precision, recall, f1, support
    r2 = r2_score(y, y_hat)                              # 1 - SS_res / SS_tot
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


def predicted_classes(output: NDArray, task: str) -> Ints:
    """The class each row of a network's output (n, k) predicts: output > 0.5 for two
    classes (one sigmoid unit), the arg max for many."""
    output = np.asarray(output)
    if task == "binary":
        return (output[:, 0] > 0.5).astype(np.int64)
    if task == "multiclass":
        return np.argmax(output, axis=1).astype(np.int64)
    raise ValueError(f"task {task!r} has no classes: regression is scored by r2_score")


def confusion_matrix(true: NDArray, predicted: NDArray, n_classes: int) -> Ints:
    """Counts (C, C): entry [i, j] is the rows of true class i predicted as class j.

    true, predicted: class indices (n,), each in 0 .. n_classes - 1.
    """
    true, predicted = np.asarray(true, np.int64), np.asarray(predicted, np.int64)
    if true.shape != predicted.shape or true.ndim != 1:
        raise ValueError(f"true {true.shape} and predicted {predicted.shape}: two (n,) arrays")
    if n_classes < 1 or (true.size and not (0 <= min(true.min(), predicted.min()))):
        raise ValueError(f"class indices must be 0 to {n_classes - 1}")
    if true.size and max(true.max(), predicted.max()) >= n_classes:
        raise ValueError(f"class indices must be 0 to {n_classes - 1}")
    flat = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


@dataclass(frozen=True)
class ClassReport:
    """Per-class scores from a confusion matrix (C, C); each array (C,).

    precision_c = cm[c, c] / (column c's sum): of the rows predicted c, the share that are c;
    recall_c = cm[c, c] / (row c's sum): of the rows of class c, the share predicted c (the
    class's own accuracy); f1 their harmonic mean; support the rows of class c.
    accuracy = trace / total. A share with nothing to divide by is NaN.
    """

    precision: Floats
    recall: Floats
    f1: Floats
    support: Ints
    accuracy: float

    @property
    def balanced_accuracy(self) -> float:
        """The mean recall over the classes present."""
        present = self.support > 0
        return float(self.recall[present].mean()) if present.any() else float("nan")


def class_report(cm: NDArray) -> ClassReport:
    """Precision, recall, F1 and support per class, and the accuracy, from counts (C, C)."""
    cm = np.asarray(cm, np.int64)
    hits = np.diag(cm).astype(np.float64)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, hits / predicted, np.nan)
        recall = np.where(support > 0, hits / support, np.nan)
        f1 = 2 * precision * recall / (precision + recall)
    f1 = np.where(hits > 0, f1, np.where(np.isnan(precision) & np.isnan(recall), np.nan, 0.0))
    total = cm.sum()
    accuracy = float(hits.sum() / total) if total else float("nan")
    return ClassReport(precision, recall, f1, support, accuracy)


def r2_score(y: NDArray, y_hat: NDArray) -> float:
    """R² = 1 - sum (y - y_hat)² / sum (y - mean y)², averaged over the outputs.

    y, y_hat: (n,) or (n, k). 1 is a perfect fit, 0 no better than predicting the mean,
    below 0 worse. The same in any units: scaling y and y_hat alike leaves it unchanged.
    NaN for fewer than 2 rows or a constant target.
    """
    y, y_hat = np.asarray(y, np.float64), np.asarray(y_hat, np.float64)
    y, y_hat = y.reshape(len(y), -1), y_hat.reshape(len(y_hat), -1)
    if y.shape != y_hat.shape:
        raise ValueError(f"y {y.shape} and y_hat {y_hat.shape} differ")
    if len(y) < 2:
        return float("nan")
    with np.errstate(all="ignore"):
        residual = ((y - y_hat) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        scores = 1.0 - residual / total
    scores = scores[total > 0]
    return float(scores.mean()) if scores.size else float("nan")


def errors(y: NDArray, y_hat: NDArray) -> tuple[float, float]:
    """(RMSE, MAE) over every element: sqrt(mean (y - y_hat)²) and mean |y - y_hat|, in the
    units of y. y, y_hat: (n,) or (n, k) alike; (NaN, NaN) for no rows."""
    y, y_hat = np.asarray(y, np.float64), np.asarray(y_hat, np.float64)
    if y.size == 0 and y_hat.size == 0:
        return float("nan"), float("nan")
    y, y_hat = y.reshape(len(y), -1), y_hat.reshape(len(y_hat), -1)
    if y.shape != y_hat.shape:
        raise ValueError(f"y {y.shape} and y_hat {y_hat.shape} differ")
    with np.errstate(all="ignore"):
        diff = y - y_hat
        return float(np.sqrt(np.mean(diff**2))), float(np.mean(np.abs(diff)))


def distinct_labels(names: list[str], width: int) -> tuple[list[str], bool]:
    """Column headings of at most ``width`` characters that tell the classes apart: the
    names as they are when they fit, else cut in the middle ("cult…r_1": the start and the
    end kept), else (False -> True) the class numbers 1, 2, ... that the rows then name.
    Returns (labels, numbered)."""
    if all(len(n) <= width for n in names) and len(set(names)) == len(names):
        return list(names), False
    if width >= 3:
        end = (width - 1) // 2
        cut = [n if len(n) <= width else n[: width - 1 - end] + "…" + n[len(n) - end :]
               for n in names]  # fmt: skip
        if len(set(cut)) == len(cut):
            return cut, False
    return [str(c) for c in range(1, len(names) + 1)], True


def format_report(cm: NDArray, names: tuple[str, ...]) -> list[str]:
    """The confusion matrix and per-class scores as lines of text (rows true, columns
    predicted), for a terminal or a log. Column headings are at most 8 characters, told
    apart (``distinct_labels``): cut in the middle, or numbered with the rows' names."""
    cm = np.asarray(cm, np.int64)
    r = class_report(cm)
    labels = [str(n) for n in names] or [str(c) for c in range(len(cm))]
    columns, numbered = distinct_labels(labels, 8)
    if numbered:  # the rows say which number is which class
        labels = [f"{k} {x}" for k, x in zip(columns, labels, strict=True)]
    w = max(len(str(cm.max(initial=0))), *(len(x) for x in columns), 3)
    head = max(len(x) for x in labels) + 1
    lines = ["".ljust(head) + " ".join(f"{x:>{w}}" for x in columns)]
    lines[0] += "   precision    recall        f1      n"
    for c, label in enumerate(labels):
        row = " ".join(f"{v:>{w}}" for v in cm[c])
        scores = "".join(f"{_pct(v):>10}" for v in (r.precision[c], r.recall[c], r.f1[c]))
        lines.append(f"{label:<{head}}{row} {scores}{r.support[c]:>7}")
    lines.append(
        f"accuracy {_pct(r.accuracy)} of {cm.sum()} rows; balanced accuracy (mean recall) "
        f"{_pct(r.balanced_accuracy)}; rows: true class, columns: predicted"
    )
    return lines


def _pct(x: float) -> str:
    return "–" if np.isnan(x) else f"{100 * x:.1f}%"
