"""Hessian-vector products of a network's loss, exactly, and its largest eigenvalue.

``Curvature`` holds a copy of a network at fixed weights θ and a data set; ``hvp(v)`` is
H v, H = ∇²E(θ) the Hessian of the mean loss over all rows, for any direction v (P,).

H v is the directional derivative of the gradient, d/dε ∇E(θ + ε v) at ε = 0. Writing R{x}
for that derivative of any value x of the forward and backward pass (Pearlmutter's
R-operator, 1994), one pass forward then one back gives it exactly, in about the cost of
one more forward and backward pass. With layer k's direction (V_k, c_k) and f_k' = da/dz:

    forward   R{z_k} = R{a_k} W_k + a_k V_k + c_k          R{a_0} = 0 (the inputs)
              R{a_{k+1}} = f_k'(z_k) R{z_k}                 (softmax: its Jacobian times R{z})
    output    R{delta} = backward(R{dE/dy}) + curvature(dE/dy, R{z})     (fused: G(R{a}, 0))
    backward  R{dW_k} = R{a_k}.T delta_k + a_k.T R{delta_k}       R{db_k} = sum_rows R{delta_k}
              R{dE/da_k} = R{delta_k} W_k.T + delta_k V_k.T
              R{delta_{k-1}} = R{dE/da_k} f'(z_{k-1}) + dE/da_k f''(z_{k-1}) R{z_{k-1}}

The forward and backward values (z, a, delta, dE/da) are the network's own: the copy runs
``Network.run_forward``, ``output_delta`` and ``backward``. Each activation brings its
second derivative (``Activation.curvature``); a loss's own term is in ``loss_curvature``.

``top_eigenvalue`` finds the largest eigenvalue of any symmetric operator from its products
alone, by power iteration (see its docstring for the shift that handles a dominant negative
eigenvalue).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .losses import Loss
from .network import Network

Floats = NDArray[np.float64]
CHUNK_ROWS = 4096  # rows per pass; a data set of one chunk keeps its pass for every product
ALIGNED = 1e-3  # power iteration has found a positive eigenvector once vᵀHv ≥ (1 - this) ‖Hv‖


def loss_curvature(loss: Loss, r: Floats) -> Floats:
    """R{G} for the loss's ``gradient`` G(y, t) when y moves along r (n, k).

    mse, and the fused bce and cross-entropy (y is then the sigmoid or softmax output a),
    have gradients affine in y: G(y + r, t) - G(y, t) = G(r, 0), the code's own formula.
    mae's sign(y - t) / N is flat away from y = t: 0.
    """
    if loss.name in ("mse", "bce", "cross_entropy"):
        return loss.gradient(r, np.zeros_like(r))
    if loss.name == "mae":
        return np.zeros_like(r)
    raise NotImplementedError(f"no Hessian-vector product for the loss {loss.name!r}")


class Curvature:
    """E(θ), ∇E(θ) and H v at the weights of ``net`` when built, on rows X (n, inputs) and
    targets Y (n, outputs), in float64 unless ``dtype`` says otherwise.

    The network given is never written to: a copy with the same layers does the passes.
    E is the mean over all n rows (the rows go CHUNK_ROWS at a time, each part weighted by
    its share of the rows). ``l2`` adds the penalty's curvature, l2 on each weight (not the
    biases), to H v: the Hessian of E + ½ l2 ‖W‖².
    """

    def __init__(
        self,
        net: Network,
        X: NDArray,
        Y: NDArray,
        loss: Loss,
        l2: float = 0.0,
        dtype: type = np.float64,
    ) -> None:
        if len(X) == 0:
            raise ValueError("no rows to measure the loss on: the training set is empty")
        if net.norm_layers:
            raise ValueError(
                f"not measured for a network with {net.norm} normalisation (its second "
                "derivatives through the normalisation are not written here)"
            )
        self.copy = Network(net.sizes, [a.name for a in net.activations], "zeros", 0, 1.0, dtype)
        self.copy.params[...] = net.params
        self.X, self.Y = np.asarray(X, dtype), np.asarray(Y, dtype)
        self.loss, self.l2 = loss, float(l2)
        n = len(self.X)
        self.parts = [slice(i, min(i + CHUNK_ROWS, n)) for i in range(0, n, CHUNK_ROWS)]
        self.n_params = net.n_params
        self.value = 0.0  # E(θ)
        self.gradient = np.zeros(net.n_params, dtype)  # ∇E(θ), without the penalty
        for part in self.parts:
            self.value += self._pass(part) * self._share(part)
            self.gradient += self.copy.grads * self._share(part)
        self.products = 0  # H v computed so far

    def _share(self, part: slice) -> float:
        return (part.stop - part.start) / len(self.X)

    def _pass(self, part: slice) -> float:
        """The copy's forward, loss and backward on one part of the rows; returns its E."""
        self.copy.run_forward(self.X[part])
        value = self.copy.output_delta(self.Y[part], self.loss)
        self.copy.backward()
        return value

    def hvp(self, v: NDArray) -> Floats:
        """H v (P,) for a direction v (P,) laid out like ``Network.params``."""
        v = np.asarray(v, self.copy.dtype)
        out = np.zeros(self.n_params, self.copy.dtype)
        for part in self.parts:
            if len(self.parts) > 1:  # the copy's buffers hold the last part's pass only
                self._pass(part)
            out += self._r_pass(v, self.Y[part]) * self._share(part)
        if self.l2:
            out += self.l2 * self.copy.weight_mask * v
        self.products += 1
        return out

    def _r_pass(self, v: NDArray, Y: NDArray) -> NDArray:
        """R{∇E} of the part the copy's buffers hold, for direction v: the module's formulas."""
        net = self.copy
        V, c = net.views(v)
        acts, z, a, delta = net.activations, net.z, net.a, net.delta
        last = net.n_layers - 1
        r_in: list[NDArray | None] = [None]  # R{a_k}, the change of layer k's input
        r_z = []
        for k in range(net.n_layers):
            rz = net.layer_input(k) @ V[k] + c[k]
            if r_in[k] is not None:
                rz += r_in[k] @ net.weights[k]
            r_z.append(rz)
            if k < last:
                r_in.append(acts[k].backward(z[k], a[k], rz))
        act, y = acts[last], a[last]
        r_y = act.backward(z[last], y, r_z[last])
        if self.loss.from_logits:  # delta = G(a, t) itself
            r_delta = loss_curvature(self.loss, r_y)
        else:  # delta = backward(G(y, t))
            r_delta = act.backward(z[last], y, loss_curvature(self.loss, r_y))
            r_delta += act.curvature(z[last], y, self.loss.gradient(y, Y), r_z[last])
        out = np.empty_like(v)
        r_w, r_b = net.views(out)
        for k in range(last, -1, -1):
            np.matmul(net.layer_input(k).T, r_delta, out=r_w[k])
            if r_in[k] is not None:
                r_w[k] += r_in[k].T @ delta[k]
            r_b[k][...] = r_delta.sum(axis=0)
            if k > 0:
                r_grad_a = r_delta @ net.weights[k].T + delta[k] @ V[k].T
                r_delta = acts[k - 1].backward(z[k - 1], a[k - 1], r_grad_a)
                r_delta += acts[k - 1].curvature(z[k - 1], a[k - 1], net.grad_a[k - 1], r_z[k - 1])
        return out


@dataclass(frozen=True)
class Eigen:
    """The largest eigenvalue found and how.

    value: the estimate λ (the Rayleigh quotient vᵀHv of its vector); vector (P,): unit
    length, the direction the iteration ended on (a warm start for the next estimate);
    products: Hessian-vector products used; converged: the last step changed λ by at most
    tol times |λ| (False: the cap or the time budget stopped it first); shift: s when the
    iteration ran on H + s I (a dominant negative eigenvalue), else 0; seconds: time taken.
    """

    value: float
    vector: Floats
    products: int
    converged: bool
    shift: float
    seconds: float


def _power(
    apply: Callable[[Floats], Floats],
    v: Floats,
    tol: float,
    max_iter: int,
    deadline: float,
    min_iter: int = 3,
) -> tuple[float, float, Floats, int, bool]:
    """Power iteration v <- A v / ‖A v‖ from v; returns (vᵀAv, ‖A v‖, v, products, converged)."""
    v = v / np.linalg.norm(v)
    theta, norm, done, i = 0.0, 0.0, False, 0
    for i in range(1, max_iter + 1):
        w = apply(v)
        previous, theta, norm = theta, float(v @ w), float(np.linalg.norm(w))
        if not (norm > 0 and np.isfinite(norm)):  # A v = 0: v is in A's null space
            return theta, norm, v, i, norm == 0
        v = w / norm
        done = i >= min_iter and abs(theta - previous) <= tol * abs(theta)
        if done or time.monotonic() > deadline:
            break
    return theta, norm, v, i, done


def top_eigenvalue(
    hvp: Callable[[Floats], Floats],
    start: NDArray,
    tol: float = 1e-5,
    max_iter: int = 200,
    budget: float | None = None,
) -> Eigen:
    """λmax of a symmetric operator H given by its products ``hvp(v)`` (P,) -> (P,).

    Power iteration from ``start`` (P,) finds the eigenvalue of largest |λ|; its Rayleigh
    quotient vᵀHv converges to it, and never exceeds λmax. That is λmax when it is
    positive and v has settled on its eigenvector: then H v points along v (vᵀHv ≥
    (1 - ALIGNED) ‖H v‖). Otherwise (the eigenvalue is negative, or a negative eigenvalue
    about as large in size as the positive one is still mixed into v, or the iteration did
    not settle), it runs again, from ``start``, on H + s I with s = ‖H v‖ ≈ the largest |λ|: every
    eigenvalue of H + s I is then ≥ 0 (about), its largest is λmax + s, and λmax is the
    result minus s. That second run's tolerance is relative to λmax + s. Both runs' results
    are Rayleigh quotients of H, at most λmax: the larger one is returned.

    tol: stop when a step changes the estimate by at most tol times its size. max_iter:
    products per run at most. budget: seconds; the iteration stops after the product that
    passes it, unconverged.

    Accuracy: the estimate is a Rayleigh quotient, so it is never above λmax; it can stop
    low when the top eigenvalues lie a few per cent apart and the start has almost nothing
    along the top one (the estimate then creeps up too slowly for tol to see). Networks'
    Hessians have a few large eigenvalues well apart from the rest: on 27 trained networks
    of 105 to 1,185 parameters (tests/test_landscape.py checks several against torch) the
    error was at most 0.04% with the defaults; on random matrices made to be hard (a
    dense spectrum, a negative end as large) it reached 10%. A lower tol, or a warm start
    from the last estimate's vector, tightens it.
    """
    begin = time.monotonic()
    deadline = np.inf if budget is None else begin + budget
    start = np.asarray(start, np.float64)
    if not np.linalg.norm(start) > 0:
        raise ValueError("the start vector is zero: power iteration needs a direction")
    theta, norm, v, used, done = _power(hvp, start, tol, max_iter, deadline)
    shift = 0.0
    mixed = theta < (1.0 - ALIGNED) * norm  # v and H v apart: a negative part is left in v
    if (mixed or not done) and norm > 0 and time.monotonic() <= deadline:
        s = norm
        shifted, _, u, more, u_done = _power(
            lambda x: hvp(x) + s * x, start, tol, max_iter, deadline
        )
        used += more
        # both are Rayleigh quotients of H, so both are at most λmax: the larger is nearer
        if shifted - s > theta:
            theta, v, done, shift = shifted - s, u, u_done, s
    return Eigen(theta, v, used, done, shift, time.monotonic() - begin)
