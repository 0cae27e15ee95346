"""What each view costs the trainer: epochs a second of the worker at full speed, with a
snapshot asked for 10 times a second (as the screen does), with one view shown at a time.

Run: python bench/views.py [--seconds S] [--repeats R]

Per workload, the worker (tui.worker.session.TrainingSession, on the real clock) trains for
S seconds with nothing but the default snapshot, then with each view wanted in turn
(Show(view)): the loss landscape of any network (the surface for y = m x + b), λmax (the
gradients panel, on by default in the app), the data view, the neurons' maps. The rounds
are interleaved (none, landscape, sharpness, ..., none, ...), so each ratio to "none"
comes from the same run under the same load; medians over the rounds are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from core.config import Config  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from tui.worker.commands import Show  # noqa: E402
from tui.worker.session import TrainingSession  # noqa: E402

FRAME = 0.1  # the screen asks for a snapshot this often
VIEWS = ("none", "landscape", "sharpness", "data", "maps")


def workloads() -> list[tuple[str, Config]]:
    base = {"n_samples": 500, "activation": "tanh", "batch_size": 10, "lr": 0.03}
    return [
        ("spiral 2-8-8-1", Config(dataset="spiral", hidden=(8, 8), **base)),
        ("spiral 2-32-32-1", Config(dataset="spiral", hidden=(32, 32), **base)),
        ("spiral3 2-128-128-3", Config(dataset="spiral3", hidden=(128, 128), **base)),
    ]


def rate(config: Config, view: str, seconds: float) -> float:
    """Epochs a second of a worker at full speed with ``view`` wanted."""
    s = TrainingSession(Trainer(config), paused=False)
    if view != "none":
        s.submit(Show(view, True))
    s.tick()  # the first computation of the view, before the clock starts
    start = time.monotonic()
    first, asked = s.trainer.epoch, start
    while (now := time.monotonic()) - start < seconds:
        if now - asked >= FRAME:
            s.request_snapshot()
            asked = now
        s.tick()
    return (s.trainer.epoch - first) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"epochs/s at full speed, medians of {args.repeats} rounds of {args.seconds:g} s")
    for name, config in workloads():
        rates: dict[str, list[float]] = {v: [] for v in VIEWS}
        for _ in range(args.repeats):
            for view in VIEWS:
                rates[view].append(rate(config, view, args.seconds))
        med = {v: statistics.median(r) for v, r in rates.items()}
        cells = "  ".join(f"{v} {med[v] / med['none']:6.1%}" for v in VIEWS[1:])
        print(f"{name:20s} none {med['none']:8.1f} ep/s | {cells}", flush=True)


if __name__ == "__main__":
    main()
