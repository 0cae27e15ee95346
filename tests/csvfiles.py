"""Small CSV files written by the tests: classes in many columns, a regression target."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write(path: Path, header: list[str], rows) -> Path:
    """A CSV file of a header and rows (each a sequence of values written with str)."""
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def classes_csv(
    path: Path, n: int = 200, features: int = 64, classes: int = 10, seed: int = 0, label=str
) -> Path:
    """``classes`` well-separated clusters in ``features`` columns (p0 ...), target ``digit``
    holding label(c); whole-number pixels 0..16 like the UCI digits."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 17, (classes, features))
    labels = np.arange(n) % classes
    X = np.clip(centres[labels] + rng.integers(-2, 3, (n, features)), 0, 16)
    header = [f"p{j}" for j in range(features)] + ["digit"]
    return write(path, header, [[*x, label(c)] for x, c in zip(X, labels, strict=True)])


def regression_csv(path: Path, n: int = 120, seed: int = 0) -> Path:
    """price = 1000 + 300 * size - 50 * age (+ noise): a target far from mean 0, deviation 1."""
    rng = np.random.default_rng(seed)
    size, age = rng.uniform(1, 5, n), rng.uniform(0, 30, n)
    price = 1000 + 300 * size - 50 * age + rng.normal(0, 20, n)
    rows = zip(size.round(3), age.round(2), price.round(1), strict=True)
    return write(path, ["size", "age", "price"], rows)
