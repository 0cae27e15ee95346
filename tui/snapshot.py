"""What the worker publishes for the screen: one frozen Snapshot, swapped as one reference.

Everything in it is a copy made on the worker between two steps, and every array in it is
read-only (``frozen``; ``freeze`` again after a snapshot has come through a pipe), so the
widgets can read it at leisure while training goes on, and nothing can write into it.
This module is the contract between the worker and the screen: it imports from core only.
Curves are already downsampled (min/max
buckets: spikes survive) so a frame costs the same after 10 epochs or 10 million.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from core.config import Config
from core.ghosts import Ghost
from core.health import SATURATED, depth_verdicts
from core.inspect import ChainRule, parameter_name
from core.metrics import distinct_labels
from core.normalization import SYMBOLS
from core.pace import Pace
from core.phases import BACKWARD, FORWARD, LOSS, UPDATE, Phase
from core.quiz import LOWER, SIGN, SMALLEST, Question, Reveal

# What the widgets may use of the core: they import it from here, the one contract.
__all__ = [
    "BACKWARD",
    "FORWARD",
    "LOSS",
    "LOWER",
    "SIGN",
    "SMALLEST",
    "UPDATE",
    "ChainRule",
    "Config",
    "Ghost",
    "Pace",
    "Phase",
    "Question",
    "Reveal",
    "SATURATED",
    "depth_verdicts",
    "distinct_labels",
    "parameter_name",
]

Floats = NDArray[np.float64]
Mask = NDArray[np.bool_]


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a``."""
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


def freeze(value: Any) -> Any:
    """Make every array inside ``value`` (dataclasses, tuples, lists, dicts) read-only, in
    place, and return it: for a snapshot unpickled from the worker process (its arrays are
    its own copies, made writeable by unpickling)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for item in value:
            freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    return value


@dataclass(frozen=True)
class Curve:
    """A history column over the whole run: x (m,) epochs, lo/hi (m,) bucket min and max."""

    x: Floats
    lo: Floats
    hi: Floats

    @staticmethod
    def empty() -> Curve:
        e = np.zeros(0)
        return Curve(e, e, e)


@dataclass(frozen=True)
class PhaseDetail:
    """The cached values of the current mini-batch, for the phase view and the inspector.

    Per layer k: z[k] and a[k] (rows, sizes[k+1]); delta[k] = dE_s/dz[k] and grad_a[k] =
    dE_s/da[k] (hidden layers) per sample s, the scale the lesson's chain rule uses (the
    gradients are their batch means). Only ``rows`` rows of the batch are kept, from its
    row ``first_row`` on (0, or the block of rows that holds the snapshot's ``sample``).
    dweights, dbiases: the batch's gradients; weight_step, bias_step: what the last update
    added to each W_k and b_k.
    """

    x: Floats
    y_true: Floats
    z: tuple[Floats, ...]
    a: tuple[Floats, ...]
    delta: tuple[Floats, ...]
    grad_a: tuple[Floats, ...]
    dweights: tuple[Floats, ...]
    dbiases: tuple[Floats, ...]
    weight_step: tuple[Floats, ...]
    bias_step: tuple[Floats, ...]
    per_sample_loss: Floats
    batch_size: int
    first_row: int = 0  # the batch's row that row 0 here is (the block holding the sample)
    # while the graph of one sample is shown: per layer (sizes[k], sizes[k+1]) what each
    # connection carries back for the snapshot's sample, W_k[i, j]·δ_k[s, j], with the
    # weights the pass went through (their sum over j is dE_s/da_k[i]); () otherwise
    carried: tuple[Floats, ...] = ()

    def row(self, sample: int) -> int | None:
        """Where the batch's row ``sample`` is among the rows kept (None: not kept)."""
        at = sample - self.first_row
        return at if 0 <= at < len(self.x) else None


@dataclass(frozen=True)
class Inspection:
    """The chain rule for the selected weight, and its update once the step is complete."""

    chain: ChainRule | None  # None until backward has reached the layer
    waiting: str  # why ``chain`` is None ("" otherwise)
    lr: float  # the rate the optimiser applies
    optimizer: str
    l2: float  # the optimiser's penalties and clipping, which the update includes
    l1: float
    clip: float
    w_before: float | None  # the weight when this step started (None if unknown)
    w_now: float
    step_done: bool  # the update of this step has been applied
    finite_difference: float | None  # the last check of this weight on this batch


@dataclass(frozen=True)
class DataView:
    """What the data view draws: the model over its input, and the data on top.

    For 2 inputs: ``grid`` (rows, cols) is the model's output over ``extent``
    (x1 min, x1 max, x2 min, x2 max): class-1 probability for two classes, the arg max
    class for many, y for regression. For 1 input: ``curve_x``/``curve_y`` the fitted curve.
    """

    n_inputs: int
    task: str
    train_x: Floats
    train_y: Floats
    val_x: Floats
    val_y: Floats
    extent: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)
    grid: Floats | None = None
    curve_x: Floats | None = None
    curve_y: Floats | None = None
    truth: dict[str, float] = field(default_factory=dict)  # e.g. {"m": 3.0, "b": 2.0}
    fitted: dict[str, float] = field(default_factory=dict)  # {"m", "b"} of a 1-1 network
    # a regression over more than 2 inputs: the model's predictions (in the target's units)
    # for the first rows of train_y and val_y, to draw against them
    train_predicted: Floats | None = None
    val_predicted: Floats | None = None
    # 1 input, a hidden layer: what each last hidden neuron j adds to the first output's z
    # over curve_x, a_j(x)·W[j, 0] (units, points), and the output's bias: z = their sum +
    # basis_bias (``basis_sum``: the network's own z), and the curve is f(z) (z itself for
    # a linear output; a standardised target's parts, bias and z in its own units)
    basis: Floats | None = None
    basis_bias: float = 0.0
    basis_sum: Floats | None = None


@dataclass(frozen=True)
class NeuronMaps:
    """What each neuron computes over the input plane, from one forward pass over a grid.

    ``columns[c]`` (units, rows, cols): the values of neuron column c at the grid's points
    over ``extent`` (x1 min, x1 max, x2 min, x2 max; the top row at x2 max): c = 0 the
    inputs the network sees (x1, x2 or their features), c = k + 1 the output a = f(z) of
    layer k. At most the first ``views.MAX_MAPS`` neurons of a column are kept.
    ``ranges[c]``: (lo, hi), what column c's colours span, orange at lo, the neutral half
    way, blue at hi: (0, 1) for sigmoid and softmax (probabilities), else -m..m with m the
    largest finite |value| of any of the column's neurons.
    """

    extent: tuple[float, float, float, float]
    columns: tuple[Floats, ...]
    ranges: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Surface:
    """The training loss over the plane of a network's only two numbers, y = m x + b.

    ``grid`` (rows, cols): E(m, b) over ``extent`` (m min, m max, b min, b max), the top row
    at b max; ``path`` (k, 2): (m, b) as training went, oldest first; ``now``: (m, b) of the
    current weights; ``lowest``: where the loss is lowest on the training data; ``truth``:
    the m, b the data was made with (None for other data).
    """

    extent: tuple[float, float, float, float]
    grid: Floats
    path: Floats
    now: tuple[float, float]
    lowest: tuple[float, float]
    truth: tuple[float, float] | None
    loss_name: str
    # the ghost runs' paths (k, 2) on the same plane, one per snapshot ghost (oldest first;
    # empty when not known, e.g. a ghost loaded from a checkpoint)
    ghost_paths: tuple[Floats, ...] = ()
    # with mini-batches: where each of this epoch's batches' steps -lr·dE_b/d(m, b) goes from
    # the weights now (n, 2), and the full batch's step, -lr·dE/d(m, b), both at ``now``
    batch_steps: Floats | None = None
    full_step: tuple[float, float] | None = None


@dataclass(frozen=True)
class Landscape:
    """The training loss E around the current weights θ of any network (core.landscape).

    Along a line through θ: ``alphas`` (m,), ``line`` (m,) = E(θ + α d), d the last update
    (so α = -1 is where it started, ``direction`` "last"; "step" before any: the next step).
    ``step_alpha``: where the optimiser's next full-batch step lands along d (its
    projection); ``step_loss``: E where it really lands; ``step_off``: ‖step off the
    line‖ / ‖step‖; ``bottom_alpha``: the lowest point of E's quadratic model along d (nan
    where the line curves down).

    Over a plane through θ: ``plane`` (g, g), E(θ + coords[j] d₁ + coords[i] d₂), the top
    row at coords[-1] (nan: not reached within the time budget); ``plane_kind`` "random"
    (directions normalised per neuron, Li et al. 2018) or "path" (the path's own two);
    ``path`` (k, 2): the last weights kept (oldest first) projected on the plane;
    ``path_off``: their median distance off the plane, as a share of their distance from θ.
    ``loss_now``: E(θ) (the centre of both); ``rows``: training rows the losses are over.
    """

    alphas: Floats
    line: Floats
    direction: str
    step_alpha: float
    step_loss: float
    step_off: float
    bottom_alpha: float
    coords: Floats
    plane: Floats
    plane_kind: str
    plane_asked: str  # the plane chosen (t); "path" with too short a path is still "random"
    path: Floats
    path_off: float
    loss_now: float
    rows: int
    complete: bool  # every point of the plane computed
    loss_name: str


@dataclass(frozen=True)
class Sharpness:
    """λmax, the largest eigenvalue of the training loss's Hessian (core.landscape.sharpness),
    at the weights of ``epoch``/``steps``, beside the optimiser's stability limit.

    ``value``: the estimate, a lower bound until ``converged``; ``limit``: the sharpness at
    which the run's steps grow on a quadratic, 2/lr ((2 + 2β)/lr with momentum), None for
    Adam; ``limit_name``: "2/lr", "(2+2β)/lr" or "" (Adam).
    """

    value: float
    converged: bool
    limit: float | None
    limit_name: str
    optimizer: str
    epoch: int
    steps: int


@dataclass(frozen=True)
class Misclassified:
    """One validation sample the model gets wrong, drawn as an image: ``pixels`` (k, k)
    scaled to 0..1 (the file's values, the smallest 0 and the largest 1)."""

    pixels: Floats
    true: str
    predicted: str


@dataclass(frozen=True)
class Results:
    """A classification's confusion matrix on the validation set (the training set
    without one) at ``epoch``, with per-class scores, each (C,); see core.metrics."""

    which: str  # "validation" or "training"
    epoch: int
    matrix: NDArray[np.int64]  # (C, C): rows true class, columns predicted
    class_names: tuple[str, ...]
    precision: Floats
    recall: Floats
    accuracy: float
    misclassified: tuple[Misclassified, ...] = ()  # when the inputs are a square image's pixels


@dataclass(frozen=True)
class Snapshot:
    """The state of a run at one instant between two steps (or two phases)."""

    seq: int  # increases with every snapshot
    applied: int  # the last command (by number) already applied
    status: str  # "running", "paused" or "diverged"
    message: str  # why it diverged, or "" (also the last command's error)
    notice_id: int  # increases with each new notice
    notice: str  # a one-off message for the user ("saved run.npz", an error...)
    notice_error: bool
    epoch: int  # completed epochs
    steps: int  # completed steps
    steps_per_epoch: int
    batch_pos: int  # steps done in the current epoch
    phases: tuple[Phase, ...]  # forward, loss, backward L-1 ... 0, update
    phase_index: int  # the next phase to run (0: between steps)
    stepping: bool  # paused, or running a step or a phase at a time: the phases are shown
    config: Config  # the settings the run uses (lr included)
    task: str  # regression, binary, multiclass
    loss_name: str
    dataset_name: str
    sizes: tuple[int, ...]
    activation_names: tuple[str, ...]
    derivative_formulas: tuple[str, ...]  # f'(z) of each layer's activation, in words
    loss_formula: str  # one sample's dE/da at the output, e.g. "2(a-t)"
    loss_short: str  # the loss's name where room is short ("CE")
    weights: tuple[Floats, ...]
    biases: tuple[Floats, ...]
    grad_norm: Floats  # (L,) ||dW_k|| of the last step
    bias_grad_norm: Floats
    weight_norm: Floats
    update_ratio: Floats  # ||step W_k|| / ||W_k||: 0 when nothing moved
    delta_norm: Floats  # (L,) ||δ_k||, δ_k = dE_s/dz_k reaching layer k (RMS over the batch)
    last_loss: float  # loss of the last mini-batch
    train_loss: float  # of the last completed epoch (nan before)
    val_loss: float
    train_acc: float
    val_acc: float
    val_size: int  # rows in the validation set (0: none, so no val loss or accuracy)
    epochs_per_second: float
    train_curve: Curve
    val_curve: Curve
    grad_curves: tuple[Curve, ...]  # per layer: RMS ||dW_k|| per epoch
    lr_changes: tuple[tuple[int, float], ...]
    restores: tuple[tuple[int, str], ...]  # (epoch it happened in, "diverged" or "best")
    ghosts: tuple[Ghost, ...]  # earlier runs kept to compare with (oldest first)
    # per layer: the neurons whose ReLU was 0 for every sample of the last epoch, (units,);
    # None for a layer that is not a hidden ReLU layer, or before an epoch has ended
    dead_neurons: tuple[Mask | None, ...] = ()
    symmetric: tuple[bool, ...] = ()  # per layer: a hidden layer whose neurons are all the same
    off_neurons: tuple[tuple[int, int], ...] = ()  # (column, unit) switched off, column 1 the
    # first hidden layer (as in sizes)
    detail: PhaseDetail | None = None  # filled while paused
    selected: tuple[int, int, int] | None = None  # (layer, input, neuron) of the inspector
    selected_name: str = ""  # "W2[0,1]", or "b2[1]" for a bias (input sizes[layer])
    inspection: Inspection | None = None
    data: DataView | None = None
    neuron_maps: NeuronMaps | None = None  # 2-D data, while a panel that draws them is shown
    surface: Surface | None = None  # while the surface view is on screen, for y = m x + b
    surface_note: str = ""  # why there is no surface for this network, if asked for one
    landscape: Landscape | None = None  # while the surface view is on screen, other networks
    sharpness: Sharpness | None = None  # while the gradients panel shows it
    results: Results | None = None  # a classification's confusion matrix, while on screen
    train_r2: float = float("nan")  # a regression's R² (nan otherwise)
    val_r2: float = float("nan")
    train_rmse: float = float("nan")  # a regression's RMSE, in the target's own units
    val_rmse: float = float("nan")
    test_scores: str = ""  # the held-out test rows' scores, one line (config.test_fraction)
    target_standardized: bool = False  # a regression's loss is in its deviation's units
    best_epoch: int | None = None  # the lowest validation loss's epoch (0: the start)
    best_val_loss: float = float("inf")
    data_summary: tuple[str, ...] = ()  # what was read and decided (a CSV file's run)
    input_names: tuple[str, ...] = ()  # a CSV file's columns or the features, to label inputs
    activation_notes: tuple[str, ...] = ()  # per layer, what is special about its activation
    output_names: tuple[str, ...] = ()  # its classes (P(name) for two), or the target
    # per layer: the share of the last batch's outputs at a flat end of a tanh or sigmoid,
    # where f'(z) is all but 0 and δ is cut (nan: another activation, or a fused output)
    saturation: tuple[float, ...] = ()
    # the mini-batch's sample (0-based row) that the inspector, the phase view and the
    # graph of one sample show: , and . move it (wrapping around the batch)
    sample: int = 0
    # predict, then reveal (k, core.quiz): the question waiting for an answer (the run is
    # paused), the last answer revealed, and the session's score (right, answered)
    quiz_question: Question | None = None
    quiz_reveal: Reveal | None = None
    quiz_score: tuple[int, int] = (0, 0)
    # normalised hidden layers (config.norm): (H, 2) ||dgamma_k||, ||dbeta_k|| of the last step
    norm_grad: Floats = field(default_factory=lambda: frozen(np.zeros((0, 2))))

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def norm_symbol(self) -> str:
        """ "BN" or "LN" when the hidden layers normalise their z, else ""."""
        return SYMBOLS.get(self.config.norm, "")

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Each layer's activation, a normalised hidden layer's as "BN·tanh"."""
        names, sym = self.activation_names, self.norm_symbol
        if not sym:
            return names
        return (*(f"{sym}·{a}" for a in names[:-1]), names[-1])

    @property
    def pace(self) -> Pace:
        """How fast training goes (a setting of the run: its config's)."""
        return self.config.pace

    @property
    def last_phase(self) -> Phase | None:
        """The phase that ran last: within a step always the one before ``phase_index``
        (derived, so it can never disagree with it); between steps the update, while
        stepping (None at full speed, before the first step and after a divergence)."""
        if self.phase_index:
            return self.phases[self.phase_index - 1]
        if self.stepping and self.steps and self.status != "diverged":
            return self.phases[-1]
        return None
