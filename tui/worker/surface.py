"""The loss surface of the smallest network, y = m x + b: the training loss over the (m, b)
plane, and the path gradient descent took on it. Computed on the worker thread.

Only a network with exactly two numbers (one input, one output, no hidden layer, a linear
output) has a surface that can be drawn whole; any other gets a note saying so, never a
made-up picture.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from core.trainer import Trainer

from ..snapshot import Surface, frozen

ROWS, COLS = 48, 96  # loss samples over the plane
PATH_POINTS = 4096  # the most recent (m, b) kept for the path
REACH = 4.0  # the view reaches this many times the start's distance from the lowest point


def surface_note(t: Trainer) -> str:
    """Why this network has no surface to draw ("" when it has one)."""
    net = t.net
    if net.sizes == [1, 1] and net.activations[0].identity and not t.loss.from_logits:
        return ""
    return (
        f"the loss surface is drawn for a network of two numbers, y = m x + b (one input, no "
        f"hidden layer, e.g. --lesson linear-regression); this one has {net.n_params:,}"
    )


class DescentPath:
    """(m, b) after each step or epoch the worker has seen, oldest first, bounded."""

    def __init__(self) -> None:
        self.points: deque[tuple[float, float]] = deque(maxlen=PATH_POINTS)

    def record(self, t: Trainer) -> None:
        """Add the current (m, b) of a two-number network if it moved."""
        if t.net.n_params == 2:
            m, b = float(t.net.weights[0][0, 0]), float(t.net.biases[0][0])
            if not self.points or self.points[-1] != (m, b):
                self.points.append((m, b))

    def clear(self) -> None:
        self.points.clear()


def lowest(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The (m, b) of least squares: where the MSE is lowest (the MAE's lowest is near it)."""
    A = np.stack([x, np.ones_like(x)], axis=1)
    (m, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(m), float(b)


def extent(path: np.ndarray, low: tuple[float, float], truth: tuple[float, float] | None):
    """A view box around the lowest point, the truth, the start and the path, except points
    that ran off (a diverging run) beyond REACH times the start's distance."""
    low_a = np.array(low)
    start = path[0] if len(path) else low_a
    reach = REACH * np.maximum(np.abs(start - low_a), 0.5)
    near = path[np.all(np.abs(path - low_a) <= reach, axis=1)] if len(path) else path
    points = np.vstack([low_a, start, near.reshape(-1, 2), *([truth] if truth else [])])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = np.maximum(0.15 * (hi - lo), 0.5)
    return (
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    )


def loss_surface(t: Trainer, path: DescentPath) -> Surface | None:
    """E(m, b) on the training set over a grid, the path so far and the markers."""
    if surface_note(t):
        return None
    x, y = t.X[:, 0].astype(np.float64), t.Y[:, 0].astype(np.float64)
    if not len(x):
        return None
    now = (float(t.net.weights[0][0, 0]), float(t.net.biases[0][0]))
    low = lowest(x, y)
    truth = t.train_set.truth
    truth_mb = (float(truth["m"]), float(truth["b"])) if {"m", "b"} <= set(truth) else None
    points = np.array(path.points if path.points else [now], np.float64).reshape(-1, 2)
    box = extent(points, low, truth_mb if t.scaler is None else None)
    ms = np.linspace(box[0], box[1], COLS)
    bs = np.linspace(box[3], box[2], ROWS)  # top row first: b max
    with np.errstate(all="ignore"):
        if t.loss_name == "mse":  # E = mean((m x + b - y)^2), from the moments of x and y
            mx, my, mxx, mxy, myy = (
                x.mean(),
                y.mean(),
                (x * x).mean(),
                (x * y).mean(),
                (y * y).mean(),
            )
            M, B = np.meshgrid(ms, bs)
            grid = M * M * mxx + 2 * M * B * mx + B * B - 2 * M * mxy - 2 * B * my + myy
        else:  # mae: row by row, mean over the samples of |m x + b - y|
            grid = np.array([np.abs(ms[:, None] * x + b - y).mean(axis=1) for b in bs])
    return Surface(
        extent=box,
        grid=frozen(np.maximum(grid, 0.0)),
        path=frozen(points),
        now=now,
        lowest=low,
        truth=truth_mb if t.scaler is None else None,
        loss_name=t.loss_name,
    )
