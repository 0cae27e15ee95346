"""Optimisers: they turn gradients into a step and apply it, after backward is done.

Each works on the network's flat buffers: ``params`` (P,), ``grads`` (P,) and ``step``
(P,), where it leaves the change it made (params_new = params_old - step). The learning
rate ``lr`` is a plain attribute: change it between any two steps.

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

    def __init__(self, lr: float, l2: float = 0.0, l1: float = 0.0, clip: float = 0.0) -> None:
        self.lr, self.l2, self.l1, self.clip = lr, l2, l1, clip
        self.t = 0  # steps taken

    def effective_gradient(self, params: Array, grads: Array, weight_mask: Array) -> Array:
        """g = grads + l2 * W + l1 * sign(W), clipped to norm ``clip``; grads itself if none."""
        g = grads
        if self.l2 or self.l1:
            g = grads.copy()
            if self.l2:
                g += self.l2 * params * weight_mask
            if self.l1:
                g += self.l1 * np.sign(params) * weight_mask
        if self.clip:
            norm = float(np.sqrt(np.dot(g, g)))
            if norm > self.clip:
                g = g * (self.clip / norm)
        return g

    def apply(self, params: Array, grads: Array, step: Array, weight_mask: Array) -> None:
        """One update in place: step = rule(g); params -= step."""
        self.t += 1
        self._rule(params, self.effective_gradient(params, grads, weight_mask), step)
        params -= step

    def _rule(self, params: Array, g: Array, step: Array) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to save in a checkpoint (restored by ``load_state``)."""
        return {"t": np.array(self.t)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])


class SGD(Optimizer):
    """W_new = W_old - lr * grad, exactly."""

    name = "sgd"

    def _rule(self, params: Array, g: Array, step: Array) -> None:
        np.multiply(g, self.lr, out=step)


class Momentum(Optimizer):
    """v = beta * v + grad;  W_new = W_old - lr * v."""

    name = "momentum"

    def __init__(self, lr: float, beta: float = 0.9, **extras: float) -> None:
        super().__init__(lr, **extras)
        self.beta = beta
        self.v: Array | None = None

    def _rule(self, params: Array, g: Array, step: Array) -> None:
        if self.v is None:
            self.v = np.zeros_like(params)
        self.v *= self.beta
        self.v += g
        np.multiply(self.v, self.lr, out=step)

    def state(self) -> dict[str, np.ndarray]:
        return super().state() | ({} if self.v is None else {"v": self.v.copy()})

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        super().load_state(state)
        self.v = state["v"].copy() if "v" in state else None


class Adam(Optimizer):
    """m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; W -= lr * m^ / (sqrt(v^) + eps),
    with the bias corrections m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)."""

    name = "adam"

    def __init__(
        self,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        **extras: float,
    ) -> None:
        super().__init__(lr, **extras)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m: Array | None = None
        self.v: Array | None = None

    def _rule(self, params: Array, g: Array, step: Array) -> None:
        if self.m is None or self.v is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * g
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * g * g
        m_hat_scale = self.lr / (1.0 - self.beta1**self.t)
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


def make_optimizer(name: str, lr: float, **extras: float) -> Optimizer:
    """An optimiser by name (sgd, momentum, adam); a clear ValueError for an unknown one."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        allowed = ", ".join(OPTIMIZERS)
        raise ValueError(f"optimizer {name!r} is unknown: choose one of {allowed}") from None
    return cls(lr, **extras)
