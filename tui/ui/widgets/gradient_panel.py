"""Panel 3: per layer the gradient ‖dW‖ (log bar and number), the error signal ‖δ‖ that
reached the layer, the history of ||dW||, and flags in words.

One line per layer, e.g. ``L1 2→4  ▕████▍   ▏ 3.2e-02 δ4.1e-02 ▁▂▄▆▇ vanishing``, then
when the height allows a second line ``tanh |W| 1.23    Δ/W 1.0e-03`` (inline at wide
widths). δ_k = dE_s/dz_k is one sample's error signal at layer k (its norm, RMS over the
batch). Backpropagation multiplies δ by one factor per layer on its way back from the
output, so the δ column shows the chain: it grows layer by layer when gradients explode
although ||dW|| = ||mean a_(k-1)ᵀ δ_k|| may stay flat. Flags:

- exploding / vanishing: ||δ|| grew / shrank 100 times from the output layer back to this
  one (a chain through depth: never for one layer);
- overshoot: the last update moved the layer by more than its own size (Δ/W > 1) while the
  training loss rose, or in a run that diverged: a learning rate too large;
- "3/16 dead": ReLU neurons whose output was 0 for every sample of the last epoch;
- symmetric: every neuron of the layer is the same; a note under the layers says what that
  means (a stationary point, not a minimum, when they get no gradient either);
- saturated: δ collapsed (0, or vanishing) in a tanh or sigmoid layer most of whose
  outputs sit at a flat end of its curve, where f'(z) is all but 0: that is the cause (a
  note says so).

When space runs short the sparkline goes first, then the bar, then the second line, then
the header; the flags move to their own lines when they do not fit beside a layer. While
stepping phase by phase, layers whose backward has not run yet in this step show "…",
and the layer just computed is marked.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from rich.text import Text
from textual.widget import Widget

from ...snapshot import BACKWARD, SATURATED, Curve, Sharpness, Snapshot, depth_verdicts
from ..fit import first_fit
from ..rows import ChangedRows

LOG_LO, LOG_HI = -8.0, 2.0  # the bar maps log10 ||dW|| from 1e-8 to 1e+2 onto its width
EIGHTHS = " ▏▎▍▌▋▊▉"
SPARKS = "▁▂▃▄▅▆▇█"
NUM_W = 7  # "3.2e-02"
BAR_MIN, BAR_MAX, SPARK_MIN = 6, 20, 6
ALARM = ("exploding", "overshoot")  # in the theme's error colour; the others in its warning
STATIONARY = (
    "stationary point, not a minimum: the neurons of each symmetric layer are all the same "
    "and get dW = 0, so no step moves them"
)
SYMMETRY = (
    "symmetry: the neurons of each symmetric layer are all the same and get the same "
    "gradient, so they stay the same (one neuron's worth)"
)
SATURATION = (
    "saturated: most outputs of {layers} are near {ends}, where {act} is flat (f'(z) ≈ 0): "
    "δ = (δ·Wᵀ)·f'(z) is cut there, whatever comes from above"
)
SATURATION_SHORT = "saturated: f'(z) ≈ 0 cuts δ"


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


def rising(curve: Curve) -> bool:
    """True when the last point of a loss curve is above the one before."""
    return len(curve.hi) >= 2 and bool(curve.hi[-1] > curve.hi[-2])


def flags(
    deltas: list[float],
    pending: list[bool],
    ratios: list[float],
    loss_rose: bool = False,
    dead: tuple[np.ndarray | None, ...] = (),
    symmetric: tuple[bool, ...] = (),
    saturation: tuple[float, ...] = (),
) -> list[list[str]]:
    """The words each layer is flagged with (see the module docstring).

    deltas, pending, ratios: per layer ||δ||, not reached yet in this step, Δ/W;
    loss_rose: the training loss went up (or the run diverged); dead: per layer a mask of
    dead neurons or None; symmetric: per layer whether its neurons are all the same;
    saturation: per layer the share of outputs at a flat end (nan: not tanh or sigmoid).
    Dead and symmetric describe the weights, not this step: shown even while pending.
    """
    depth = depth_verdicts(deltas)
    out = []
    for k, p in enumerate(pending):
        words = [] if p or not depth[k] else [depth[k]]
        if not p and loss_rose and ratios[k] > 1 and "exploding" not in words:
            words.append("overshoot")
        mask = dead[k] if k < len(dead) else None
        if mask is not None and mask.any():
            words.append(f"{int(mask.sum())}/{mask.size} dead")
        if k < len(symmetric) and symmetric[k]:
            words.append("symmetric")
        if not p and saturated(saturation, deltas, k):
            words.append("saturated")
        out.append(words)
    return out


def saturated(saturation: tuple[float, ...], deltas: list[float], k: int) -> bool:
    """Whether δ collapsed in layer k while SATURATED or more of its outputs sit at a flat
    end (nan: never): its ||δ|| is 0 or vanishing. A trained classifier's layer may sit at
    ±1 with its δ alive: that is not flagged."""
    if not (k < len(saturation) and saturation[k] >= SATURATED and k < len(deltas)):
        return False
    return deltas[k] == 0 or depth_verdicts(deltas)[k] == "vanishing"


def saturation_notes(snap: Snapshot) -> list[str]:
    """What the saturated layers mean, long and short, or [] when there are none."""
    deltas = [float(d) for d in snap.delta_norm]
    layers = [k for k in range(snap.n_layers) if saturated(snap.saturation, deltas, k)]
    if not layers:
        return []
    acts = sorted({snap.activation_names[k] for k in layers})
    ends = " or ".join("±1" if a == "tanh" else "0 or 1" for a in acts)
    names = ", ".join(f"L{k + 1}" for k in layers)
    return [SATURATION.format(layers=names, ends=ends, act=" or ".join(acts)), SATURATION_SHORT]


def symmetry_note(snap: Snapshot) -> str:
    """What symmetric layers mean here, or "" when there are none: a stationary point when
    every symmetric layer got dW = 0 in the last step."""
    layers = [k for k, same in enumerate(snap.symmetric) if same]
    if not layers:
        return ""
    still = snap.steps > 0 and all(float(snap.grad_norm[k]) == 0.0 for k in layers)
    return STATIONARY if still else SYMMETRY


def notes(snap: Snapshot, width: int, room: int) -> list[str]:
    """The notes under the layers (symmetry, saturation) wrapped in ``width``, each the
    longest form that fits in the ``room`` lines left; a note with no room is left out."""
    out: list[str] = []
    saturation = saturation_notes(snap) if not snap.phase_index else []
    for forms in ([symmetry_note(snap)], saturation):
        for form in forms:
            lines = textwrap.wrap(form, max(width, 10)) if form else []
            if lines and len(out) + len(lines) <= room:
                out += lines
                break
    return out


EDGE = 1.5  # the λmax bar spans 0 to this many times the stability limit (2/lr)


def masked(snap: Snapshot) -> bool:
    """Dropout on or a neuron off: λmax is then the whole network's (every neuron on, no
    dropout: core.hessian knows no masks), marked λmax*."""
    return bool(snap.config.dropout or snap.off_neurons)


def sharpness_parts(s: Sharpness, width: int, masked: bool = False) -> tuple[str, str, str, int]:
    """The λmax line as (left text, bar, right text, cells of the bar up to the limit):
    "λmax 2.71 ", "▕███████▊┃  ▏", " 2/lr 2.86". The bar spans 0 to EDGE times the limit,
    "┃" marks the limit (2/lr) over whatever fills its cell; it is left out where it does
    not fit. Adam has no limit: the line says so. "≥": the estimate has not converged yet
    (it only ever rises towards λmax). ``masked``: "λmax*", of the network with every
    neuron on and no dropout."""
    finite = math.isfinite(s.value)
    value = f"{'' if s.converged or not finite else '≥'}{s.value:.3g}" if finite else "–"
    left = f"λmax{'*' if masked else ''} {value}"
    if s.limit is None:
        options = [f"{left}  Adam: no 2/lr limit (steps scaled per weight)", f"{left}  Adam"]
        return first_fit(options, width), "", "", 0
    right = f" {s.limit_name} {s.limit:.3g}"
    bar_w = width - len(left) - len(right) - 3  # a space and the bar's two ends
    if bar_w < 6 or not finite:
        return first_fit([left + " " + right, left], width), "", "", 0
    mark = min(int(bar_w / EDGE), bar_w - 1)  # the limit's cell, always drawn
    fill = linear_bar(min(max(s.value / (EDGE * s.limit), 0.0), 1.0), bar_w)
    return left + " ", "▕" + fill[:mark] + "┃" + fill[mark + 1 :] + "▏", right, mark


def linear_bar(fraction: float, width: int) -> str:
    """``width`` cells filled ``fraction`` of the way, in eighths."""
    full, part = divmod(round(fraction * width * 8), 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)[:width]


def visible_layers(n: int, room: int) -> tuple[list[int], int]:
    """The layers to list in ``room`` rows: all of them, or the first and the last ones
    around one line that says how many are left out (the last layers are what the first
    are compared with, so they stay). Returns (layers, how many come before that line)."""
    if n <= room:
        return list(range(n)), n
    keep = max(room - 1, 2)
    first = keep // 2
    return [*range(first), *range(n - (keep - first), n)], first


class GradientPanel(ChangedRows, Widget):
    """Per layer: ‖dW‖ as a log bar and a number, ‖δ‖, ‖dW‖'s history, |W|, Δ/W, flags."""

    DEFAULT_CSS = "GradientPanel { height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        """Keep the snapshot; repaint only when something shown changed, only the rows that
        changed."""
        old, self.snapshot = self.snapshot, snapshot
        key = ("steps", "phase_index", "epoch", "sizes", "activation_names", "last_phase")
        key += ("status", "symmetric", "sharpness")
        if old is None or any(getattr(old, a) != getattr(snapshot, a) for a in key):
            self.repaint_rows()
        elif not all(
            np.array_equal(getattr(old, a), getattr(snapshot, a), equal_nan=True)
            for a in ("grad_norm", "weight_norm", "update_ratio", "delta_norm")
        ) or not _same_masks(old.dead_neurons, snapshot.dead_neurons):
            self.repaint_rows()

    def render(self) -> Text:
        snap = self.snapshot
        width, height = self.size.width, self.size.height
        if snap is None or (snap.steps == 0 and snap.phase_index == 0):
            out = Text("no step yet", style="dim", no_wrap=True, overflow="crop")
            if snap is not None and snap.sharpness is not None and height > 1:
                out.append("\n").append_text(
                    self._sharpness_line(snap.sharpness, width, masked(snap))
                )
            return out
        n = snap.n_layers
        values, pending, current = phase_state(snap)
        deltas = [float(d) for d in snap.delta_norm]
        ratios = [float(r) for r in snap.update_ratio]
        loss_rose = snap.status == "diverged" or rising(snap.train_curve)
        words = flags(
            deltas, pending, ratios, loss_rose, snap.dead_neurons, snap.symmetric, snap.saturation
        )
        joined = [",".join(w) for w in words]
        names = [f"L{i + 1}" for i in range(n)]
        shapes = [f"{snap.sizes[i]}→{snap.sizes[i + 1]}" for i in range(n)]
        layer_names = snap.layer_names  # "BN·tanh" for a normalised layer
        act_w = max(map(len, layer_names))
        name_w, shape_w = len(names[-1]), max(map(len, shapes))
        for gammas in (True, False):  # ‖dγ‖ ‖dβ‖ of a normalised layer where they fit
            stats = [
                f"{layer_names[i].ljust(act_w)} {self._stats(snap, i, gammas)}" for i in range(n)
            ]
            stats_w = max(map(len, stats))
            if width > name_w + stats_w:
                break
        flag_w = max(map(len, joined)) + 1 if any(joined) else 0
        # "L1 2→4 " [▕bar▏] " 3.2e-02" [" δ4.1e-02"] [" spark"] ["  stats"] [" flags"]
        nums = [
            ("…", "…") if p else (sci(v), sci(d))
            for v, d, p in zip(values, deltas, pending, strict=True)
        ]
        num_w = max(NUM_W, *(len(a) for a, _ in nums))  # "2.7e+101" takes 8
        delta_w = max(NUM_W, *(len(b) for _, b in nums))
        with_delta = width >= name_w + shape_w + num_w + delta_w + 5  # narrow: ‖dW‖ alone
        avail = width - (name_w + shape_w + num_w + 3) - (delta_w + 2) * with_delta - flag_w
        flag_lines = bool(flag_w) and avail < 0  # no room beside: flags on their own lines
        avail += flag_w * flag_lines
        inline = avail >= BAR_MIN + SPARK_MIN + stats_w + 5  # wide: stats on the same line
        avail -= (stats_w + 2) * inline
        bar_w = min(max(avail // 2, BAR_MIN), BAR_MAX)
        spark_w = avail - bar_w - 3  # 3: the bar's ends and a space
        if spark_w < SPARK_MIN:  # narrow: the sparkline goes first, then the bar
            spark_w, bar_w = 0, min(avail - 2, 3 * BAR_MAX)
            bar_w = bar_w if bar_w >= BAR_MIN else 0
        wanted = snap.sharpness is not None and height > 1  # λmax: a line under the layers
        shown, before_gap = visible_layers(n, height - wanted)
        gap = len(shown) < n
        rows = len(shown) + gap + flag_lines * sum(bool(joined[i]) for i in shown)
        note = notes(snap, width, height - rows)  # the notes first: they explain a flag
        rows += len(note)
        lam = wanted and height > rows
        rows += lam
        header = height > rows
        second = not inline and height >= rows + header + len(shown) and width > name_w + stats_w
        room_for_second = height >= rows + len(shown) and width > name_w + stats_w
        if not (inline or second or snap.phase_index) and room_for_second:
            second, header = True, False  # between steps |W| and Δ/W say more than the header
        theme = self.app.theme_variables
        bar_style = theme.get("primary", "blue")
        alarm, warning = (
            f"bold {theme.get(c, d)}" for c, d in (("error", "red"), ("warning", "yellow"))
        )
        out = Text(no_wrap=True, overflow="crop")
        if header:
            out.append(self._header(snap, width, bool(bar_w)) + "\n", "dim")
        for row, i in enumerate(shown):
            if gap and row == before_gap:  # the layers left out, between first and last
                left_out = n - len(shown)
                out.append(f"⋮ {left_out} more: L{i - left_out + 1}…L{i}\n", "dim")
            out.append(names[i].ljust(name_w), "bold reverse" if i == current else "bold")
            out.append(f" {shapes[i].ljust(shape_w)} ")
            if bar_w:
                bar = " " * bar_w if pending[i] else log_bar(values[i], bar_w)
                out.append("▕").append(bar, bar_style).append("▏")
            num, delta = nums[i]
            out.append(" " + num.rjust(num_w), "dim" if pending[i] else "bold")
            if with_delta:
                out.append(" δ" + delta.rjust(delta_w), "dim")
            if spark_w:
                grads = snap.grad_curves[i] if i < len(snap.grad_curves) else Curve.empty()
                out.append(" " + sparkline(grads, spark_w).ljust(spark_w), "dim")
            if inline:
                out.append("  " + stats[i], "dim")
            for j, word in enumerate(words[i]):
                lead = ("\n" + " " * (name_w + 1) if flag_lines else " ") if j == 0 else ","
                out.append(lead).append(word, alarm if word in ALARM else warning)
            if second:
                out.append("\n" + " " * (name_w + 1) + stats[i], "dim")
            if row < len(shown) - 1:
                out.append("\n")
        if lam:
            out.append("\n").append_text(self._sharpness_line(snap.sharpness, width, masked(snap)))
        for line in note:
            out.append("\n" + line, warning)
        lines = out.split("\n", allow_blank=True)
        for line in lines:  # the screen wraps what is wider: never let it
            line.truncate(width, overflow="crop")
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

    def _sharpness_line(self, sharpness: Sharpness, width: int, masked: bool) -> Text:
        """λmax, its bar (past the limit in the alarm colour) and the limit."""
        theme = self.app.theme_variables
        text, bar, right, mark = sharpness_parts(sharpness, width, masked)
        out = Text(text, style="bold")
        if bar:  # after "▕" and the cells up to the mark: past the limit
            out.append(bar[: mark + 2], theme.get("primary", "blue"))
            out.append(bar[mark + 2 : -1], f"bold {theme.get('error', 'red')}").append(bar[-1])
        return out.append(right, "dim")

    @staticmethod
    def _header(snap: Snapshot, width: int, bar: bool) -> str:
        """What the bar shows, as much as fits, and where the run is (the panel's title
        names ‖dW‖ and δ)."""
        where = f"after {snap.last_phase.label}" if snap.phase_index else f"step {snap.steps:,}"
        lefts = ["‖dW‖ log 1e-8…1e2", "‖dW‖"] if bar else ["‖dW‖"]
        left = next((t for t in lefts if len(t) + 1 + len(where) <= width), "‖dW‖")
        return left + where.rjust(max(width - len(left), len(where) + 1))

    @staticmethod
    def _stats(snap: Snapshot, i: int, gammas: bool = True) -> str:
        """``|W| 1.23    Δ/W 1.0e-03`` (the last update; "…" before the first step, "0" when
        nothing moved: 0/0 is no update, not nan)."""
        w = f"{float(snap.weight_norm[i]):.3g}"
        r = float(snap.update_ratio[i])
        ratio = ("0" if r == 0 else sci(r)) if snap.steps else "…"
        if gammas and i < len(snap.norm_grad) and snap.steps:  # a normalised layer's γ, β
            dgamma, dbeta = (sci(float(v)) for v in snap.norm_grad[i])
            return f"|W| {w} Δ/W {ratio} ‖dγ‖{dgamma} ‖dβ‖{dbeta}"
        return f"|W| {w.ljust(7)} Δ/W {ratio}"


def _same_masks(a: tuple, b: tuple) -> bool:
    """Two snapshots' dead-neuron masks are equal (None where a layer has none)."""
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))
        for x, y in zip(a, b, strict=True)
    )
