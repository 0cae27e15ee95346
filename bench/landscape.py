"""What the loss landscape costs: one sharpness estimate and one plane slice, as epochs.

Run: python bench/landscape.py [--repeats R] [--quick]

Per workload (the app's default batch of 10; 400 training rows of a 2-D set, or the digits):
- epoch: one ``Trainer.run_epoch()`` (the baseline the others are divided by);
- sharpness: ``sharpness_estimate`` from a cold start (seeded), default tolerance 1e-5, on
  every training row; also with max_rows=256. Its products (Hessian-vector products) are
  printed: the time per product is what a warm start saves;
- line: ``line_slice`` (41 losses, the next step's and one Hessian-vector product);
- plane: ``plane_slice`` 21 x 21 (441 losses on every training row).
All are timed in interleaved rounds (epoch, sharpness, plane, ...), so each ratio comes from
the same run under the same load; the medians over rounds are printed, with the ratios to
the median epoch. The weights are trained WARM epochs first (λmax at the initial weights is
not typical).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

# bench/ holds a core.py of its own: put the project root first so that `core` is the package
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from core.config import Config  # noqa: E402
from core.landscape import line_slice, plane_slice, sharpness_estimate  # noqa: E402
from core.trainer import Trainer  # noqa: E402

WARM = 20  # epochs trained before timing
DIGITS = os.path.join(os.path.dirname(_HERE), "assets", "digits.csv")


def workloads(quick: bool) -> list[tuple[str, Config]]:
    base = {"n_samples": 500, "activation": "tanh", "batch_size": 10}
    out = [
        ("spiral 2-8-8-1", Config(dataset="spiral", hidden=(8, 8), **base)),
        ("spiral 2-32-32-1", Config(dataset="spiral", hidden=(32, 32), **base)),
        ("spiral3 2-128-128-3", Config(dataset="spiral3", hidden=(128, 128), **base)),
    ]
    if not quick:
        digits = Config(data=DIGITS, hidden=(64,), activation="relu", batch_size=10)
        out.append(("digits 64-64-10", digits))
    return out


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(name: str, config: Config, repeats: int) -> str:
    t = Trainer(config)
    t.train(WARM)
    times: dict[str, list[float]] = {k: [] for k in ("epoch", "sharp", "sharp256", "line", "plane")}
    products = []
    for _ in range(repeats):
        times["epoch"].append(timed(t.run_epoch)[0])
        seconds, estimate = timed(lambda: sharpness_estimate(t))
        times["sharp"].append(seconds)
        products.append(estimate.products)
        times["sharp256"].append(timed(lambda: sharpness_estimate(t, max_rows=256))[0])
        times["line"].append(timed(lambda: line_slice(t))[0])
        times["plane"].append(timed(lambda: plane_slice(t, grid=21))[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    epoch = med["epoch"]
    return (
        f"{name:20s} {t.net.n_params:7,d} params {len(t.X):5d} rows | epoch {epoch * 1e3:7.2f} ms"
        f" | sharpness {med['sharp'] * 1e3:8.1f} ms = {med['sharp'] / epoch:6.2f} epochs"
        f" ({statistics.median(products):.0f} products)"
        f" | 256 rows {med['sharp256'] / epoch:6.2f} epochs"
        f" | line {med['line'] / epoch:6.2f} epochs"
        f" | plane 21x21 {med['plane'] * 1e3:8.1f} ms = {med['plane'] / epoch:6.2f} epochs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 rounds, no digits")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"medians of {repeats} rounds; ratios to one epoch (batch 10) of the same run")
    for name, config in workloads(args.quick):
        print(measure(name, config, repeats), flush=True)


if __name__ == "__main__":
    main()
