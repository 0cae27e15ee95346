"""Per-epoch record of a training run: every epoch counted, memory bounded.

Two stores, both fed by every row:
- an exact ring buffer of the last ``recent`` rows;
- a coarse store of at most ``buckets`` slots of (min, max) per column covering epochs 1..N,
  each slot spanning ``span`` epochs. When it is full, adjacent pairs are merged (min of mins,
  max of maxes) and ``span`` doubles, so spikes and dips survive forever.

Epochs are numbered 1, 2, 3... by order of appending. Mins and maxes ignore NaN (a slot is NaN
only when all its values are); +-inf is kept as is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


class History:
    """Rows of ``len(columns)`` floats, one per epoch; see the module docstring."""

    def __init__(self, columns: Sequence[str], recent: int = 2048, buckets: int = 2048):
        if recent < 1 or buckets < 2 or buckets % 2:
            raise ValueError("need recent >= 1 and an even buckets >= 2")
        self.columns: tuple[str, ...] = tuple(str(c) for c in columns)
        self._index = {c: i for i, c in enumerate(self.columns)}
        k = len(self.columns)
        self._ring = np.full((recent, k), np.nan)  # row of epoch e at (e - 1) % recent
        self._lo = np.full((buckets, k), np.nan)  # slot i: epochs i*span+1 .. (i+1)*span
        self._hi = np.full((buckets, k), np.nan)
        self._n = 0
        self._span = 1

    def __len__(self) -> int:
        return self._n

    def _row(self, values: Sequence[float] | NDArray, ndim: int) -> F64:
        a = np.asarray(values, dtype=np.float64)
        if a.ndim != ndim or a.shape[-1] != len(self.columns):
            raise ValueError(f"expected {len(self.columns)} values per row, got shape {a.shape}")
        return a

    def _merge(self) -> None:
        """Halve the coarse store: slots (2i, 2i+1) -> i, span doubles. Only when full."""
        h = len(self._lo) // 2
        self._lo[:h] = np.fmin(self._lo[0::2], self._lo[1::2])
        self._hi[:h] = np.fmax(self._hi[0::2], self._hi[1::2])
        self._lo[h:] = self._hi[h:] = np.nan
        self._span *= 2

    def append(self, values: Sequence[float] | NDArray) -> None:
        """Record one epoch: values (len(columns),)."""
        row = self._row(values, 1)
        n, span = self._n, self._span
        self._ring[n % len(self._ring)] = row
        if n % span:  # the current slot is open: widen it
            s = n // span
            np.fmin(self._lo[s], row, out=self._lo[s])
            np.fmax(self._hi[s], row, out=self._hi[s])
        else:
            if n // span == len(self._lo):
                self._merge()
            s = n // self._span
            self._lo[s] = self._hi[s] = row
        self._n = n + 1

    def extend(self, rows: NDArray) -> None:
        """Record many epochs at once: rows (m, len(columns)). Same result as m appends."""
        rows = self._row(rows, 2)
        m, cap, b = len(rows), len(self._ring), len(self._lo)
        tail = rows[-cap:]
        self._ring[np.arange(self._n + m - len(tail), self._n + m) % cap] = tail
        i = 0
        while i < m:
            n, span = self._n, self._span
            s = n // span
            if n % span:  # fill the open slot
                k = min(span - n % span, m - i)
                part = rows[i : i + k]
                np.fmin(self._lo[s], np.fmin.reduce(part, axis=0), out=self._lo[s])
                np.fmax(self._hi[s], np.fmax.reduce(part, axis=0), out=self._hi[s])
            elif s == b:
                self._merge()
                continue
            elif q := min((m - i) // span, b - s):  # whole slots
                k = q * span
                block = rows[i : i + k].reshape(q, span, -1)
                self._lo[s : s + q] = np.fmin.reduce(block, axis=1)
                self._hi[s : s + q] = np.fmax.reduce(block, axis=1)
            else:  # open a new slot with the last few rows
                k = m - i
                self._lo[s] = np.fmin.reduce(rows[i:], axis=0)
                self._hi[s] = np.fmax.reduce(rows[i:], axis=0)
            self._n += k
            i += k

    def last(self) -> dict[str, float] | None:
        """The latest row by column name, None when empty."""
        if not self._n:
            return None
        row = self._ring[(self._n - 1) % len(self._ring)]
        return {c: float(v) for c, v in zip(self.columns, row, strict=True)}

    def _col(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"no column {name!r}; have {self.columns}") from None

    def recent(self, name: str, n: int | None = None) -> tuple[NDArray[np.int64], F64]:
        """Exact (epochs (k,), values (k,)) of the last k = min(n, kept) epochs."""
        j = self._col(name)
        kept = min(self._n, len(self._ring))
        k = kept if n is None else max(0, min(n, kept))
        epochs = np.arange(self._n - k + 1, self._n + 1, dtype=np.int64)
        return epochs, self._ring[(epochs - 1) % len(self._ring), j].copy()

    def series(self, name: str, width: int) -> tuple[F64, F64, F64]:
        """The whole run in at most ``width`` points: (x, lo, hi), each (p,).

        x is the centre (in epochs) of each point's span, increasing; lo/hi are the min/max
        over it. Exact (x = 1..N, lo == hi == values) when N <= width and
        N <= max(recent, buckets).
        """
        j = self._col(name)
        n, span, cap = self._n, self._span, len(self._ring)
        if n == 0 or width < 1:
            return np.empty(0), np.empty(0), np.empty(0)
        first_exact = n - min(n, cap) + 1
        c = min(-(-(first_exact - 1) // span), -(-n // span))  # coarse slots used
        epochs = np.arange(c * span + 1, n + 1)  # the rest, exact from the ring
        start = np.concatenate([np.arange(c) * span + 1, epochs])
        end = np.concatenate([np.minimum(np.arange(1, c + 1) * span, n), epochs])
        exact = self._ring[(epochs - 1) % cap, j]
        lo = np.concatenate([self._lo[:c, j], exact])
        hi = np.concatenate([self._hi[:c, j], exact])
        if len(lo) > width:  # group units by which of `width` equal epoch ranges they start in
            b = (start - 1) * width // n
            g = np.concatenate([[0], np.flatnonzero(np.diff(b)) + 1])
            lo, hi = np.fmin.reduceat(lo, g), np.fmax.reduceat(hi, g)
            start, end = start[g], end[np.append(g[1:], len(end)) - 1]
        return (start + end) / 2.0, lo, hi

    def nbytes(self) -> int:
        """Bytes held by the arrays (fixed: (recent + 2 * buckets) * len(columns) * 8)."""
        return self._ring.nbytes + self._lo.nbytes + self._hi.nbytes

    def state(self) -> dict[str, NDArray]:
        """Plain arrays for an .npz: only the used part of each store, ring in epoch order."""
        cap = len(self._ring)
        kept = np.arange(self._n - min(self._n, cap), self._n) % cap
        used = -(-self._n // self._span)
        return {
            "columns": np.array(self.columns, dtype=str),
            "counts": np.array([self._n, self._span, cap, len(self._lo)], dtype=np.int64),
            "ring": self._ring[kept].copy(),
            "lo": self._lo[:used].copy(),
            "hi": self._hi[:used].copy(),
        }

    @classmethod
    def from_state(cls, state: dict[str, NDArray]) -> History:
        """The History that ``state()`` was taken from, exactly."""
        n, span, cap, buckets = (int(v) for v in state["counts"])
        h = cls([str(c) for c in np.asarray(state["columns"]).ravel()], cap, buckets)
        ring, lo, hi = (np.asarray(state[k], dtype=np.float64) for k in ("ring", "lo", "hi"))
        k = len(h.columns)
        used = -(-n // span)
        if ring.shape != (min(n, cap), k) or lo.shape != hi.shape or lo.shape != (used, k):
            raise ValueError("inconsistent History state")
        h._n, h._span = n, span
        h._ring[np.arange(n - len(ring), n) % cap] = ring
        h._lo[:used], h._hi[:used] = lo, hi
        return h

    def clear(self) -> None:
        """Forget every epoch (sizes and columns stay)."""
        self._ring[:] = self._lo[:] = self._hi[:] = np.nan
        self._n, self._span = 0, 1
