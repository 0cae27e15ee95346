"""Gradient check: backpropagation's gradients against central finite differences.

For every parameter p:  dE/dp ~ (E(p + h) - E(p - h)) / (2 h),  error O(h^2).
The relative error of a layer is ||g_bp - g_fd|| / max(||g_bp|| + ||g_fd||, floor), the
norms taken over its weights and biases together; the floor keeps an all-but-zero
gradient from dividing by ~0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .losses import get_loss
from .network import Network


@dataclass(frozen=True)
class LayerCheck:
    """One layer's parameters checked: its W and b, or (``part`` "norm") a normalised
    hidden layer's gamma and beta."""

    layer: int
    max_abs_error: float
    relative_error: float
    n_params: int
    part: str = "weights"


def numerical_gradient(
    net: Network, X: NDArray, Y: NDArray, loss: str, h: float = 1e-5
) -> NDArray[np.float64]:
    """dE/dp by central differences for every entry of ``net.params`` (P,)."""
    loss_fn = get_loss(loss)
    X, Y = np.asarray(X, net.dtype), np.asarray(Y, net.dtype)

    def value() -> float:
        net.run_forward(X)
        return net.output_delta(Y, loss_fn)

    params = net.params
    grad = np.empty(params.size)
    for i in range(params.size):
        old = params[i]
        params[i] = old + h
        up = value()
        params[i] = old - h
        down = value()
        params[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(a: NDArray, b: NDArray, floor: float = 1e-12) -> float:
    """||a - b|| / max(||a|| + ||b||, floor)."""
    scale = max(float(np.linalg.norm(a) + np.linalg.norm(b)), floor)
    return float(np.linalg.norm(a - b)) / scale


def check_gradients(
    net: Network, X: NDArray, Y: NDArray, loss: str, h: float = 1e-5
) -> list[LayerCheck]:
    """One LayerCheck per layer (W and b), then one per normalised hidden layer (gamma
    and beta): backprop (loss_and_grads) against central differences."""
    net.loss_and_grads(X, Y, loss)
    backprop = net.grads.copy()
    numeric = numerical_gradient(net, X, Y, loss, h)
    starts = list(net.segment_starts) + [net.n_params]
    checks = []
    parts = [(k, "weights") for k in range(net.n_layers)]
    parts += [(k, "norm") for k in range(len(net.norm_layers))]
    for i, (k, part) in enumerate(parts):
        lo, hi = starts[2 * i], starts[2 * i + 2]
        bp, fd = backprop[lo:hi], numeric[lo:hi]
        error = float(np.max(np.abs(bp - fd)))
        checks.append(LayerCheck(k, error, relative_error(bp, fd), hi - lo, part))
    return checks
