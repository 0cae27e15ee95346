"""Predict, then reveal, in words: a question about the next step (core.quiz), then its
answer with the step's own numbers and why. Plain text lines; the dialog wraps them."""

from __future__ import annotations

import numpy as np

from ..snapshot import LOWER, SIGN, SMALLEST, Question, Reveal, Snapshot, parameter_name
from .formulas import update_rule
from .numbers import num


def weight_words(snap: Snapshot, q: Question) -> str:
    """ "W2[3,1] = -0.4231: a1[3] → neuron 1 of layer 2" (an input by its own name)."""
    k, i, j = q.weight
    source = snap.input_names[i] if k == 0 and len(snap.input_names) > i else f"a{k}[{i}]"
    name = parameter_name(k, i, j, list(snap.sizes))
    return f"{name} = {num(q.w)}: {source} → neuron {j} of layer {k + 1}"


def question_lines(snap: Snapshot, q: Question) -> list[str]:
    """The question and what each key answers."""
    head = f"Step {q.step:,} (epoch {q.epoch:,}) takes a batch of {q.batch_rows} samples."
    if q.kind == SIGN:
        return [
            f"{head} Will dE/dw, its gradient for the weight {weight_words(snap, q)} "
            "(yellow in the network), be positive or negative?",
            "  +  positive: raising w would raise the batch's loss",
            "  -  negative: raising w would lower it",
        ]
    if q.kind == SMALLEST:
        return [
            f"{head} Backward carries the error signal δ = dE_s/dz from the output (layer "
            f"{q.layers}) down to layer 1. Which layer's ‖δ‖ will be the smallest?",
            f"  1 … {q.layers}  that layer ({q.layers}: the output)",
        ]
    c = snap.config
    return [
        f"{head} The update: {update_rule(c.optimizer, c.l2, c.l1, c.clip)}, lr {c.lr:g}. "
        "Will this batch's loss be lower after the update than before it?",
        "  y  yes, lower",
        "  n  no",
    ]


def answer_keys(q: Question) -> str:
    keys = {SIGN: "+ or -", SMALLEST: f"1 to {q.layers}", LOWER: "y or n"}[q.kind]
    leave = "the lesson goes on" if q.resume else "nothing runs"
    return f"{keys} to answer · Esc no answer ({leave})"


def verdict(r: Reveal) -> str:
    """ "✓ Right: ..." or "✗ Not so: ..." with the answer the step gave."""
    head = "✓ Right" if r.right else "✗ Not so"
    q = r.question
    if q.kind == SIGN:
        sign = {"+": "positive", "-": "negative"}.get(r.shown, "exactly 0")
        return f"{head}: dE/dw = {num(r.chain.backprop)}, {sign}."
    if q.kind == SMALLEST:
        return f"{head}: layer {r.shown}'s ‖δ‖ was the smallest."
    return f"{head}: {'lower' if r.shown == 'y' else 'not lower'}."


def reveal_lines(snap: Snapshot, r: Reveal) -> list[str]:
    """The answer and why, every number the step's own."""
    lines = [verdict(r)]
    if r.shown != r.truth:  # never expected: the rehearsal and the step disagree
        lines.append(f"(the rehearsal before the step said {r.truth}: please report this)")
    q = r.question
    if q.kind == SIGN:
        lines += sign_lines(snap, r)
    elif q.kind == SMALLEST:
        lines += delta_lines(r, snap.activation_names[:-1])
    else:
        lines += loss_lines(r)
    return lines


def sign_lines(snap: Snapshot, r: Reveal) -> list[str]:
    """The batch mean of the samples' chain rules, the sample that weighs most, the update."""
    c = r.chain
    products = c.products
    n = len(products)
    s = int(np.argmax(np.abs(products)))
    if c.fused or c.coupled:  # the code forms dE_s/dz directly (core.inspect)
        how = "dE_s/dz · dz/dw" + (" (dE_s/dz = a - t, fused)" if c.fused else "")
        factors = f"{signed(c.de_dz[s])} · {signed(c.dz_dw[s])}"
    else:
        how = "dE_s/da · da/dz · dz/dw"
        factors = f"{signed(c.de_da[s])} · {signed(c.da_dz[s])} · {signed(c.dz_dw[s])}"
    up, down = int(np.sum(products > 0)), int(np.sum(products < 0))
    zero = f", {n - up - down} are 0" if n - up - down else ""
    name = parameter_name(c.layer, c.i, c.j, list(snap.sizes))
    return [
        f"It is the mean over the {n} samples of each one's {how}.",
        f"The largest single one, sample {s + 1}'s: {factors} = {num(float(products[s]))}",
        f"{up} of the {n} products are positive, {down} negative{zero}.",
        f"The update took {name} from {num(c.weight)} to {num(r.w_after)}.",
    ]


SLOPES = {"sigmoid": "a sigmoid's is at most 0.25", "tanh": "a tanh's at most 1",
          "relu": "a ReLU's 0 or 1"}  # fmt: skip


def delta_lines(r: Reveal, hidden: tuple[str, ...] = ()) -> list[str]:
    """‖δ‖ of each layer, from the output down, with what each layer down multiplied it by."""
    norms = r.delta_norm
    last = len(norms)
    lines = ["‖δ‖ of this step from the output down, × what each layer down did to it:"]
    for k in range(last, 0, -1):
        value = f"{norms[k - 1]:.3g}"
        times = f"  ×{norms[k - 1] / norms[k]:.3g}" if k < last and norms[k] else ""
        mark = "  ← smallest" if str(k) == r.shown else ""
        lines.append(f"  L{k:<2} {value:>9}{times}{mark}")
    slopes = "; ".join(SLOPES[name] for name in dict.fromkeys(hidden) if name in SLOPES)
    lines.append(
        "A layer down, δ = (δ·Wᵀ) ⊙ f'(z): that layer's weights and its activation's "
        f"slope scale it{f' ({slopes})' if slopes else ''}."
    )
    return lines


def loss_lines(r: Reveal) -> list[str]:
    """The batch's loss before and after, the change the slope predicted, and why they differ."""
    change = r.loss_after - r.loss_before
    lines = [
        f"The batch's loss went from {num(r.loss_before)} to {num(r.loss_after)} "
        f"({num(change, '+.4g')}).",
        f"The slope predicted -dE/dW·ΔW = {num(r.first_order, '+.4g')} for the step ΔW taken.",
    ]
    if change > 0 > r.first_order:
        lines.append("Downhill by the slope, yet up: the step overshot the valley's floor "
                     "(too large for it: a smaller lr).")  # fmt: skip
    elif abs(change - r.first_order) <= 0.5 * abs(r.first_order):
        lines.append("A step this small goes about where the slope says.")
    else:
        lines.append("The step is long enough for the slope to change on the way.")
    return lines


def signed(x: float) -> str:
    """A factor in a product: a negative one in parentheses, "(-0.41)"."""
    return f"({num(x)})" if x < 0 else num(x)


def reveal_keys(r: Reveal) -> str:
    close = "⏎ the lesson goes on" if r.question.resume else "⏎ close"
    extra = " · i: this weight in the inspector" if r.question.kind == SIGN else ""
    return f"{close} · k another question{extra}"
