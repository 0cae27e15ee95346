"""CSV loading speed: ``load_csv`` against pandas' ``read_csv`` (if installed) on generated
files, interleaved in the same rounds.

Run: python bench/csv_load.py [--rounds 7] [--rows 50000] [--only repr,15g]

The files (50,000 rows x 50 columns by default: 49 normal features and a target of 10
classes), written to a temporary folder:
- repr: every number as Python's repr, the shortest text that reads back exactly, as
  pandas' ``to_csv`` writes float64 (about 48 MB, the file of issue 23);
- 15g: 15 significant digits, as R's ``write.csv`` and spreadsheets write them;
- excel: 15g with ';' and decimal commas, as a German Excel writes it (pandas:
  ``sep=";", decimal=","``);
- na: repr with 1% of the feature cells NA (``load_csv(missing="mean")``, pandas' default).

Each round times, in turn: ``load_csv`` (the Dataset ``train --data`` gets, before the
split), ``pd.read_csv`` of the same file, and ``np.loadtxt`` of its numbers alone (NumPy's C
reader with no header, quotes or checks: the floor of a NumPy reader). The table shows the
median and best CPU time of this process (the machine's load adds less to it than to wall
time) and the ratio load_csv / pandas (< 2 is the target of issue 23). The load average is
printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.csv_data import load_csv  # noqa: E402
from core.memory import MEMORY_BUDGET, csv_bytes  # noqa: E402

try:
    import pandas as pd
except ImportError:
    pd = None

FILES = ("repr", "15g", "excel", "na")


def write_file(path: Path, kind: str, rows: int, seed: int = 0) -> None:
    """One generated file (see the module docstring), written a block of rows at a time."""
    rng = np.random.default_rng(seed)
    sep = ";" if kind == "excel" else ","
    number = repr if kind in ("repr", "na") else (lambda x: f"{x:.15g}")
    with path.open("w", newline="") as f:
        f.write(sep.join([f"x{j}" for j in range(49)] + ["target"]) + "\n")
        for start in range(0, rows, 5000):
            n = min(5000, rows - start)
            X, y = rng.normal(size=(n, 49)), rng.integers(0, 10, n)
            gaps = rng.random((n, 49)) < 0.01 if kind == "na" else np.zeros((n, 49), bool)
            lines = []
            for row, holes, label in zip(X.tolist(), gaps.tolist(), y.tolist(), strict=True):
                cells = ["NA" if hole else number(x) for x, hole in zip(row, holes, strict=True)]
                lines.append(sep.join([*cells, str(label)]))
            text = "\n".join(lines) + "\n"
            f.write(text.replace(".", ",") if kind == "excel" else text)


def candidates(path: Path, kind: str) -> dict[str, Callable[[], object]]:
    missing = "mean" if kind == "na" else "refuse"
    sep = ";" if kind == "excel" else ","
    found = {"load_csv": lambda: load_csv(path, missing=missing)}
    if pd is not None:
        decimal = "," if kind == "excel" else "."
        found["pandas"] = lambda: pd.read_csv(path, sep=sep, decimal=decimal)
    if kind in ("repr", "15g"):  # (its C reader takes neither NA nor decimal commas)
        found["np.loadtxt"] = lambda: np.loadtxt(path, delimiter=",", skiprows=1)
    return found


def measure(cands: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """CPU seconds of each candidate per round, the candidates interleaved."""
    for f in cands.values():  # warm: imports, the file in the page cache
        f()
    times: dict[str, list[float]] = {name: [] for name in cands}
    for _ in range(rounds):
        for name, f in cands.items():
            start = time.process_time()
            f()
            times[name].append(time.process_time() - start)
    return times


def largest_file(path: Path, rows: int) -> float:
    """The largest file of this kind (MB) that the memory estimate lets load_csv read."""
    size = path.stat().st_size
    scale = 1.0
    while csv_bytes(int(size * scale), int(rows * scale), 50) <= MEMORY_BUDGET:
        scale *= 1.01
    return size * scale / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", default=",".join(FILES), help="files: " + ", ".join(FILES))
    args = parser.parse_args()
    kinds = [k for k in args.only.split(",") if k in FILES]
    pandas = f"pandas {pd.__version__}" if pd is not None else "no pandas (pip install pandas)"
    print(f"numpy {np.__version__}, {pandas}; load average {os.getloadavg()[0]:.2f}")
    print(f"{args.rows:,} rows x 50 columns, {args.rounds} rounds; CPU seconds, median (best)")
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            path = Path(folder) / f"{kind}.csv"
            write_file(path, kind, args.rows)
            times = measure(candidates(path, kind), args.rounds)
            mb = path.stat().st_size / 1e6
            cells = "  ".join(
                f"{name} {statistics.median(t):.3f} ({min(t):.3f})" for name, t in times.items()
            )
            print(f"{kind:6s} {mb:5.1f} MB  {cells}")
            if "pandas" in times:
                ours, theirs = times["load_csv"], times["pandas"]
                median = statistics.median(ours) / statistics.median(theirs)
                best = min(ours) / min(theirs)
                verdict = "ok" if median < 2 else "MISS"
                print(f"{'':15s}load_csv / pandas: {median:.2f} median, {best:.2f} best  "
                      f"({verdict}: target < 2)")  # fmt: skip
            print(f"{'':15s}the memory estimate reads files of this kind up to "
                  f"{largest_file(path, args.rows):,.0f} MB")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
