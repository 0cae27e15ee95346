"""Loss functions, each written beside its gradient. All are averaged.

``value(y, t)`` is the loss of outputs y (n, k) against targets t (n, k).
``gradient(y, t)`` is dE/dy (n, k), the start of backpropagation.

Two losses are computed from the output layer's pre-activation z (the logits) instead of
its output, so that they stay finite for any z and the delta at z is exact:
- ``bce`` with a sigmoid output: dE/dz = (sigmoid(z) - t) / n;
- ``cross_entropy`` with a softmax output: dE/dz = (softmax(z) - t) / n.
These fused shortcuts hold only for exactly those pairs; the config refuses other pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def mse(y: Array, t: Array) -> float:
    """E = mean over all elements of (y - t)^2 (no factor 1/2)."""
    d = (y - t).ravel()
    return float(np.dot(d, d) / d.size)


def mse_gradient(y: Array, t: Array, out: Array | None = None) -> Array:
    """dE/dy = 2 (y - t) / N, N = number of elements."""
    out = np.subtract(y, t, out=out)
    out *= 2.0 / y.size
    return out


def mse_value_and_gradient(y: Array, t: Array, out: Array) -> float:
    """E, with dE/dy written into ``out``: the difference y - t serves both, computed once."""
    d = np.subtract(y, t, out=out).ravel()
    value = float(np.dot(d, d)) / d.size
    out *= 2.0 / d.size
    return value


def mse_per_sample(z: Array, y: Array, t: Array) -> Array:
    """Each row's mean of (y - t)^2 (n,): their mean is E."""
    return ((y - t) ** 2).mean(axis=1)


def mae(y: Array, t: Array) -> float:
    """E = mean over all elements of |y - t|."""
    return float(np.abs(y - t).mean())


def mae_gradient(y: Array, t: Array, out: Array | None = None) -> Array:
    """dE/dy = sign(y - t) / N (0 where y == t, a subgradient)."""
    out = np.subtract(y, t, out=out)
    np.sign(out, out=out)
    out /= y.size
    return out


def mae_per_sample(z: Array, y: Array, t: Array) -> Array:
    """Each row's mean of |y - t| (n,)."""
    return np.abs(y - t).mean(axis=1)


def bce_from_logits(z: Array, t: Array) -> float:
    """E = mean of -[t log s(z) + (1 - t) log(1 - s(z))] = mean of softplus(z) - t z.

    softplus(z) = max(z, 0) + log(1 + exp(-|z|)): finite for every z.
    """
    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    return float((softplus - t * z).mean())


def bce_logits_gradient(a: Array, t: Array, out: Array | None = None) -> Array:
    """dE/dz = (sigmoid(z) - t) / N where a = sigmoid(z). Valid only for a sigmoid output."""
    out = np.subtract(a, t, out=out)
    out /= a.size
    return out


def bce_per_sample(z: Array, y: Array, t: Array) -> Array:
    """Each row's mean of softplus(z) - t z (n,)."""
    return (np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - t * z).mean(axis=1)


def cross_entropy_from_logits(z: Array, t: Array) -> float:
    """E = mean over rows of -sum_k t_k log softmax(z)_k, t one-hot (n, k).

    log softmax(z) = z - max z - log sum exp(z - max z): finite for every z.
    """
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-(t * log_p).sum() / z.shape[0])


def cross_entropy_from_parts(z: Array, t: Array, m: Array, s: Array) -> float:
    """The same E from softmax's own max m (n, 1) and sum s (n, 1), t one-hot:
    E = mean over rows of (m + log s - sum_k t_k z_k)."""
    return float((np.log(s).sum() + m.sum() - np.vdot(t, z)) / z.shape[0])


def cross_entropy_logits_gradient(a: Array, t: Array, out: Array | None = None) -> Array:
    """dE/dz = (softmax(z) - t) / n where a = softmax(z). Valid only for a softmax output."""
    out = np.subtract(a, t, out=out)
    out /= a.shape[0]
    return out


def cross_entropy_per_sample(z: Array, y: Array, t: Array) -> Array:
    """Each row's -sum_k t_k log softmax(z)_k (n,)."""
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -(t * log_p).sum(axis=1)


def mse_sample_da(y: Array, t: Array) -> Array:
    """dE_s/da for each sample s (n, k): 2 (a - t) / k, E_s the mean over its k outputs."""
    return 2.0 * (y - t) / y.shape[1]


def mae_sample_da(y: Array, t: Array) -> Array:
    """dE_s/da = sign(a - t) / k."""
    return np.sign(y - t) / y.shape[1]


def bce_sample_da(y: Array, t: Array) -> Array:
    """dE_s/da = (a - t) / (a (1 - a)) / k: infinite where a sigmoid saturates at 0 or 1,
    which is why the code never forms it and uses the fused dE/dz = a - t instead."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y - t) / (y * (1.0 - y)) / y.shape[1]


def cross_entropy_sample_da(y: Array, t: Array) -> Array:
    """dE_s/da = -t / a (0 where t = 0), E_s = -sum_k t_k log a_k."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t != 0, -t / y, 0.0)


TASKS = ("regression", "binary", "multiclass")


@dataclass(frozen=True)
class Loss:
    """A loss, its gradient and what goes with it.

    A fused loss (``output_activation`` set: bce with sigmoid, cross_entropy with softmax)
    is computed from the output layer's logits z and its ``gradient`` is dE/dz; the others
    take y and give dE/dy. ``sample_da`` is each sample's dE_s/da (n, k) (for a fused loss,
    the factor its shortcut folds in), ``formula`` the same as the inspector writes it
    (``/K`` for K outputs). ``tasks``: the data sets it fits.
    """

    name: str
    value: Callable[[Array, Array], float]
    gradient: Callable[..., Array]  # (y, t, out=None)
    per_sample: Callable[[Array, Array, Array], Array]  # (z, y, t) -> (n,), mean = E
    sample_da: Callable[[Array, Array], Array]  # (y, t) -> dE_s/da (n, k)
    formula: str
    tasks: tuple[str, ...] = TASKS
    output_activation: str | None = None
    short: str = ""  # for narrow places
    value_and_gradient: Callable[[Array, Array, Array], float] | None = None  # in one pass
    value_from_parts: Callable[..., float] | None = None  # from softmax's max and sum

    @property
    def from_logits(self) -> bool:
        return self.output_activation is not None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", mse, mse_gradient, mse_per_sample, mse_sample_da, "2(a-t)",
             value_and_gradient=mse_value_and_gradient),
        Loss("mae", mae, mae_gradient, mae_per_sample, mae_sample_da, "sign(a-t)"),
        Loss("bce", bce_from_logits, bce_logits_gradient, bce_per_sample, bce_sample_da,
             "(a-t)/(a(1-a))", ("binary",), "sigmoid"),
        Loss("cross_entropy", cross_entropy_from_logits, cross_entropy_logits_gradient,
             cross_entropy_per_sample, cross_entropy_sample_da, "-t/a", ("multiclass",),
             "softmax", "CE", value_from_parts=cross_entropy_from_parts),
    )
}  # fmt: skip


def fused_loss(output_activation: str) -> Loss | None:
    """The loss computed from the logits of this output activation, if there is one."""
    return next((v for v in LOSSES.values() if v.output_activation == output_activation), None)


def get_loss(name: str) -> Loss:
    """Look a loss up by name; a clear ValueError for an unknown one."""
    try:
        return LOSSES[name]
    except KeyError:
        allowed = ", ".join(LOSSES)
        raise ValueError(f"loss {name!r} is unknown: choose one of {allowed}") from None
