"""Training speed of the NumPy core against scikit-learn and PyTorch, epoch by epoch.

Run: python bench/core.py [--quick] [--only W1,W3]

What is timed is one epoch of mini-batch SGD over the same arrays in every framework:
- ours: ``Trainer.run_epoch()``, which also computes its per-layer statistics every step
  (norms, update ratios, loss and accuracy sums) and evaluates the (empty) validation set;
- scikit-learn: one ``partial_fit`` call per epoch (solver="sgd", momentum 0, alpha 0,
  shuffle=True, constant lr, no early stopping). partial_fit runs exactly one shuffled pass
  of the same loop that fit(max_iter=1, warm_start=True) runs, without fit's ConvergenceWarning
  on every call; its per-call input validation is included (small against an epoch);
- PyTorch: a plain CPU loop: randperm, index slicing, nn.Sequential, torch.optim.SGD,
  loss.item() summed (our epoch sums its loss too). float64 workloads run in float64.
  torch.set_num_threads is set to the number of BLAS threads NumPy uses (threadpoolctl).

All candidates of a workload are warmed up, then timed in interleaved blocks (each block
>= --min-time seconds of whole epochs, --repeats rounds), so the ratios come from the same
run under the same machine load. The table shows the median (and best) epochs/s, the median
time per mini-batch, and ours/other speed ratios on medians and on best blocks (>1: we are
faster). The verdicts use the best blocks: on a shared machine, load only ever adds time.
Every workload also times the matmul bound: only the matmuls one epoch needs (X@W per layer
forward, a.T@delta per layer and delta@W.T for layers above the first), in a tight NumPy loop
with preallocated out= buffers of the same shapes and dtype; ours is shown as % of that rate.
W3's target is a share of it; for W1, W2 and W4 the verdict also says what ratio the matmuls
alone would reach, which is the ceiling for any NumPy loop (everything else only adds time).

W5 is a data scientist's run on the bundled UCI digits (assets/digits.csv: 64 inputs, 10
classes), configured like scikit-learn's MLPClassifier: one hidden layer of 64 ReLU, Adam
(lr 0.001, betas 0.9 / 0.999, eps 1e-8), batch 32, no penalty, inputs standardised. Its
verdict gives the ratio to scikit-learn (and PyTorch) from the same run, with no target,
and both models' validation accuracy after W5_EPOCHS epochs on the same stratified split.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

# The script is called core.py: drop its own folder from the path so that `core` is the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import numpy as np  # noqa: E402

from core.config import Config  # noqa: E402
from core.datasets import Dataset  # noqa: E402
from core.trainer import Trainer, build_data  # noqa: E402

try:
    from sklearn.neural_network import MLPClassifier, MLPRegressor
except ImportError:
    MLPClassifier = MLPRegressor = None
try:
    import torch
except ImportError:
    torch = None
try:
    from threadpoolctl import threadpool_info
except ImportError:
    threadpool_info = None

SKIP = "skipped (pip install '.[bench]')"
TARGETS = {"sklearn": 4.0, "torch": 6.0}  # W1, W2, W4: ours at least this many times faster
W5_EPOCHS = 30  # epochs of each model before their validation accuracies are compared
BOUND_TARGET = 60.0  # W3: our epoch rate as % of the matmul-bound rate


def blas_info() -> tuple[int, str]:
    """(threads, kernel) of NumPy's BLAS; OPENBLAS_CORETYPE (if set) forces the kernel."""
    blas = [i for i in (threadpool_info() if threadpool_info else []) if i["user_api"] == "blas"]
    if not blas:
        return os.cpu_count() or 1, "?"
    kernel = blas[0].get("architecture", "?") + " kernel"
    if os.environ.get("OPENBLAS_CORETYPE"):
        kernel += " forced by OPENBLAS_CORETYPE"
    return blas[0]["num_threads"], kernel


def workloads(only: set[str]) -> list[tuple[str, Config, np.ndarray, np.ndarray, str]]:
    """(name, config, X, Y, task): X (n, d) float64, Y one-hot or (n, 1) targets."""
    rng = np.random.default_rng(0)
    out = []
    if "W1" in only:
        cfg = Config(dataset="spiral", n_samples=500, val_fraction=0.0, hidden=(8, 8),
                     activation="tanh", output_activation="linear", loss="mse", lr=0.03,
                     batch_size=10)  # fmt: skip
        train = build_data(cfg).train
        out.append(("W1", cfg, train.X, train.Y, train.task))
    if "W2" in only:
        try:
            from sklearn.datasets import load_digits

            X, labels = load_digits(return_X_y=True)
            X = X / 16.0  # pixels 0..16 -> 0..1 (keeps lr 0.1 stable; speed is the same)
        except ImportError:
            X, labels = rng.random((1797, 64)), rng.integers(0, 10, 1797)
        cfg = Config(hidden=(32,), activation="relu", loss="cross_entropy", lr=0.1,
                     batch_size=32, val_fraction=0.0)  # fmt: skip
        out.append(("W2", cfg, X, np.eye(10)[labels], "multiclass"))
    if "W3" in only:
        X, Y = rng.random((10_000, 784)), np.eye(10)[rng.integers(0, 10, 10_000)]
        for dtype in ("float64", "float32"):
            cfg = Config(hidden=(256, 128), activation="relu", loss="cross_entropy", lr=0.1,
                         batch_size=128, val_fraction=0.0, dtype=dtype)  # fmt: skip
            out.append((f"W3 f{dtype[5:]}", cfg, X, Y, "multiclass"))
    if "W4" in only:
        cfg = Config(dataset="linear", n_samples=1000, val_fraction=0.0, hidden=(), lr=0.1,
                     batch_size=None)  # fmt: skip
        train = build_data(cfg).train
        out.append(("W4", cfg, train.X, train.Y, train.task))
    if "W5" in only:
        run = build_data(w5_config(val_fraction=0.0))
        out.append(("W5", w5_config(val_fraction=0.0), run.train.X, run.train.Y, "multiclass"))
    return out


def w5_config(**changes) -> Config:
    """W5: the digits CSV, configured like scikit-learn's MLPClassifier (see the docstring)."""
    digits = os.path.join(os.path.dirname(_HERE), "assets", "digits.csv")
    return Config(data=digits, hidden=(64,), activation="relu", optimizer="adam", lr=0.001,
                  batch_size=32, **changes)  # fmt: skip


def w5_accuracy() -> str:
    """Ours and scikit-learn's validation accuracy after W5_EPOCHS epochs, same split."""
    t = Trainer(w5_config())
    t.train(W5_EPOCHS)
    acc = 100 * t.evaluate(t.X_val, t.Y_val)[1]
    line = f"W5 validation accuracy after {W5_EPOCHS} epochs: ours {acc:.1f}%"
    if MLPClassifier is None:
        return line + f", sklearn {SKIP}"
    model = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", solver="adam", alpha=0.0,
                          batch_size=32, learning_rate_init=0.001, random_state=0)  # fmt: skip
    labels = t.Y.argmax(axis=1)
    for _ in range(W5_EPOCHS):
        model.partial_fit(t.X, labels, classes=np.arange(10))
    return line + f", sklearn {100 * model.score(t.X_val, t.Y_val.argmax(axis=1)):.1f}%"


def ours(cfg: Config, X, Y, task):
    classes = {"regression": (), "binary": ("0", "1")}.get(task, tuple(map(str, range(10))))
    train = Dataset("bench", X, Y, task, tuple(f"x{i}" for i in range(X.shape[1])), classes)
    return Trainer(cfg, data=(train, train.subset(slice(0, 0)), None)).run_epoch


def sklearn_epoch(cfg: Config, X, Y, task):
    if MLPRegressor is None:
        return None
    classify = cfg.loss == "cross_entropy" or task == "multiclass"
    model = (MLPClassifier if classify else MLPRegressor)(
        hidden_layer_sizes=cfg.hidden, activation=cfg.activation if cfg.hidden else "identity",
        solver="adam" if cfg.optimizer == "adam" else "sgd", alpha=0.0,
        batch_size=cfg.batch_size or len(X), learning_rate="constant",
        learning_rate_init=cfg.lr, momentum=0.0, nesterovs_momentum=False, shuffle=True,
        early_stopping=False, tol=0.0, n_iter_no_change=10**9,
        random_state=np.random.RandomState(0),  # an instance: a new permutation each epoch
    )  # fmt: skip
    Xd = np.ascontiguousarray(X, cfg.dtype)
    if classify:
        labels = Y.argmax(axis=1)
        model.partial_fit(Xd, labels, classes=np.arange(Y.shape[1]))
        return lambda: model.partial_fit(Xd, labels)
    y = np.ascontiguousarray(Y[:, 0], cfg.dtype)
    return lambda: model.partial_fit(Xd, y)


def torch_epoch(cfg: Config, X, Y, task):
    if torch is None:
        return None
    sizes = [X.shape[1], *cfg.hidden, Y.shape[1]]
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[cfg.activation]
    layers = []
    for k in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(act())
    dtype = getattr(torch, cfg.dtype)
    model = torch.nn.Sequential(*layers).to(dtype)
    optimizer = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.SGD
    opt = optimizer(model.parameters(), lr=cfg.lr)
    Xt = torch.from_numpy(np.ascontiguousarray(X, cfg.dtype))
    if cfg.loss == "cross_entropy" or task == "multiclass":
        Yt, loss_fn = torch.from_numpy(Y.argmax(axis=1)), torch.nn.CrossEntropyLoss()
    else:
        Yt, loss_fn = torch.from_numpy(np.ascontiguousarray(Y, cfg.dtype)), torch.nn.MSELoss()
    n, bs = len(X), cfg.batch_size or len(X)

    def epoch() -> float:
        perm, total = torch.randperm(n), 0.0
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), Yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total / n

    return epoch


def matmul_bound(cfg: Config, X, Y, task):
    """Just the matmuls of one epoch, into preallocated buffers (see the module docstring)."""
    rng, dtype = np.random.default_rng(1), np.dtype(cfg.dtype)
    sizes, n, bs = [X.shape[1], *cfg.hidden, Y.shape[1]], len(X), cfg.batch_size or len(X)
    Xd = np.ascontiguousarray(X, dtype)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    W = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype) for a, b in pairs]
    dW = [np.empty_like(w) for w in W]
    bufs = {}
    for m in {min(bs, n - i) for i in range(0, n, bs)}:
        z = [np.empty((m, s), dtype) for s in sizes[1:]]
        bufs[m] = (z, [np.empty((m, s), dtype) for s in sizes[1:-1]])  # z (= delta), dE/da
    starts = range(0, n, bs)

    def epoch() -> None:
        for i in starts:
            xb = Xd[i : i + bs]
            z, grad_a = bufs[len(xb)]
            a = xb
            for k, w in enumerate(W):
                a = np.matmul(a, w, out=z[k])
            for k in reversed(range(len(W))):
                np.matmul((z[k - 1] if k else xb).T, z[k], out=dW[k])
                if k:
                    np.matmul(z[k], W[k].T, out=grad_a[k - 1])

    return epoch


def measure(cands: dict, min_time: float, repeats: int) -> dict[str, list[float]]:
    """Seconds per epoch of each candidate: one value per interleaved round."""
    per_block = {}
    for name, fn in cands.items():
        fn()  # warm-up: buffers, caches, lazy imports
        t = time.perf_counter()
        fn()
        per_block[name] = max(1, round(min_time / (time.perf_counter() - t)))
    times = {name: [] for name in cands}
    for _ in range(repeats):
        for name, fn in cands.items():
            k = per_block[name]
            t = time.perf_counter()
            for _ in range(k):
                fn()
            times[name].append((time.perf_counter() - t) / k)
    return times


def report(name: str, cands: dict, times: dict, n_batches: int) -> str:
    """Print one workload's rows; return its verdict (on the best blocks: load only adds time)."""
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    for impl in cands:
        if impl not in times:
            print(f"{name:9} {impl:8} {SKIP}")
            continue
        ratio = "" if impl == "ours" else f"{med[impl] / med['ours']:5.2f}x"
        ratio += "" if impl == "ours" else f" {best[impl] / best['ours']:5.2f}x"
        if impl == "matmuls":
            ratio = f"ours at {100 * med[impl] / med['ours']:.0f}% (best "
            ratio += f"{100 * best[impl] / best['ours']:.0f}%) of this rate"
        print(f"{name:9} {impl:8} {1 / med[impl]:9.1f} {1 / best[impl]:9.1f} "
              f"{1e6 * med[impl] / n_batches:9.1f}  {ratio}")  # fmt: skip
    pct = 100 * best["matmuls"] / best["ours"]
    if name == "W5":  # no target: the ratios, from this run
        ratios = [f"{best[i] / best['ours']:.2f}x {i}" if i in best else f"{i} {SKIP}"
                  for i in ("sklearn", "torch")]  # fmt: skip
        return f"W5: ours {', '.join(ratios)} (ours/impl speed, best blocks)"
    if name.startswith("W3"):
        ok = "PASS" if pct >= BOUND_TARGET else "MISS"
        return f"{name}: {ok} ours at {pct:.0f}% of the matmul-bound rate (>= {BOUND_TARGET:g}%)"
    parts = []
    for impl, target in TARGETS.items():
        if impl not in best:
            parts.append(f"{impl} {SKIP}")
            continue
        r = best[impl] / best["ours"]
        ceiling = best[impl] / best["matmuls"]  # what the matmuls alone would score
        parts.append(
            f"{'PASS' if r >= target else 'MISS'} {r:.2f}x {impl} (>= {target:g}x; "
            f"the matmuls alone: {ceiling:.1f}x)"
        )
    return f"{name}: " + ", ".join(parts)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short blocks, 3 rounds")
    p.add_argument("--only", default="W1,W2,W3,W4,W5", help="comma-separated workloads")
    p.add_argument("--min-time", type=float, help="seconds per timed block (default 0.3)")
    p.add_argument("--repeats", type=int, help="interleaved rounds (default 7)")
    args = p.parse_args()
    min_time = args.min_time or (0.1 if args.quick else 0.3)
    repeats = args.repeats or (3 if args.quick else 7)
    only = {w.strip().upper() for w in args.only.split(",")}
    warnings.simplefilter("ignore")  # sklearn's batch-size clipping note etc.

    sk = "sklearn " + __import__("sklearn").__version__ if MLPRegressor else "sklearn: " + SKIP
    th = "torch: " + SKIP
    if torch:  # same thread count as NumPy's BLAS (the default on this machine anyway)
        torch.set_num_threads(blas_info()[0])
        th = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    threads, kernel = blas_info()
    print(f"numpy {np.__version__} ({threads} BLAS threads, {kernel}), {sk}, {th}")
    print(f"{repeats} interleaved rounds of >= {min_time:g} s of whole epochs per candidate\n")
    head = f"{'workload':9} {'impl':8} {'epochs/s':>9} {'(best)':>9} {'us/batch':>9}  ours/impl"
    print(head + " (median, best)\n" + "-" * (len(head) + 15))
    verdicts = []
    for name, cfg, X, Y, task in workloads(only):
        cands = {"ours": ours(cfg, X, Y, task), "sklearn": sklearn_epoch(cfg, X, Y, task),
                 "torch": torch_epoch(cfg, X, Y, task)}  # fmt: skip
        cands["matmuls"] = matmul_bound(cfg, X, Y, task)
        times = measure({k: f for k, f in cands.items() if f}, min_time, repeats)
        verdicts.append(report(name, cands, times, -(-len(X) // (cfg.batch_size or len(X)))))
    if "W5" in only:
        verdicts.append(w5_accuracy())
    print("\nVerdicts (best blocks):\n" + "\n".join(verdicts))


if __name__ == "__main__":
    main()
