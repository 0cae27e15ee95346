"""The loss surface of the smallest network, y = m x + b: the training loss over the (m, b)
plane, and the path gradient descent took on it. Computed on the worker thread.

Only a network with exactly two numbers (one input, one output, no hidden layer, a linear
output) has a surface that can be drawn whole; any other gets a note saying so, never a
made-up picture.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from core.ghosts import Ghost
from core.hessian import Curvature
from core.trainer import Trainer

from ..snapshot import Surface, frozen
from .landscape import weight_path

ROWS, COLS = 48, 96  # loss samples over the plane
PATH_POINTS = 4096  # the most recent (m, b) kept for the path
MAX_BATCHES = 256  # the batch steps drawn at most (the first of this epoch's)
# The view follows the path out to this many times the start's distance from the lowest
# point (a zig-zag that grows stays on it); a point beyond has run off (a diverging run),
# and the panel marks where the path left the view instead of zooming out for ever.
REACH = 12.0


def surface_note(t: Trainer) -> str:
    """Why this network has no surface to draw ("" when it has one)."""
    net = t.net
    if net.sizes == [1, 1] and net.activations[0].identity and not t.loss.from_logits:
        return ""
    if net.n_off:  # core.landscape's copies of the network have every neuron on
        return (
            "a neuron is switched off (✕): the landscape would be that of the network with "
            "every neuron on, so it is not drawn; a click on the neuron switches it on again"
        )
    return (
        f"the loss surface is drawn for a network of two numbers, y = m x + b (one input, no "
        f"hidden layer, e.g. --lesson linear-regression); this one has {net.n_params:,}: "
        "slices of its landscape are drawn instead, once its weights are finite"
    )


class DescentPath:
    """(m, b) after each step or epoch the worker has seen, oldest first, bounded; any other
    network's weights in ``weights`` (the landscape's path); the paths of the runs kept as
    ghosts, to draw beside the live one."""

    def __init__(self) -> None:
        self.points: deque[tuple[float, float]] = deque(maxlen=PATH_POINTS)
        self.weights = weight_path()
        self.ghosts: list[tuple[Ghost, np.ndarray]] = []

    def record(self, t: Trainer) -> None:
        """Add the current (m, b) of a two-number network if it moved (any other network's
        weights to ``weights``)."""
        if t.net.n_params == 2:
            m, b = float(t.net.weights[0][0, 0]), float(t.net.biases[0][0])
            if not self.points or self.points[-1] != (m, b):
                self.points.append((m, b))
        else:
            self.weights.record(t)

    def keep(self, ghost: Ghost, ghosts: list[Ghost]) -> None:
        """``ghost`` was kept from this run: its path goes with it (the paths of ghosts no
        longer in ``ghosts`` are forgotten)."""
        kept = [(g, p) for g, p in self.ghosts if any(g is h for h in ghosts)]
        path = np.array(self.points, np.float64).reshape(-1, 2)
        self.ghosts = [*kept, (ghost, path)]

    def ghost_paths(self, ghosts: list[Ghost]) -> tuple[np.ndarray, ...]:
        """The paths of ``ghosts`` in their order (k, 2); empty where none was kept."""
        empty = np.zeros((0, 2))
        return tuple(next((p for g, p in self.ghosts if g is h), empty) for h in ghosts)

    def clear(self) -> None:
        """A new run (or new weights): its path starts again; the ghosts' paths stay."""
        self.points.clear()
        self.weights.clear()


def lowest(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The (m, b) of least squares: where the MSE is lowest (the MAE's lowest is near it)."""
    A = np.stack([x, np.ones_like(x)], axis=1)
    (m, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(m), float(b)


def extent(
    path: np.ndarray,
    low: tuple[float, float],
    truth: tuple[float, float] | None,
    others: tuple[np.ndarray, ...] = (),
):
    """A view box around the lowest point, the truth, the start and the path (and the
    ``others``: the ghosts' paths), except points that ran off (a diverging run) beyond
    REACH times the start's distance."""
    low_a = np.array(low)
    start = path[0] if len(path) else low_a
    reach = REACH * np.maximum(np.abs(start - low_a), 0.5)
    every = np.vstack([path.reshape(-1, 2), *(p.reshape(-1, 2) for p in others)])
    near = every[np.all(np.abs(every - low_a) <= reach, axis=1)]
    points = np.vstack([low_a, start, near, *([truth] if truth else [])])
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
    ghost_paths = path.ghost_paths(t.ghosts)
    box = extent(points, low, truth_mb if t.scaler is None else None, ghost_paths)
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
    steps, full = batch_steps(t)
    return Surface(
        extent=box,
        grid=frozen(np.maximum(grid, 0.0)),
        path=frozen(points),
        now=now,
        lowest=low,
        truth=truth_mb if t.scaler is None else None,
        loss_name=t.loss_name,
        ghost_paths=tuple(frozen(p) for p in ghost_paths),
        batch_steps=None if steps is None else frozen(steps),
        full_step=full,
    )


def gradient_mb(t: Trainer, rows: np.ndarray | slice) -> tuple[float, float]:
    """dE/d(m, b) on the training rows given, at the weights now: the network's own
    backward pass (core.hessian.Curvature holds a copy)."""
    net = t.net
    g = Curvature(net, t.X[rows], t.Y[rows], t.loss).gradient
    weights, biases = net.views(g)
    return float(weights[0][0, 0]), float(biases[0][0])


def batch_steps(t: Trainer) -> tuple[np.ndarray | None, tuple[float, float] | None]:
    """With mini-batches: where each batch of this epoch (the first MAX_BATCHES) would take
    (m, b) from here, (m, b) - lr·dE_b/d(m, b), (n, 2); and where the full batch's gradient
    would, (m, b) - lr·dE/d(m, b). (None, None) with the full batch."""
    batches = t.batches.indices
    if batches[0] is None or len(batches) < 2:
        return None, None
    lr = t.config.lr
    m, b = float(t.net.weights[0][0, 0]), float(t.net.biases[0][0])
    with np.errstate(all="ignore"):
        steps = np.array([gradient_mb(t, rows) for rows in batches[:MAX_BATCHES]])
        gm, gb = gradient_mb(t, slice(None))
    return np.array([m, b]) - lr * steps, (m - lr * gm, b - lr * gb)
