"""Per-layer norms of a network's weights, gradients and last update, per step and per epoch.

After every update the trainer calls ``update()``: ``sums[row, segment]`` becomes the
squared norm of each W_k and b_k (segments W_0, b_0, W_1, b_1, ...) in the network's
parameters (row PARAMS), gradients (GRADS) and last step (STEP), and ``epoch_sums``
adds them up over the epoch. From those come ||dW_k||, ||W_k|| and the update ratio
||W_k,new - W_k,old|| / ||W_k|| of the last step, and their RMS over an epoch. An update of
0 has the ratio 0 whatever ||W_k|| is (0 / 0 is "no update", not nan).

For small networks an update only squares the three rows into a buffer; the sums per
segment are taken when ``sums`` or ``epoch_sums`` is read (or the buffer is full): the same
sums, added up step after step in the same order, so the same bits as summing at every
step, for a fraction of the calls. For large ones each segment is one dot product, and the
gradients' are taken by ``gradient_norm_sq`` (the divergence check, before the update):
each row of the network's buffer is read once a step.

``delta_norms`` gives ||delta_k||, delta_k = dE_s/dz_k, the error signal of each layer in
the last backward pass (one sample's, RMS over the batch): measured when asked, from the
network's own buffers, at no cost per step.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .network import GRADS, PARAMS, STEP, Network

DOT_NORMS_ABOVE = 4096  # parameters; above it the norms come from one dot per segment
SQUARES_BYTES = 1 << 18  # the buffer of squares a small network's steps fill


class LayerNorms:
    """Squared norms of every weight and bias segment of ``net``, last step and epoch sums."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self._sums = np.zeros((3, len(net.segment_starts)))  # (3 rows, 2 L (+ 2 H) segments)
        L2 = net.layer_segments  # W_k at 0, 2, ..., b_k at 1, 3, ...; then gamma, beta
        self._w, self._b, self._g = slice(0, L2, 2), slice(1, L2, 2), slice(L2, None, 2)
        self._epoch_sums = np.zeros_like(self._sums)
        self._squares: NDArray | None = None  # (steps, 3, P): each update's squares
        self._pending = 0  # updates in _squares not summed yet
        self._grads = net.flat[GRADS]
        ends = [*net.segment_starts[1:], net.n_params]
        self._segments = [  # per row, each segment as a 1-D view (large networks)
            [net.flat[row, s:e] for s, e in zip(net.segment_starts, ends, strict=True)]
            for row in (PARAMS, GRADS, STEP)
        ]
        self._grad_sums = np.zeros(len(ends))  # a large network's gradients, before the update
        self._grads_measured = False
        if net.n_params < DOT_NORMS_ABOVE:
            steps = max(1, SQUARES_BYTES // net.flat.nbytes)
            self._squares = np.empty((steps, *net.flat.shape), net.dtype)
            self._rows = list(self._squares)
            # row 0: the epoch's sums so far, then one row of sums per update in _squares
            self._running = np.zeros((steps + 1, *self._sums.shape))
        self.measure()  # ||W|| of the initial weights; no gradient or step yet

    @property
    def sums(self) -> NDArray[np.float64]:
        """(3, 2 L) squared norms at the last update (or ``measure``): PARAMS, GRADS, STEP."""
        self._sum_pending()
        return self._sums

    @property
    def epoch_sums(self) -> NDArray[np.float64]:
        """(3, 2 L) ``sums`` added up over the epoch's updates so far."""
        self._sum_pending()
        return self._epoch_sums

    def gradient_norm_sq(self) -> float:
        """||grads||^2 of the backward pass just run, before the update (for the divergence
        check): one dot product; for a large network the sum of its segments', which
        ``update`` then keeps (an update does not change the gradients)."""
        if self._squares is not None:
            return self._grads.dot(self._grads)
        sums = self._grad_sums
        for j, v in enumerate(self._segments[GRADS]):
            sums[j] = v.dot(v)
        self._grads_measured = True
        return float(sums.sum())

    def update(self) -> None:
        """Norms of the step just taken, added to the epoch's sums."""
        if self._squares is None:
            rows = (PARAMS, STEP) if self._grads_measured else (PARAMS, GRADS, STEP)
            self._measure_rows(rows)
            if self._grads_measured:
                self._sums[GRADS] = self._grad_sums
                self._grads_measured = False
            self._epoch_sums += self._sums
            return
        np.square(self.net.flat, out=self._rows[self._pending])
        self._pending += 1
        if self._pending == len(self._rows):
            self._sum_pending()

    def _sum_pending(self) -> None:
        """Sum the buffered squares per segment and add them to the epoch's sums one update
        after the other, as ``update`` would have at each step."""
        m = self._pending
        if not m:
            return
        self._pending = 0
        if m == 1:  # (the full batch: an update an epoch)
            np.add.reduceat(self._rows[0], self.net.segment_starts, axis=1, out=self._sums)
            self._epoch_sums += self._sums
            return
        running = self._running[: m + 1]
        np.add.reduceat(self._squares[:m], self.net.segment_starts, axis=2, out=running[1:])
        self._sums[...] = running[m]
        running[0] = self._epoch_sums
        np.add.accumulate(running, out=running)  # in order: ((E + s_1) + s_2) + ...
        self._epoch_sums[...] = running[m]

    def measure(self) -> None:
        """sums = the squared norms of the network's buffers as they are now.

        One square and one segmented sum for small networks; one dot product per segment
        for large ones, where squaring the whole buffer would cost more than the sums.
        """
        self._sum_pending()
        net = self.net
        if self._squares is not None:
            np.square(net.flat, out=self._rows[0])
            np.add.reduceat(self._rows[0], net.segment_starts, axis=1, out=self._sums)
        else:
            self._measure_rows((PARAMS, GRADS, STEP))

    def _measure_rows(self, rows: tuple[int, ...]) -> None:
        """sums[row] = each segment's squared norm, one dot product each (large networks)."""
        for row in rows:
            sums = self._sums[row]
            for j, v in enumerate(self._segments[row]):
                sums[j] = v.dot(v)

    def start_epoch(self) -> None:
        self.epoch_sums[...] = 0.0

    def reset(self) -> None:
        """New weights: their norms, and nothing summed yet (no gradient, no step)."""
        self.measure()
        self._sums[GRADS:] = 0.0
        self._epoch_sums[...] = 0.0
        self._grads_measured = False

    def weights_finite(self) -> bool:
        """False once a weight (or its square) has overflowed to inf or become nan."""
        return math.isfinite(self.sums[PARAMS].sum())

    def epoch_rms(self, steps: int, out: NDArray[np.float64]) -> None:
        """out (2, L) = RMS over the epoch's ``steps`` steps of ||dW_k|| (row 0) and of
        ||step W_k|| / ||W_k|| with the weights at the end of the epoch (row 1)."""
        np.divide(self.epoch_sums[GRADS:, self._w], steps, out=out)
        w = self.sums[PARAMS, self._w]
        if np.count_nonzero(w) == w.size:  # the usual case (count_nonzero: faster than all)
            out[1] /= w
        else:  # no step: 0 whatever ||W|| is; a step over zero weights: inf
            np.divide(out[1], w, out=out[1], where=out[1] != 0)
        np.sqrt(out, out=out)

    def norm_gradients(self) -> NDArray[np.float64]:
        """(H, 2): ||dgamma_k|| and ||dbeta_k|| of a normalised network's hidden layers at
        the last step ((0, 2) without normalisation)."""
        s = np.sqrt(self.sums[GRADS])
        return np.column_stack([s[self._g], s[self._g.start + 1 :: 2]])

    def last_step(self) -> dict[str, NDArray[np.float64]]:
        """||dW_k||, ||db_k||, ||W_k|| and ||step W_k|| / ||W_k|| of the last step (L,) each."""
        s = np.sqrt(self.sums)
        w, step = s[PARAMS, self._w], s[STEP, self._w]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(step == 0, 0.0, step / w)  # no update: 0; from W = 0: inf
        return {
            "grad_norm": s[GRADS, self._w].copy(),
            "bias_grad_norm": s[GRADS, self._b].copy(),
            "weight_norm": w.copy(),
            "update_ratio": ratio,
        }


def delta_norms(net: Network) -> NDArray[np.float64]:
    """||delta_k|| (L,) of the last batch, one sample's size: delta_k = dE_s/dz_k per sample
    s (the app's notation), and the RMS over the batch's n samples of its norm,
    sqrt(mean_s ||delta_k,s||^2). The network's buffers hold dE/dz_k = delta_k / n (the
    batch mean inside), so this is sqrt(n) times their Frobenius norm: a number that does
    not depend on the batch size. Zeros before any forward pass."""
    if not net.has_pass:
        return np.zeros(net.n_layers)
    squares = [np.vdot(d, d) for d in (d.astype(np.float64, copy=False) for d in net.delta)]
    with np.errstate(over="ignore"):  # a diverged run's: inf, as it is
        return np.sqrt(np.array(squares, dtype=np.float64) * len(net.delta[0]))
