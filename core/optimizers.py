"""Optimisers: they turn gradients into a step and apply it, after backward is done.

Each works on the network's flat buffers: ``params`` (P,), ``grads`` (P,) and ``step``
(P,), where it leaves the change it made (params_new = params_old - step). An optimiser
holds only its own state (steps taken, momentum, Adam's averages): the learning rate and
the penalties are handed to each ``apply`` by whoever owns them (the Trainer, from its
config), so they can change between any two steps and live in one place.

Before the rule, optional extras in this order:
- L2 penalty 0.5 * l2 * ||W||^2 adds l2 * W to the gradient (weights only, not biases);
- L1 penalty l1 * sum |W| adds l1 * sign(W);
- clipping: if the gradient's global norm exceeds ``clip``, it is scaled down to ``clip``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


class Optimizer:
    """Base: penalties, clipping, and applying the step. Subclasses write ``_rule``."""

    name = "base"

    def __init__(self) -> None:
        self.t = 0  # steps taken

    @staticmethod
    def effective_gradient(
        params: Array, grads: Array, weight_mask: Array, l2: float, l1: float, clip: float
    ) -> Array:
        """g = grads + l2 * W + l1 * sign(W), clipped to norm ``clip``; grads itself if none."""
        g = grads
        if l2 or l1:
            g = grads.copy()
            if l2:
                g += l2 * params * weight_mask
            if l1:
                g += l1 * np.sign(params) * weight_mask
        if clip:
            norm = float(np.sqrt(np.dot(g, g)))
            if norm > clip:
                g = g * (clip / norm)
        return g

    def apply(
        self,
        params: Array,
        grads: Array,
        step: Array,
        weight_mask: Array,
        lr: float,
        l2: float = 0.0,
        l1: float = 0.0,
        clip: float = 0.0,
    ) -> None:
        """One update in place: g = the penalised, clipped gradient; step = lr * rule(g);
        params -= step. ``weight_mask`` (P,) is 1 on weights, 0 on biases (no penalty)."""
        self.t += 1
        if l2 or l1 or clip:
            grads = self.effective_gradient(params, grads, weight_mask, l2, l1, clip)
        self._rule(params, grads, step, lr)
        params -= step

    def _rule(self, params: Array, g: Array, step: Array, lr: float) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to save in a checkpoint (restored by ``load_state``)."""
        return {"t": np.array(self.t)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])


class SGD(Optimizer):
    """W_new = W_old - lr * grad, exactly."""

    name = "sgd"

    def _rule(self, params: Array, g: Array, step: Array, lr: float) -> None:
        np.multiply(g, lr, out=step)


class Momentum(Optimizer):
    """v = beta * v + grad;  W_new = W_old - lr * v."""

    name = "momentum"

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        self.beta = beta
        self.v: Array | None = None

    def _rule(self, params: Array, g: Array, step: Array, lr: float) -> None:
        if self.v is None:
            self.v = np.zeros_like(params)
        self.v *= self.beta
        self.v += g
        np.multiply(self.v, lr, out=step)

    def state(self) -> dict[str, np.ndarray]:
        return super().state() | ({} if self.v is None else {"v": self.v.copy()})

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        super().load_state(state)
        self.v = state["v"].copy() if "v" in state else None


class Adam(Optimizer):
    """m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; W -= lr * m^ / (sqrt(v^) + eps),
    with the bias corrections m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)."""

    name = "adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__()
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m: Array | None = None
        self.v: Array | None = None

    def _rule(self, params: Array, g: Array, step: Array, lr: float) -> None:
        if self.m is None or self.v is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * g
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * g * g
        m_hat_scale = lr / (1.0 - self.beta1**self.t)
        v_hat_scale = 1.0 / (1.0 - self.beta2**self.t)
        np.multiply(self.v, v_hat_scale, out=step)
        np.sqrt(step, out=step)
        step += self.eps
        np.divide(self.m, step, out=step)
        step *= m_hat_scale

    def state(self) -> dict[str, np.ndarray]:
        extra = {} if self.m is None else {"m": self.m.copy(), "v": self.v.copy()}
        return super().state() | extra

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        super().load_state(state)
        self.m = state["m"].copy() if "m" in state else None
        self.v = state["v"].copy() if "v" in state else None


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def make_optimizer(name: str) -> Optimizer:
    """A fresh optimiser by name (sgd, momentum, adam); a clear ValueError for an unknown one."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        allowed = ", ".join(OPTIMIZERS)
        raise ValueError(f"optimizer {name!r} is unknown: choose one of {allowed}") from None
    return cls()
