"""The loss landscape of any network, and its sharpness, as the screen shows them: computed on
the worker from core.landscape, within time budgets, so that a large network never stalls it.

``landscape``: the training loss along the last update's line and over a plane through the
current weights, with the last weights kept (``WeightPath``) projected on the plane. The
plane's directions are random ones normalised per neuron (Li et al., 2018), or the path's
own two (a random plane in many dimensions misses the path almost entirely: it then sits
in the middle, and the screen says how far off the plane it is).

``SharpnessTracker``: λmax now and then, each estimate warm-started from the last one's
vector, beside the optimiser's stability limit (2/lr).
"""

from __future__ import annotations

import math

import numpy as np

from core.landscape import (
    WeightPath,
    line_slice,
    path_directions,
    plane_slice,
    project_path,
    sharpness_estimate,
    stability_limit,
)
from core.optimizers import Momentum
from core.trainer import Trainer

from ..snapshot import Landscape, Sharpness, frozen

PLANE_GRID = 21  # losses per side of the plane (441 in all)
MAX_ROWS = 2048  # the slices and λmax are measured on at most this many training rows
PLANE_SECONDS = 0.25  # the plane's budget: points not reached stay blank (coarse first)
PATH_POINTS = 100  # the last weights kept that are projected on the plane
RANDOM, PATH = "random", "path"  # the plane's directions
PATH_BYTES = 8 * 2**20  # the weights kept for the path at most (oldest forgotten)
# λmax's time budgets: while training (the next estimate goes on from where this one
# stopped), and paused (one estimate for the weights on screen)
SHARPNESS_SECONDS, SHARPNESS_PAUSED_SECONDS = 0.05, 0.2


def weight_path() -> WeightPath:
    """The store of the last weights, for the plane's path."""
    return WeightPath(PATH_BYTES)


def _rows(t: Trainer) -> int:
    return min(len(t.X), MAX_ROWS)


def landscape(t: Trainer, path: WeightPath, kind: str = RANDOM) -> Landscape | None:
    """The line and the plane through the trainer's weights (None: weights not finite, or
    no training rows). ``kind``: the plane's directions, RANDOM or PATH (PATH needs three
    weights kept; until then RANDOM)."""
    theta = t.net.params
    if not len(t.X) or not np.isfinite(theta).all() or t.net.n_off:  # (surface_note says why)
        return None
    with np.errstate(all="ignore"):
        try:
            line = line_slice(t, "last", max_rows=MAX_ROWS)
            alphas, values = line.alphas, line.values
            # the core follows the next step itself when there is no last update to follow
            along_step = line.step_alpha == 1.0 and line.step_off_line == 0.0
            direction = "step" if along_step else "last"
            numbers = (line.step_alpha, line.step_loss, line.step_off_line, line.bottom_alpha)
        except ValueError:  # no direction: no step yet and a gradient of 0
            alphas = values = np.zeros(0)
            direction, numbers = "none", (math.nan,) * 4
        points = path.array()[-PATH_POINTS:] if path.points else np.zeros((0, theta.size))
        if len(points) and points.shape[1] != theta.size:
            points = np.zeros((0, theta.size))
        distinct = np.unique(points, axis=0) if len(points) else points
        directions = None
        if kind == PATH and len(distinct) >= 3:
            directions = path_directions(points, theta)
        plane = plane_slice(
            t, PLANE_GRID, directions=directions, max_rows=MAX_ROWS, budget=PLANE_SECONDS
        )
        coords, off = (np.zeros((0, 2)), np.zeros(0))
        if len(points):
            coords, off = project_path(plane, points)
    finite_off = off[np.isfinite(off)]
    return Landscape(
        alphas=frozen(alphas),
        line=frozen(values),
        direction=direction,
        step_alpha=float(numbers[0]),
        step_loss=float(numbers[1]),
        step_off=float(numbers[2]),
        bottom_alpha=float(numbers[3]),
        coords=frozen(plane.coords),
        plane=frozen(plane.values),
        plane_kind=PATH if directions is not None else RANDOM,
        plane_asked=kind,
        path=frozen(coords),
        path_off=float(np.median(finite_off)) if finite_off.size else math.nan,
        loss_now=plane.loss_now,
        rows=plane.rows,
        complete=plane.complete,
        loss_name=t.loss_name,
    )


def limit_name(t: Trainer) -> str:
    """How the stability limit is written: "2/lr", "(2+2β)/lr" with momentum, "" for Adam."""
    if stability_limit(t) is None:
        return ""
    return "(2+2β)/lr" if isinstance(t.optimizer, Momentum) else "2/lr"


class SharpnessTracker:
    """λmax of a run's weights, each estimate starting from the last one's vector (a few
    products while the weights move little): a lower bound until it converges, which a
    later estimate continues."""

    def __init__(self) -> None:
        self.budget = SHARPNESS_SECONDS  # seconds an estimate may take (paused: more)
        self.clear()

    def clear(self) -> None:
        """A new network: nothing measured."""
        self.vector: np.ndarray | None = None
        self.value, self.converged = math.nan, False
        self.epoch = self.steps = 0
        self.measured = False

    def measure(self, t: Trainer) -> None:
        """Estimate λmax at the trainer's weights now, within ``budget`` seconds (not for a
        normalised network: core.hessian has no second derivatives through it)."""
        if t.net.norm_layers:
            return
        start = self.vector
        if start is not None and start.size != t.net.n_params:  # another network
            start = None
        with np.errstate(all="ignore"):
            e = sharpness_estimate(t, budget=self.budget, start=start, max_rows=MAX_ROWS)
        finite = math.isfinite(e.value) and np.isfinite(e.vector).all()
        self.vector = e.vector if finite else None
        self.value, self.converged = e.value, bool(e.converged and finite)
        self.epoch, self.steps, self.measured = t.epoch, t.steps, True

    def shown(self, t: Trainer) -> Sharpness | None:
        """The last estimate beside the run's limit now (its lr may have changed since)."""
        if not self.measured:
            return None
        return Sharpness(
            value=self.value,
            converged=self.converged,
            limit=stability_limit(t),
            limit_name=limit_name(t),
            optimizer=t.optimizer.name,
            epoch=self.epoch,
            steps=self.steps,
        )
