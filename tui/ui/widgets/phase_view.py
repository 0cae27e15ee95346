"""The phase view: what the last phase of a step computed, with its numbers.

forward: each layer's activations; loss: the per-sample errors and their mean;
backward k: the layer's delta vector dE/dz and its gradient norm; update: how much each
weight matrix changed.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widget import Widget

from ...snapshot import BACKWARD, FORWARD, LOSS, UPDATE, Snapshot


def vector(v: np.ndarray, room: int) -> str:
    """'[0.12 -0.5 0.9 …]' within ``room`` characters."""
    parts, used = [], 2
    for x in np.asarray(v).ravel():
        part = f"{x:.3g}"
        if used + len(part) + 2 > room:
            parts.append("…")
            break
        parts.append(part)
        used += len(part) + 1
    return "[" + " ".join(parts) + "]"


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
        text = Text(no_wrap=True, overflow="ellipsis")
        rows = len(d.x)
        text.append(phase.label, style="bold reverse")
        text.append(f"  batch of {d.batch_size}, sample 1 shown\n", style="dim")
        if phase.kind == FORWARD:
            text.append(f"x      {vector(d.x[0], room)}\n")
            for k, a in enumerate(d.a):
                text.append(f"a{k + 1} {s.activation_names[k][:4]:<4}{vector(a[0], room)}\n")
        elif phase.kind == LOSS:
            text.append(f"{s.loss_name} per sample (first {rows}):\n")
            text.append(f"  {vector(d.per_sample_loss, room + 8)}\n")
            text.append(f"mean over the batch = {s.last_loss:.6g}\n", style="bold")
            text.append(f"y {vector(d.a[-1][0], room)}  t {vector(d.y_true[0], 12)}\n")
        elif phase.kind == BACKWARD:
            k = phase.layer
            text.append(f"δ{k + 1} = dE/dz {vector(d.delta[k][0], room - 4)}\n")
            norm_w = float(np.linalg.norm(d.dweights[k]))
            norm_b = float(np.linalg.norm(d.dbiases[k]))
            text.append(f"dW{k + 1} = a{k}ᵀ·δ{k + 1}   ||dW|| = {norm_w:.4g}\n", style="bold")
            text.append(f"db{k + 1} = Σ δ{k + 1}     ||db|| = {norm_b:.4g}\n")
            if k > 0:
                text.append(f"next: δ{k} = (δ{k + 1}·W{k + 1}ᵀ) * f'(z{k})\n", style="dim")
        elif phase.kind == UPDATE:
            text.append(f"W -= {s.config.optimizer} step (lr {s.config.lr:g})\n")
            for k in range(s.n_layers):
                change = float(s.update_ratio[k] * s.weight_norm[k])
                text.append(f"L{k + 1} ||ΔW|| = {change:.3g}  ΔW/W = {s.update_ratio[k]:.2g}\n")
        return text
