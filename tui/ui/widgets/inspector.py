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
from ..numbers import num
from .prompt_dialog import PromptDialog


def loss_derivative(s: Snapshot) -> str:
    """dE_s/da at the output for a loss that is not fused with its activation, in words.
    E averages over the K outputs too, hence the /K."""
    k = s.sizes[-1]
    per = "" if k == 1 else f"/{k}"
    return f"{s.loss_name}' = {s.loss_formula}{per}"


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
        # not in the footer (80 columns are short): the inspector's last line names them
        Binding("f", "check", "Finite diff", show=False, tooltip="Check this gradient"),
        Binding("w", "edit", "Edit weight", show=False, tooltip="Type a new value for it"),
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
        """Paused: type a new value for the selected weight or bias (a bad one is refused)."""
        s = self.snapshot
        if s is None or s.selected is None:
            return
        if s.status == "running":
            self.notify("pause first (space): weights are edited between steps")
            return
        k, i, j = s.selected
        current = f"{value_of(s):.6g}"

        def done(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.post_message(self.WeightEdited(k, i, j, float(answer[0])))

        self.app.push_screen(
            PromptDialog(f"{s.selected_name} (now {current})", current, parse=finite_number),
            done,
        )

    def render(self) -> Text:
        s = self.snapshot
        text = Text(no_wrap=True, overflow="ellipsis")
        if s is None or s.selected is None:
            return Text("select a weight: arrows, [ ]")
        k, i, j = s.selected
        bias = i == s.sizes[k]
        act = s.activation_names[k]
        source = "bias" if bias else f"a{k}[{i}]"
        text.append(s.selected_name, style="bold yellow")
        text.append(f": {source} → {act} neuron {j}\n", style="dim")
        ins = s.inspection
        if s.status == "running" and s.pace.kind not in ("steps", "phases") or ins is None:
            text.append(f"{'b' if bias else 'w'} = {num(value_of(s))}\n")
            text.append(
                "pause (space) and step (n or p) to see\nthe chain rule with numbers\n", style="dim"
            )
            return self._keys(text)
        c = ins.chain
        if c is None:
            text.append(f"{'b' if bias else 'w'} = {num(ins.w_now)}\n{ins.waiting}\n", style="dim")
            return self._keys(text)
        self._factors(text, s, c)
        return self._keys(text)

    def _factors(self, text: Text, s: Snapshot, c) -> None:
        """The three factors for one sample, its product, the batch mean and the update."""
        k, j = c.layer, c.j
        n = len(c.dz_dw)
        at = self.sample % n  # a smaller batch than before wraps around like , and .
        last = k == len(s.sizes) - 2
        source = loss_derivative(s) if last else f"Σm δ{k + 2}[m]·W{k + 2}[{j},m]"
        text.append("dE/da", style="bold").append(f" = {source} = {num(c.de_da[at])}\n")
        if c.coupled:  # softmax: every output depends on every z, no single da/dz
            rule = "a - t" if c.fused else "a(dE/da - Σ a·dE/da)"
            text.append("dE/dz", style="bold").append(f" = {rule} = {num(c.de_dz[at])}")
            text.append(" (fused)\n" if c.fused else "\n")
        else:
            formula = s.derivative_formulas[k]
            text.append("da/dz", style="bold")
            text.append(f" = {s.activation_names[k]}' = {formula} = {num(c.da_dz[at])}\n")
            if c.fused:  # the shortcut the code takes: the product, exact for any z
                text.append("dE/dz", style="bold")
                text.append(f" = dE/da·da/dz = a - t = {num(c.de_dz[at])} (fused)\n")
        if c.bias:
            text.append("dz/db", style="bold").append(" = 1\n")
        else:
            text.append("dz/dw", style="bold").append(f" = a{k}[{c.i}] = {num(c.dz_dw[at])}\n")
        d = "dE/db" if c.bias else "dE/dw"
        text.append(f"sample {at + 1}/{n}: {d} = {num(float(c.products[at]))}\n")
        agree = math.isclose(c.product_mean, c.backprop, rel_tol=1e-9, abs_tol=1e-15)
        text.append(f"batch mean {c.product_mean:.6g} = backprop {'✓' if agree else '✗'}\n", "bold")
        self._update_line(text, s.inspection, c.backprop, c.bias)
        if s.inspection.finite_difference is not None:
            text.append(f"finite diff {s.inspection.finite_difference:.6g}\n")

    @staticmethod
    def _update_line(text: Text, ins, grad: float, bias: bool) -> None:
        if not ins.step_done or ins.w_before is None:
            text.append("update: after the update phase\n", style="dim")
            return
        w, name = ins.w_before, "b" if bias else "W"
        l2, l1 = (0.0, 0.0) if bias else (ins.l2, ins.l1)  # penalties skip biases
        if ins.optimizer == "sgd" and not ins.clip:  # the same sums the optimiser does
            expected = w - ins.lr * (grad + l2 * w + l1 * float(np.sign(w)))
            ok = "✓" if expected == ins.w_now else "≈"
            if l2 or l1:  # "W_new = W - lr·(dE/dW + 0.5·W)"
                text.append(update_rule("sgd", l2, l1) + "\n")
            else:
                text.append(f"{name}_new = {num(w)} - {ins.lr:g}·{signed(grad)}\n")
            text.append(f"      = {expected:.8g} {ok} held\n")
        else:  # momentum, Adam or clipping: the step depends on more than this gradient
            rule = update_rule(ins.optimizer, clip=ins.clip)
            text.append(f"{rule}: {name} {num(w)} → {num(ins.w_now)}\n")

    @staticmethod
    def _keys(text: Text) -> Text:
        text.append("←→↑↓[] pick ,. sample f check w edit", style="dim")
        return text


def value_of(s: Snapshot) -> float:
    """The selected weight's (or bias's) value in the snapshot."""
    k, i, j = s.selected
    return float(s.biases[k][j] if i == s.sizes[k] else s.weights[k][i, j])


def signed(x: float) -> str:
    """A factor in a product: negative numbers in parentheses, "0.3·(-0.0688)"."""
    return f"({num(x)})" if x < 0 else num(x)
