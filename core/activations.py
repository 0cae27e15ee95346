"""Activation functions, each written beside its derivative.

Every activation ``f`` maps pre-activations ``z`` (n, units) to outputs ``a = f(z)``.
``derivative(z, a)`` is da/dz element by element (what the chain-rule inspector shows);
``backward(z, a, grad_a)`` turns dE/da into dE/dz. For element-wise activations that is
``grad_a * f'(z)``; softmax couples the units of a row, so its backward is the full
Jacobian-vector product, not the diagonal ``a * (1 - a)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

LEAKY_SLOPE = 0.01


def linear(z: Array, out: Array | None = None) -> Array:
    """a = z."""
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def linear_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1."""
    if out is None:
        return np.ones_like(z)
    out.fill(1.0)
    return out


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """a = 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2: no overflow for any z."""
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def sigmoid_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = a (1 - a)."""
    out = np.subtract(1.0, a, out=out)
    out *= a
    return out


def tanh(z: Array, out: Array | None = None) -> Array:
    """a = tanh(z)."""
    return np.tanh(z, out=out)


def tanh_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 - a^2."""
    out = np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def relu(z: Array, out: Array | None = None) -> Array:
    """a = max(0, z)."""
    return np.maximum(z, 0.0, out=out)


def relu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 where z > 0, else 0 (a neuron stuck below zero learns nothing: "dead")."""
    if out is None:
        out = np.empty_like(z)
    return np.greater(z, 0.0, out=out)


def leaky_relu(z: Array, out: Array | None = None) -> Array:
    """a = z where z > 0, else 0.01 z."""
    return np.maximum(z, LEAKY_SLOPE * z, out=out)


def leaky_relu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 where z > 0, else 0.01."""
    out = relu_derivative(z, a, out=out)
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def softmax(z: Array, out: Array | None = None) -> Array:
    """a_i = exp(z_i - max z) / sum_j exp(z_j - max z), row by row (output layer only)."""
    return softmax_parts(z, out)[0]


def softmax_parts(z: Array, out: Array | None = None) -> tuple[Array, Array, Array]:
    """(softmax(z), m, s) with m = max z and s = sum exp(z - m) per row (n, 1) each:
    log softmax(z) = z - m - log s, which the cross-entropy reuses."""
    m = z.max(axis=1, keepdims=True)
    out = np.subtract(z, m, out=out)
    np.exp(out, out=out)
    s = out.sum(axis=1, keepdims=True)
    out /= s
    return out, m, s


def softmax_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """The Jacobian's diagonal da_i/dz_i = a_i (1 - a_i): for display only.

    Backpropagation through softmax uses the whole Jacobian: see ``softmax_backward``.
    """
    return sigmoid_derivative(z, a, out=out)


def softmax_backward(z: Array, a: Array, grad_a: Array, out: Array | None = None) -> Array:
    """dE/dz_i = a_i (dE/da_i - sum_j a_j dE/da_j): the full Jacobian-vector product."""
    out = np.subtract(grad_a, (grad_a * a).sum(axis=1, keepdims=True), out=out)
    out *= a
    return out


@dataclass(frozen=True)
class Activation:
    """One activation: its function, its derivative and how gradients pass through it.

    ``formula`` is f'(z) as the inspector writes it. ``elementwise`` is False for softmax,
    whose units are coupled (the output layer only, see ``softmax_backward``); ``identity``
    is True for linear, whose a is z and whose f' is 1 (nothing to compute either way).
    """

    name: str
    fn: Callable[..., Array]
    derivative: Callable[..., Array]
    formula: str
    elementwise: bool = True
    identity: bool = False

    def backward(self, z: Array, a: Array, grad_a: Array, out: Array | None = None) -> Array:
        """dE/dz = dE/da * da/dz (n, units) at pre-activation z and output a.

        ``out`` may be given to avoid a fresh array; it must not be ``grad_a``.
        """
        if not self.elementwise:
            return softmax_backward(z, a, grad_a, out=out)
        if self.identity:  # f' = 1: dE/dz is dE/da
            return linear(grad_a, out=out)
        out = self.derivative(z, a, out=out)
        out *= grad_a
        return out


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", linear, linear_derivative, "1", identity=True),
        Activation("sigmoid", sigmoid, sigmoid_derivative, "a(1-a)"),
        Activation("tanh", tanh, tanh_derivative, "1-a²"),
        Activation("relu", relu, relu_derivative, "1 if z>0 else 0"),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative, "1 if z>0 else 0.01"),
        Activation("softmax", softmax, softmax_derivative, "a(1-a) on the diagonal", False),
    )
}
# softmax couples its units: for the output layer only
HIDDEN_ACTIVATIONS = tuple(a.name for a in ACTIVATIONS.values() if a.elementwise)


def get_activation(name: str) -> Activation:
    """Look an activation up by name; a clear ValueError for an unknown one."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        allowed = ", ".join(ACTIVATIONS)
        raise ValueError(f"activation {name!r} is unknown: choose one of {allowed}") from None
