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


def diabetes_like_csv(path: Path, n: int = 442, seed: int = 0) -> Path:
    """A regression like scikit-learn's diabetes set: 10 features (age, sex, bmi, bp, s1..s6)
    in their own units, some correlated, and a target around 150 (deviation ~70) of which a
    linear model explains about half: the rest is noise, so a network that trains long
    enough fits the noise and its validation R² falls."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 10))
    z[:, 5] = 0.9 * z[:, 4] + 0.44 * z[:, 5]  # s2 follows s1
    z[:, 7] = -0.7 * z[:, 6] + 0.71 * z[:, 7]  # s4 against s3
    age = np.clip(48 + 13 * z[:, 0], 19, 79).round()
    sex = np.where(z[:, 1] > 0, 2, 1)
    bmi, bp = (26.4 + 4.4 * z[:, 2]).round(1), (94.6 + 13.8 * z[:, 3]).round(2)
    s = [189 + 34 * z[:, 4], 115 + 30 * z[:, 5], 50 + 13 * z[:, 6], 4 + 1.3 * z[:, 7],
         4.6 + 0.5 * z[:, 8], 91 + 11 * z[:, 9]]  # fmt: skip
    signal = 30 * z[:, 2] + 18 * z[:, 3] + 28 * z[:, 8] - 12 * z[:, 6] - 15 * z[:, 4]
    signal += 12 * z[:, 5] + 6 * z[:, 2] * z[:, 3] + 4 * z[:, 9]
    y = np.clip(152 + signal + rng.normal(0, 50, n), 25, 346).round()
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"]
    columns = [age, sex, bmi, bp, *(c.round(4) for c in s), y]
    return write(path, names, zip(*columns, strict=True))
