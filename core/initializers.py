"""Weight initialisers. Each fills W (fan_in, fan_out); biases always start at zero.

fan_in is the number of inputs of a neuron, fan_out the number of neurons in the layer.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """W = 0: every neuron of a layer computes the same thing and gets the same gradient,
    so they stay identical for ever. Shows why symmetry must be broken."""
    return np.zeros((fan_in, fan_out))


def uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """W ~ U(-0.5, 0.5), ignoring the layer's size."""
    return rng.uniform(-0.5, 0.5, (fan_in, fan_out))


def normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """W ~ N(0, 1), ignoring the layer's size: too large for wide or deep networks."""
    return rng.standard_normal((fan_in, fan_out))


def xavier(fan_in: int, fan_out: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Glorot: W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)); keeps variance for tanh."""
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, (fan_in, fan_out))


def he(fan_in: int, fan_out: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """He: W ~ N(0, 2 / fan_in); keeps variance through ReLU layers."""
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


INITIALIZERS = {f.__name__: f for f in (zeros, uniform, normal, xavier, he)}


def get_initializer(name: str):
    """Look an initialiser up by name; a clear ValueError for an unknown one."""
    try:
        return INITIALIZERS[name]
    except KeyError:
        allowed = ", ".join(INITIALIZERS)
        raise ValueError(f"init {name!r} is unknown: choose one of {allowed}") from None
