"""The memory a run needs, estimated from its sizes before anything large is allocated.

With n training rows, v validation rows, layer sizes s_0 (inputs) .. s_L (outputs), batch
b (n for the full batch) and e bytes per number (8 for float64, 4 for float32):

    data     = 4 * 8 * (n + v) * (s_0 + s_L + 1)   the rows as read, split, scaled and
                                                   the trainer's own (with a ones column)
    params   = 8 * e * P,  P = sum_k (s_k + 1) s_{k+1}   weights, gradients, steps, the
                                                   mask, the best weights, the optimiser's
                                                   two arrays and a copy for the screen
    batches  = 2 * e * b * r,  r = sum_{k<L} (s_k + 1) + 2 sum_{k>0} s_k + sum_{0<k<L} s_k
               + 2 s_L                             the network's work buffers per row
                                                   (inputs, z, delta, dE/da, output), for
                                                   the batch size and the epoch's last,
                                                   shorter batch or the paused screen's copy
    evaluate = 3 * e * max(n, v) * max_k s_k       a whole set at once (the validation
                                                   loss each epoch, the training loss
                                                   after a weight edit): z, a and a temporary

A run whose estimate is over MEMORY_BUDGET is refused with the estimate in the message.

A CSV file of S bytes, n rows and k columns (estimated from its first lines) is refused
before it is read when reading it and training on it would be over the budget:

    csv = 3 * S                    its bytes, NumPy's reading buffers or the text the csv
                                   module reads
          + 16 * n * k             the parsed numbers and the reader's growing copy
          + 4 * 8 * n * (k + 1)    the data term above, one output
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from .config import ConfigError

MEMORY_BUDGET = 4 * 2**30  # bytes: a laptop's share for one app; more would swap or be killed


def run_bytes(
    n_train: int, n_val: int, sizes: Sequence[int], batch_size: int | None, itemsize: int
) -> int:
    """The estimate above, in bytes, for layer ``sizes`` [inputs, hidden..., outputs]."""
    n_in, n_out = sizes[0], sizes[-1]
    data = 4 * 8 * (n_train + n_val) * (n_in + n_out + 1)
    params = 8 * itemsize * sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    b = n_train if batch_size is None else min(batch_size, n_train)
    per_row = sum(s + 1 for s in sizes[:-1]) + 2 * sum(sizes[1:]) + sum(sizes[1:-1]) + 2 * n_out
    batches = 2 * itemsize * b * per_row
    evaluate = 3 * itemsize * max(n_train, n_val) * max(sizes)
    return data + params + batches + evaluate


def gib(n: int) -> str:
    """Bytes in GiB for a message: '3.2 GiB' (two significant digits below 10)."""
    return f"{n / 2**30:.2g} GiB" if n < 10 * 2**30 else f"{n / 2**30:,.0f} GiB"


def check_run_memory(
    n_train: int, n_val: int, sizes: Sequence[int], batch_size: int | None, itemsize: int
) -> None:
    """ConfigError, with the estimate and what to lower, if the run is over the budget."""
    need = run_bytes(n_train, n_val, sizes, batch_size, itemsize)
    if need > MEMORY_BUDGET:
        batch = "full" if batch_size is None else str(batch_size)
        raise ConfigError(
            f"this run would need about {gib(need)} of memory, over the {gib(MEMORY_BUDGET)} "
            f"budget ({n_train + n_val:,} rows, layers {'-'.join(map(str, sizes))}, batch "
            f"{batch}): use fewer samples, fewer hidden units or a smaller batch size"
        )


def csv_bytes(size: int, rows: int, cols: int) -> int:
    """The estimate above for a CSV file of ``size`` bytes, ``rows`` x ``cols`` cells."""
    return 3 * size + 16 * rows * cols + 4 * 8 * rows * (cols + 1)


def check_csv_memory(file: str, size: int, rows: int, cols: int) -> None:
    """ValueError, with the estimate, if reading the file and training on it would be
    over the budget."""
    need = csv_bytes(size, rows, cols)
    if need > MEMORY_BUDGET:
        raise ValueError(
            f"{file} has {size / 1e6:,.0f} MB, about {rows:,} rows of {cols} columns: reading "
            f"and training on it would need about {gib(need)} of memory, over the "
            f"{gib(MEMORY_BUDGET)} budget: use a sample of its rows"
        )
