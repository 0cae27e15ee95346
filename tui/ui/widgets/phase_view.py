"""The phase view: what the last phase of a step computed, with its numbers.

forward: each layer's activations a_k (a0 is the input x) for one sample (the one , and .
pick); loss: each sample's loss E_s and their mean E, the batch's loss; backward k: the
layer's δ_k = dE_s/dz_k for that sample, and the batch's gradients dW_k = mean a_(k-1)ᵀ·δ_k,
db_k = mean δ_k (signed); update: what each weight matrix and bias changed by. For
y = m x + b: dE/dm, dE/db and the updates of m and b.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widget import Widget

from ...snapshot import BACKWARD, FORWARD, LOSS, UPDATE, Snapshot
from ..formulas import update_rule
from ..numbers import vector


class PhaseView(Widget):
    """Renders the detail of the current mini-batch for the phase that ran last."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refresh()

    def render(self) -> Text:
        s = self.snapshot
        if s is None or s.detail is None or s.last_phase is None:
            return Text(
                "pause and press p: one phase at a time\n"
                "forward → loss → backward (last layer first) → update",
                style="dim",
            )
        d, phase, room = s.detail, s.last_phase, max(self.size.width - 12, 10)
        r = d.row(s.sample) or 0  # the sample , and . pick
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(phase.label, style="bold reverse")
        text.append(f"  batch of {d.batch_size}, sample {d.first_row + r + 1}\n", style="dim")
        line = s.sizes == (1, 1)  # y = m x + b: name the two numbers
        if phase.kind == FORWARD:
            names = s.activation_names  # whole: "line" would read as a word for linear
            pad = max(map(len, names))
            text.append(f"a0 {'x':<{pad}} {vector(d.x[r], room - pad + 4)}\n")
            for k, a in enumerate(d.a):
                text.append(f"a{k + 1} {names[k]:<{pad}} {vector(a[r], room - pad + 4)}\n")
        elif phase.kind == LOSS:
            rows = f"first {len(d.x)}" if d.first_row == 0 else f"from {d.first_row + 1}"
            text.append(f"E_s, {s.loss_name} of each sample ({rows}):\n")
            text.append(f"  {vector(d.per_sample_loss, room + 8)}\n")
            text.append(f"E = mean of the E_s = {s.last_loss:.6g}\n", style="bold")
            text.append(f"y {vector(d.a[-1][r], room)}  t {vector(d.y_true[r], 12)}\n")
        elif phase.kind == BACKWARD:
            self._backward(text, s, phase.layer, line, room, r)
        elif phase.kind == UPDATE:
            self._update(text, s, line)
        return text

    @staticmethod
    def _backward(text: Text, s: Snapshot, k: int, line: bool, room: int, r: int) -> None:
        d, n = s.detail, k + 1
        text.append(f"δ{n} = dE_s/dz {vector(d.delta[k][r], room - 6)}\n")
        if line:  # y = m x + b: the two gradients, with their signs
            text.append(f"dE/dm = mean x·δ1 = {d.dweights[k][0, 0]:+.4g}\n", style="bold")
            text.append(f"dE/db = mean δ1   = {d.dbiases[k][0]:+.4g}\n", style="bold")
            return
        norm_w = float(np.linalg.norm(d.dweights[k]))
        text.append(f"dW{n} = mean a{k}ᵀ·δ{n}  ‖dW‖ = {norm_w:.4g}\n", style="bold")
        text.append(f"db{n} = mean δ{n} {vector(d.dbiases[k], room - 4, signed=True)}\n")
        if k > 0:
            text.append(f"next: δ{k} = (δ{n}·W{n}ᵀ) * f'(z{k})\n", style="dim")

    @staticmethod
    def _update(text: Text, s: Snapshot, line: bool) -> None:
        d, c = s.detail, s.config
        text.append(f"{update_rule(c.optimizer, c.l2, c.l1, c.clip)}, lr {c.lr:g}\n")
        if line:  # the two numbers, before and after
            for name, now, step in (
                ("m", s.weights[0][0, 0], d.weight_step[0][0, 0]),
                ("b", s.biases[0][0], d.bias_step[0][0]),
            ):
                text.append(f"{name} {now - step:.4g} → {now:.4g} ({step:+.3g})\n", style="bold")
            return
        for k in range(s.n_layers):
            change = float(np.linalg.norm(d.weight_step[k]))
            text.append(f"L{k + 1} ‖ΔW‖ = {change:.3g}  ΔW/W = {s.update_ratio[k]:.2g}\n")
            text.append(f"   Δb{k + 1} {vector(d.bias_step[k], 24, signed=True)}\n", style="dim")
