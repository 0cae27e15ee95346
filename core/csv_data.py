"""Data from files: CSV with an optional header and a target column, and the bundled Iris.

A missing or non-numeric value is rejected with its line and column in the message, and so
is a quote that is never closed. The target column holds labels (classification: binary
or one-hot multiclass, at most MAX_CLASSES classes) or numbers (regression). Only regular
files of at most MAX_CSV_BYTES are read: a FIFO or a device would hang or never end.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import math
import stat
import sys
from array import array
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np

from .csv_targets import MAX_CLASSES, read_targets
from .datasets import Dataset

__all__ = ["MAX_CLASSES", "MAX_CSV_BYTES", "asset_path", "load_csv", "load_iris"]

MAX_CSV_BYTES = 50_000_000  # read at most this much of a CSV file


def _number(text: str) -> float | None:
    """The float a field holds, or None if it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _open(path: Path) -> IO[str]:
    """The file, open for text, if it is a regular file of at most MAX_CSV_BYTES: a FIFO
    or a device (``/dev/zero``) would hang or never end."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file: give a CSV file")
    if info.st_size > MAX_CSV_BYTES:
        raise ValueError(_too_big(path, info.st_size))
    try:
        return path.open(newline="", encoding="utf-8-sig")
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None


def _too_big(path: Path, size: int) -> str:
    return (
        f"{path.name} has {size / 1e6:,.0f} MB: at most {MAX_CSV_BYTES / 1e6:,.0f} MB of CSV "
        "can be read (about a million rows of a few columns); use a sample of the rows"
    )


def _rows(f: IO[str], path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped fields) of every non-blank row, read one at a time; a quote
    that is never closed is named with the line it opens on."""
    read = 0

    def lines() -> Iterator[str]:
        nonlocal read
        for line in f:
            read += len(line)
            if read > MAX_CSV_BYTES:  # the file grew while read
                raise ValueError(_too_big(path, read))
            yield line

    reader = csv.reader(lines(), strict=True)
    start = 1
    try:
        for row in reader:
            if any(x.strip() for x in row):
                yield start, [x.strip() for x in row]
            start = reader.line_num + 1
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise ValueError(
                f'{path.name} line {start}: a quote (") opens a field that is never closed'
            ) from None
        raise ValueError(f"{path.name} line {reader.line_num}: {e}") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"cannot read {path}: it is not UTF-8 text ({e.reason})") from None
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None


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
            raise ValueError(
                f"{file} has no header row, so target {_cut(target)!r} names no column"
            )
        if target not in header:
            close = difflib.get_close_matches(target, header, n=1)
            hint = f"did you mean --target {_cut(close[0])}? " if close else ""
            names = _cut(", ".join(header), 200)
            raise ValueError(f"{file} has no column {_cut(target)!r}: {hint}columns: {names}")
        return header.index(target)
    if not -ncols <= target < ncols:
        raise ValueError(
            f"target = {target} is not allowed: {file} has {ncols} columns, "
            f"so 0 to {ncols - 1} or -{ncols} to -1"
        )
    return target % ncols


def load_csv(
    path: str | Path,
    target: int | str = -1,
    header: bool | None = None,
    name: str | None = None,
    task: str = "auto",
    like: Dataset | None = None,
) -> Dataset:
    """Read a comma-separated file: numeric feature columns and one target column.

    ``header=None`` detects a header row (any non-number in a feature column of the first
    row). ``task="auto"`` reads text labels, or at most 10 distinct whole numbers, as
    classes and other numbers as a regression target ("classification" or "regression"
    decide instead; see csv_targets.py). ``like``: read a second file (a validation set)
    with the columns, task and classes of that data set. Rows are converted as they are
    read (8 bytes per number kept). ValueError on a bad file.
    """
    path = Path(path)
    file = path.name
    with _open(path) as f:
        rows = _rows(f, path)
        first_line, first = next(rows, (0, None))
        if first is None:
            raise ValueError(f"{file} is empty: it needs a row per sample")
        ncols = len(first)
        if ncols < 2:
            raise ValueError(f"{file} has 1 column: it needs feature columns and a target column")
        if header is None:
            header = _has_header(first, target)
        head = first if header else None
        tcol = _target_index(target, head, ncols, file)
        if like is not None:
            _same_columns(like, head, ncols, tcol, file)
        data = rows if header else itertools.chain([(first_line, first)], rows)
        features, labels, first_data = _read_data(data, ncols, tcol, first_line, head, file)
    if len(labels) < (1 if like is not None else 2):
        raise ValueError(f"{file} has {len(labels)} data rows: at least 2 are needed")
    X = np.frombuffer(features, dtype=np.float64).reshape(len(labels), ncols - 1)
    column = f"{file} {_column(head, tcol)}"
    Y, kind, class_names, reason = read_targets(labels, column, task, like)
    if like is None and kind != "regression" and len(class_names) < 2:
        raise ValueError(f"{_where(file, head, first_data, tcol)}: the target has only one class")
    names = head or [f"x{j + 1}" for j in range(ncols)]
    features_names = tuple(x for j, x in enumerate(names) if j != tcol)
    if like is not None:
        features_names = like.feature_names
    target_name = names[tcol] if head else f"column {tcol + 1}"
    return Dataset(
        name or path.name, X, Y, kind, features_names, class_names,
        target=target_name, reason=reason,
    )  # fmt: skip


def _same_columns(like: Dataset, head: list[str] | None, ncols: int, tcol: int, file: str) -> None:
    """A validation file must have the training file's columns (by name, with headers)."""
    if ncols - 1 != like.n_features:
        raise ValueError(
            f"{file} has {ncols - 1} feature columns, the training file {like.n_features}: "
            "a validation file needs the same columns"
        )
    if head is not None and like.target and not like.target.startswith("column "):
        features = tuple(x for j, x in enumerate(head) if j != tcol)
        for mine, theirs in zip(features, like.feature_names, strict=True):
            if mine != theirs:
                raise ValueError(
                    f"{file} has column {_cut(mine)!r} where the training file has "
                    f"{_cut(theirs)!r}: a validation file needs the same columns in the same order"
                )


def _cut(text: str, keep: int = 40) -> str:
    """A field or a name as a message quotes it: at most ``keep`` characters of its start."""
    return text if len(text) <= keep else f"{text[:keep]}…"


def _column(head: list[str] | None, j: int) -> str:
    """'column 3 (species)', or 'column 3' without a header."""
    return f"column {j + 1}" + (f" ({_cut(head[j])})" if head else "")


def _where(file: str, head: list[str] | None, line: int, j: int) -> str:
    return f"{file} line {line}, {_column(head, j)}"


def _read_data(
    rows: Iterator[tuple[int, list[str]]],
    ncols: int,
    tcol: int,
    first_line: int,
    head: list[str] | None,
    file: str,
) -> tuple[array, list[str], int]:
    """(features row after row, the target's text per row, the first data row's line)."""
    features = array("d")
    labels: list[str] = []
    first_data = 0
    for line, fields in rows:
        first_data = first_data or line
        if len(fields) != ncols:
            raise ValueError(
                f"{file} line {line}: expected {ncols} fields (as in line {first_line}), "
                f"found {len(fields)}"
            )
        for j, text in enumerate(fields):
            if text == "":
                raise ValueError(f"{_where(file, head, line, j)} is empty: fill or remove the row")
            x = _number(text)
            if x is not None and not math.isfinite(x):
                raise ValueError(f"{_where(file, head, line, j)}: {_cut(text)!r} is not finite")
            if j == tcol:
                labels.append(sys.intern(text))  # one object per distinct label
            elif x is None:
                raise ValueError(
                    f"{_where(file, head, line, j)}: {_cut(text)!r} is not a number"
                    + (
                        f"; only the target may hold text: did you mean --target "
                        f"{_cut(head[j]) if head else j}?"
                        if line == first_data
                        else ""
                    )
                )  # text in the first row: a column of labels, likely the target
            else:
                features.append(x)
    return features, labels, first_data


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
