"""Data from files: CSV with an optional header and a target column, and the bundled Iris.

A missing or non-numeric value is rejected with its line and column in the message. The
target column holds labels (classification: binary or one-hot multiclass) or numbers
(regression).
"""

from __future__ import annotations

import csv
import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Dataset, Floats


def _number(text: str) -> float | None:
    """The float a field holds, or None if it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, stripped fields) of every non-blank row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            return [
                (reader.line_num, [x.strip() for x in row])
                for row in reader
                if any(x.strip() for x in row)
            ]
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"cannot read {path}: {e}") from None


def _has_header(first: list[str], target: int | str) -> bool:
    """Whether the first row is a header: a target name, or a non-number in a feature column."""
    if isinstance(target, str):
        return True
    ncols = len(first)
    t = target % ncols if -ncols <= target < ncols else None
    return any(_number(x) is None for j, x in enumerate(first) if j != t)


def _target_index(target: int | str, header: list[str] | None, ncols: int, file: str) -> int:
    if isinstance(target, str):
        if header is None:
            raise ValueError(f"{file} has no header row, so target {target!r} names no column")
        if target not in header:
            raise ValueError(f"{file} has no column {target!r}; columns: {', '.join(header)}")
        return header.index(target)
    if not -ncols <= target < ncols:
        raise ValueError(
            f"target = {target} is not allowed: {file} has {ncols} columns, "
            f"so 0 to {ncols - 1} or -{ncols} to -1"
        )
    return target % ncols


def _targets(values: list[str]) -> tuple[Floats, str, tuple[str, ...]]:
    """Y, task and class names for the target column's values."""
    numbers = [_number(v) for v in values]
    if all(x is not None for x in numbers):
        y = np.array(numbers, dtype=np.float64)
        if len(set(numbers)) > 10 or np.any(y != np.round(y)):
            return y[:, None], "regression", ()
        keys = [str(int(x)) for x in y]
        names = tuple(str(int(x)) for x in sorted(set(y)))
    else:
        keys, names = values, tuple(sorted(set(values)))
    index = {name: i for i, name in enumerate(names)}
    labels = np.array([index[k] for k in keys], dtype=np.int64)
    if len(names) == 2:
        return labels[:, None].astype(np.float64), "binary", names
    return np.eye(len(names))[labels], "multiclass", names


def load_csv(
    path: str | Path, target: int | str = -1, header: bool | None = None, name: str | None = None
) -> Dataset:
    """Read a comma-separated file: numeric feature columns and one target column.

    ``header=None`` detects a header row (any non-number in a feature column of the first
    row). A numeric target with more than 10 distinct values or any non-integer value is a
    regression target; otherwise its values are class labels. ValueError on a bad file.
    """
    path = Path(path)
    file = path.name
    rows = _read_rows(path)
    if not rows:
        raise ValueError(f"{file} is empty: it needs a row per sample")
    ncols = len(rows[0][1])
    if ncols < 2:
        raise ValueError(f"{file} has 1 column: it needs feature columns and a target column")
    first = rows[0][1]
    if header is None:
        header = _has_header(first, target)
    head = first if header else None
    data = rows[1:] if header else rows
    if len(data) < 2:
        raise ValueError(f"{file} has {len(data)} data rows: at least 2 are needed")
    tcol = _target_index(target, head, ncols, file)
    names = head or [f"x{j + 1}" for j in range(ncols)]

    def where(line: int, j: int) -> str:
        label = f" ({head[j]})" if head else ""
        return f"{file} line {line}, column {j + 1}{label}"

    X = np.empty((len(data), ncols - 1))
    labels = []
    for i, (line, fields) in enumerate(data):
        if len(fields) != ncols:
            raise ValueError(
                f"{file} line {line}: expected {ncols} fields (as in line {rows[0][0]}), "
                f"found {len(fields)}"
            )
        for j, text in enumerate(fields):
            if text == "":
                raise ValueError(f"{where(line, j)} is empty: fill or remove the row")
            x = _number(text)
            if x is not None and not math.isfinite(x):
                raise ValueError(f"{where(line, j)}: {text!r} is not finite")
            if j == tcol:
                labels.append(text)
            elif x is None:
                raise ValueError(f"{where(line, j)}: {text!r} is not a number")
            else:
                X[i, j - (j > tcol)] = x
    Y, task, class_names = _targets(labels)
    if task != "regression" and len(class_names) < 2:
        raise ValueError(f"{where(data[0][0], tcol)}: the target has only one class")
    features = tuple(x for j, x in enumerate(names) if j != tcol)
    return Dataset(name or path.stem, X, Y, task, features, class_names)


def asset_path(name: str) -> Any:
    """A bundled data file: from the installed ``backprop_tui_assets`` package if there is
    one, else from the source tree's assets/ folder. A Traversable or a Path."""
    try:
        candidate = resources.files("backprop_tui_assets") / name
        if candidate.is_file():
            return candidate
    except (ImportError, OSError, TypeError):  # not installed, or (Python 3.11) a namespace
        pass  # package of an editable install, whose path-hook entry resources cannot read
    return Path(__file__).resolve().parent.parent / "assets" / name


def load_iris() -> Dataset:
    """Fisher's Iris: 150 flowers, 4 measurements in cm, 3 species (50 each)."""
    with resources.as_file(asset_path("iris.csv")) as p:
        return load_csv(p, target="species", header=True, name="iris")


# --- splitting, scaling, batching -----------------------------------------------------------
