"""Activation functions, each written beside its derivative.

Every activation ``f`` maps pre-activations ``z`` (n, units) to outputs ``a = f(z)``.
``derivative(z, a)`` is da/dz element by element (what the chain-rule inspector shows);
``backward(z, a, grad_a)`` turns dE/da into dE/dz. For element-wise activations that is
``grad_a * f'(z)``; softmax couples the units of a row, so its backward is the full
Jacobian-vector product, not the diagonal ``a * (1 - a)``.

``second_derivative(z, a)`` is d²a/dz², written under the derivative: the Hessian-vector
products of core/hessian.py need it (``Activation.curvature``). Where f is piecewise linear
(relu, leaky_relu) it is 0, as autograd libraries take it at the kink too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

LEAKY_SLOPE = 0.01


def _zeros(z: Array, out: Array | None) -> Array:
    """Zeros shaped like z (into ``out`` when one is given)."""
    if out is None:
        return np.zeros_like(z)
    out.fill(0.0)
    return out


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


def linear_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = 0."""
    return _zeros(z, out)


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


def sigmoid_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = a (1 - a) (1 - 2a)."""
    out = sigmoid_derivative(z, a, out=out)
    out *= 1.0 - 2.0 * a
    return out


def tanh(z: Array, out: Array | None = None) -> Array:
    """a = tanh(z)."""
    return np.tanh(z, out=out)


def tanh_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 - a^2."""
    out = np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def tanh_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = -2a (1 - a^2)."""
    out = tanh_derivative(z, a, out=out)
    out *= -2.0 * a
    return out


def relu(z: Array, out: Array | None = None) -> Array:
    """a = max(0, z)."""
    return np.maximum(z, 0.0, out=out)


def relu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 where z > 0, else 0 (a neuron stuck below zero learns nothing: "dead")."""
    if out is None:
        out = np.empty_like(z)
    return np.greater(z, 0.0, out=out)


def relu_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = 0 (at the kink z = 0 too, as autograd libraries take it)."""
    return _zeros(z, out)


def leaky_relu(z: Array, out: Array | None = None) -> Array:
    """a = z where z > 0, else 0.01 z."""
    return np.maximum(z, LEAKY_SLOPE * z, out=out)


def leaky_relu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 where z > 0, else 0.01."""
    out = relu_derivative(z, a, out=out)
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def leaky_relu_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = 0 (at the kink z = 0 too)."""
    return _zeros(z, out)


ELU_ALPHA = 1.0
GELU_C = math.sqrt(2.0 / math.pi)  # GELU's tanh approximation: u = c (z + k z^3)
GELU_K = 0.044715


def elu(z: Array, out: Array | None = None) -> Array:
    """a = z where z > 0, else alpha (exp(z) - 1), alpha = 1: smooth, and never below -1."""
    below = np.minimum(z, 0.0)  # expm1 of the negative part only: no overflow
    np.expm1(below, out=below)
    below *= ELU_ALPHA
    return _into(out, np.where(z > 0, z, below))


def _into(out: Array | None, value: Array) -> Array:
    """``value``, written into ``out`` when one is given."""
    if out is None:
        return value
    np.copyto(out, value)
    return out


def elu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = 1 where z > 0, else alpha exp(z) = a + alpha."""
    return _into(out, np.where(z > 0, 1.0, a + ELU_ALPHA))


def elu_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = 0 where z > 0, else alpha exp(z) = a + alpha."""
    return _into(out, np.where(z > 0, 0.0, a + ELU_ALPHA))


def softplus(z: Array, out: Array | None = None) -> Array:
    """a = log(1 + exp(z)), as log(exp(0) + exp(z)): no overflow for any z."""
    return np.logaddexp(0.0, z, out=out)


def softplus_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = sigmoid(z): softplus is the integral of the sigmoid."""
    return sigmoid(z, out=out)


def softplus_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = s (1 - s), s = sigmoid(z)."""
    s = sigmoid(z)
    return sigmoid_derivative(z, s, out=out)


def swish(z: Array, out: Array | None = None) -> Array:
    """a = z sigmoid(z) (swish with beta = 1, also called SiLU)."""
    s = sigmoid(z)
    return np.multiply(z, s, out=out)


def swish_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = sigmoid(z) + z sigmoid(z) (1 - sigmoid(z)) = s + a (1 - s), s = sigmoid(z)."""
    s = sigmoid(z)
    out = np.subtract(1.0, s, out=out)
    out *= a
    out += s
    return out


def swish_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = s (1 - s) (2 + z (1 - 2s)), s = sigmoid(z)."""
    s = sigmoid(z)
    out = sigmoid_derivative(z, s, out=out)
    out *= 2.0 + z * (1.0 - 2.0 * s)
    return out


def _gelu_t(z: Array) -> Array:
    """t = tanh(u), u = c (z + k z^3); z^3 may overflow to inf, where tanh is 1 anyway."""
    with np.errstate(over="ignore", invalid="ignore"):
        u = z * z
        u *= GELU_K * z
        u += z
        u *= GELU_C
    return np.tanh(u, out=u)


def gelu(z: Array, out: Array | None = None) -> Array:
    """The tanh approximation of GELU (as in GPT-2, and torch's approximate="tanh"):
    a = z (1 + tanh(u)) / 2, u = sqrt(2/pi) (z + 0.044715 z^3). Not the exact
    z Phi(z) with the normal distribution's Phi: they differ by up to about 0.0002."""
    t = _gelu_t(z)
    t += 1.0
    t *= 0.5
    return np.multiply(z, t, out=out)


def gelu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """da/dz = (1 + t) / 2 + z (1 - t^2) u' / 2, t = tanh(u), u' = c (1 + 3 k z^2)
    (the derivative of the tanh approximation, not of the exact GELU)."""
    t = _gelu_t(z)
    slope = 1.0 - t * t  # 0 where |u| is large: there z u' may be inf, the term is 0
    with np.errstate(over="ignore", invalid="ignore"):
        term = 0.5 * z * slope * GELU_C * (1.0 + 3.0 * GELU_K * z * z)
    return _into(out, np.where(slope > 0, term, 0.0) + 0.5 * (1.0 + t))


def gelu_second_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    """d²a/dz² = (1 - t^2) (u' + z (u'' - 2 t u'^2) / 2), u'' = 6 c k z (of the tanh
    approximation, as the derivative)."""
    t = _gelu_t(z)
    slope = 1.0 - t * t  # 0 where |u| is large: there the z^2 terms may be inf
    with np.errstate(over="ignore", invalid="ignore"):
        du = GELU_C * (1.0 + 3.0 * GELU_K * z * z)
        term = slope * (du + 0.5 * z * (6.0 * GELU_C * GELU_K * z - 2.0 * t * du * du))
    return _into(out, np.where(slope > 0, term, 0.0))


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


def softmax_curvature(a: Array, grad_a: Array, rz: Array) -> Array:
    """How ``softmax_backward``'s dE/dz changes when z moves along rz with dE/da held:
    ra (g - sum_j a_j g_j) - a sum_j ra_j g_j, g = grad_a, ra = a (rz - sum_j a_j rz_j)
    (the softmax's change along rz). All (n, units)."""
    ra = softmax_backward(None, a, rz)  # the Jacobian is symmetric: J rz
    out = ra * (grad_a - (grad_a * a).sum(axis=1, keepdims=True))
    out -= a * (ra * grad_a).sum(axis=1, keepdims=True)
    return out


@dataclass(frozen=True)
class Activation:
    """One activation: its function beside its derivative, and how gradients pass through it.

    ``definition`` is a = f(z) and ``formula`` is f'(z), as the app writes them (the
    inspector's da/dz); ``note`` says what is special, if anything ("" otherwise).
    ``elementwise`` is False for softmax, whose units are coupled (the output layer only,
    see ``softmax_backward``); ``identity`` is True for linear, whose a is z and whose f' is
    1 (nothing to compute either way).
    """

    name: str
    fn: Callable[..., Array]
    definition: str
    derivative: Callable[..., Array]
    formula: str
    note: str = ""
    elementwise: bool = True
    identity: bool = False
    second_derivative: Callable[..., Array] | None = None  # d²a/dz² (None for softmax)

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

    def curvature(self, z: Array, a: Array, grad_a: Array, rz: Array) -> Array:
        """The change of ``backward``'s dE/dz when z moves along rz with dE/da held fixed:
        grad_a * f''(z) * rz element-wise (see ``softmax_curvature`` for softmax). With the
        change of dE/da passed through ``backward`` it gives the change of dE/dz: the
        R-operator's step through an activation (core/hessian.py). All (n, units)."""
        if not self.elementwise:
            return softmax_curvature(a, grad_a, rz)
        if self.second_derivative is None:
            raise NotImplementedError(f"activation {self.name} has no second derivative")
        out = self.second_derivative(z, a)
        out *= grad_a
        out *= rz
        return out


# name, f and what it is, f' and what it is, what is special
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "linear", linear, "z", linear_derivative, "1", identity=True,
            second_derivative=linear_second_derivative,
        ),
        Activation(
            "sigmoid", sigmoid, "1/(1+e⁻ᶻ)", sigmoid_derivative, "a(1-a)",
            second_derivative=sigmoid_second_derivative,
        ),
        Activation(
            "tanh", tanh, "tanh z", tanh_derivative, "1-a²",
            second_derivative=tanh_second_derivative,
        ),
        Activation(
            "relu", relu, "max(0,z)", relu_derivative, "1 if z>0 else 0",
            second_derivative=relu_second_derivative,
        ),
        Activation(
            "leaky_relu", leaky_relu, "max(0.01z,z)", leaky_relu_derivative, "1 if z>0 else 0.01",
            second_derivative=leaky_relu_second_derivative,
        ),
        Activation(
            "elu", elu, "z if z>0 else eᶻ-1", elu_derivative, "1 if z>0 else a+1", "α = 1",
            second_derivative=elu_second_derivative,
        ),
        Activation(
            "softplus", softplus, "log(1+eᶻ)", softplus_derivative, "σ(z)",
            second_derivative=softplus_second_derivative,
        ),
        Activation(
            "swish", swish, "z·σ(z)", swish_derivative, "s+a(1-s), s=σ(z)", "also called SiLU",
            second_derivative=swish_second_derivative,
        ),
        Activation(
            "gelu",
            gelu,
            "½z(1+tanh u)",
            gelu_derivative,
            "½(1+t)+½z(1-t²)u'",
            "tanh approximation: t=tanh u, u=√(2/π)(z+0.044715z³)",
            second_derivative=gelu_second_derivative,
        ),
        Activation(
            "softmax",
            softmax,
            "eᶻⁱ/Σ eᶻʲ",
            softmax_derivative,
            "a(1-a) on the diagonal",
            "couples its units: the output layer only",
            elementwise=False,
        ),
    )
}  # fmt: skip
# softmax couples its units: for the output layer only
HIDDEN_ACTIVATIONS = tuple(a.name for a in ACTIVATIONS.values() if a.elementwise)


def get_activation(name: str) -> Activation:
    """Look an activation up by name; a clear ValueError for an unknown one."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        allowed = ", ".join(ACTIVATIONS)
        raise ValueError(f"activation {name!r} is unknown: choose one of {allowed}") from None
