"""The loss landscape around a trainer's current weights θ: its sharpness and slices of it.

Nothing here changes the trainer: its network is read, and copies of it do the passes (a
trainer's weights, gradients, caches, optimiser and random state stay bit for bit).

Sharpness: λmax, the largest eigenvalue of the Hessian at θ of what gradient descent
minimises on the whole training set, J(θ) = E(θ) + ½ l2 ‖W‖² (E the run's loss, the mean
over every training row; the L2 penalty as the optimiser adds it, weights only). L1 adds no
curvature (|w| is flat but at 0) and clipping only shortens steps: both are left out. On a
quadratic, gradient descent with learning rate lr converges only while λmax < 2 / lr;
Cohen et al. (2021) found that full-batch training drives λmax up to 2 / lr and holds it
there while the loss goes on falling, unevenly ("the edge of stability").

Slices: the loss E (the training loss the app shows, without penalties) along a line or
over a plane through θ. The line's default direction is the last update; it marks where
the optimiser's next full-batch step lands. The plane's two random directions are
normalised per neuron as Li et al. (2018) do (``random_directions``); a path of weights
(``WeightPath``: the last epochs') is drawn on it by ``project_path``.
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .hessian import CHUNK_ROWS, Curvature, Eigen, top_eigenvalue
from .network import STEP, Network
from .optimizers import SGD, Momentum

if TYPE_CHECKING:
    from .trainer import Trainer

Floats = NDArray[np.float64]


# --- sharpness ------------------------------------------------------------------------


def training_rows(
    trainer: Trainer, max_rows: int | None = None, seed: int = 0
) -> tuple[NDArray, NDArray]:
    """The training rows (X, Y) measured: all of them, or ``max_rows`` of them drawn without
    replacement (seeded, in their order) when there are more."""
    X, Y = trainer.X, trainer.Y
    if max_rows is None or len(X) <= max_rows:
        return X, Y
    if max_rows < 1:
        raise ValueError(f"max_rows = {max_rows} is not allowed: a whole number >= 1")
    rows = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
    return X[rows], Y[rows]


def sharpness_estimate(
    trainer: Trainer,
    *,
    tol: float = 1e-5,
    max_iter: int = 200,
    budget: float | None = None,
    seed: int = 0,
    start: NDArray | None = None,
    max_rows: int | None = None,
) -> Eigen:
    """λmax of ∇²J at the trainer's weights (see the module docstring) and how it was found.

    Power iteration on exact Hessian-vector products (core/hessian.py), in float64 whatever
    the run's dtype. start (P,): where the iteration starts, e.g. the vector of the last
    estimate (few products when the weights moved little); else a normal vector drawn
    from ``seed``. tol, max_iter, budget (seconds, for the iteration): see
    ``top_eigenvalue``. max_rows: measure on at most this many training rows, drawn with
    ``seed`` (``training_rows``). Weights that are not finite give nan.
    """
    X, Y = training_rows(trainer, max_rows, seed)
    curve = Curvature(trainer.net, X, Y, trainer.loss, l2=trainer.config.l2)
    n = trainer.net.n_params
    if start is None or np.shape(start) != (n,) or not np.linalg.norm(start) > 0:
        start = np.random.default_rng(seed).normal(size=n)
    return top_eigenvalue(curve.hvp, start, tol, max_iter, budget)


def sharpness(trainer: Trainer, **options) -> float:
    """λmax of the training objective's Hessian at the current weights (options: see
    ``sharpness_estimate``)."""
    return sharpness_estimate(trainer, **options).value


def stability_limit(trainer: Trainer) -> float | None:
    """The sharpness above which the run's steps grow on a quadratic: 2 / lr for gradient
    descent, (2 + 2 beta) / lr with momentum beta; None for Adam (its steps are scaled per
    weight, so its limit is on a rescaled Hessian, not on λmax)."""
    optimizer, lr = trainer.optimizer, trainer.config.lr
    if isinstance(optimizer, Momentum):
        return (2.0 + 2.0 * optimizer.beta) / lr
    return 2.0 / lr if isinstance(optimizer, SGD) else None


def stability_facts(trainer: Trainer, budget: float = 0.5) -> dict[str, float | None]:
    """For a divergence's facts (core.divergence.Facts): λmax at the weights now (nan if
    they are not finite; within ``budget`` seconds, on at most 4,096 rows) and lr times the
    stability limit (2, 2 + 2β; None for Adam)."""
    limit = stability_limit(trainer)
    try:
        value = sharpness(trainer, budget=budget, max_rows=4096)
    except (ValueError, FloatingPointError, NotImplementedError):
        value = math.nan
    below = None if limit is None else limit * trainer.config.lr
    return {"sharpness": value, "stable_below": below}


class SharpnessColumn:
    """λmax every ``every`` epochs, for a ``sharpness`` history column (nan between).

    Call it after each epoch: ``column(trainer)``. Each estimate starts from the last one's
    vector, so that it takes few products while the weights move little. Options are
    ``sharpness_estimate``'s.
    """

    def __init__(self, every: int, **options) -> None:
        if not (isinstance(every, int) and every >= 1):
            raise ValueError(f"every = {every!r} is not allowed: epochs between estimates, >= 1")
        self.every, self.options = every, options
        self.vector: Floats | None = None

    def __call__(self, trainer: Trainer) -> float:
        if trainer.epoch % self.every:
            return math.nan
        estimate = sharpness_estimate(trainer, start=self.vector, **self.options)
        self.vector = estimate.vector
        return estimate.value


# --- the loss at other weights ------------------------------------------------------------


class _LossAt:
    """E at any weights (P,) on rows X, Y, by a copy of the trainer's network: the same
    products as ``Trainer.evaluate``, so at θ itself it gives the trainer's number."""

    def __init__(self, trainer: Trainer, X: NDArray, Y: NDArray) -> None:
        self.copy = trainer.net.copy()  # (batch norm: with its running averages)
        self.loss, self.X, self.Y = trainer.loss, X, Y

    def __call__(self, params: NDArray) -> float:
        self.copy.params[...] = params
        n, total = len(self.X), 0.0
        with np.errstate(all="ignore"):
            for i in range(0, n, CHUNK_ROWS):
                X, Y = self.X[i : i + CHUNK_ROWS], self.Y[i : i + CHUNK_ROWS]
                z, y = self.copy.predict(X)
                value = self.loss.value(z if self.loss.from_logits else y, Y)
                total += value if n <= CHUNK_ROWS else value * len(X) / n
        return float(total)


def next_step(trainer: Trainer, max_rows: int | None = None, seed: int = 0) -> Floats:
    """The change (P,) the trainer's optimiser would make now on the full-batch gradient:
    params_new - params. A copy of the optimiser takes it, with its momentum or averages,
    penalties and clipping."""
    X, Y = training_rows(trainer, max_rows, seed)
    net = trainer.net
    return _step(trainer, Curvature(net, X, Y, trainer.loss, dtype=net.dtype).gradient)


def _step(trainer: Trainer, gradient: NDArray) -> Floats:
    """``next_step`` for a full-batch gradient already computed."""
    net = trainer.net
    params, step, c = net.params.copy(), np.empty_like(net.params), trainer.config
    optimizer = copy.deepcopy(trainer.optimizer)  # its state (momentum, Adam's) unchanged
    optimizer.apply(params, gradient, step, net.weight_mask, c.lr, c.l2, c.l1, c.clip)
    return -step.astype(np.float64)


# --- a line through θ -----------------------------------------------------------------


@dataclass(frozen=True)
class LineSlice:
    """E(θ + α d) along a direction d through the current weights θ.

    alphas (m,), values (m,): E at θ + α d. direction d (P,). loss_now: E(θ) (α = 0).
    step_alpha: where the next full-batch step s lands along d, <s, d> / <d, d> (1 when d
    is that step); step_loss: E(θ + s), the loss where it really lands; step_off_line:
    ‖s - step_alpha d‖ / ‖s‖, 0 when the step lies on the line. bottom_alpha: where E's
    quadratic model along d is lowest, -(∇E·d) / (dᵀ∇²E d) (exact for a quadratic; nan
    where the line curves down): a step landing past 2 bottom_alpha ends higher than it
    started. rows: training rows used.
    """

    alphas: Floats
    values: Floats
    direction: Floats
    loss_now: float
    step_alpha: float
    step_loss: float
    step_off_line: float
    bottom_alpha: float
    rows: int


def line_slice(
    trainer: Trainer,
    direction: NDArray | str = "last",
    alphas: NDArray | None = None,
    max_rows: int | None = None,
    seed: int = 0,
) -> LineSlice:
    """The training loss along a line through the current weights.

    direction: "last", the last update (params - params before it; the next step when no
    step has been taken yet); "step", the optimiser's next full-batch step (``next_step``),
    so that α = 1 is where it lands; or any vector (P,). alphas: the points (m,); by default
    41 from -L to L, L = 1.25 times the farthest of step_alpha and bottom_alpha, at least
    2 (and bottom_alpha counted up to 20 at most), 0 among them. max_rows, seed: see
    ``training_rows``.
    """
    X, Y = training_rows(trainer, max_rows, seed)
    net, loss_at = trainer.net, _LossAt(trainer, X, Y)
    theta = net.params.astype(np.float64)
    curve = Curvature(net, X, Y, trainer.loss, dtype=net.dtype)
    step = _step(trainer, curve.gradient)
    if isinstance(direction, str):
        if direction not in ("last", "step"):
            raise ValueError(f"direction {direction!r} is unknown: last, step or a vector")
        last = -net.flat[STEP].astype(np.float64)
        usable = trainer.steps > 0 and np.any(last) and np.all(np.isfinite(last))
        use_last = direction == "last" and usable
        d = last if use_last else step
    else:
        d = np.asarray(direction, np.float64)
        if d.shape != theta.shape:
            raise ValueError(f"direction of shape {d.shape}: the network has {theta.size} weights")
    dd = float(d @ d)
    if not (dd > 0 and math.isfinite(dd)):
        raise ValueError("no direction to slice along: it is zero (or not finite)")
    step_alpha = float(step @ d) / dd
    step_norm = float(np.linalg.norm(step))
    off = float(np.linalg.norm(step - step_alpha * d)) / step_norm if step_norm else 0.0
    bend = float(d @ curve.hvp(d))
    bottom = -float(curve.gradient @ d) / bend if bend > 0 else math.nan
    if alphas is None:
        reach = max(2.0, 1.25 * abs(step_alpha), 1.25 * min(abs(bottom), 20.0))
        alphas = reach * np.arange(-20, 21) / 20.0
    alphas = np.asarray(alphas, np.float64)
    values = np.array([loss_at(theta + a * d) for a in alphas])
    landing = loss_at(theta + step)
    return LineSlice(
        alphas, values, d, loss_at(net.params), step_alpha, landing, off, bottom, len(X)
    )


# --- a plane through θ ----------------------------------------------------------------


def random_directions(net: Network, seed: int = 0) -> Floats:
    """Two random directions (2, P), normalised per neuron (Li et al., 2018).

    Each direction is drawn normal, then the incoming weights of each neuron j of layer k
    (the column W_k[:, j]) are scaled to the norm of that neuron's own weights: a neuron
    with large weights is moved as far, relatively, as one with small weights, and a
    network's scale does not change the picture (a neuron whose weights are all 0 is not
    moved). The biases are not moved (0), as in the authors' own code by default.
    """
    rng = np.random.default_rng(seed)
    out = np.zeros((2, net.n_params))
    for d in out:
        weights, _ = net.views(d)
        for w, own in zip(weights, net.weights, strict=True):
            w[...] = rng.normal(size=w.shape)
            norms = np.linalg.norm(w, axis=0)
            w *= np.linalg.norm(own, axis=0) / np.where(norms > 0, norms, 1.0)
    return out


def path_directions(path: NDArray, centre: NDArray) -> Floats:
    """The two directions (2, P) along which a path of weights (m, P) moved most around
    ``centre`` (P,): the two leading right singular vectors of path - centre, each scaled
    so that the path reaches 0.8 along it. Random directions in many dimensions miss a
    path almost entirely; these show it (Li et al., 2018, section 7)."""
    delta = np.asarray(path, np.float64) - np.asarray(centre, np.float64)
    if delta.ndim != 2 or len(delta) < 2:
        raise ValueError("a path of at least two weight vectors (m, P) is needed")
    _, _, vt = np.linalg.svd(delta, full_matrices=False)
    out = np.zeros((2, delta.shape[1]))
    for i, u in enumerate(vt[:2]):
        reach = float(np.abs(delta @ u).max())
        out[i] = u * (reach / 0.8 if reach > 0 else 1.0)
    return out


@dataclass(frozen=True)
class PlaneSlice:
    """E over a plane through the current weights θ.

    values[i, j] (g, g) = E(θ + coords[j] d₁ + coords[i] d₂), nan where the time budget
    ran out first (see ``plane_slice``). coords (g,): from -span to span, 0 in the middle.
    directions (2, P): d₁, d₂. centre: θ (P,). loss_now: E(θ), the middle value. rows:
    training rows used. complete: every value computed. seconds: the time taken.
    """

    coords: Floats
    values: Floats
    directions: Floats
    centre: Floats
    loss_now: float
    rows: int
    complete: bool
    seconds: float


def _coarse_first(grid: int) -> list[tuple[int, int]]:
    """Every (i, j) of a grid, the middle first, then every 4th, every 2nd, all: an
    interrupted grid is a coarser picture, not a half."""
    mid = grid // 2
    order, seen = [(mid, mid)], {(mid, mid)}
    for stride in (4, 2, 1):
        for i in range(mid % stride, grid, stride):
            for j in range(mid % stride, grid, stride):
                if (i, j) not in seen:
                    seen.add((i, j))
                    order.append((i, j))
    return order


def plane_slice(
    trainer: Trainer,
    grid: int = 21,
    seed: int = 0,
    span: float = 1.0,
    directions: NDArray | None = None,
    max_rows: int | None = None,
    budget: float | None = None,
) -> PlaneSlice:
    """The training loss on a grid x grid plane through the current weights.

    directions (2, P): the plane's; by default ``random_directions(net, seed)``. span: the
    plane reaches ±span along each. grid: points per side, odd (the middle is θ). budget:
    seconds; points not reached by then stay nan (the middle first, then coarse to fine).
    max_rows, seed: see ``training_rows``.
    """
    if not (isinstance(grid, int) and grid >= 3 and grid % 2):
        raise ValueError(f"grid = {grid!r} is not allowed: an odd whole number >= 3")
    begin = time.monotonic()
    X, Y = training_rows(trainer, max_rows, seed)
    net, loss_at = trainer.net, _LossAt(trainer, X, Y)
    d = random_directions(net, seed) if directions is None else np.asarray(directions, float)
    if d.shape != (2, net.n_params):
        raise ValueError(f"directions of shape {d.shape}: need (2, {net.n_params})")
    theta = net.params.astype(np.float64)
    half = grid // 2
    coords = span * np.arange(-half, half + 1) / half
    values = np.full((grid, grid), np.nan)
    done = True
    for i, j in _coarse_first(grid):
        if (i, j) == (half, half):
            values[i, j] = loss_at(net.params)
        else:
            values[i, j] = loss_at(theta + coords[j] * d[0] + coords[i] * d[1])
        if budget is not None and time.monotonic() - begin > budget:
            done = bool(np.all(~np.isnan(values)))
            break
    return PlaneSlice(
        coords,
        values,
        d,
        theta,
        float(values[half, half]),
        len(X),
        done,
        time.monotonic() - begin,
    )


def project_path(plane: PlaneSlice, path: NDArray) -> tuple[Floats, Floats]:
    """Where weights (m, P) lie on the plane: coordinates (m, 2) along d₁, d₂ (least
    squares: the nearest point of the plane), and how far each is off it, ‖off‖ / ‖θ_i -
    θ‖ (m,) (0 on the plane, nan for θ itself)."""
    delta = np.atleast_2d(np.asarray(path, np.float64)) - plane.centre
    basis = plane.directions.T  # (P, 2)
    coords, *_ = np.linalg.lstsq(basis, delta.T, rcond=None)
    rest = np.linalg.norm(delta - (basis @ coords).T, axis=1)
    size = np.linalg.norm(delta, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        off = np.where(size > 0, rest / size, np.nan)
    return coords.T, off


class WeightPath:
    """The weights after each ``record`` (e.g. each epoch), oldest first, at most
    ``max_bytes`` of them (the oldest go first)."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.points: deque[Floats] = deque()

    def record(self, trainer: Trainer) -> None:
        """Keep a copy of the current weights, unless they equal the last ones kept."""
        params = trainer.net.params
        if self.points and self.points[-1].shape != params.shape:
            self.points.clear()  # another network
        if self.points and np.array_equal(self.points[-1], params):
            return
        keep = max(2, self.max_bytes // max(params.nbytes, 1))
        self.points.append(params.copy())
        while len(self.points) > keep:
            self.points.popleft()

    def array(self) -> Floats:
        """The weights kept (m, P)."""
        return np.array(self.points)

    def clear(self) -> None:
        self.points.clear()
