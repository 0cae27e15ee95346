"""The chain-rule inspector: dE/dw of one weight as three factors, with the code's numbers.

    dE/dw = dE/da * da/dz * dz/dw      (for one sample; the gradient is the batch mean)

then the update W_new = W_old - lr * grad, and the value the network holds afterwards.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ...snapshot import Snapshot
from ..fields import finite_number
from ..formulas import update_rule
from .prompt_dialog import PromptDialog


def loss_derivative(s: Snapshot) -> str:
    """dE_s/da at the output for a loss that is not fused with its activation, in words.
    E averages over the K outputs too, hence the /K."""
    k = s.sizes[-1]
    per = "" if k == 1 else f"/{k}"
    return f"{s.loss_name}' = {s.loss_formula}{per}"


def num(x: float | None) -> str:
    """Compact: 4 significant digits."""
    if x is None:
        return "–"
    return f"{x:.4g}" if math.isfinite(x) else str(x)


class Inspector(Widget, can_focus=True):
    """Shows the chain rule of the selected weight; arrows and [ ] move the selection."""

    DEFAULT_CSS = "Inspector { text-wrap: nowrap; text-overflow: ellipsis; }"

    BINDINGS = [
        Binding("left", "move(-1, 0, 0)", "Layer -", show=False),
        Binding("right", "move(1, 0, 0)", "Layer +", show=False),
        Binding("up", "move(0, 0, -1)", "Neuron -", show=False),
        Binding("down", "move(0, 0, 1)", "Neuron +", show=False),
        Binding("left_square_bracket", "move(0, -1, 0)", "Input -", show=False),
        Binding("right_square_bracket", "move(0, 1, 0)", "Input +", show=False),
        Binding("comma", "sample(-1)", "Sample -", show=False),
        Binding("full_stop", "sample(1)", "Sample +", show=False),
        Binding("f", "check", "Finite diff", tooltip="Check this gradient numerically"),
        Binding("w", "edit", "Edit weight", tooltip="Type a new value for this weight"),
    ]

    class Move(Message):
        """Move the selection by (layers, inputs, neurons)."""

        def __init__(self, dk: int, di: int, dj: int) -> None:
            super().__init__()
            self.delta = (dk, di, dj)

    class Check(Message):
        """Run a finite-difference check of the selected weight."""

    class WeightEdited(Message):
        """The person typed ``value`` for W_layer[i, j]."""

        def __init__(self, layer: int, i: int, j: int, value: float) -> None:
            super().__init__()
            self.layer, self.i, self.j, self.value = layer, i, j, value

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.sample = 0  # which sample of the batch the three factors are shown for

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refresh()

    def action_move(self, dk: int, di: int, dj: int) -> None:
        self.post_message(self.Move(dk, di, dj))

    def action_sample(self, delta: int) -> None:
        """The factors of the previous or next sample of the batch (wrapping around)."""
        inspection = self.snapshot.inspection if self.snapshot else None
        chain = inspection.chain if inspection else None
        if chain is not None:
            self.sample = (self.sample + delta) % len(chain.dz_dw)
            self.refresh()

    def action_check(self) -> None:
        self.post_message(self.Check())

    def action_edit(self) -> None:
        """Paused: type a new value for the selected weight (a bad one is refused)."""
        s = self.snapshot
        if s is None or s.selected is None:
            return
        if s.status == "running":
            self.notify("pause first (space): weights are edited between steps")
            return
        k, i, j = s.selected
        current = f"{float(s.weights[k][i, j]):.6g}"

        def done(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.post_message(self.WeightEdited(k, i, j, float(answer[0])))

        self.app.push_screen(
            PromptDialog(f"W{k + 1}[{i},{j}] (now {current})", current, parse=finite_number),
            done,
        )

    def render(self) -> Text:
        s = self.snapshot
        text = Text(no_wrap=True, overflow="ellipsis")
        if s is None or s.selected is None:
            return Text("select a weight: arrows, [ ]")
        k, i, j = s.selected
        act = s.activation_names[k]
        text.append(f"W{k + 1}[{i},{j}]", style="bold yellow")
        text.append(f" {act} layer {k + 1}: input {i} → neuron {j}\n", style="dim")
        ins = s.inspection
        if s.status == "running" or ins is None:
            text.append(f"w = {num(float(s.weights[k][i, j]))}\n")
            text.append(
                "pause (space) and step (n or p) to see\nthe chain rule with numbers\n", style="dim"
            )
            return self._keys(text)
        c = ins.chain
        if c is None:
            text.append(f"w = {num(ins.w_now)}\n{ins.waiting}\n", style="dim")
            return self._keys(text)
        n = len(c.dz_dw)
        at = self.sample % n  # a smaller batch than before wraps around like , and .
        last = k == len(s.sizes) - 2
        if c.de_da is None:
            text.append("dE/dz = a - t", style="bold")
            text.append(f" (fused {s.loss_name}) = {num(c.de_dz[at])}\n")
        else:
            source = loss_derivative(s) if last else f"Σm n·δ{k + 2}[m]·W{k + 2}[{j},m]"
            text.append("dE/da", style="bold")
            text.append(f" = {source} = {num(c.de_da[at])}\n")
            if c.coupled:  # softmax: every output depends on every z, no single da/dz
                text.append("dE/dz", style="bold")
                text.append(f" = a(dE/da - Σ a·dE/da) = {num(c.de_dz[at])}\n")
            else:
                text.append("da/dz", style="bold")
                formula = s.derivative_formulas[k]
                text.append(f" = {act}' = {formula} = {num(c.da_dz[at])}\n")
        text.append("dz/dw", style="bold")
        source = "x" if k == 0 else f"a{k}"
        text.append(f" = {source}[{i}] = {num(c.dz_dw[at])}  (sample {at + 1}/{n})\n")
        text.append(f"mean of product {c.product_mean:.6g}\n")
        agree = (
            "✓" if math.isclose(c.product_mean, c.backprop, rel_tol=1e-9, abs_tol=1e-15) else "✗"
        )
        text.append(f"backprop dW     {c.backprop:.6g} {agree}\n", style="bold")
        self._update_line(text, ins, c.backprop)
        if ins.finite_difference is not None:
            text.append(f"finite diff     {ins.finite_difference:.6g}\n")
        return self._keys(text)

    @staticmethod
    def _update_line(text: Text, ins, grad: float) -> None:
        if not ins.step_done or ins.w_before is None:
            text.append("update: after the update phase\n", style="dim")
            return
        w = ins.w_before
        if ins.optimizer == "sgd" and not ins.clip:  # the same sums the optimiser does
            expected = w - ins.lr * (grad + ins.l2 * w + ins.l1 * float(np.sign(w)))
            ok = "✓" if expected == ins.w_now else "≈"
            if ins.l2 or ins.l1:  # "W_new = W - lr·(dE/dW + 0.5·W)"
                rule = update_rule("sgd", ins.l2, ins.l1)
                text.append(rule.replace("W -=", "W_new = W -") + "\n")
            else:
                text.append(f"W_new = {num(w)} - {ins.lr:g}·{num(grad)}\n")
            text.append(f"      = {expected:.8g} {ok} held\n")
        else:  # momentum, Adam or clipping: the step depends on more than this gradient
            rule = update_rule(ins.optimizer, clip=ins.clip)
            text.append(f"{rule}: W {num(w)} → {num(ins.w_now)}\n")

    @staticmethod
    def _keys(text: Text) -> Text:
        text.append("←→ layer ↑↓ neuron [] input ,. sample f check w edit", style="dim")
        return text
