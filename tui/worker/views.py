"""What the inspector, the phase view and the data view show, computed on the worker
thread from a Trainer.

Pure NumPy and core: no Textual here. The results go into the Snapshot.
"""

from __future__ import annotations

import numpy as np

from core.best_val import weights_epoch
from core.evaluation import confusion, outputs, regression_scores, rows
from core.inspect import chain_rule, finite_difference
from core.metrics import class_report, predicted_classes
from core.phases import BACKWARD, Phase
from core.run_data import plane_inputs
from core.trainer import Trainer

from ..snapshot import (
    DataView,
    Inspection,
    Misclassified,
    NeuronMaps,
    PhaseDetail,
    Results,
    frozen,
)

GRID_ROWS, GRID_COLS = 48, 96  # model output samples over a 2-D input plane
CURVE_POINTS = 200
DETAIL_ROWS = 32  # rows of the mini-batch kept for the phase view
MAP_ROWS, MAP_COLS = 24, 24  # each neuron's output sampled over the plane
MAX_MAPS = 64  # neurons per column whose maps are kept (no panel draws more)
PROBABILITIES = ("sigmoid", "softmax")  # outputs in 0..1, drawn with 0.5 as the neutral
MISCLASSIFIED = 8  # validation samples drawn as images, at most
SCATTER_ROWS = 2000  # rows of each set predicted for the predicted-against-actual plot


def clamp_selection(
    selection: tuple[int, int, int] | None, sizes: list[int]
) -> tuple[int, int, int] | None:
    """Keep (layer, input, neuron) inside the network (wrapping around at the ends); the
    input one past the last, sizes[layer], is the bias."""
    if selection is None:
        return None
    k, i, j = selection
    k %= len(sizes) - 1
    return k, i % (sizes[k] + 1), j % sizes[k + 1]


def parameter(t: Trainer, flat: np.ndarray, k: int, i: int, j: int) -> float:
    """W_k[i, j], or b_k[j] for i == sizes[k], in a flat vector laid out like the params."""
    weights, biases = t.net.views(flat)
    return float(biases[k][j] if i == t.net.sizes[k] else weights[k][i, j])


def backward_reached(t: Trainer, layer: int) -> bool:
    """True when this batch's backward pass has computed layer's gradient."""
    if t.phase_index == 0:
        return t.steps > 0 and t.batch_x is not None
    return Phase(BACKWARD, layer) in t.phases[: t.phase_index]


def inspect_selected(
    t: Trainer,
    selection: tuple[int, int, int] | None,
    before: np.ndarray | None,
    finite_diff: float | None,
) -> Inspection | None:
    """The chain rule of the selected weight, once backward has reached its layer."""
    if selection is None:
        return None
    k, i, j = selection
    step_done = t.phase_index == 0 and t.steps > 0
    w_before = None if before is None else parameter(t, before, k, i, j)
    chain, waiting = None, ""
    if backward_reached(t, k):
        weights = biases = None
        if step_done and before is not None:  # the update has run: the weights it saw
            weights, biases = t.net.views(before)
        if step_done and before is None:
            waiting = "step with n or p to see the chain rule of one step"
        else:
            chain = chain_rule(t.net, k, i, j, t.loss, t.batch_y, weights, biases)
    else:
        waiting = f"press p: backward has not reached layer {k + 1} yet"
    return Inspection(
        chain=chain,
        waiting=waiting,
        lr=t.config.lr,
        optimizer=t.config.optimizer,
        l2=t.config.l2,
        l1=t.config.l1,
        clip=t.config.clip,
        w_before=w_before,
        w_now=parameter(t, t.net.params, k, i, j),
        step_done=step_done,
        finite_difference=finite_diff,
    )


def finite_difference_of(
    t: Trainer, selection: tuple[int, int, int] | None, before: np.ndarray | None
) -> float | None:
    """dE/dw of the selected weight on the current batch, with the weights it saw."""
    if selection is None or t.batch_x is None:
        return None
    k, i, j = selection
    if t.phase_index == 0 and before is not None:  # the update has run: go back for a moment
        now = t.net.params.copy()
        t.net.params[...] = before
        try:
            return finite_difference(t.net, t.batch_x, t.batch_y, t.loss, k, i, j)
        finally:
            t.net.params[...] = now
    return finite_difference(t.net, t.batch_x, t.batch_y, t.loss, k, i, j)


def _extent(X: np.ndarray) -> tuple[float, float, float, float]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.05 * np.maximum(hi - lo, 1e-9)
    return (
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    )


def plane_points(t: Trainer) -> tuple[np.ndarray, np.ndarray] | None:
    """The training and validation points (n, 2) of a run over a plane: its inputs, or the
    points its derived inputs were made from (config.features); None for other data."""
    train, val = t.train_set, t.val_set
    if train.plane is not None:
        return train.plane, val.plane
    return (t.X, t.X_val) if t.X.shape[1] == 2 else None


def grid_points(extent: tuple[float, float, float, float], rows: int, cols: int) -> np.ndarray:
    """(rows * cols, 2) points over ``extent`` (x1 min, x1 max, x2 min, x2 max), row by row,
    the top row at x2 max."""
    gx = np.linspace(extent[0], extent[1], cols)
    gy = np.linspace(extent[3], extent[2], rows)
    return np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)


def data_points(t: Trainer) -> tuple[np.ndarray, ...]:
    """The data as the data view draws it, read-only copies (the run's data never changes:
    made once a run): training x (n, 2 or 1), y (n, k), validation x, y; x the points of a
    plane, y a standardised regression target in its own units."""
    units = t.target_scaler.inverse if t.target_scaler is not None else lambda y: y
    plane = plane_points(t)
    train_x, val_x = plane if plane is not None else (t.X, t.X_val)
    return tuple(frozen(a) for a in (train_x, units(t.Y), val_x, units(t.Y_val)))


def data_view(t: Trainer, points: tuple[np.ndarray, ...]) -> DataView:
    """The model over its input plane (2 inputs, or derived inputs of 2) or line (1 input),
    over ``points`` (``data_points``); a standardised regression target in its own units
    (the model's output likewise)."""
    X, n_inputs = t.X, t.X.shape[1]
    units = t.target_scaler.inverse if t.target_scaler is not None else lambda y: y
    plane = plane_points(t)
    train_x, train_y, val_x, val_y = points
    base = dict(
        n_inputs=2 if plane is not None else n_inputs,
        task=t.task,
        train_x=train_x,
        train_y=train_y,
        val_x=val_x,
        val_y=val_y,
        truth=dict(t.train_set.truth),
    )
    if plane is not None and len(X):
        extent = _extent(plane[0])
        points = grid_points(extent, GRID_ROWS, GRID_COLS)
        with np.errstate(all="ignore"):
            _, out = t.net.predict(network_inputs(t, points))
        value = out.argmax(axis=1) if t.task == "multiclass" else units(out)[:, 0]
        grid = frozen(value.reshape(GRID_ROWS, GRID_COLS))
        return DataView(**base, extent=extent, grid=grid)
    if n_inputs == 1 and len(X):
        xs = np.linspace(X.min(), X.max(), CURVE_POINTS)
        with np.errstate(all="ignore"):
            z, out = t.net.predict(xs[:, None])
        fitted = {}
        if t.net.n_layers == 1 and t.net.activations[0].identity and t.scaler is None:
            fitted = {"m": float(t.net.weights[0][0, 0]), "b": float(t.net.biases[0][0])}
        curve = frozen(units(out)[:, 0])
        basis, bias = basis_curves(t, xs)
        z = curve if t.net.activations[-1].identity else frozen(z[:, 0])  # the parts' sum
        return DataView(
            **base,
            curve_x=frozen(xs),
            curve_y=curve,
            fitted=fitted,
            basis=basis,
            basis_bias=bias,
            basis_sum=z if basis is not None else None,
        )
    if t.task == "regression" and len(X):  # more inputs: predicted against actual
        with np.errstate(all="ignore"):
            train, val = (units(t.net.predict(A[:SCATTER_ROWS])[1]) for A in (X, t.X_val))
        return DataView(**base, train_predicted=frozen(train), val_predicted=frozen(val))
    return DataView(**base)


def basis_curves(t: Trainer, xs: np.ndarray) -> tuple[np.ndarray | None, float]:
    """What each neuron of the last hidden layer adds to the first output's z over the
    inputs xs (points,): a_j(x)·W_L[j, 0] for its output a_j (x through the layers before),
    as (units, points), and the output's bias b_L[0], so that z(x) = their sum + b_L[0].
    A standardised regression target's linear output is in the target's units (each part
    times its std, the bias std·b + mean): their sum is then the curve drawn. (None, 0)
    without a hidden layer."""
    net = t.net
    if net.n_layers < 2:
        return None, 0.0
    a = np.asarray(xs[:, None], net.dtype)
    with np.errstate(all="ignore"):
        layers = zip(net.weights[:-1], net.biases[:-1], net.activations[:-1], net.on, strict=True)
        for w, b, act, on in layers:
            a = act.fn(a @ w + b) * on  # a neuron switched off adds nothing
        parts = (a * net.weights[-1][:, 0]).T.astype(np.float64)  # (units, points)
    bias = float(net.biases[-1][0])
    scaler = t.target_scaler
    if scaler is not None and net.activations[-1].identity:  # y = std·z + mean
        std, mean = float(scaler.std[0]), float(scaler.mean[0])
        parts, bias = parts * std, bias * std + mean
    return frozen(parts), bias


def neuron_maps(t: Trainer) -> NeuronMaps | None:
    """Every neuron's output over the input plane (2-D data; None for other data): one
    forward pass of the MAP_ROWS x MAP_COLS grid's points through the network, keeping
    each layer's a = f(a_prev W + b) for all its neurons at once."""
    plane = plane_points(t)
    if plane is None or not len(plane[0]):
        return None
    extent = _extent(plane[0])
    a = np.asarray(network_inputs(t, grid_points(extent, MAP_ROWS, MAP_COLS)), t.net.dtype)
    columns = [a]
    with np.errstate(all="ignore"):
        on = [*t.net.on, 1.0]  # a neuron switched off: its map is 0 (the output's never)
        for w, b, act, m in zip(t.net.weights, t.net.biases, t.net.activations, on, strict=True):
            a = act.fn(a @ w + b) * m
            columns.append(a)
    maps, ranges = [], []
    for c, values in enumerate(columns):
        kept = values[:, :MAX_MAPS].T.reshape(-1, MAP_ROWS, MAP_COLS)
        maps.append(frozen(np.asarray(kept, np.float64)))  # a copy the trainer never touches
        if c and t.net.activations[c - 1].name in PROBABILITIES:
            ranges.append((0.0, 1.0))
        else:
            top = float(np.abs(values[np.isfinite(values)]).max(initial=0.0))
            ranges.append((-top, top))
    return NeuronMaps(extent, tuple(maps), tuple(ranges))


def network_inputs(t: Trainer, points: np.ndarray) -> np.ndarray:
    """The network's inputs at points (n, 2) of the plane: as they are, or their derived
    features scaled like the training inputs."""
    if t.train_set.plane is None:
        return points
    return plane_inputs(t.config.features, t.scaler, points)


def batch_sample(t: Trainer, sample: int) -> int:
    """The index ``sample`` in the current mini-batch, wrapped around its size (0 before
    any batch): the batch changes size at an epoch's end."""
    rows = 0 if t.batch_x is None else t.batch_x.shape[0]
    return sample % rows if rows else 0


def weights_seen(t: Trainer, before: np.ndarray | None) -> list[np.ndarray] | None:
    """The weights W_k the last pass went through: the network's own within a step; once
    its update has run, those of ``before`` (the parameters when the step began), None if
    they were not kept (steps run whole at full speed or epochs a second, an edit)."""
    if t.phase_index == 0 and t.steps > 0:
        return None if before is None else t.net.views(before)[0]
    return t.net.weights


def carried_back(t: Trainer, sample: int, before: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """What each connection carries back for one sample: W_k[i, j] · δ_k[s, j] per layer
    (sizes[k], sizes[k+1]), with the weights the pass went through; their sum over j is
    dE_s/da_k[i] (grad_a of the layer below). () when those weights are unknown."""
    seen = weights_seen(t, before)
    if seen is None or not t.net.has_pass or t.batch_x is None:
        return ()
    n = t.batch_x.shape[0]  # per sample: the stored deltas carry the batch mean's 1/n
    with np.errstate(all="ignore"):  # a layer backward has not reached yet holds anything
        return tuple(frozen(w * (d[sample] * n)) for w, d in zip(seen, t.net.delta, strict=True))


def phase_detail(
    t: Trainer, sample: int = 0, carried: tuple[np.ndarray, ...] = ()
) -> PhaseDetail | None:
    """What the last pass computed, for the phase view and the graph of one sample:
    DETAIL_ROWS rows of the mini-batch through every layer (the first ones, or the block
    of them that holds row ``sample``), and the whole gradients; None before any pass.
    ``carried``: the sample's w·δ (``carried_back``), while the graph is shown."""
    net = t.net
    if not net.has_pass or t.batch_x is None:
        return None
    first = sample - sample % DETAIL_ROWS
    r = slice(first, first + DETAIL_ROWS)
    z, a, y = net.z, net.a, t.batch_y
    n = t.batch_x.shape[0]  # the stored deltas carry the batch mean's 1/n: per sample, x n
    return PhaseDetail(
        x=frozen(t.batch_x[r]),
        y_true=frozen(y[r]),
        z=tuple(frozen(v[r]) for v in z),
        a=tuple(frozen(v[r]) for v in a),
        delta=tuple(frozen(v[r] * n) for v in net.delta),
        grad_a=tuple(frozen(v[r] * n) for v in net.grad_a),
        dweights=tuple(frozen(w) for w in net.dweights),
        dbiases=tuple(frozen(b) for b in net.dbiases),
        weight_step=tuple(frozen(-w) for w in net.step_weights),  # params -= step
        bias_step=tuple(frozen(-b) for b in net.step_biases),
        per_sample_loss=frozen(t.loss.per_sample(z[-1][r], a[-1][r], y[r])),
        batch_size=int(t.batch_x.shape[0]),
        first_row=first,
        carried=carried,
    )


def results(t: Trainer) -> Results | None:
    """The confusion matrix and per-class scores on the validation set (the training set
    without one); None for regression or before any data. Pixel inputs (a square number
    of them, none negative) also give the first few misclassified samples as images."""
    if t.task == "regression":
        return None
    which = "val" if len(t.X_val) else "train"
    cm, names = confusion(t, which)
    report = class_report(cm)
    return Results(
        which="validation" if which == "val" else "training",
        epoch=t.epoch,
        matrix=frozen(cm),
        class_names=names,
        precision=frozen(report.precision),
        recall=frozen(report.recall),
        accuracy=report.accuracy,
        misclassified=misclassified(t, which),
    )


def misclassified(t: Trainer, which: str) -> tuple[Misclassified, ...]:
    """Up to MISCLASSIFIED wrongly predicted rows as k x k images, when the d inputs are
    the pixels of a square image (d = k * k, k >= 4, as read from the file: none negative)."""
    X, Y = (t.X_val, t.Y_val) if which == "val" else (t.X, t.Y)
    k = int(round(np.sqrt(X.shape[1])))
    if k < 4 or k * k != X.shape[1] or len(X) == 0:
        return ()
    true = predicted_classes(Y, t.task)
    wrong = np.flatnonzero(predicted_classes(outputs(t, which), t.task) != true)
    guess = predicted_classes(outputs(t, which)[wrong[:MISCLASSIFIED]], t.task)

    def as_read(rows: np.ndarray) -> np.ndarray:
        rows = rows.astype(np.float64)
        return t.scaler.inverse(rows) if t.scaler is not None else rows

    sample, raw = as_read(X[:256]), as_read(X[wrong[:MISCLASSIFIED]])
    if (sample < -1e-9).any() or (raw < -1e-9).any():
        return ()  # negative values: not pixels
    top = max(float(sample.max()), float(raw.max(initial=0.0))) or 1.0  # 0 black, top white
    names = t.train_set.class_names
    return tuple(
        Misclassified(frozen(np.clip(r / top, 0.0, 1.0).reshape(k, k)), names[true[i]], names[g])
        for r, i, g in zip(raw, wrong[:MISCLASSIFIED], guess, strict=True)
    )


def test_scores(t: Trainer) -> str:
    """The held-out test rows' scores as one line of the data summary: a regression's R²,
    RMSE and MAE, a classification's accuracy and balanced accuracy; "" without them."""
    n = rows(t, "test")
    if not n:
        return ""
    where = f"on the {n:,} held-out rows, the weights of epoch {weights_epoch(t):,}"
    if t.task == "regression":
        s = regression_scores(t, "test")
        return f"test     R² {s.r2:.4g}, RMSE {s.rmse:.4g}, MAE {s.mae:.4g} {where}"
    report = class_report(confusion(t, "test")[0])
    return (
        f"test     accuracy {100 * report.accuracy:.1f}% (balanced "
        f"{100 * report.balanced_accuracy:.1f}%) {where}"
    )
