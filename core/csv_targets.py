"""What a CSV file's target column means: class labels or numbers to fit, and why.

The guess: text labels are classes; numbers are classes when they are at most
MAX_INTEGER_CLASSES distinct whole numbers, and a regression target otherwise. ``task``
overrides the guess ("classification" or "regression"). A second file (a validation set)
is read ``like`` the first: the same task and the same classes, in the same order.
"""

from __future__ import annotations

import numpy as np

from .csv_cells import number
from .datasets import Dataset, Floats

MAX_CLASSES = 100  # distinct labels in a target column (one output unit each)
MAX_INTEGER_CLASSES = 10  # at most this many distinct whole numbers are read as classes
TASK_CHOICES = ("auto", "classification", "regression")


def _class_key(x: float) -> str:
    """A number's class name: "2" for 2.0 (written 2, 2.0 or 02); others as repr: "0.5"."""
    return str(int(x)) if x == round(x) and abs(x) < 2**53 else repr(x)


def _encode(index: np.ndarray, n_classes: int) -> tuple[Floats, str]:
    """Y and task for class indices (n,): one 0/1 column for 2 classes, one-hot for more."""
    if n_classes == 2:
        return index[:, None].astype(np.float64), "binary"
    return np.eye(n_classes)[index], "multiclass"


def read_targets(
    values: Floats | list[str], column: str, task: str = "auto", like: Dataset | None = None
) -> tuple[Floats, str, tuple[str, ...], str]:
    """Y, task, class names and the reason, for the target column's values (one per row).

    Args:
        values: a number column (n,) (finite), or a text column's text per row.
        column: names the column in a message ("iris.csv column 5 (species)").
        task: "auto" (guess), "classification" or "regression".
        like: a data set whose task and classes these values must follow (a validation
            file read like its training file).

    Returns:
        Y (n, k) as Dataset holds it; "regression", "binary" or "multiclass"; the class
        names; why that task, in words ("" with ``like``). ValueError for a column that
        cannot be read so.
    """
    if isinstance(values, list):
        numbers = {v: number(v) for v in set(values)}
        if any(x is None for x in numbers.values()):
            return _texts(values, sorted(v for v, x in numbers.items() if x is None), column,
                          task, like)  # fmt: skip
        values = np.fromiter(map(numbers.__getitem__, values), np.float64, len(values))
    return _numbers(values, column, task, like)


def _numbers(
    y: Floats, column: str, task: str, like: Dataset | None
) -> tuple[Floats, str, tuple[str, ...], str]:
    """read_targets for a column of numbers."""
    distinct, index = np.unique(y, return_inverse=True)
    whole = bool(np.all(distinct == np.round(distinct)))
    if like is not None and like.task == "regression":
        return y[:, None], "regression", (), ""
    if like is not None:
        return _as_classes_of(like, [_class_key(x) for x in distinct.tolist()], index, column)
    few = whole and len(distinct) <= MAX_INTEGER_CLASSES
    if task == "regression" or (task == "auto" and not few):
        return y[:, None], "regression", (), _regression_reason(len(distinct), whole, task)
    names = _class_names([_class_key(x) for x in distinct.tolist()], column)
    Y, kind = _encode(index.reshape(-1), len(names))
    return Y, kind, names, _class_reason(True, len(names), task)


def _texts(
    values: list[str], texts: list[str], column: str, task: str, like: Dataset | None
) -> tuple[Floats, str, tuple[str, ...], str]:
    """read_targets for a column holding text (``texts``: its values that are not numbers)."""
    if task == "regression" or (like is not None and like.task == "regression"):
        whose = "the training file's target is numbers (regression)" if like else (
            "a regression target must hold numbers; give --task classification, or another "
            "--target"
        )  # fmt: skip
        raise ValueError(f"{column} holds text ({texts[0]!r}): {whose}")
    distinct = sorted(set(values))
    position = {name: i for i, name in enumerate(distinct)}
    index = np.fromiter(map(position.__getitem__, values), np.int64, len(values))
    if like is not None:
        return _as_classes_of(like, distinct, index, column)
    names = _class_names(distinct, column)
    Y, kind = _encode(index, len(names))
    return Y, kind, names, _class_reason(False, len(names), task)


def _class_names(names: list[str], column: str) -> tuple[str, ...]:
    if len(names) > MAX_CLASSES:
        raise ValueError(
            f"{column} holds {len(names):,} distinct labels: at most {MAX_CLASSES} classes "
            "can be learned (one output unit each); is it the target column? (--target)"
        )
    return tuple(names)


def _as_classes_of(
    like: Dataset, names: list[str], index: np.ndarray, column: str
) -> tuple[Floats, str, tuple[str, ...], str]:
    """Y for rows of class ``names[index]``, in ``like``'s classes (a validation file)."""
    position = {name: i for i, name in enumerate(like.class_names)}
    unknown = [name for name in names if name not in position]
    if unknown:
        raise ValueError(
            f"{column} holds the label {unknown[0]!r}, which the training file does not have "
            f"(its classes: {', '.join(like.class_names)})"
        )
    mapped = np.array([position[name] for name in names], np.int64)[index.reshape(-1)]
    Y, kind = _encode(mapped, len(like.class_names))
    return Y, kind, like.class_names, ""


def _class_reason(numeric: bool, k: int, task: str) -> str:
    if task == "classification":
        return "as asked (--task classification)"
    if not numeric:
        return "its values are text labels"
    return f"its values are {k} distinct whole numbers (at most {MAX_INTEGER_CLASSES} are classes)"


def _regression_reason(distinct: int, whole: bool, task: str) -> str:
    if task == "regression":
        return "as asked (--task regression)"
    if whole:
        return (
            f"its values are {distinct:,} distinct whole numbers (more than "
            f"{MAX_INTEGER_CLASSES}: --task classification reads them as classes)"
        )
    return "its values are numbers, not all whole"
