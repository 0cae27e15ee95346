"""Predict, then reveal: a question about the next step of a run, answered by the step.

Before a step, ``ask`` rehearses it on copies of the network and the optimiser: the very
batch the step will take (``EpochBatches.current``) and the very weights, through the
phases the Trainer runs (forward, loss, backward, update). From the rehearsal it picks what
to ask, and keeps the true answer:

- SIGN: will dE/dw of one weight W_k[i, j] be positive or negative on this batch?
- SMALLEST: which layer's ‖δ_k‖ (δ_k = dE_s/dz_k, RMS over the batch) will be smallest?
- LOWER: will the update lower the loss of its own batch?

Once the learner has answered, the real step runs and ``reveal`` reads the answer from the
step's own numbers: the weight's chain rule (core.inspect.chain_rule, as the inspector
shows it), each layer's ‖δ‖ (the trainer's report, as the gradients panel shows it), and
the batch's loss before the update (the step's loss phase) and after (``evaluate``).

The rehearsal mirrors ``Trainer``'s phases: a change to a step (dropout, normalisation)
must be mirrored here; tests/test_quiz.py checks that the truth and the step agree.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .inspect import ChainRule, chain_rule
from .network import STEP
from .norms import delta_norms
from .trainer import Trainer

Floats = NDArray[np.float64]

SIGN, SMALLEST, LOWER = "sign", "smallest-delta", "lower-loss"
KINDS = (SIGN, SMALLEST, LOWER)
MAX_LAYERS = 9  # SMALLEST is answered with one digit key
PICK_SHARE = 0.1  # SIGN asks about a weight whose |dE/dw| is at least this share of its layer's


@dataclass(frozen=True)
class Question:
    """One question about the step the run takes next (``step``, 1-based, in ``epoch``).

    ``keys``: the answers, as typed: "+" "-" (SIGN), "1" ... str(layers) (SMALLEST), "y" "n"
    (LOWER). SIGN names its weight (k, i, j) and its value ``w`` now.
    """

    number: int  # 1, 2, ... in a session
    kind: str
    step: int
    epoch: int
    batch_rows: int
    layers: int
    weight: tuple[int, int, int] | None = None
    w: float = math.nan
    resume: bool = False  # asked by a running lesson: the run goes on once it is closed

    @property
    def keys(self) -> tuple[str, ...]:
        if self.kind == SIGN:
            return ("+", "-")
        if self.kind == SMALLEST:
            return tuple(str(k) for k in range(1, self.layers + 1))
        return ("y", "n")


@dataclass(frozen=True)
class Rehearsal:
    """What the next step will compute, found on copies: dW_k per layer, ‖δ_k‖ (L,), and
    its batch's loss before and after the update."""

    dweights: tuple[Floats, ...]
    delta_norm: Floats
    loss_before: float
    loss_after: float

    @property
    def finite(self) -> bool:
        values = [self.loss_before, self.loss_after, *self.delta_norm]
        return all(map(math.isfinite, values)) and all(np.isfinite(d).all() for d in self.dweights)


@dataclass(frozen=True)
class Reveal:
    """The answer, from the step that ran: the learner's key ``given``, the rehearsal's
    ``truth``, and ``shown``, the answer the step's own numbers give (the same as truth).

    SIGN: ``chain`` (the weight's chain rule on the step's batch, core.inspect) and
    ``w_after``; SMALLEST: ``delta_norm`` (L,) of the step; every kind: the batch's loss
    before and after the update, and ``first_order`` = -dE/dW·ΔW, the change the slope
    predicts for the step ΔW the optimiser took.
    """

    question: Question
    given: str
    truth: str
    shown: str
    loss_before: float
    loss_after: float
    first_order: float
    delta_norm: Floats
    chain: ChainRule | None = None
    w_after: float = math.nan

    @property
    def right(self) -> bool:
        return self.given == self.truth


def rehearse(t: Trainer) -> Rehearsal:
    """The next whole step on copies of the network and optimiser (the trainer untouched).
    Call between two steps (``t.phase_index == 0``)."""
    net, optimizer, c = t.net.copy(), copy.deepcopy(t.optimizer), t.config
    xa, y, _ = t.batches.current()
    net.dropped = t.dropout_masks(len(xa), copy.deepcopy(t.dropout_rng))  # the step's own
    with np.errstate(all="ignore"):
        net.run_forward(xa, augmented=True)
        before = net.output_delta(y, t.loss)
        net.backward()
        dweights = tuple(d.copy() for d in net.dweights)
        norms = delta_norms(net)
        optimizer.apply(
            net.params, net.grads, net.flat[STEP], net.weight_mask, c.lr, c.l2, c.l1, c.clip
        )
        z, a = net.predict(net.x, batch_stats=True)  # (batch norm: as the step saw it)
        after = t.loss.value(z if t.loss.from_logits else a, y)
    return Rehearsal(dweights, norms, float(before), float(after))


def kinds_for(r: Rehearsal, layers: int) -> list[str]:
    """The kinds of question this step can answer: SIGN needs a weight with a gradient,
    SMALLEST two to MAX_LAYERS layers and one smallest ‖δ‖ (no tie)."""
    kinds = []
    if any(np.abs(d).max(initial=0.0) > 0 for d in r.dweights):
        kinds.append(SIGN)
    norms = r.delta_norm
    if 2 <= layers <= MAX_LAYERS and np.count_nonzero(norms == norms.min()) == 1:
        kinds.append(SMALLEST)
    return [*kinds, LOWER]


def pick_weight(dweights: tuple[Floats, ...], rng: np.random.Generator) -> tuple[int, int, int]:
    """A weight (k, i, j) to ask about: a layer at random among those with a gradient, then
    one of its weights whose |dE/dw| is at least PICK_SHARE of the layer's largest (its sign
    is then plain, not a rounding)."""
    layers = [k for k, d in enumerate(dweights) if np.abs(d).max(initial=0.0) > 0]
    k = layers[rng.integers(len(layers))]
    size = np.abs(dweights[k])
    i, j = rng.choice(np.argwhere(size >= PICK_SHARE * size.max()))
    return k, int(i), int(j)


def ask(t: Trainer, number: int, kind: str | None = None) -> tuple[Question, str]:
    """Question ``number`` about the trainer's next step, and its true answer (a key).

    ``kind``: one of KINDS, or None to take turns (question n asks KINDS[(n - 1) % 3], or
    the next one this step can answer). ValueError: the step would diverge, or ``kind``
    does not apply to it (it says why).
    """
    if t.phase_index:
        raise ValueError("a question is about a whole step: finish this one first (n)")
    r = rehearse(t)
    if not r.finite:
        raise ValueError("the next step would diverge (a value stops being finite): no question")
    layers = t.net.n_layers
    possible = kinds_for(r, layers)
    if kind is None:
        turn = KINDS[(number - 1) % len(KINDS)]
        kind = next(k for k in [*KINDS, *KINDS][KINDS.index(turn) :] if k in possible)
    elif kind not in KINDS:
        raise ValueError(f"no question {kind!r}: one of {', '.join(KINDS)}")
    elif kind not in possible:
        why = "no weight has a gradient" if kind == SIGN else f"it needs 2 to {MAX_LAYERS} layers"
        raise ValueError(f"no {kind} question on this step: {why}")
    rows = int(t.batches.current()[0].shape[0])
    base = dict(number=number, kind=kind, step=t.steps + 1, batch_rows=rows, layers=layers)
    base["epoch"] = t.epoch + 1
    if kind == SIGN:
        k, i, j = pick_weight(r.dweights, np.random.default_rng([t.config.seed, 3, number]))
        q = Question(**base, weight=(k, i, j), w=float(t.net.weights[k][i, j]))
        return q, "+" if r.dweights[k][i, j] > 0 else "-"
    if kind == SMALLEST:
        return Question(**base), str(int(np.argmin(r.delta_norm)) + 1)
    return Question(**base), "y" if r.loss_after < r.loss_before else "n"


def reveal(t: Trainer, q: Question, given: str, truth: str, before: NDArray) -> Reveal:
    """The answer to ``q`` from the step the trainer has just run, whose parameters were
    ``before`` (flat, as ``net.params``) when it began."""
    net = t.net
    with np.errstate(all="ignore"):
        after = float(t.evaluate(t.batch_x, t.batch_y)[0])
        first_order = float(-np.dot(net.grads, net.flat[STEP]))
    norms = t.report().delta_norm
    common = dict(question=q, given=given, truth=truth, loss_before=float(t.last_loss))
    common |= dict(loss_after=after, first_order=first_order, delta_norm=norms)
    if q.kind == SIGN:
        k, i, j = q.weight
        weights, biases = net.views(before)
        chain = chain_rule(net, k, i, j, t.loss, t.batch_y, weights, biases)
        shown = "+" if chain.backprop > 0 else "-" if chain.backprop < 0 else "0"
        return Reveal(**common, shown=shown, chain=chain, w_after=float(net.weights[k][i, j]))
    if q.kind == SMALLEST:
        return Reveal(**common, shown=str(int(np.argmin(norms)) + 1))
    return Reveal(**common, shown="y" if after < t.last_loss else "n")
