"""Normalisation layers, each forward written beside its backward.

A normalised hidden layer puts a step between its pre-activation z and its activation:

    u = (z - mean) / sqrt(var + EPS)        z, u (n, units)
    y = gamma * u + beta                    gamma, beta (units,): learned, start at 1 and 0
    a = f(y)

Batch normalisation takes mean and var per unit over the batch's n rows (axis 0), so every
sample's output, and its gradient, depends on the whole batch. For validation and
``predict`` it uses running averages of the training batches' statistics instead
(``running = (1 - MOMENTUM) running + MOMENTUM batch``, the variance unbiased, as PyTorch
keeps them). Layer normalisation takes them per row over the layer's units (axis 1): each
sample on its own, the same in training and in use.

Backward, from g = dE/dy (n, units):

    dE/dbeta  = sum_rows g
    dE/dgamma = sum_rows g * u
    dE/du     = g * gamma
    dE/dz     = (dE/du - mean(dE/du) - u * mean(dE/du * u)) / sqrt(var + EPS)

with the means over the axis the statistics were taken over: the last two terms are the
coupling (moving one z moves the mean and the variance every row of the group sees).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

EPS = 1e-5  # added to the variance (PyTorch's default)
MOMENTUM = 0.1  # weight of each batch in the running averages (PyTorch's default)
NORMS = ("none", "batch", "layer")
SYMBOLS = {"batch": "BN", "layer": "LN"}  # how the screen names a normalised layer


@dataclass
class Normalization:
    """One hidden layer's normalisation and what its last forward kept for backward.

    ``axis`` 0 for batch norm (statistics over the batch), 1 for layer norm (over the
    units of each row). ``running_mean``, ``running_var`` (units,): batch norm's, for use
    outside training (layer norm has none).
    """

    kind: str
    units: int
    dtype: np.dtype
    running_mean: Array = field(init=False)
    running_var: Array = field(init=False)
    u: Array | None = field(default=None, init=False)  # (n, units) the last pass's u
    inv_std: Array | None = field(default=None, init=False)  # 1 / sqrt(var + EPS)
    batch_mean: Array | None = field(default=None, init=False)
    batch_var: Array | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.kind not in NORMS[1:]:
            raise ValueError(f"normalisation {self.kind!r}: one of {', '.join(NORMS[1:])}")
        self.running_mean = np.zeros(self.units, self.dtype)
        self.running_var = np.ones(self.units, self.dtype)

    @property
    def axis(self) -> int:
        return 0 if self.kind == "batch" else 1

    @property
    def symbol(self) -> str:
        """How the screen names it: BN or LN."""
        return SYMBOLS[self.kind]

    def forward(self, z: Array, gamma: Array, beta: Array, out: Array | None = None) -> Array:
        """y = gamma * (z - mean) / sqrt(var + EPS) + beta (n, units), with the statistics
        of this z (training); keeps u and 1/sqrt(var + EPS) for ``backward``."""
        mean = z.mean(axis=self.axis, keepdims=True)
        var = z.var(axis=self.axis, keepdims=True)
        self.batch_mean, self.batch_var = mean, var
        self.inv_std = 1.0 / np.sqrt(var + EPS)
        self.u = (z - mean) * self.inv_std
        return np.add(self.u * gamma, beta, out=out)  # as ``apply`` computes it

    def backward(
        self, g: Array, gamma: Array, dgamma: Array, dbeta: Array, out: Array | None = None
    ) -> Array:
        """dE/dz (n, units) from g = dE/dy of the last ``forward``; writes dE/dgamma and
        dE/dbeta (units,) into ``dgamma`` and ``dbeta``."""
        if self.u is None:
            raise RuntimeError("run a forward pass first")
        u = self.u
        np.sum(g, axis=0, out=dbeta)
        np.sum(g * u, axis=0, out=dgamma)
        gu = g * gamma  # dE/du
        coupled = gu - gu.mean(axis=self.axis, keepdims=True)
        coupled -= u * (gu * u).mean(axis=self.axis, keepdims=True)
        return np.multiply(coupled, self.inv_std, out=out)

    def update_running(self) -> None:
        """Batch norm: fold the last training batch's statistics into the running averages
        (the variance as the unbiased n / (n - 1) estimate)."""
        if self.kind != "batch" or self.batch_mean is None:
            return
        n = self.u.shape[0]
        var = self.batch_var[0] * (n / (n - 1) if n > 1 else 1.0)
        self.running_mean *= 1.0 - MOMENTUM
        self.running_mean += MOMENTUM * self.batch_mean[0]
        self.running_var *= 1.0 - MOMENTUM
        self.running_var += MOMENTUM * var

    def apply(self, z: Array, gamma: Array, beta: Array, batch_stats: bool = False) -> Array:
        """y for inputs in use (a fresh array; nothing kept): batch norm with its running
        averages unless ``batch_stats`` (then this z's own, as in training)."""
        if self.kind == "batch" and not batch_stats:
            mean, var = self.running_mean, self.running_var
        else:
            mean = z.mean(axis=self.axis, keepdims=True)
            var = z.var(axis=self.axis, keepdims=True)
        return (z - mean) * (1.0 / np.sqrt(var + EPS)) * gamma + beta
