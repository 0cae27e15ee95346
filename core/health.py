"""What a run's numbers say about its health, in the words the app uses.

- Exploding and vanishing gradients are about depth: backpropagation multiplies the error
  signal delta_k = dE_s/dz_k by one factor per layer on its way back from the output, so
  c_k = ||delta_k|| / ||delta_out|| is how much it grew (or shrank) before reaching layer k.
  A one-layer network has no chain, so it can have neither; when it diverges, its steps
  overshoot (the learning rate is too large).
- A tanh or sigmoid layer is saturated when most of its outputs sit at a flat end of the
  curve (|a| near 1 for tanh, a near 0 or 1 for sigmoid), where f'(z) is all but 0: the
  error signal delta = (delta_next . W^T) * f'(z) is cut there, whatever came from above.
- A ReLU neuron is dead for an epoch when its output was 0 for every sample of it.
- A hidden layer is symmetric when all its neurons are the same (same weights in and out,
  same bias): they compute the same output and get the same gradient, so training never
  tells them apart.
- A constant guess (every row gets the training targets' mean) is the yardstick for a loss
  "far above" where a network should be.

Pure NumPy: the trainer names a divergence's cause with it, the worker fills the snapshot
with it, and the gradient panel flags layers with it (through the snapshot module).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .losses import Loss
from .network import Network

DEPTH_FACTOR = 100.0  # c_k above it: exploding at layer k; below 1 / DEPTH_FACTOR: vanishing
SYMMETRY_TOLERANCE = 1e-9  # relative: neurons this close are the same neuron
# an output this close to a flat end is saturated: tanh |a| > 0.99 (f' = 1 - a² < 0.02),
# sigmoid a < 0.01 or a > 0.99 (f' = a(1 - a) < 0.01); a layer with SATURATED of its outputs
# (samples x neurons) there is flagged
SATURATION_EDGE, SATURATED = 0.01, 0.5


def depth_growth(delta_norm: Sequence[float]) -> NDArray[np.float64]:
    """c_k = ||delta_k|| / ||delta_{L-1}|| per layer (L,); nan where it cannot be told (the
    output's ||delta|| is 0 or not finite, or layer k's is not finite)."""
    d = np.asarray(delta_norm, dtype=np.float64)
    out = np.full(d.shape, np.nan)
    last = d[-1] if d.size else np.nan
    if np.isfinite(last) and last > 0:
        np.divide(d, last, out=out, where=np.isfinite(d))
    return out


def depth_verdicts(delta_norm: Sequence[float]) -> list[str]:
    """Per layer "exploding" (c_k >= DEPTH_FACTOR), "vanishing" (0 < c_k <= 1 / DEPTH_FACTOR)
    or "". An error signal of exactly 0 did not shrink layer by layer: something cut it
    (dead ReLUs, zero weights above), which has its own name."""
    verdicts = []
    for c in depth_growth(delta_norm).tolist():
        if c >= DEPTH_FACTOR:
            verdicts.append("exploding")
        elif 0 < c <= 1 / DEPTH_FACTOR:
            verdicts.append("vanishing")
        else:
            verdicts.append("")
    return verdicts


def saturation(net: Network, loss: Loss) -> tuple[float, ...]:
    """Per layer (L,) the share of the last forward pass's outputs a (n, units) that sit
    at a flat end of a tanh or sigmoid (see SATURATION_EDGE); nan for other activations,
    for an output whose loss is fused with it (dE/dz = a - t has no f'(z) to vanish), and
    before any forward pass."""
    shares = []
    for k, act in enumerate(net.activations):
        fused = k == net.n_layers - 1 and loss.output_activation == act.name
        if act.name not in ("tanh", "sigmoid") or fused or not net.has_pass:
            shares.append(float("nan"))
            continue
        a = net.a[k]
        if act.name == "tanh":
            flat = np.abs(a) > 1 - SATURATION_EDGE
        else:
            flat = (a < SATURATION_EDGE) | (a > 1 - SATURATION_EDGE)
        shares.append(float(np.mean(flat)) if a.size else 0.0)
    return tuple(shares)


def constant_guess_loss(loss: Loss, Y: NDArray) -> float:
    """The loss of guessing the targets' mean for every row of Y (n, k).

    mse: the targets' variance; bce and cross-entropy: their entropy. Losses computed from
    the logits get the logits of that mean: log(p / (1 - p)) for a sigmoid, log p for a
    softmax (p kept inside [1e-12, 1 - 1e-12]).
    """
    if len(Y) == 0:
        return float("nan")
    mean = np.broadcast_to(Y.mean(axis=0), Y.shape)
    if not loss.from_logits:
        return float(loss.value(mean, Y))
    p = np.clip(mean, 1e-12, 1 - 1e-12)
    z = np.log(p / (1 - p)) if loss.output_activation == "sigmoid" else np.log(p)
    return float(loss.value(z, Y))


def symmetric_layers(weights: Sequence[NDArray], biases: Sequence[NDArray]) -> tuple[bool, ...]:
    """Per layer k (L,): True when layer k is hidden, has 2 or more neurons, and they are all
    the same: equal columns of W_k, equal entries of b_k, equal rows of W_{k+1}."""
    out = []
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if k + 1 == len(weights) or w.shape[1] < 2:
            out.append(False)
            continue
        first_two = np.vstack([w[:, :2], b[None, :2], weights[k + 1][:2].T])
        if not _all_same(first_two):  # the usual case, decided without the whole layer
            out.append(False)
            continue
        out.append(_all_same(np.vstack([w, b[None, :], weights[k + 1].T])))
    return tuple(out)


def _all_same(neurons: NDArray) -> bool:
    """True when every column (one neuron each) equals the first, to SYMMETRY_TOLERANCE."""
    with np.errstate(all="ignore"):  # inf - inf: nan, which is not the same
        scale = float(np.abs(neurons).max(initial=0.0))
        spread = np.abs(neurons - neurons[:, :1]).max(initial=0.0)
    return bool(spread <= SYMMETRY_TOLERANCE * max(scale, 1.0))


class ReluActivity:
    """Which neurons of the hidden ReLU layers gave an output above 0 for some sample.

    ``observe(outputs)`` after each forward pass takes the column sums of each hidden ReLU
    layer's outputs with a ones column, [a_k, 1] (n, units + 1): one product with a ones
    vector per layer (on that contiguous array: a_k alone is a strided view, which costs
    the product twice as much), kept in a buffer and added to the epoch's sums every
    CHECK_EVERY passes. A ReLU's outputs are >= 0, so a sum of 0 means 0 for every sample
    (whatever order the sums are added in). Once every ReLU neuron has been active, the
    epoch is settled and observing costs nothing more: in a healthy network after the
    first few batches. ``end_epoch()`` turns the epoch's sums into ``dead``: per layer a
    bool mask (units,) of the neurons whose ReLU was 0 for every sample of the epoch, None
    for a layer that is not a hidden ReLU layer or before an epoch has ended. leaky_relu is
    never exactly 0, so its neurons never die and are not tracked.
    """

    CHECK_EVERY = 8  # passes between two checks of whether the epoch is settled

    def __init__(
        self, activation_names: Sequence[str], sizes: Sequence[int], dtype: type = np.float64
    ) -> None:
        n_layers = len(activation_names)
        self.layers = [k for k in range(n_layers - 1) if activation_names[k] == "relu"]
        # per layer, the epoch's sums of a_k's columns and of its ones (never 0: not dead)
        self._sums = [np.zeros(sizes[k + 1] + 1, dtype) for k in self.layers]
        # per layer: the column sums of the passes not added to _sums yet, one row each
        self._seen = [np.empty((self.CHECK_EVERY, len(s)), dtype) for s in self._sums]
        self._rows = [(k, list(seen)) for k, seen in zip(self.layers, self._seen, strict=True)]
        self._pending = 0  # passes in _seen
        self._ones: NDArray = np.ones(0, dtype)
        self.settled = not self.layers  # every ReLU neuron seen active this epoch
        self.dead: tuple[NDArray[np.bool_] | None, ...] = (None,) * n_layers

    def observe(self, outputs: Sequence[NDArray]) -> None:
        """Add one forward pass's hidden outputs (``Network.hidden_inputs``: [a_k, 1] of
        each hidden layer k, (n, units + 1))."""
        if self.settled:
            return
        i = self._pending
        ones = self._ones
        if len(ones) != len(outputs[0]):
            ones = self._ones = np.ones(len(outputs[0]), ones.dtype)
        for k, rows in self._rows:
            ones.dot(outputs[k], out=rows[i])
        self._pending = i + 1
        if self._pending == self.CHECK_EVERY:
            self._add_pending()
            # count_nonzero is 4 times faster than all() here; nan counts as active: not 0
            self.settled = all(np.count_nonzero(s) == s.size for s in self._sums)

    def _add_pending(self) -> None:
        if self._pending:
            for total, seen in zip(self._sums, self._seen, strict=True):
                total += seen[: self._pending].sum(axis=0)
            self._pending = 0

    def end_epoch(self) -> None:
        """The epoch's dead neurons become ``dead``; the next epoch starts from nothing."""
        if not self.layers:
            return
        self._add_pending()
        dead = list(self.dead)
        for k, total in zip(self.layers, self._sums, strict=True):
            dead[k] = total[:-1] == 0.0
        self.dead = tuple(dead)
        self._restart()

    def clear(self) -> None:
        """New weights: nothing observed, nothing known."""
        self.dead = (None,) * len(self.dead)
        self._restart()

    def _restart(self) -> None:
        for total in self._sums:
            total[...] = 0.0
        self._pending = 0
        self.settled = not self.layers
