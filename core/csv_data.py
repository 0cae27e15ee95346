"""Data from files: a CSV file's feature columns and target column as a Dataset, and the
bundled Iris.

``load_csv`` reads the file with ``csv_read.read_table`` (the separator, the header, quoted
fields, missing cells: see there) and then decides, saying what it decided in
``Dataset.notes`` (lines of the load summary):

- pandas' or R's index column (an unnamed first column of distinct row numbers or names)
  is dropped, or kept as a feature with ``keep_index``;
- missing cells are refused with their count per column (``missing="refuse"``), or their
  rows dropped (``"drop"``), or a feature's filled with its column's mean over the file's
  rows (``"mean"``; a row whose target is missing is dropped);
- every feature column must hold numbers, all finite; the target column holds labels
  (classification: binary or one-hot multiclass, at most MAX_CLASSES classes) or numbers
  (regression, not all equal): see csv_targets.py.
"""

from __future__ import annotations

import difflib
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .csv_cells import MISSING_CHOICES, SEPARATORS, number
from .csv_read import SEPARATOR_NAMES, Table, read_table
from .csv_targets import MAX_CLASSES, read_targets
from .datasets import Dataset

__all__ = ["MAX_CLASSES", "asset_path", "load_csv", "load_iris", "read_inputs"]


def load_csv(
    path: str | Path,
    target: int | str = -1,
    header: bool | None = None,
    name: str | None = None,
    task: str = "auto",
    like: Dataset | None = None,
    sep: str = "auto",
    missing: str = "refuse",
    keep_index: bool = False,
) -> Dataset:
    """Read a CSV file: numeric feature columns and one target column.

    Args:
        path: the file.
        target: the target column: its index in the file (0 the first, -1 the last) or
            its header name.
        header: whether the first row is a header; None guesses (see csv_read), True if
            ``target`` is a name.
        name: the data set's name (default: the file's).
        task: "auto" reads text labels, or at most 10 distinct whole numbers, as classes
            and other numbers as a regression target; "classification" or "regression"
            decide instead (see csv_targets.py).
        like: read a second file (a validation set) with the columns, task and classes
            of that data set; its missing feature cells are filled with ``like``'s means.
        sep: "auto" (sniffed), ",", ";", "\\t" or "|", or their names (csv_cells).
        missing: "refuse", "drop" or "mean" (see the module docstring).
        keep_index: keep an index column as a feature instead of dropping it.

    Returns:
        The Dataset, X (n, d) and Y as it holds them, ``notes`` saying what was decided.
        ValueError, naming the file, the line and the column, for a file that cannot be
        read so.
    """
    if missing not in MISSING_CHOICES:
        choices = ", ".join(MISSING_CHOICES)
        raise ValueError(f"missing = {missing!r} is not allowed: one of {choices}")
    if header is None and isinstance(target, str):
        header = True
    table = read_table(path, SEPARATORS.get(sep, sep), header)
    tcol = _target_index(target, table)
    index = table.has_index and tcol != 0 and not keep_index  # left out
    columns = [j for j in range(table.n_cols) if j != tcol and not (index and j == 0)]
    if like is not None:
        _same_columns(like, table, columns)
    _check_features(table, columns)
    rows, missed = _missing_cells(table, columns, tcol, missing)
    X = _cells(table.values, rows, columns)
    if missing == "mean":
        X = _filled(X, table, columns, like)
    if len(X) < (1 if like is not None else 2):
        raise ValueError(f"{table.file} has {len(X)} data rows: at least 2 are needed")
    column = f"{table.file} {table.column(tcol)}"
    Y, task, class_names, reason = read_targets(
        _target_values(table, tcol, rows), column, task, like
    )
    if like is None:
        _check_target(table, tcol, rows, Y, task, class_names)
    unnamed = [f"x{j + 1}" for j in range(table.n_cols)]  # without a header
    named = [x or f"column {j + 1}" for j, x in enumerate(table.names)] or unnamed
    features = tuple(named[j] for j in columns)
    return Dataset(
        name or table.file, X, Y, task, like.feature_names if like else features, class_names,
        target=named[tcol] if table.header else f"column {tcol + 1}", reason=reason,
        notes=tuple(_reading_notes(table, index) + missed),
    )  # fmt: skip


def read_inputs(
    path: str | Path,
    names: tuple[str, ...],
    sep: str = "auto",
    header: bool | None = None,
    missing: str = "refuse",
    means: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """The rows of a CSV file to predict: the columns a trained run takes as inputs.

    Read as ``load_csv`` reads (``sep``, ``header``: see csv_read). With a header, the
    columns are found by name (``names``, in any order; the others are left out, said in a
    note); without one, the file must hold exactly ``len(names)`` columns, taken in order.
    Missing cells are refused with the count per column, or with ``missing="mean"`` filled
    with ``means`` (d,), the training rows' means.

    Returns:
        X (n, d) in the order of ``names``, and notes (lines saying what was left out or
        filled). ValueError naming the file, the line and the column for what cannot be
        read so, or the inputs the file lacks.
    """
    if missing not in ("refuse", "mean"):
        raise ValueError(f"missing = {missing!r} is not allowed: refuse or mean")
    table = read_table(path, SEPARATORS.get(sep, sep), header, min_columns=1)
    notes = []
    if table.header:
        named = [x or f"column {j + 1}" for j, x in enumerate(table.names)]
        absent = [x for x in names if x not in named]
        if absent:
            others = [x for x in named if x not in names]  # not an input found already
            same = [x for x in others if _key(x) == _key(absent[0])]  # Sepal.Length
            close = same or difflib.get_close_matches(absent[0], others, n=1, cutoff=0.8)
            hint = f" (is {close[0]!r} {absent[0]!r}?)" if close else ""
            shown = ", ".join(map(repr, absent[:5])) + " ..." * (len(absent) > 5)
            what = f"column {shown}" if len(absent) == 1 else f"columns {shown}"
            raise ValueError(
                f"{table.file} has no {what}{hint}: the run's inputs are {', '.join(names)}; "
                f"its columns are {', '.join(named)}"
            )
        columns = [named.index(x) for x in names]
        if table.has_index and 0 not in columns:
            named[0] += " (an index)"
        left = [named[j] for j in range(table.n_cols) if j not in columns]
        if left:
            shown = ", ".join(left[:8]) + (f" and {len(left) - 8} more" if len(left) > 8 else "")
            notes.append(f"ignored  {len(left)} column{'s' * (len(left) > 1)} the run does "
                         f"not take as inputs: {shown}")  # fmt: skip
    elif table.n_cols == len(names):
        columns = list(range(table.n_cols))
        many = f"{table.n_cols} columns" if table.n_cols > 1 else "column"
        notes.append(f"read     no header row: its {many} taken as the run's inputs in order "
                     f"({', '.join(names)})")  # fmt: skip
    else:
        raise ValueError(
            f"{table.file} has no header row and {table.n_cols} columns: the run takes "
            f"{len(names)} inputs ({', '.join(names)}); name them in a header row, or give "
            "exactly those columns in that order"
        )
    _check_features(table, columns)
    X = _cells(table.values, None, columns)
    if np.isnan(X).any() or np.isinf(X).any():
        _check_finite(table, columns)
        gaps = np.isnan(X)
        counts = gaps.sum(axis=0).tolist()
        where = _per_column(table, columns, counts)
        if missing == "refuse":
            first = int(table.lines[np.flatnonzero(gaps.any(axis=1))[0]])
            total = sum(counts)
            raise ValueError(
                f"{table.file} has {total:,} missing value{'s' * (total > 1)} (empty, NA, "
                f"NaN...), the first on line {first}: {where}; fill them, or give --missing "
                "mean to fill each with the training rows' mean"
            )
        X[gaps] = np.broadcast_to(np.asarray(means, np.float64), X.shape)[gaps]
        total = sum(counts)
        notes.append(f"missing  {total:,} value{'s' * (total > 1)} filled with the training "
                     f"rows' mean: {where}")  # fmt: skip
    if not len(X):
        raise ValueError(f"{table.file} has no data rows")
    return X, notes


def _key(name: str) -> str:
    """A column's name as letters and digits in lower case: R's Sepal.Length and pandas'
    sepal_length are the same key."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _cells(values: np.ndarray, rows: np.ndarray | None, columns: list[int]) -> np.ndarray:
    """A copy of ``values[rows][:, columns]`` (rows None: all), by slices where it can."""
    if rows is not None:
        return values[np.ix_(rows, columns)]
    if columns == list(range(columns[0], columns[-1] + 1)):
        return values[:, columns[0] : columns[-1] + 1].copy()
    return values[:, columns]


def _check_target(
    table: Table, tcol: int, rows: np.ndarray | None, Y: np.ndarray, task: str, classes: tuple
) -> None:
    """A training file's target has two classes or more, or numbers not all equal."""
    if task != "regression" and len(classes) < 2:
        first = int(table.lines[0 if rows is None else rows[0]])
        where = f"{table.file} line {first}, {table.column(tcol)}"
        raise ValueError(f"{where}: the target has only one class")
    if task == "regression" and np.ptp(Y) == 0:
        raise ValueError(
            f"{table.file} {table.column(tcol)} holds {Y[0, 0]:g} in every row: a constant "
            "target leaves nothing to learn (its deviation is 0); is it the target column? "
            "(--target)"
        )


def _target_index(target: int | str, table: Table) -> int:
    """The target's column index in the file; ValueError with a hint for a name that is
    not there (the closest name, in any case)."""
    ncols, file = table.n_cols, table.file
    if isinstance(target, str):
        if not table.header:
            raise ValueError(f"{file} has no header row, so target {target!r} names no column")
        names = list(table.names)
        if target not in names:
            same = [x for x in names if x.lower() == target.lower()]
            close = same or difflib.get_close_matches(target, names, n=1)
            hint = f"did you mean --target {close[0]}? " if close else ""
            raise ValueError(f"{file} has no column {target!r}: {hint}columns: {', '.join(names)}")
        return names.index(target)
    if not -ncols <= target < ncols:
        raise ValueError(
            f"target = {target} is not allowed: {file} has {ncols} columns, "
            f"so 0 to {ncols - 1} or -{ncols} to -1"
        )
    return target % ncols


def _same_columns(like: Dataset, table: Table, columns: list[int]) -> None:
    """A validation file must have the training file's columns (by name, with headers)."""
    file = table.file
    if len(columns) != like.n_features:
        raise ValueError(
            f"{file} has {len(columns)} feature columns, the training file {like.n_features}: "
            "a validation file needs the same columns"
        )
    if table.header and like.target and not like.target.startswith("column "):
        for j, theirs in zip(columns, like.feature_names, strict=True):
            mine = table.names[j] or f"column {j + 1}"
            if mine != theirs:
                raise ValueError(
                    f"{file} has column {mine!r} where the training file has {theirs!r}: "
                    "a validation file needs the same columns in the same order"
                )


def _check_features(table: Table, columns: list[int]) -> None:
    """Each feature column holds numbers: ValueError naming the first cell that does not
    (with a hint at --target for a column of labels)."""
    comma = table.sep != ","
    for j in columns:
        if j not in table.levels:
            continue
        texts = table.texts(j)
        present = [i for i, x in enumerate(texts) if x is not None]
        bad = next(i for i in present if number(texts[i], comma) is None)
        hint = ""
        if bad == present[0]:  # text from the first row on: a column of labels
            name = table.names[j] if table.header and table.names[j] else j
            hint = f"; only the target may hold text: did you mean --target {name}?"
        where = f"{table.file} line {table.lines[bad]}, {table.column(j)}"
        raise ValueError(f"{where}: {texts[bad]!r} is not a number{hint}")


def _missing_cells(
    table: Table, columns: list[int], tcol: int, missing: str
) -> tuple[np.ndarray | None, list[str]]:
    """The rows to keep (None: all) and a note, for the missing values of the columns
    used: refused (ValueError with the count per column), their rows left out ("drop"),
    or ("mean") the rows of a missing target left out. ValueError for an infinite number."""
    if np.isfinite(table.values).all():  # (one pass, when every cell is there)
        return None, []
    used = [*columns, tcol]
    _check_finite(table, used)
    gaps = np.isnan(table.values[:, used])
    counts = gaps.sum(axis=0).tolist()
    total = sum(counts)
    if not total:
        return None, []
    per_column = _per_column(table, used, counts)
    if missing == "refuse":
        first = int(table.lines[np.flatnonzero(gaps.any(axis=1))[0]])
        raise ValueError(
            f"{table.file} has {total:,} missing value{'s' * (total > 1)} (empty, NA, NaN...), "
            f"the first on line {first}: {per_column}; give --missing drop to leave out "
            "their rows, or --missing mean to fill a feature's with its column's mean"
        )
    if missing == "drop":
        keep = np.flatnonzero(~gaps.any(axis=1))
        left = table.n_rows - len(keep)
        return keep, [f"missing  {left:,} rows with missing values left out: {per_column}"]
    note = f"missing  {total - counts[-1]:,} values filled with their column's mean: {per_column}"
    if counts[-1]:
        note += f"; {counts[-1]:,} row{'s' * (counts[-1] > 1)} without a target left out"
    return np.flatnonzero(~gaps[:, -1]), [note]


def _check_finite(table: Table, used: list[int]) -> None:
    """ValueError naming the first infinite number (1e400, inf) in the columns used."""
    infinite = np.isinf(table.values[:, used])
    if infinite.any():
        i, j = np.argwhere(infinite)[0]
        where = f"{table.file} line {table.lines[i]}, {table.column(used[j])}"
        raise ValueError(f"{where}: {table.values[i, used[j]]} is not finite")


def _per_column(table: Table, used: list[int], counts: list[int]) -> str:
    """'age 177, fare 2' (at most 5 columns named)."""
    named = [(table.names[j] if table.header and table.names[j] else table.column(j), c)
             for j, c in zip(used, counts, strict=True) if c]  # fmt: skip
    text = ", ".join(f"{name} {c:,}" for name, c in named[:5])
    return text + (f" and {len(named) - 5} more columns" if len(named) > 5 else "")


def _filled(X: np.ndarray, table: Table, columns: list[int], like: Dataset | None) -> np.ndarray:
    """X (n, d) with each missing value replaced by its column's mean: over the file's
    rows, or ``like``'s (the training file's, for a validation file)."""
    gaps = np.isnan(X)
    if not gaps.any():
        return X
    for j in np.flatnonzero(gaps.any(axis=0)):
        if like is not None:
            mean = like.X[:, j].mean()
        elif gaps[:, j].all():
            raise ValueError(
                f"{table.file} {table.column(columns[j])} has no values: no mean to fill it "
                "with; leave the column out of the file"
            )
        else:
            mean = X[~gaps[:, j], j].mean()
        X[gaps[:, j], j] = mean
    return X


def _target_values(table: Table, tcol: int, rows: np.ndarray | None) -> np.ndarray | list[str]:
    """The target's numbers (n,), or its text per row for a column of text."""
    if tcol in table.levels:
        texts = table.texts(tcol)
        return texts if rows is None else [texts[i] for i in rows.tolist()]
    y = table.values[:, tcol]
    return y if rows is None else y[rows]


def _reading_notes(table: Table, index_dropped: bool) -> list[str]:
    """Lines of the load summary for what was read otherwise than plainly."""
    notes = []
    how = []
    if table.sep != ",":
        guessed = "sniffed; --sep to choose" if table.sniffed else "--sep"
        how.append(f"fields separated by {SEPARATOR_NAMES[table.sep]} ({guessed})")
    if table.decimal_comma:
        how.append("decimal commas (1,5 is 1.5)")
    if not table.header:
        how.append("no header row (--header yes if the first row names the columns)")
    if how:
        notes.append("read     " + ", ".join(how))
    if index_dropped:
        notes.append(
            "index    column 1 left out: pandas' or R's row index (unnamed, a different "
            "value in each row); --keep-index keeps it as a feature"
        )
    return notes


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
