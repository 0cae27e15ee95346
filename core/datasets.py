"""Data sets: the playground's generated 2-D sets, splitting and scaling (files: csv_data.py).

A ``Dataset`` holds features X (n, d) and targets Y: regression (n, k) floats (k = 1 for
everything made here); binary (n, 1) of 0.0 / 1.0; multiclass (n, C) one-hot.

Generated inputs lie roughly within [-1, 1] per feature. ``noise`` is the std of Gaussian
noise added to the inputs of classification sets and to the target of regression sets.
Classification sets are balanced (class sizes differ by at most one) and rows are shuffled.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

TASKS = ("regression", "binary", "multiclass")
XOR_MARGIN = 0.1  # xor points keep at least this distance from both axes
# turns per arm of "spiral" (2 arms) and "spiral3" (3 arms); with more, noise 0.1 blurs the arms
SPIRAL_TURNS = {2: 1.25, 3: 0.75}
ONE_INPUT = ("linear", "sine")  # the generated sets of one input; the others have two


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features X (n, d) and targets Y (n, k) for one task; see the module docstring."""

    name: str
    X: Floats
    Y: Floats
    task: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    truth: dict = field(default_factory=dict)
    target: str = ""  # the target column's name (a CSV file's), "" for a generated set
    reason: str = ""  # why this task: "its values are text labels" ("" when not guessed)
    plane: Floats | None = None  # (n, 2) the points X was made from (core.features), or None
    notes: tuple[str, ...] = ()  # lines of the load summary: what reading a file decided

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task = {self.task!r} is not allowed: one of {', '.join(TASKS)}")
        if self.X.ndim != 2 or self.Y.ndim != 2 or len(self.X) != len(self.Y):
            raise ValueError(f"X {self.X.shape} and Y {self.Y.shape} must be 2-D with equal rows")
        if self.plane is not None and self.plane.shape != (len(self.X), 2):
            raise ValueError(f"plane {self.plane.shape} must be (rows of X, 2)")

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.Y.shape[1])

    @property
    def n_classes(self) -> int:
        """0 for regression, 2 for binary, C for multiclass."""
        return {"regression": 0, "binary": 2}.get(self.task, self.n_outputs)

    def labels(self) -> Ints:
        """Class index per row, shape (n,). ValueError for regression."""
        if self.task == "binary":
            return (self.Y[:, 0] > 0.5).astype(np.int64)
        if self.task == "multiclass":
            return np.argmax(self.Y, axis=1).astype(np.int64)
        raise ValueError(f"data set {self.name!r} is a regression set: it has no class labels")

    def subset(self, idx: Any) -> Dataset:
        """The rows ``idx`` (indices, a slice or a boolean mask) with the same metadata."""
        plane = None if self.plane is None else self.plane[idx]
        return dataclasses.replace(
            self, X=self.X[idx], Y=self.Y[idx], truth=dict(self.truth), plane=plane
        )


# --- generated sets -------------------------------------------------------------------------


def _labels(n: int, k: int, rng: np.random.Generator) -> Ints:
    """Balanced class labels in random order, shape (n,)."""
    return rng.permutation(np.arange(n, dtype=np.int64) % k)


def _classified(name: str, X: Floats, labels: Ints, names: tuple[str, ...]) -> Dataset:
    """A binary (two names) or multiclass data set from labels (n,)."""
    if len(names) == 2:
        return Dataset(name, X, labels[:, None].astype(np.float64), "binary", ("x1", "x2"), names)
    Y = np.eye(len(names))[labels]
    return Dataset(name, X, Y, "multiclass", ("x1", "x2"), names)


def _polar(r: Floats, angle: Floats) -> Floats:
    """Points (n, 2) at radii r (n,) and angles (n,)."""
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def _jitter(X: Floats, noise: float, rng: np.random.Generator) -> Floats:
    return X + rng.normal(0.0, noise, X.shape)


def _linear(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """y = 3 x + 2 (+ noise), x uniform in [-1, 1]."""
    m, b = 3.0, 2.0
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = m * x + b + rng.normal(0.0, noise, (n, 1))
    return Dataset("linear", x, y, "regression", ("x",), truth={"m": m, "b": b})


def _sine(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """y = sin(pi x) (+ noise), x uniform in [-1, 1]."""
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = np.sin(np.pi * x) + rng.normal(0.0, noise, (n, 1))
    return Dataset("sine", x, y, "regression", ("x",))


def _xor(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Class 1 where x1 * x2 > 0. Noise moves a point within its quadrant: it is reflected at
    ``XOR_MARGIN`` from the axes, so the sign rule holds for every point at any noise."""
    labels = _labels(n, 2, rng)
    s1 = rng.choice([-1.0, 1.0], n)
    signs = np.column_stack([s1, np.where(labels == 1, s1, -s1)])
    spread = rng.uniform(0.0, 1.0 - XOR_MARGIN, (n, 2)) + rng.normal(0.0, noise, (n, 2))
    return _classified("xor", signs * (XOR_MARGIN + np.abs(spread)), labels, ("0", "1"))


def _circle(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Class 1: disc of radius 0.5; class 0: ring of radii 0.7 to 1."""
    labels = _labels(n, 2, rng)
    r = np.where(labels == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    X = _polar(r, rng.uniform(0.0, 2 * np.pi, n))
    return _classified("circle", _jitter(X, noise, rng), labels, ("0", "1"))


def _gauss(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Class 1 around (0.45, 0.45), class 0 around (-0.45, -0.45); std 0.2 before noise."""
    labels = _labels(n, 2, rng)
    centers = np.where(labels[:, None] == 1, 0.45, -0.45)
    X = centers + rng.normal(0.0, 0.2, (n, 2))
    return _classified("gauss", _jitter(X, noise, rng), labels, ("0", "1"))


def _spiral(n: int, noise: float, rng: np.random.Generator, k: int = 2) -> Dataset:
    """k interleaved arms of radius 0 to 1 (arm c turned by 2 pi c / k) of SPIRAL_TURNS[k]
    turns. Points are spread about evenly along each arm's length (sqrt of a uniform draw)."""
    labels = _labels(n, k, rng)
    t = np.sqrt(rng.uniform(0.0, 1.0, n))
    X = _polar(t, 2 * np.pi * (SPIRAL_TURNS[k] * t + labels / k))
    names = ("0", "1") if k == 2 else ("A", "B", "C")
    return _classified("spiral" if k == 2 else f"spiral{k}", _jitter(X, noise, rng), labels, names)


def _moons(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two interleaving half circles (class 0 on top), centred and scaled to x1 in [-1, 1]."""
    labels = _labels(n, 2, rng)
    a = rng.uniform(0.0, np.pi, n)
    top = np.column_stack([np.cos(a), np.sin(a)])
    bottom = np.column_stack([1.0 - np.cos(a), 0.5 - np.sin(a)])
    X = (np.where(labels[:, None] == 0, top, bottom) - [0.5, 0.25]) / 1.5
    return _classified("moons", _jitter(X, noise, rng), labels, ("0", "1"))


def _blobs(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Classes A, B, C around three points at radius 0.6; std 0.15 before noise."""
    labels = _labels(n, 3, rng)
    centers = _polar(np.full(3, 0.6), np.pi / 2 + 2 * np.pi * np.arange(3) / 3)
    X = centers[labels] + rng.normal(0.0, 0.15, (n, 2))
    return _classified("blobs", _jitter(X, noise, rng), labels, ("A", "B", "C"))


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], Dataset]] = {
    "linear": _linear, "sine": _sine, "xor": _xor, "circle": _circle, "gauss": _gauss,
    "spiral": _spiral, "moons": _moons, "blobs": _blobs, "spiral3": partial(_spiral, k=3),
}  # fmt: skip


def _whole(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _real(x: Any) -> bool:
    """A finite real number (not a bool)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def make_dataset(
    name: str, n: int = 500, noise: float = 0.1, seed: int | np.random.Generator = 0
) -> Dataset:
    """Generate ``n`` points of the set ``name``; the same seed gives the same arrays."""
    if name not in GENERATORS:
        raise ValueError(f"dataset = {name!r} is not allowed: one of {', '.join(GENERATORS)}")
    if not (_whole(n) and n >= 4):
        raise ValueError(f"n = {n!r} is not allowed: a whole number >= 4")
    if not (_real(noise) and noise >= 0):
        raise ValueError(f"noise = {noise!r} is not allowed: a finite number >= 0")
    return GENERATORS[name](int(n), float(noise), np.random.default_rng(seed))


def split(
    ds: Dataset, val_fraction: float, rng: np.random.Generator, stratify: bool = False
) -> tuple[Dataset, Dataset]:
    """Shuffle and split into (train, validation): round(n * val_fraction) rows go to
    validation, but at least one row stays in train. ``val_fraction`` in [0, 0.9].
    ``stratify`` (classification): each class gives validation its share of the rows."""
    if not (_real(val_fraction) and 0.0 <= val_fraction <= 0.9):
        raise ValueError(f"val_fraction = {val_fraction!r} is not allowed: a number from 0 to 0.9")
    n = ds.n_samples
    n_val = min(int(round(n * val_fraction)), max(n - 1, 0))
    order = rng.permutation(n)
    if stratify and ds.task != "regression" and n_val:
        order = _stratified_order(ds.labels(), n_val, order)
    return ds.subset(order[n_val:]), ds.subset(order[:n_val])


def _stratified_order(labels: Ints, n_val: int, order: Ints) -> Ints:
    """``order`` rearranged so that its first ``n_val`` rows hold each class in its share.

    Class c (n_c rows) gives about n_val * n_c / n of them: the floors first, then one more
    to the classes with the largest remainders; within a class, rows in ``order``'s order.
    """
    counts = np.bincount(labels, minlength=labels.max() + 1)
    exact = n_val * counts / len(labels)
    take = np.floor(exact).astype(np.int64)
    extra = np.argsort(-(exact - take), kind="stable")[: n_val - take.sum()]
    take[extra] += 1
    ranked = labels[order]  # each row's class, in shuffled order
    rank = np.empty(len(order), np.int64)  # a row's position among its class's rows
    for c in np.flatnonzero(counts):
        where = ranked == c
        rank[where] = np.arange(where.sum())
    val = rank < take[ranked]
    return np.concatenate([order[val], order[~val]])


@dataclass(frozen=True, eq=False)
class Standardizer:
    """Per-feature scaling X' = (X - mean) / std; mean (d,), std (d,)."""

    mean: Floats
    std: Floats

    @classmethod
    def fit(cls, X: Floats) -> Standardizer:
        """Mean and std of each column of X (n, d); a constant column gets std 1.

        A column whose sum or squares overflow (values beyond about 1e154) is measured
        divided by its largest |x| and scaled back, so mean and std stay finite.
        """
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"cannot fit a Standardizer to an array of shape {X.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = X.mean(axis=0), X.std(axis=0)
        huge = ~(np.isfinite(mean) & np.isfinite(std))
        if huge.any():
            top = np.abs(X[:, huge]).max(axis=0)
            scaled = X[:, huge] / top
            mean[huge], std[huge] = scaled.mean(axis=0) * top, scaled.std(axis=0) * top
        constant = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
        return cls(mean, np.where(constant, 1.0, std))

    def transform(self, X: Floats) -> Floats:
        """(X - mean) / std, shape (n, d)."""
        return (X - self.mean) / self.std

    def inverse(self, Xs: Floats) -> Floats:
        """Undo ``transform``: Xs * std + mean, shape (n, d)."""
        return Xs * self.std + self.mean


def standardized(train: Dataset, val: Dataset) -> tuple[Dataset, Dataset, Standardizer]:
    """Both sets scaled with the training set's mean and std. ValueError naming the feature
    if a scaled value overflows (a column spanning nearly the whole float64 range)."""
    scaler = Standardizer.fit(train.X)
    with np.errstate(over="ignore"):
        X, X_val = scaler.transform(train.X), scaler.transform(val.X)
    for j, name in enumerate(train.feature_names):
        if not (np.isfinite(X[:, j]).all() and np.isfinite(X_val[:, j]).all()):
            values = np.concatenate([train.X[:, j], val.X[:, j]])
            raise ValueError(
                f"feature {name} spans {values.min():.3g} to {values.max():.3g}: too wide to "
                "standardise in 64-bit floats; rescale that column"
            )
    return dataclasses.replace(train, X=X), dataclasses.replace(val, X=X_val), scaler


def batch_indices(n: int, batch_size: int, rng: np.random.Generator | None) -> list[Ints]:
    """One epoch's mini-batches: a permutation of range(n) (in order if rng is None) cut into
    chunks of ``batch_size``; the last may be shorter. batch_size >= n gives one batch."""
    if not (_whole(batch_size) and batch_size >= 1):
        raise ValueError(f"batch_size = {batch_size!r} is not allowed: a whole number >= 1")
    order = np.arange(n, dtype=np.int64) if rng is None else rng.permutation(n).astype(np.int64)
    if batch_size >= n:
        return [order]
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]
