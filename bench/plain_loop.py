"""The Trainer against a training loop written the plain way, on W1 of bench/core.py.

Run: python bench/plain_loop.py [--rounds 9]

bench/core.py's floor makes its calls as the Trainer does (products into buffers made
once, the bias as a row of the weights): it measures what the Trainer's bookkeeping costs.
This one is the loop a person writes from a textbook, x @ W + b, np.tanh, fancy indexing
per mini-batch, the same arithmetic (2-8-8-1 tanh, linear output, MSE, SGD lr 0.03, batch
10, 500 points of the spiral): what using the Trainer costs against writing it yourself.
CPU time of this thread, BLAS on one thread, both interleaved in the same rounds; the
ratio printed is the median over rounds of plain time / Trainer time (above 1: the Trainer
is faster).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import Config  # noqa: E402
from core.trainer import Trainer  # noqa: E402

CONFIG = Config(dataset="spiral", n_samples=500, val_fraction=0.0, hidden=(8, 8),
                activation="tanh", output_activation="linear", loss="mse", lr=0.03,
                batch_size=10)  # fmt: skip


def plain_loop(t: Trainer):
    """One epoch of the textbook loop over copies of the Trainer's data and weights."""
    X, Y = t.X.copy(), t.Y.copy()
    W = [w.copy() for w in t.net.weights]
    b = [v.copy() for v in t.net.biases]
    rng, lr, size = np.random.default_rng(0), CONFIG.lr, CONFIG.batch_size

    def epoch() -> float:
        order, total = rng.permutation(len(X)), 0.0
        for lo in range(0, len(X), size):
            rows = order[lo : lo + size]
            x, y = X[rows], Y[rows]
            a1 = np.tanh(x @ W[0] + b[0])
            a2 = np.tanh(a1 @ W[1] + b[1])
            err = a2 @ W[2] + b[2] - y
            total += float(np.mean(err**2))
            d3 = 2 * err / err.size  # dE/dz of the output
            d2 = (d3 @ W[2].T) * (1 - a2**2)
            d1 = (d2 @ W[1].T) * (1 - a1**2)
            for k, (a, d) in enumerate(((x, d1), (a1, d2), (a2, d3))):
                W[k] -= lr * (a.T @ d)
                b[k] -= lr * d.sum(axis=0)
        return total

    return epoch


def cpu_per_epoch(epoch, n: int) -> float:
    start = time.thread_time()
    for _ in range(n):
        epoch()
    return (time.thread_time() - start) / n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=9)
    args = p.parse_args()
    t = Trainer(CONFIG)
    plain = plain_loop(t)
    for _ in range(20):  # warm up both
        plain(), t.run_epoch()
    ratios, times = [], []
    for _ in range(args.rounds):
        p_time, t_time = cpu_per_epoch(plain, 40), cpu_per_epoch(t.run_epoch, 40)
        ratios.append(p_time / t_time)
        times.append((p_time, t_time))
    steps = len(t.batches)
    p_time, t_time = (statistics.median(x) for x in zip(*times, strict=True))
    print(f"per mini-batch: Trainer {t_time / steps * 1e6:.1f} us, plain loop "
          f"{p_time / steps * 1e6:.1f} us (medians of {args.rounds} rounds)")  # fmt: skip
    print(f"plain / Trainer: {statistics.median(ratios):.2f} (above 1: the Trainer is faster)")


if __name__ == "__main__":
    main()
