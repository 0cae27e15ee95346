"""Panel 3: per layer, the gradient norm now (log bar and number) and over the run, with flags.

One line per layer, e.g. ``L1 2→4  ▕████▍   ▏ 3.2e-02 ▁▂▄▆▇ vanishing``, then when the height
allows a second line ``tanh |W| 1.23    Δ/W 1.0e-03`` (inline at wide widths). When space runs
short the sparkline goes first, then the second line. While stepping phase by phase, layers
whose backward has not run yet in this step show "…", and the layer just computed is marked.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.widget import Widget

from ...snapshot import BACKWARD, Curve, Snapshot

LOG_LO, LOG_HI = -8.0, 2.0  # the bar maps log10 ||dW|| from 1e-8 to 1e+2 onto its width
EIGHTHS = " ▏▎▍▌▋▊▉"
SPARKS = "▁▂▃▄▅▆▇█"
NUM_W = 7  # "3.2e-02"
BAR_MIN, BAR_MAX, SPARK_MIN = 6, 20, 6


def sci(value: float) -> str:
    """2 significant digits, scientific: "3.2e-02"; "nan", "inf" as such."""
    return f"{value:.1e}" if math.isfinite(value) else str(value)


def log_bar(value: float, width: int) -> str:
    """``width`` cells filled in proportion to log10(value) over [1e-8, 1e2], in eighths."""
    if not value > 0:  # 0, negative or nan
        return " " * width
    frac = min(max((math.log10(value) - LOG_LO) / (LOG_HI - LOG_LO), 0.0), 1.0)
    eighths = round(frac * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def sparkline(curve: Curve, width: int) -> str:
    """The last ``width`` points of a curve (maxima) on a log scale, at least half a decade."""
    y = curve.hi[-width:] if width > 0 else curve.hi[:0]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(y)
    finite = logs[np.isfinite(logs)]
    top, low = (finite.max(), finite.min()) if finite.size else (0.0, 0.0)
    mid, span = (top + low) / 2, max(top - low, 0.5)
    chars = []
    for v, lg in zip(y.tolist(), logs.tolist(), strict=True):
        if math.isnan(v):
            chars.append(" ")
        elif v <= 0 or v == math.inf:
            chars.append(SPARKS[0] if v <= 0 else SPARKS[-1])
        else:
            chars.append(SPARKS[min(max(round(((lg - mid) / span + 0.5) * 7), 0), 7)])
    return "".join(chars)


def phase_state(snap: Snapshot) -> tuple[list[float], list[bool], int | None]:
    """Per layer the ||dW|| to show, whether it is pending in this step, the layer just done."""
    n = snap.n_layers
    values = [float(v) for v in snap.grad_norm]
    if snap.phase_index == 0:  # between steps: the last step's values
        return values, [False] * n, None
    if snap.last_phase is None or snap.last_phase.kind != BACKWARD:  # forward, loss: none yet
        return values, [True] * n, None
    k = snap.last_phase.layer
    if snap.detail is not None:  # this step's gradients (grad_norm is set at the update)
        values[k:] = [float(np.linalg.norm(w)) for w in snap.detail.dweights[k:]]
    return values, [i < k for i in range(n)], k


def flags(values: list[float], pending: list[bool], ratios: list[float]) -> list[str]:
    """ "exploding" (> 1e3 or Δ/W > 1), else "vanishing": under 1e-3 of the largest layer's.

    Vanishing is relative: a layer starved next to the others. All of them tiny together is
    a run at a minimum (the slope is 0 there), not a vanishing gradient; and a 1e52 layer
    beside a 1e55 one is exploding, not vanishing."""
    shown = [v for v, p in zip(values, pending, strict=True) if not p and math.isfinite(v)]
    top = max(shown, default=0.0)
    out = []
    for v, p, r in zip(values, pending, ratios, strict=True):
        if p:
            out.append("")
        elif v > 1e3 or r > 1:
            out.append("exploding")
        elif top > 0 and v < 1e-3 * top:
            out.append("vanishing")
        else:
            out.append("")
    return out


class GradientPanel(Widget):
    """Gradient norm per layer: log bar, number, history sparkline, |W|, Δ/W and flags."""

    DEFAULT_CSS = "GradientPanel { height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        """Keep the snapshot; repaint only when something shown changed."""
        old, self.snapshot = self.snapshot, snapshot
        key = ("steps", "phase_index", "epoch", "sizes", "activation_names", "last_phase")
        if old is None or any(getattr(old, a) != getattr(snapshot, a) for a in key):
            self.refresh()
        elif not all(
            np.array_equal(getattr(old, a), getattr(snapshot, a), equal_nan=True)
            for a in ("grad_norm", "weight_norm", "update_ratio")
        ):
            self.refresh()

    def render(self) -> Text:
        snap = self.snapshot
        if snap is None or (snap.steps == 0 and snap.phase_index == 0):
            return Text("no step yet", style="dim")
        width, height = self.size.width, self.size.height
        n = snap.n_layers
        values, pending, current = phase_state(snap)
        ratios = [float(r) for r in snap.update_ratio]
        words = flags(values, pending, ratios)
        names = [f"L{i + 1}" for i in range(n)]
        shapes = [f"{snap.sizes[i]}→{snap.sizes[i + 1]}" for i in range(n)]
        act_w = max(map(len, snap.activation_names))
        stats = [
            f"{snap.activation_names[i].ljust(act_w)} {self._stats(snap, i)}" for i in range(n)
        ]
        name_w, shape_w, stats_w = len(names[-1]), max(map(len, shapes)), max(map(len, stats))
        flag_w = max(map(len, words)) + 1 if any(words) else 0
        avail = width - (name_w + shape_w + NUM_W + 3) - flag_w  # 3: the spaces between
        flag_lines = bool(flag_w) and avail < BAR_MIN + 2  # no room: flags on their own lines
        avail += flag_w * flag_lines
        inline = avail >= 2 * BAR_MIN + SPARK_MIN + stats_w + 5  # wide: stats on the same line
        avail -= (stats_w + 2) * inline
        bar_w = min(max(avail // 2, BAR_MIN), BAR_MAX)
        spark_w = avail - bar_w - 3  # 3: the bar's ends and a space
        if spark_w < SPARK_MIN:  # narrow: the sparkline goes first
            spark_w, bar_w = 0, max(min(avail - 2, 3 * BAR_MAX), 0)
        rows = n + flag_lines * sum(map(bool, words))
        header = height > rows
        second = not inline and height >= rows + header + n and width > name_w + stats_w
        theme = self.app.theme_variables
        bar_style = theme.get("primary", "blue")
        warn_style = {
            "vanishing": f"bold {theme.get('warning', 'yellow')}",
            "exploding": f"bold {theme.get('error', 'red')}",
        }
        out = Text(no_wrap=True, overflow="crop")
        if header:
            where = f"step {snap.steps:,}"
            if snap.phase_index:
                where = f"after {snap.last_phase.label}"
            left = "‖dW‖ log 1e-8…1e2" if width >= 19 + len(where) else "‖dW‖"
            out.append(left + where.rjust(max(width - len(left), len(where) + 1)) + "\n", "dim")
        for i in range(n):
            out.append(names[i].ljust(name_w), "bold reverse" if i == current else "bold")
            out.append(f" {shapes[i].ljust(shape_w)} ")
            if bar_w:
                bar = " " * bar_w if pending[i] else log_bar(values[i], bar_w)
                out.append("▕").append(bar, bar_style).append("▏")
            num = "…" if pending[i] else sci(values[i])
            out.append(" " + num.rjust(NUM_W), "dim" if pending[i] else "bold")
            if spark_w:
                grads = snap.grad_curves[i] if i < len(snap.grad_curves) else Curve.empty()
                out.append(" " + sparkline(grads, spark_w).ljust(spark_w), "dim")
            if inline:
                out.append("  " + stats[i], "dim")
            for j, word in enumerate(words[i].split(",") if words[i] else []):
                lead = ("\n" + " " * (name_w + 1) if flag_lines else " ") if j == 0 else ","
                out.append(lead).append(word, warn_style[word])
            if second:
                out.append("\n" + " " * (name_w + 1) + stats[i], "dim")
            if i < n - 1:
                out.append("\n")
        return out

    @staticmethod
    def _stats(snap: Snapshot, i: int) -> str:
        """``|W| 1.23    Δ/W 1.0e-03`` (the last update; "…" before the first step)."""
        w = f"{float(snap.weight_norm[i]):.3g}"
        ratio = sci(float(snap.update_ratio[i])) if snap.steps else "…"
        return f"|W| {w.ljust(7)} Δ/W {ratio}"
