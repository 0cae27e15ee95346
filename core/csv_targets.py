"""What a CSV file's target column means: class labels or numbers to fit, and why.

The guess: text labels are classes; numbers are classes when they are at most
MAX_INTEGER_CLASSES distinct whole numbers, and a regression target otherwise. ``task``
overrides the guess ("classification" or "regression"). A second file (a validation set)
is read ``like`` the first: the same task and the same classes, in the same order.
"""

from __future__ import annotations

import numpy as np

from .datasets import Dataset, Floats

MAX_CLASSES = 100  # distinct labels in a target column (one output unit each)
MAX_INTEGER_CLASSES = 10  # at most this many distinct whole numbers are read as classes
TASK_CHOICES = ("auto", "classification", "regression")


def _number(text: str) -> float | None:
    """The float a field holds, or None if it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _class_key(text: str, x: float | None) -> str:
    """A label's class name: "2" for "2", "2.0" and "02"; other numbers and text as they are."""
    if x is not None and x == round(x) and abs(x) < 2**53:
        return str(int(x))
    return text


def _encode(index: np.ndarray, n_classes: int) -> tuple[Floats, str]:
    """Y and task for class indices (n,): one 0/1 column for 2 classes, one-hot for more."""
    if n_classes == 2:
        return index[:, None].astype(np.float64), "binary"
    return np.eye(n_classes)[index], "multiclass"


def read_targets(
    values: list[str], column: str, task: str = "auto", like: Dataset | None = None
) -> tuple[Floats, str, tuple[str, ...], str]:
    """Y, task, class names and the reason, for the target column's values (one per row).

    Args:
        values: the target's text in each row.
        column: names the column in a message ("iris.csv column 5 (species)").
        task: "auto" (guess), "classification" or "regression".
        like: a data set whose task and classes these values must follow (a validation
            file read like its training file).

    Returns:
        Y (n, k) as Dataset holds it; "regression", "binary" or "multiclass"; the class
        names; why that task, in words ("" with ``like``). ValueError for a column that
        cannot be read so.
    """
    distinct = set(values)
    numbers = {v: _number(v) for v in distinct}
    numeric = all(x is not None for x in numbers.values())
    if like is not None:
        return _like(values, numbers, column, like)
    if task == "regression" or (task == "auto" and numeric and not _few_integers(numbers)):
        if not numeric:
            text = next(v for v, x in sorted(numbers.items()) if x is None)
            raise ValueError(
                f"{column} holds text ({text!r}): a regression target must hold numbers; "
                "give --task classification, or another --target"
            )
        y = np.fromiter(map(numbers.__getitem__, values), np.float64, len(values))
        return y[:, None], "regression", (), _regression_reason(numbers, task)
    if numeric:
        key = {v: _class_key(v, x) for v, x in numbers.items()}
        order = sorted(set(key.values()), key=lambda k: float(k))
    else:
        key = {v: v for v in distinct}
        order = sorted(distinct)
    if len(order) > MAX_CLASSES:
        raise ValueError(
            f"{column} holds {len(order):,} distinct labels: at most {MAX_CLASSES} classes "
            "can be learned (one output unit each); is it the target column? (--target)"
        )
    names = tuple(order)
    position = {name: i for i, name in enumerate(names)}
    index = np.fromiter((position[key[v]] for v in values), np.int64, len(values))
    Y, kind = _encode(index, len(names))
    return Y, kind, names, _class_reason(numeric, len(names), task)


def _few_integers(numbers: dict[str, float | None]) -> bool:
    """At most MAX_INTEGER_CLASSES distinct values, all whole numbers."""
    distinct = set(numbers.values())
    return len(distinct) <= MAX_INTEGER_CLASSES and all(x == round(x) for x in distinct)


def _class_reason(numeric: bool, k: int, task: str) -> str:
    if task == "classification":
        return "as asked (--task classification)"
    if not numeric:
        return "its values are text labels"
    return f"its values are {k} distinct whole numbers (at most {MAX_INTEGER_CLASSES} are classes)"


def _regression_reason(numbers: dict[str, float | None], task: str) -> str:
    if task == "regression":
        return "as asked (--task regression)"
    distinct = set(numbers.values())
    if all(x == round(x) for x in distinct):
        return (
            f"its values are {len(distinct):,} distinct whole numbers (more than "
            f"{MAX_INTEGER_CLASSES}: --task classification reads them as classes)"
        )
    return "its values are numbers, not all whole"


def _like(
    values: list[str], numbers: dict[str, float | None], column: str, like: Dataset
) -> tuple[Floats, str, tuple[str, ...], str]:
    """The values read with ``like``'s task and classes (see read_targets)."""
    if like.task == "regression":
        text = [v for v, x in numbers.items() if x is None]
        if text:
            raise ValueError(
                f"{column} holds text ({sorted(text)[0]!r}): the training file's target "
                "is numbers (regression)"
            )
        y = np.fromiter(map(numbers.__getitem__, values), np.float64, len(values))
        return y[:, None], "regression", (), ""
    position = {name: i for i, name in enumerate(like.class_names)}
    key = {v: _class_key(v, x) if all(_number(c) is not None for c in position) else v
           for v, x in numbers.items()}  # fmt: skip
    unknown = sorted(k for k in set(key.values()) if k not in position)
    if unknown:
        raise ValueError(
            f"{column} holds the label {unknown[0]!r}, which the training file does not have "
            f"(its classes: {', '.join(like.class_names)})"
        )
    index = np.fromiter((position[key[v]] for v in values), np.int64, len(values))
    Y, kind = _encode(index, len(like.class_names))
    return Y, kind, like.class_names, ""
