"""Training speed of the NumPy core against its floor, scikit-learn and PyTorch.

Run: python bench/core.py [--quick] [--only W1,W3] [--rounds 15] [--min-time 0.2]

What is timed is one epoch of mini-batch training over the same arrays by each candidate:
- ours: ``Trainer.run_epoch()`` (what ``train`` and the app run), with everything it keeps
  for the screen and the history (the epoch's loss, accuracy, norms and update ratios,
  dead ReLUs) and the (empty) validation set evaluated;
- floor: a hand-written NumPy loop (``floor_loop``) doing the Trainer's arithmetic in the
  Trainer's order, and nothing else: the epoch's shuffle, then per mini-batch forward, the
  loss and its gradient, backward, the SGD update. Before it is timed its weights are
  checked ``array_equal`` with a Trainer's after FLOOR_CHECK_EPOCHS epochs, so it is the
  same computation. It makes its calls as the Trainer does (``a.dot(b, out=c)``, rows
  gathered with ``np.take``): what the Trainer costs on top is its bookkeeping (SGD only:
  W1-W4);
- matmuls: only the matrix products one epoch needs (forward, dW and dE/da per layer),
  on contiguous slices, with no shuffle and no element-wise work: a bound no loop reaches;
- scikit-learn: one ``partial_fit`` per epoch (solver "sgd", momentum 0, alpha 0, shuffle,
  constant lr, no early stopping; one shuffled pass of fit's loop, with its per-call input
  validation); PyTorch: a plain CPU loop (randperm, index slicing, nn.Sequential,
  torch.optim.SGD or Adam, loss.item() summed), in the workload's dtype. Both only if
  installed (pip install '.[bench]').

Timing: CPU time of this (the training) thread, time.thread_time(), with BLAS (and
PyTorch) on one thread, set before NumPy is imported: on a shared machine other processes
take turns on the cores but do not add to a thread's CPU time as they add to wall time.
Every candidate is warmed up, then all of them are timed in interleaved rounds (each
block >= --min-time CPU seconds of whole epochs): the ratios are medians over rounds of
ratios measured in the same round, so a slower minute slows every candidate alike.
Verdicts are on those ratios, never on absolute times. The load average is printed at the
start and the end.

Targets (issue 23): W1 and W2 at >= 80% of the floor's rate, >= 5x (W1) and >= 4x (W2)
scikit-learn; W3 (f64 and f32) at >= 75% of the matmuls' rate; and, kept from before, W1,
W2, W4 >= 6x PyTorch and W4 >= 4x scikit-learn. W5 is a data scientist's run on the
bundled UCI digits (assets/digits.csv: 64 inputs, 10 classes) configured like
scikit-learn's MLPClassifier (64 ReLU, Adam lr 0.001, batch 32): the ratios only, and both
models' validation accuracy after W5_EPOCHS epochs on the same split.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from itertools import pairwise

if __name__ == "__main__":  # one BLAS thread: CPU time of this thread is all the work
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"

# The script is called core.py: drop its own folder from the path so that `core` is the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import numpy as np  # noqa: E402

from core.batches import GATHER_BYTES  # noqa: E402
from core.config import Config  # noqa: E402
from core.datasets import Dataset  # noqa: E402
from core.trainer import Trainer, build_data  # noqa: E402

MLPClassifier = MLPRegressor = torch = threadpool_info = threadpool_limits = None


def import_optional() -> None:
    """scikit-learn, PyTorch and threadpoolctl where installed (not at import: the tests
    import this file for its floor loop)."""
    global MLPClassifier, MLPRegressor, torch, threadpool_info, threadpool_limits
    try:
        from sklearn.neural_network import MLPClassifier, MLPRegressor
    except ImportError:
        pass
    try:
        import torch
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        pass


SKIP = "skipped (pip install '.[bench]')"
FLOOR_TARGET = {"W1": 80.0, "W2": 80.0}  # ours as % of the floor's rate
BOUND_TARGET = 75.0  # W3: ours as % of the matmuls' rate
TARGETS = {  # ours at least this many times faster
    "W1": {"sklearn": 5.0, "torch": 6.0},
    "W2": {"sklearn": 4.0, "torch": 6.0},
    "W4": {"sklearn": 4.0, "torch": 6.0},
}
FLOOR_CHECK_EPOCHS = 3  # epochs of the floor and a Trainer before their weights are compared
W5_EPOCHS = 30  # epochs of each model before their validation accuracies are compared


def blas_info() -> tuple[int, str]:
    """(threads, kernel) of NumPy's BLAS; OPENBLAS_CORETYPE (if set) forces the kernel."""
    blas = [i for i in (threadpool_info() if threadpool_info else []) if i["user_api"] == "blas"]
    if not blas:
        return int(os.environ.get("OPENBLAS_NUM_THREADS", 0)) or os.cpu_count() or 1, "?"
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


def trainer_for(cfg: Config, X, Y, task) -> Trainer:
    """A Trainer on (X, Y) as its training set, with an empty validation set."""
    classes = {"regression": (), "binary": ("0", "1")}.get(task, tuple(map(str, range(10))))
    train = Dataset("bench", X, Y, task, tuple(f"x{i}" for i in range(X.shape[1])), classes)
    return Trainer(cfg, data=(train, train.subset(slice(0, 0)), None))


def ours(cfg: Config, X, Y, task):
    return trainer_for(cfg, X, Y, task).run_epoch


FLOOR_ACTIVATIONS = {  # a = f(z) into a, and f'(z) into d, as core.activations computes them
    "tanh": (
        lambda z, a: np.tanh(z, out=a),
        lambda z, a, d: np.subtract(1.0, np.multiply(a, a, out=d), out=d),
    ),
    "relu": (
        lambda z, a: np.maximum(z, 0.0, out=a),
        lambda z, a, d: np.greater(z, 0.0, out=d),
    ),
}


def floor_loop(cfg: Config, X, Y, start) -> tuple[Callable[[], float], np.ndarray]:
    """The Trainer's arithmetic in the Trainer's order, hand-written, and nothing else.

    For a hidden activation tanh or relu, a linear output with mse or a softmax output with
    cross-entropy, plain SGD (no penalty, no clipping). Layer k computes
    z_k = [a_k, 1] @ [W_k; b_k] (the bias as a last row of weights, a_0 the inputs), then
    the loss and delta_{L-1} = dE/dz_{L-1}, then for k = L-1 .. 0
    [dW_k; db_k] = [a_k, 1].T @ delta_k and delta_{k-1} = f'(z_{k-1}) * (delta_k @ W_k.T),
    then W -= lr * dW for every parameter at once. Each epoch draws its order from the
    generator the Trainer shuffles with (its seed, no other draws), copies the rows into
    that order and walks through them batch by batch (a training set over the Trainer's
    GATHER_BYTES: copies each batch's rows out, as the Trainer does).

    Args:
        cfg: the run's settings (layers, activation, loss, lr, batch size, seed, dtype).
        X, Y: the training set (n, inputs) and its targets (n, outputs).
        start: initial parameters laid out as ``Network.params`` (W_0, b_0, W_1, ...).

    Returns:
        (epoch, params): ``epoch()`` trains one epoch and returns its mean loss; ``params``
        are the weights it trains, laid out as ``start``.
    """
    if cfg.optimizer != "sgd" or cfg.l2 or cfg.l1 or cfg.clip:
        raise ValueError("the floor is plain SGD")
    dtype, lr, n = np.dtype(cfg.dtype), cfg.lr, len(X)
    sizes = [X.shape[1], *cfg.hidden, Y.shape[1]]
    n_layers = len(sizes) - 1
    softmax = cfg.loss == "cross_entropy"
    act, deriv = FLOOR_ACTIVATIONS[cfg.activation]
    Xa = np.ones((n, sizes[0] + 1), dtype)  # [x, 1]
    Xa[:, :-1] = X
    Yd = np.ascontiguousarray(Y, dtype)
    flat = np.zeros((3, sum((a + 1) * b for a, b in pairwise(sizes))), dtype)
    params, grads, step = flat  # W_0, b_0, W_1, b_1, ... in each row
    params[...] = start
    S, dS, WT, at = [], [], [], 0  # [W_k; b_k], [dW_k; db_k], W_k.T
    for a, b in pairwise(sizes):
        S.append(params[at : at + (a + 1) * b].reshape(a + 1, b))
        dS.append(grads[at : at + (a + 1) * b].reshape(a + 1, b))
        WT.append(S[-1][:-1].T)
        at += (a + 1) * b

    def buffers(m: int) -> tuple:
        h = [np.ones((m, s + 1), dtype) for s in sizes[1:-1]]  # [a_k, 1] of hidden layers
        return (
            h, [x[:, :-1] for x in h], [x.T for x in h],
            [np.empty((m, s), dtype) for s in sizes[1:]],  # z
            [np.empty((m, s), dtype) for s in sizes[1:]],  # delta
            [np.empty((m, s), dtype) for s in sizes[1:-1]],  # dE/da
            np.empty((m, sizes[-1]), dtype),  # softmax
        )  # fmt: skip

    bs = n if cfg.batch_size is None else min(cfg.batch_size, n)
    by_size = {m: buffers(m) for m in {min(bs, n - lo) for lo in range(0, n, bs)}}
    plan = [(lo, min(lo + bs, n), by_size[min(bs, n - lo)]) for lo in range(0, n, bs)]
    rng = np.random.default_rng([cfg.seed, 2])
    last = n_layers - 1

    gather = Xa.nbytes <= GATHER_BYTES  # else each batch is copied out on its own

    def epoch() -> float:
        order = rng.permutation(n) if bs < n else None
        xs, ys = Xa, Yd
        if order is not None and gather:
            xs, ys = np.take(Xa, order, 0), np.take(Yd, order, 0)
        total = 0.0
        for lo, hi, (h, a, hT, z, delta, grad_a, p) in plan:
            m = hi - lo
            if order is None or gather:
                x, y = xs[lo:hi], ys[lo:hi]
            else:
                x, y = np.take(Xa, order[lo:hi], 0), np.take(Yd, order[lo:hi], 0)
            inp = x  # forward
            for k in range(last):
                inp.dot(S[k], out=z[k])
                act(z[k], a[k])
                inp = h[k]
            out = inp.dot(S[last], out=z[last])
            d = delta[last]
            if softmax:  # p = softmax(z); E = mean of log sum exp(z) - z_target; dE/dz
                top = out.max(axis=1, keepdims=True)
                np.exp(np.subtract(out, top, out=p), out=p)
                total_exp = p.sum(axis=1, keepdims=True)
                p /= total_exp
                np.subtract(p, y, out=d)
                d /= m
                loss = float((np.log(total_exp).sum() + top.sum() - np.vdot(y, out)) / m)
            else:  # E = mean of (z - y)^2, dE/dz = 2 (z - y) / size
                np.subtract(out, y, out=d)
                flat_d = d.ravel()
                loss = float(np.dot(flat_d, flat_d)) / d.size
                d *= 2.0 / d.size
            total += loss * m
            for k in range(last, 0, -1):  # backward
                hT[k - 1].dot(delta[k], out=dS[k])
                delta[k].dot(WT[k], out=grad_a[k - 1])
                deriv(z[k - 1], a[k - 1], delta[k - 1])
                delta[k - 1] *= grad_a[k - 1]
            x.T.dot(delta[0], out=dS[0])
            np.multiply(grads, lr, out=step)  # update
            np.subtract(params, step, out=params)
        return total / n

    return epoch, params


def floor_checked(cfg: Config, X, Y, task, epochs: int = FLOOR_CHECK_EPOCHS):
    """The floor's epoch, after checking that its weights equal a Trainer's after ``epochs``
    epochs from the same start (AssertionError otherwise); None where it does not apply."""
    if cfg.optimizer != "sgd" or cfg.activation not in FLOOR_ACTIVATIONS:
        return None
    t = trainer_for(cfg, X, Y, task)
    epoch, params = floor_loop(cfg, X, Y, t.net.params)
    t.train(epochs)
    for _ in range(epochs):
        epoch()
    assert np.array_equal(t.net.params, params), "the floor computes something else"
    return epoch


def matmul_bound(cfg: Config, X, Y, task):
    """Just the matrix products of one epoch, into preallocated buffers: X @ W per layer
    forward, a.T @ delta per layer and delta @ W.T for layers above the first, on
    contiguous slices in order (no shuffle, no bias column, nothing element-wise)."""
    rng, dtype = np.random.default_rng(1), np.dtype(cfg.dtype)
    sizes, n, bs = [X.shape[1], *cfg.hidden, Y.shape[1]], len(X), cfg.batch_size or len(X)
    Xd = np.ascontiguousarray(X, dtype)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    W = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype) for a, b in pairs]
    WT = [w.T for w in W]
    dW = [np.empty_like(w) for w in W]
    bufs = {}
    for m in {min(bs, n - i) for i in range(0, n, bs)}:
        z = [np.empty((m, s), dtype) for s in sizes[1:]]
        bufs[m] = (z, [x.T for x in z], [np.empty((m, s), dtype) for s in sizes[1:-1]])
    starts = range(0, n, bs)

    def epoch() -> None:
        for i in starts:
            xb = Xd[i : i + bs]
            z, zT, grad_a = bufs[len(xb)]
            a = xb
            for k, w in enumerate(W):
                a = a.dot(w, out=z[k])
            for k in range(len(W) - 1, 0, -1):
                zT[k - 1].dot(z[k], out=dW[k])
                z[k].dot(WT[k], out=grad_a[k - 1])
            xb.T.dot(z[0], out=dW[0])

    return epoch


def measure(cands: dict, min_time: float, rounds: int) -> dict[str, list[float]]:
    """CPU seconds of this thread per epoch of each candidate: one value per round, the
    candidates taking turns within each round."""
    per_block = {}
    for name, fn in cands.items():
        fn()  # warm-up: buffers, caches, lazy imports
        t = time.thread_time()
        fn()
        per_block[name] = max(1, round(min_time / max(time.thread_time() - t, 1e-6)))
    times = {name: [] for name in cands}
    for _ in range(rounds):
        for name, fn in cands.items():
            k = per_block[name]
            t = time.thread_time()
            for _ in range(k):
                fn()
            times[name].append((time.thread_time() - t) / k)
    return times


def ratio(times: dict, impl: str) -> float:
    """The median over rounds of impl's time / ours in the same round (> 1: we are faster)."""
    return statistics.median(o / u for o, u in zip(times[impl], times["ours"], strict=True))


def report(name: str, impls: list[str], times: dict, n_batches: int) -> str:
    """Print one workload's rows; return its verdict (on medians of same-round ratios)."""
    for impl in impls:
        if impl not in times:
            print(f"{name:9} {impl:8} {SKIP}")
            continue
        med = statistics.median(times[impl])
        if impl == "ours":
            note = ""
        elif impl in ("floor", "matmuls"):
            note = f"ours at {100 * ratio(times, impl):.0f}% of this rate"
        else:
            note = f"ours {ratio(times, impl):.2f}x faster"
        print(f"{name:9} {impl:8} {1 / med:9.1f} {1e6 * med / n_batches:9.1f}  {note}")
    parts = []
    if "floor" in times:
        pct, target = 100 * ratio(times, "floor"), FLOOR_TARGET.get(name)
        verdict = "" if target is None else f"{'PASS' if pct >= target else 'MISS'} "
        parts.append(f"{verdict}{pct:.0f}% of the floor" + (f" (>= {target:g}%)" if target else ""))
    if name.startswith("W3"):
        pct = 100 * ratio(times, "matmuls")
        ok = "PASS" if pct >= BOUND_TARGET else "MISS"
        parts.append(f"{ok} {pct:.0f}% of the matmuls (>= {BOUND_TARGET:g}%)")
    for impl in ("sklearn", "torch"):
        target = TARGETS.get(name, {}).get(impl)
        if impl not in times:
            parts.append(f"{impl} {SKIP}")
        elif target is None:
            parts.append(f"{ratio(times, impl):.2f}x {impl}")
        else:
            r = ratio(times, impl)
            parts.append(f"{'PASS' if r >= target else 'MISS'} {r:.2f}x {impl} (>= {target:g}x)")
    return f"{name}: " + ", ".join(parts)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short blocks, 5 rounds")
    p.add_argument("--only", default="W1,W2,W3,W4,W5", help="comma-separated workloads")
    p.add_argument("--min-time", type=float, help="CPU seconds per timed block (default 0.2)")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 15)")
    args = p.parse_args()
    min_time = args.min_time or (0.05 if args.quick else 0.2)
    rounds = args.rounds or (5 if args.quick else 15)
    only = {w.strip().upper() for w in args.only.split(",")}
    warnings.simplefilter("ignore")  # sklearn's batch-size clipping note etc.
    import_optional()
    if threadpool_limits is not None:
        threadpool_limits(1)  # the environment said so already; this makes sure
    sk = "sklearn " + __import__("sklearn").__version__ if MLPRegressor else "sklearn: " + SKIP
    th = "torch: " + SKIP
    if torch:
        torch.set_num_threads(1)
        th = f"torch {torch.__version__} ({torch.get_num_threads()} thread)"
    threads, kernel = blas_info()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start")
    print(f"numpy {np.__version__} ({threads} BLAS thread, {kernel}), {sk}, {th}")
    print(f"CPU time of this thread; {rounds} interleaved rounds of >= {min_time:g} s each\n")
    head = f"{'workload':9} {'impl':8} {'epochs/s':>9} {'us/batch':>9}  (medians)"
    print(head + "\n" + "-" * 70)
    verdicts = []
    for name, cfg, X, Y, task in workloads(only):
        cands = {
            "ours": ours(cfg, X, Y, task),
            "floor": floor_checked(cfg, X, Y, task),
            "matmuls": matmul_bound(cfg, X, Y, task),
            "sklearn": sklearn_epoch(cfg, X, Y, task),
            "torch": torch_epoch(cfg, X, Y, task),
        }
        impls = [k for k, f in cands.items() if f is not None or k in ("sklearn", "torch")]
        times = measure({k: f for k, f in cands.items() if f}, min_time, rounds)
        verdicts.append(report(name, impls, times, -(-len(X) // (cfg.batch_size or len(X)))))
    if "W5" in only:
        verdicts.append(w5_accuracy())
    print("\nVerdicts (medians over rounds of ratios within a round):\n" + "\n".join(verdicts))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
