"""Derived inputs of a 2-D data set: the TensorFlow Playground's X1², X2², X1X2, sin X1, sin X2.

A point (x1, x2) of the plane becomes the inputs the network sees, one column per feature:

    x1, x2       the coordinates
    x1sq, x2sq   x1², x2²
    x1x2         x1·x2
    sinx1, sinx2 sin(π x1), sin(π x2): one period over the built-in sets' -1 to 1 (the
                 Playground's plane spans -6 to 6, where its sin x shows about two)

``PLANE`` (x1, x2) is the default: the data as generated. The network then sees more (or
other) inputs while the data view still draws over the plane: a Dataset made with features
keeps its points' coordinates in ``plane``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

# key -> (label, the column from the points P (n, 2))
FEATURES: dict[str, tuple[str, Callable[[Floats], Floats]]] = {
    "x1": ("x1", lambda P: P[:, 0]),
    "x2": ("x2", lambda P: P[:, 1]),
    "x1sq": ("x1²", lambda P: P[:, 0] ** 2),
    "x2sq": ("x2²", lambda P: P[:, 1] ** 2),
    "x1x2": ("x1x2", lambda P: P[:, 0] * P[:, 1]),
    "sinx1": ("sin πx1", lambda P: np.sin(np.pi * P[:, 0])),
    "sinx2": ("sin πx2", lambda P: np.sin(np.pi * P[:, 1])),
}
PLANE = ("x1", "x2")


def feature_key(text: str) -> str | None:
    """The key of a feature written in any of its forms, or None: "x1^2", "x1²", "X1SQ"
    -> "x1sq"; "x1*x2", "x1·x2" -> "x1x2"; "sin x1", "sin(x1)", "sin πx1", "sin(pi x1)" ->
    "sinx1"."""
    t = text.strip().lower().replace("²", "^2").replace("^2", "sq").replace("π", "pi")
    for mark in " ()_*·":
        t = t.replace(mark, "")
    t = t.replace("sinpi", "sin")
    return t if t in FEATURES else None


def labels(keys: tuple[str, ...]) -> tuple[str, ...]:
    """How the app names each feature: ("x1sq", "sinx1") -> ("x1²", "sin πx1")."""
    return tuple(FEATURES[k][0] for k in keys)


def expand(keys: tuple[str, ...], P: Floats) -> Floats:
    """The features ``keys`` of the points P (n, 2), as columns (n, len(keys))."""
    P = np.asarray(P, np.float64)
    if not keys:
        return np.empty((len(P), 0))
    return np.column_stack([FEATURES[k][1](P) for k in keys])
