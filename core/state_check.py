"""A trainer's state as plain values, checked before a Trainer is built from it.

``core.trainer_state.state_of(trainer)`` gives one dict: ``state["meta"]`` holds JSON-able
values (the config, the counters, the shuffling generator's state, the data sets' names and
labels) and every other entry is a NumPy array, named as in ``ARRAYS``. ``check_state``
reads such a dict and refuses, with one StateError naming the value and what was expected,
anything a run could not have written: wrong types, out-of-range numbers, arrays of the
wrong shape or kind, and values that contradict each other (the weights and the network
the config describes, the batches and the training set, the history and the epoch count).
It only reads, so nothing is allocated for a state it refuses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .config import Config, ConfigError
from .datasets import TASKS, Dataset, Standardizer
from .features import PLANE, labels
from .ghosts import GHOST_POINTS, MAX_GHOSTS, Ghost
from .run_data import RunData, plane_inputs
from .settings import MAX_LAYERS

# every array a state may hold; the optimiser's extras depend on the optimiser
ARRAYS = (
    "params", "best", "best_val", "sums", "epoch_sums",
    "train/X", "train/Y", "val/X", "val/Y", "train/plane", "val/plane",
    "test/X", "test/Y", "test/plane",
    "scaler/mean", "scaler/std",
    "target_scaler/mean", "target_scaler/std",
    "batches", "batch_sizes",
    "optimizer/t", "optimizer/m", "optimizer/v",
    "history/columns", "history/counts", "history/ring", "history/lo", "history/hi",
    *(f"ghost/{k}/{c}" for k in range(MAX_GHOSTS) for c in ("x", "train", "val")),
    *(f"norm/{k}/{c}" for k in range(MAX_LAYERS) for c in ("running_mean", "running_var")),
)  # fmt: skip
OPTIMIZER_ARRAYS = {"sgd": (), "momentum": ("v",), "adam": ("m", "v")}  # beside "t"
MAX_COUNT = 2**62  # epochs, steps, samples seen: far beyond any run, far below overflow
MAX_LR = 1e6  # as Config allows
MAX_EVENTS = 1000  # learning rate changes and restores: the trainer keeps the last 1000
RESTORES = ("diverged", "best")  # why the trainer went back to earlier weights
MAX_HISTORY_ROWS = 2**16  # a History's ring and bucket counts (2048 each by default)
KIND_WORDS = {"f": "float", "iu": "integer", "U": "text"}
RNG_KEYS = {"bit_generator", "state", "has_uint32", "uinteger"}


class StateError(ValueError):
    """A trainer state that no run could have written; the message names what is wrong."""


@dataclass(frozen=True)
class CheckedState:
    """What ``check_state`` builds on its way: the config, the data sets and scaler, and
    the epoch's batches (None for one full batch)."""

    config: Config
    data: RunData
    batches: list[NDArray[np.int64]] | None
    ghosts: list[Ghost]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(name: str, value: Any, expected: str) -> None:
    raise StateError(f"{name} = {_short(value)} is not {expected}")


def _get(mapping: dict, key: str, where: str = "") -> Any:
    if key not in mapping:
        raise StateError(f"{where}{key} is missing")
    return mapping[key]


def _count(meta: dict, key: str, high: int = MAX_COUNT) -> int:
    value = _get(meta, key)
    if type(value) is not int or not 0 <= value <= high:
        _fail(key, value, "a count (a whole number >= 0)" if high == MAX_COUNT else f"0 to {high}")
    return value


def _real(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """A JSON number (not a bool) in [low, high]; compared before any conversion, so that
    an integer of 400 digits is refused, not overflowed."""
    too_big = type(value) is int and abs(value) > 2**63  # float() would overflow
    if too_big or type(value) not in (int, float) or not low <= value <= high:
        bounds = "" if (low, high) == (-math.inf, math.inf) else f" from {low:g} to {high:g}"
        _fail(name, value, f"a number{bounds}")
    return float(value)


def _text_list(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        _fail(name, value, "a list of names")
    return tuple(value)


def _array(
    state: dict,
    name: str,
    kinds: str,
    shape: tuple[int | None, ...],
    dtype: np.dtype | None = None,
) -> NDArray:
    """The array ``name``, of a dtype kind in ``kinds`` ('f' float, 'iu' integer, 'U' text)
    or exactly ``dtype``, and of ``shape`` (None: any length on that axis)."""
    a = _get(state, name)
    ok = isinstance(a, np.ndarray) and a.dtype.kind in kinds and a.ndim == len(shape)
    ok = ok and all(w is None or h == w for h, w in zip(a.shape, shape, strict=True))
    if not ok or (dtype is not None and a.dtype != dtype):
        what = str(dtype) if dtype is not None else KIND_WORDS[kinds]
        want = str(tuple("n" if s is None else s for s in shape)).replace("'", "")
        have = f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        raise StateError(f"{name} is {have}: expected {what} of shape {want}")
    return a


def _finite(name: str, a: NDArray) -> None:
    if not np.isfinite(a).all():
        raise StateError(f"{name} holds values that are not finite")


# --- the parts --------------------------------------------------------------------------


def _config(meta: dict) -> Config:
    values = _get(meta, "config")
    if not isinstance(values, dict):
        _fail("config", values, "a JSON object of settings")
    for key, value in values.items():  # Config converts to float: refuse what overflows
        if type(value) is int and abs(value) >= 2**63:
            _fail(f"config {key!r}", value, "a number of sensible size")
    if not isinstance(values.get("data"), str | None):
        _fail("config data", values.get("data"), "a file name or null")
    if type(values.get("target", -1)) not in (int, str):
        _fail("config target", values.get("target"), "a column's index or name")
    lr = meta.get("lr", values.get("lr"))  # older states kept the rate twice: theirs wins
    if type(lr) not in (int, float) or not 0 < lr <= MAX_LR:
        _fail("lr", lr, f"a number > 0 and <= {MAX_LR:g}")
    try:
        config = Config.from_dict(values).replace(lr=float(lr))
    except (ConfigError, TypeError, ValueError) as e:
        raise StateError(f"config: {e}") from None
    if config.hidden is None:  # "auto" is decided when a run starts: a run has its layers
        _fail("config hidden", None, "the run's hidden layers (a list of units)")
    return config


def _targets(name: str, Y: NDArray, task: str, class_names: tuple[str, ...]) -> None:
    """Binary: one column of 0 and 1; multiclass: one-hot rows over its classes."""
    k = Y.shape[1]
    if task == "regression":
        if class_names:
            _fail(f"{name} class_names", list(class_names), "empty for regression")
        return
    classes = 2 if task == "binary" else k
    if task == "binary" and k != 1 or task == "multiclass" and k < 2:
        needs = "1 column" if task == "binary" else "1 column per class (2 or more)"
        raise StateError(f"{name}/Y has {k} columns: a {task} data set has {needs}")
    if len(class_names) != classes:
        _fail(f"{name} class_names", list(class_names), f"{classes} names")
    values_ok = np.isin(Y, (0.0, 1.0)).all()
    if task == "multiclass":
        values_ok = values_ok and (Y.sum(axis=1) == 1).all()
    if not values_ok:
        raise StateError(f"{name}/Y holds values that are not {task} labels (one-hot 0 and 1)")


def _dataset(meta: dict, state: dict, name: str, like: Dataset | None = None) -> Dataset:
    info = _get(meta, name)
    if not isinstance(info, dict):
        _fail(name, info, "a JSON object")
    title, task = _get(info, "name", f"{name} "), _get(info, "task", f"{name} ")
    if not isinstance(title, str):
        _fail(f"{name} name", title, "a name")
    if task not in TASKS:
        _fail(f"{name} task", task, "one of " + ", ".join(TASKS))
    features = _text_list(f"{name} feature_names", _get(info, "feature_names", f"{name} "))
    classes = _text_list(f"{name} class_names", _get(info, "class_names", f"{name} "))
    extras = [info.get(key, "") for key in ("target", "reason")]  # absent in older states
    if not all(isinstance(x, str) and len(x) <= 1000 for x in extras):
        _fail(f"{name} target or reason", extras, "two texts")
    truth = _get(info, "truth", f"{name} ")
    if not isinstance(truth, dict):
        _fail(f"{name} truth", truth, "a JSON object of numbers")
    for key, value in truth.items():
        _real(f"{name} truth {key!r}", value, -1e300, 1e300)
    d = like.n_features if like else len(features)
    X = _array(state, f"{name}/X", "f", (None, d))
    Y = _array(state, f"{name}/Y", "f", (len(X), like.n_outputs if like else None))
    if like is None and (len(X) == 0 or d == 0 or Y.shape[1] == 0):
        raise StateError(f"{name}/X is {X.shape} and {name}/Y {Y.shape}: a training set needs rows")
    _finite(f"{name}/X", X)
    _finite(f"{name}/Y", Y)
    same = like is None or (task, features, classes) == (
        like.task, like.feature_names, like.class_names
    )  # fmt: skip
    if not same:
        raise StateError(f"{name}: its task, features or classes differ from the training set's")
    _targets(name, Y, task, classes)
    plane = None
    if f"{name}/plane" in state:
        plane = _array(state, f"{name}/plane", "f", (len(X), 2))
        _finite(f"{name}/plane", plane)
    notes = _text_list(f"{name} notes", info.get("notes", []))  # absent in older states
    return Dataset(title, X, Y, task, features, classes, truth, *extras, plane=plane, notes=notes)


def _features(config: Config, sets: dict[str, Dataset], scaler: Standardizer | None) -> None:
    """Derived inputs (config.features) are the features of each set's points, scaled as
    the training inputs were, under their own names; the plane's x1, x2 keep no points."""
    keys = config.features
    for name, ds in sets.items():
        if keys == PLANE:
            if ds.plane is not None:
                raise StateError(f"{name}/plane is present but the config has no features")
            continue
        if ds.plane is None:
            raise StateError(f"{name}/plane is missing: features {','.join(keys)} need it")
        if ds.feature_names != labels(keys):
            _fail(f"{name} feature_names", list(ds.feature_names), f"{list(labels(keys))}")
        with np.errstate(all="ignore"):
            made = plane_inputs(keys, scaler, ds.plane)
        if not np.allclose(made, ds.X, rtol=1e-9, atol=1e-12):
            raise StateError(f"{name}/X is not the features {','.join(keys)} of {name}/plane")


def _scaler(state: dict, d: int, name: str = "scaler") -> Standardizer | None:
    present = [k in state for k in (f"{name}/mean", f"{name}/std")]
    if not any(present):
        return None
    mean = _array(state, f"{name}/mean", "f", (d,))
    std = _array(state, f"{name}/std", "f", (d,))
    _finite(f"{name}/mean", mean)
    if not (np.isfinite(std) & (std > 0)).all():
        raise StateError(f"{name}/std holds values that are not finite numbers > 0")
    return Standardizer(mean, std)


def _batches(meta: dict, state: dict, n: int) -> list[NDArray[np.int64]] | None:
    full = _get(meta, "full_batch")
    if type(full) is not bool:
        _fail("full_batch", full, "true or false")
    pos = _count(meta, "batch_pos")
    if full:
        for extra in ("batches", "batch_sizes"):
            if extra in state:
                raise StateError(f"{extra} is present but full_batch is true")
        if pos:
            _fail("batch_pos", pos, "0 with one full batch")
        return None
    sizes = _array(state, "batch_sizes", "iu", (None,))
    if len(sizes) == 0 or (sizes < 1).any() or sizes.sum() != n:
        raise StateError(f"batch_sizes are not sizes >= 1 adding up to the {n} training rows")
    order = _array(state, "batches", "iu", (n,))
    if not np.array_equal(np.sort(order), np.arange(n)):
        raise StateError(f"batches is not an order of the {n} training rows")
    if pos >= len(sizes):
        _fail("batch_pos", pos, f"the position of one of the epoch's {len(sizes)} batches")
    return np.split(order.astype(np.int64), np.cumsum(sizes)[:-1])


def _optimizer(meta: dict, state: dict, name: str, n_params: int, dtype: np.dtype) -> None:
    extras = OPTIMIZER_ARRAYS[name]
    for key in state:
        if key.startswith("optimizer/") and key[10:] not in ("t", *extras):
            raise StateError(f"{key} is not part of the state of optimizer {name}")
    t = int(_array(state, "optimizer/t", "iu", ()))
    if not 0 <= t <= MAX_COUNT or t != _count(meta, "optimizer_t"):
        _fail("optimizer/t", t, "a count equal to optimizer_t")
    needed = extras if t else ()  # made at the first step, made anew after a divergence
    if any((f"optimizer/{k}" in state) != (k in needed) for k in extras):
        has = ", ".join(["t", *needed])
        raise StateError(f"optimizer: {name} after {t} steps has exactly the arrays {has}")
    for k in needed:
        _array(state, f"optimizer/{k}", "f", (n_params,), dtype)


def _history(state: dict, columns: tuple[str, ...], epoch: int) -> None:
    have = tuple(str(c) for c in _array(state, "history/columns", "U", (None,)))
    if len(have) != len(columns):
        raise StateError(
            f"history/columns has {len(have)} names: this network's has {len(columns)}"
        )
    for found, belongs in zip(have, columns, strict=True):
        if found != belongs:
            raise StateError(f"history/columns has {found!r} where {belongs!r} belongs")
    counts = _array(state, "history/counts", "iu", (4,))
    n, span, cap, buckets = (int(v) for v in counts)
    ok = n == epoch and 1 <= cap <= MAX_HISTORY_ROWS and 2 <= buckets <= MAX_HISTORY_ROWS
    ok = ok and buckets % 2 == 0 and 1 <= span <= MAX_COUNT and span & (span - 1) == 0
    # the span doubles only when the buckets are full: span * buckets / 2 < n <= span * buckets
    ok = ok and n <= span * buckets and (span == 1 or n > span * buckets // 2)
    if not ok:
        expected = f"[epochs, span, ring size, buckets] of a history of {epoch} epochs"
        _fail("history/counts", counts.tolist(), expected)
    k = len(columns)
    _array(state, "history/ring", "f", (min(n, cap), k))
    for part in ("lo", "hi"):
        _array(state, f"history/{part}", "f", (-(-n // span), k))


def _rng(meta: dict, key: str = "rng") -> None:
    state = _get(meta, key)
    inner = state.get("state") if isinstance(state, dict) else None
    ok = isinstance(inner, dict) and set(state) == RNG_KEYS and state["bit_generator"] == "PCG64"
    ok = ok and all(type(inner.get(k)) is int and 0 <= inner[k] < 2**128 for k in ("state", "inc"))
    ok = ok and state["has_uint32"] in (0, 1) and type(state["uinteger"]) is int
    ok = ok and 0 <= state["uinteger"] < 2**32
    if not ok:
        _fail(key, state, "the state of a PCG64 generator")
    np.random.PCG64().state = state  # raises nothing for what passed above


def _off(meta: dict, sizes: list[int]) -> None:
    """Hidden neurons switched off (absent in older states): [hidden layer, unit] pairs,
    each once, hidden layer 0 the first."""
    off = meta.get("off", [])
    expected = f"a list of distinct [hidden layer, unit] pairs of the hidden layers {sizes[1:-1]}"
    if not isinstance(off, list) or len(off) > sum(sizes[1:-1]):
        _fail("off", off, expected)
    for pair in off:
        ok = isinstance(pair, list) and len(pair) == 2 and all(type(v) is int for v in pair)
        if not ok or not 0 <= pair[0] < len(sizes) - 2 or not 0 <= pair[1] < sizes[pair[0] + 1]:
            _fail("off", pair, expected)
    if len({tuple(p) for p in off}) < len(off):
        _fail("off", off, expected)


def _restored(meta: dict) -> None:
    """A restore in the epoch under way (absent in older states): [why, train loss, train
    accuracy, validation loss, validation accuracy] (nan where one does not apply)."""
    restored = meta.get("restored")
    if restored is None:
        return
    ok = isinstance(restored, list) and len(restored) == 5 and restored[0] in RESTORES
    if not ok or not all(type(v) in (int, float) for v in restored[1:]):
        _fail("restored", restored, "[why, train loss, train accuracy, val loss, val accuracy]")


def _events(meta: dict, epoch: int) -> None:
    """lr_changes: [epoch, lr] pairs; restores (absent in older states): [epoch, why]."""
    checks = {
        "lr_changes": ("lr", lambda v: type(v) in (int, float) and 0 < v <= MAX_LR),
        "restores": ("why", lambda v: v in RESTORES),
    }
    for key, (word, good) in checks.items():
        events = meta.get(key, []) if key == "restores" else _get(meta, key)
        if not isinstance(events, list) or len(events) > MAX_EVENTS:
            _fail(key, events, f"a list of at most {MAX_EVENTS} [epoch, {word}] pairs")
        for event in events:
            ok = isinstance(event, list) and len(event) == 2 and type(event[0]) is int
            if not ok or not 1 <= event[0] <= epoch + 1 or not good(event[1]):
                _fail(key, event, f"an [epoch, {word}] pair (epoch 1 to {epoch + 1})")


def _counters(meta: dict, n_train: int) -> None:
    epoch = _count(meta, "epoch")
    _count(meta, "steps")
    _count(meta, "init_round")
    _count(meta, "best_epoch", epoch)
    if "best_val_epoch" in meta:  # older states have none; null: no validation loss yet
        if meta["best_val_epoch"] is not None:
            _count(meta, "best_val_epoch", epoch)
        _real("best_val_loss", _get(meta, "best_val_loss"))  # Infinity before any, not NaN
    for flag in ("hidden_fitted", "stratified"):
        if type(meta.get(flag, False)) is not bool:
            _fail(flag, meta[flag], "true or false")
    seen = _count(meta, "seen", n_train)
    _count(meta, "correct", seen)
    _real("loss_sum", _get(meta, "loss_sum"), -1e308, 1e308)
    _real("best_loss", _get(meta, "best_loss"))  # Infinity before the first epoch, not NaN
    last = _get(meta, "last_loss")  # NaN or inf after a divergence; an int must fit a float
    if type(last) not in (int, float) or (type(last) is int and abs(last) > 2**63):
        _fail("last_loss", last, "a number")


def _ghosts(meta: dict, state: dict) -> list[Ghost]:
    """Earlier runs kept to compare with: their configs and epochs in the metadata, their
    curves as arrays. A state from before ghosts existed has none."""
    listed = meta.get("ghosts", [])
    if not isinstance(listed, list) or len(listed) > MAX_GHOSTS:
        _fail("ghosts", listed, f"a list of at most {MAX_GHOSTS} earlier runs")
    ghosts = []
    for k, item in enumerate(listed):
        if not isinstance(item, dict) or not isinstance(item.get("config"), dict):
            _fail(f"ghost {k}", item, "a JSON object with a config")
        epochs = _count(item, "epochs")
        try:
            config = Config.from_dict(item["config"])
        except (ConfigError, TypeError, ValueError) as e:
            raise StateError(f"ghost {k}'s config: {e}") from None
        x = _array(state, f"ghost/{k}/x", "f", (None,), np.dtype(np.float64))
        if len(x) > GHOST_POINTS or not np.all(np.diff(x) > 0) or not np.isfinite(x).all():
            raise StateError(f"ghost/{k}/x is not {GHOST_POINTS} or fewer increasing epochs")
        curves = [
            _array(state, f"ghost/{k}/{c}", "f", (len(x),), np.dtype(np.float64)).copy()
            for c in ("train", "val")  # nan where there is no value, inf after an overflow
        ]
        ghosts.append(Ghost(config, epochs, x.copy(), *curves))
    return ghosts


def check_state(state: dict, history_columns: Callable[[int], tuple[str, ...]]) -> CheckedState:
    """Check every value of a trainer state (see the module docstring).

    Args:
        state: ``{"meta": {...}, name: array, ...}`` as ``core.trainer_state.state_of`` gives it.
        history_columns: the history's column names for a network of n layers of weights.

    Returns:
        The config, data and batches a Trainer is built from; the rest of ``state`` is
        checked and used as it is. Raises StateError naming the first wrong value.
    """
    meta = state.get("meta") if isinstance(state, dict) else None
    if not isinstance(meta, dict):
        raise StateError(f"the metadata is {_short(meta)}, not a JSON object")
    for key in state:
        if key != "meta" and key not in ARRAYS:
            raise StateError(f"{key} is not part of a trainer's state")
    config = _config(meta)
    train = _dataset(meta, state, "train")
    val = _dataset(meta, state, "val", like=train)
    test = _dataset(meta, state, "test", like=train) if "test" in meta else None
    if test is None and any(k.startswith("test/") for k in state):
        raise StateError("test/X is present but the metadata has no test set")
    scaler = _scaler(state, train.n_features)
    target_scaler = _scaler(state, train.n_outputs, "target_scaler")
    if target_scaler is not None and train.task != "regression":
        raise StateError(f"target_scaler is present but the task is {train.task}")
    try:
        config.resolved(train.task)
    except ConfigError as e:
        raise StateError(f"config: {e}") from None
    sets = {"train": train, "val": val, **({"test": test} if test is not None else {})}
    _features(config, sets, scaler)
    _counters(meta, train.n_samples)
    _events(meta, meta["epoch"])
    _restored(meta)
    _rng(meta)
    if "dropout_rng" in meta:  # older states have none
        _rng(meta, "dropout_rng")
    batches = _batches(meta, state, train.n_samples)
    sizes = [train.n_features, *config.hidden, train.n_outputs]
    _off(meta, sizes)
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    hidden = sizes[1:-1] if config.norm != "none" else []
    n_params += 2 * sum(hidden)  # gamma and beta per normalised unit
    dtype = np.dtype(config.dtype)
    for k, units in enumerate(hidden):  # batch norm's running averages: finite, variances >= 0
        name = f"norm/{k}/running_"
        _finite(name + "mean", _array(state, name + "mean", "f", (units,), dtype))
        var = _array(state, name + "var", "f", (units,), dtype)
        if not (var >= 0).all() or not np.isfinite(var).all():
            raise StateError(f"{name}var holds a variance that is not finite and >= 0")
    _array(state, "params", "f", (n_params,), dtype)
    _finite("best", _array(state, "best", "f", (n_params,), dtype))
    if "best_val" in state or "best_val_epoch" in meta:
        _finite("best_val", _array(state, "best_val", "f", (n_params,), dtype))
    for name in ("sums", "epoch_sums"):  # squared norms: inf or NaN after an overflow
        segments = 2 * (len(sizes) - 1 + len(hidden))  # W, b per layer; gamma, beta
        if (_array(state, name, "f", (3, segments)) < 0).any():
            raise StateError(f"{name} holds negative squared norms")
    _optimizer(meta, state, config.optimizer, n_params, dtype)
    _history(state, history_columns(len(sizes) - 1), meta["epoch"])
    data = RunData(train, val, scaler, target_scaler, meta.get("stratified", False), test)
    return CheckedState(config, data, batches, _ghosts(meta, state))
