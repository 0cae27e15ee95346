"""The ? screen: every key, and what the panels show."""

from __future__ import annotations

import textwrap

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...snapshot import Snapshot
from ..keys import KEYS

KEY_WIDTH, WIDTH = 9, 70  # the key column; the text wraps within the dialog at 80x24
# (95% of 80 columns, less its border, padding and scroll bar)


def key_lines(this_data: dict[str, str] | None = None) -> str:
    """Each key and what it does, from the one table of keys, wrapped under its text;
    ``this_data``: what some keys do for the run's data instead (by the key's name)."""
    lines = []
    for key in KEYS:
        does = (this_data or {}).get(key.show, key.does)
        text = textwrap.wrap(does, WIDTH - KEY_WIDTH - 2)
        lines.append(f"  {key.show:<{KEY_WIDTH}}" + text[0])
        lines += [" " * (KEY_WIDTH + 2) + more for more in text[1:]]
    return "\n".join(escape(line) for line in lines)


PANELS = """

[b]Panels[/b]
  Network    lines: blue a positive weight, orange a negative one;
             bold large, dim small. A neuron ●: its colour is its
             bias's sign; ◉ the neurons the last phase worked on,
             or the ends of the inspected weight; ○ a dead ReLU (0
             for every sample of the last epoch); ✕ (dim) a neuron
             switched off: a click on a hidden neuron (or 0 in the
             inspector) holds its output at 0, in training and
             prediction, and a second click lets it compute again;
             saved with the run. Over each column
             its size and activation: "4 tanh", short "4t" (l
             linear, σ sigmoid, t tanh, r relu, lr leaky_relu, e elu,
             sp softplus, sw swish, g gelu, sm softmax), or "4".
             "+ 8 more" (or "+8"): neurons of a column left out for
             room. From 120 columns (2-D data) each neuron is a map
             of its output over (x1, x2): orange < 0 < blue; the
             mouse over a line names its weight, a click on it asks
             for a new value (the run pauses first)
  Graph      (x) one sample's computation graph on the network: beside
             each neuron its z and a (x for an input, t an output's
             target) from the forward pass and δ = dE_s/dz from the
             backward pass; · a value this step has not computed
             yet. A line's colour is its w·δ, what it carries back:
             blue > 0, orange < 0, bold the sample's largest, faint
             before backward reaches it. At the phases pace forward
             fills in a layer after the other, then backward from
             the output. ◀ ▶: columns left out for room (←→ or a
             wider panel); , . another sample of the batch
  Data       (d) 2 inputs: the model's output over the plane, the
             points on top. 1 input: the points and the fit (blue);
             with a hidden layer, each last hidden neuron's a·w (its
             output times its weight to the output) in a colour of
             its own, grey the rest summed: their sum plus the
             output's bias is the fit (z, before a sigmoid's or a
             softmax's output). Under the fit; on it where short
  Loss       training (line) and validation (dots) loss per epoch;
             | marks a change of lr, a red | where the run went back
             to earlier weights (a divergence, or b): that epoch's
             training loss is the loss of those weights; a teal ┊
             the epoch of the lowest validation loss, where early
             stopping would end (b goes back there; ep 0: the
             initial weights); faint curves: ghosts (g), named in
             the legend above the plot by what their run did
             differently (━• in a lesson that draws their
             validation losses too, as dots)
  Quiz       (k) a question about the next step, answered with
             + -, a layer's digit or y n: the step runs and the
             answer comes with its own numbers and why; k another,
             ⏎ close, Esc leave it unanswered (nothing runs). The
             score is this session's, not saved with the run
  Surface    (u) the loss over (m, b) for y = m x + b: blue low;
             • the weights after each epoch, joined: the path; ● the
             weights now; ✕ the line the data was made with (+ the
             lowest point); an arrow on the edge: where the path
             left the view, beside it where it went ("↓ b -32");
             the ghost runs' paths in their colours, named above the
             map, ○ where each ended (the live path turns yellow). With
             mini-batches, · (teal) where each batch of this epoch would
             step from ●, -lr·dE_b/d(m, b), and ◆ the full batch's
             step ("×10": both drawn 10 times longer, to be seen)
  Landscape  (u, any other network) the loss along a line through
             the weights: α × the last update; ● now (α 0), ○ where
             the last update started (α -1), ▲ where the next step of
             this lr lands ("↑": higher than now, an overshoot; "off
             the line": how much of that step the line leaves out).
             Under it the loss over a plane through ●, from -1 to 1
             along two random directions scaled to each neuron's
             weights (±1 moves every neuron by its own size), or (t)
             the two the path moved most along; the line on it: the
             last weights, projected (◦ the oldest); "% off": how far
             they lie off the plane. Blue low, as on the surface
  Gradients  ‖dW‖ of each layer on a log scale, and its history; ‖δ‖
             (one sample's, RMS over the batch). Flags: exploding /
             vanishing (δ grew / shrank 100 times from the output
             back to the layer), overshoot (a step larger than the
             weights while the loss rises), n/m dead, symmetric (all
             neurons of the layer the same), saturated (δ cut in a
             layer where most of a tanh's outputs are near ±1, or a
             sigmoid's near 0 or 1: there f'(z) ≈ 0). Last line: λmax
             as a bar from 0 to 1.5 × 2/lr, ┃ at 2/lr, red past it;
             λmax* with dropout or a neuron off: measured with every
             neuron on and no dropout
  Controls   lr, batch, optim, L2, drop and pace apply at the next
             step; the others build a new network (you are asked
             first). drop: dropout, each hidden neuron's output set
             to 0 with this probability in each training step (the
             others × 1/(1-p)); never at validation
             hidden 8×8: eight layers of 8 neurons
  Status     paused / running / waiting (a lesson's text is on
             screen: ⏎ starts it), epoch, step, lr; loss and
             accuracy (acc) as train/val, in the loss plot's two
             colours; for a regression R² instead of acc: 1 a
             perfect fit, 0 no better than always the mean; then
             RMSE, the typical error on the validation rows in the
             target's own units

[b]Symbols[/b] (the same in every panel)
  x = a0     the input; a_k the output of layer k (a = f(z))
  z          a neuron's sum before its activation: z = a·W + b
  E_s        one sample's loss (the inspector, δ)
  E          the batch's loss: the mean of the samples' E_s
  δ_k        dE_s/dz of layer k for one sample s: how that sample's
             loss changes with z; backward passes it down a layer
  w·δ        W_k\\[i,j]·δ_k\\[j], what the line i → j carries back; over
             j they sum to dE_s/da of neuron i
  t          the target an output is compared with
  dW, db     the gradient dE/dW: the batch mean of a·δ (of δ for a
             bias)
  ‖dW‖       a gradient's size: the root of the sum of its squares
  |W|, Δ/W   the size of a layer's weights; the last update's size
             relative to them
  BN·, LN·   a hidden layer's z normalised (norm batch or layer) before
             its activation: y = γ·(z - mean)/σ + β; ‖dγ‖ ‖dβ‖ their
             gradients' sizes; da/dy = f'(y) in the chain rule
  W_new      W - lr·dE/dW, the update rule (plain SGD); "held": the
             network holds exactly that value
  ΔW         the step an update took; -dE/dW·ΔW the change of the
             loss the slope predicts for it (the quiz)
  fused      bce with a sigmoid output, cross-entropy with softmax:
             the code computes dE_s/dz = a - t in one go (finite for
             any z) instead of dE_s/da · da/dz
  b_k\\[j]     a bias: the weight of a constant input 1, so dz/db = 1
  λmax       the sharpness: the largest eigenvalue of the training
             loss's Hessian (its steepest curvature), by power
             iteration; "≥": not converged yet. A step of lr grows
             along it once λmax > 2/lr ((2+2β)/lr with momentum;
             Adam scales steps per weight: no such line)

Press Esc or ? to close."""
HELP = "[b]Keys[/b]\n" + key_lines() + PANELS


def data_view_words(snapshot: Snapshot | None) -> str:
    """What ``d`` shows for the run's data, "" when it is the plane of KEYS' words: one
    input's curve, or for more than 2 a confusion matrix or predicted against actual."""
    if snapshot is None:
        return ""
    if snapshot.config.data is None:  # the built-in sets: 2-D, or the 1-D regressions
        n = 1 if snapshot.task == "regression" else 2
    else:
        n = snapshot.sizes[0]
    if n == 1:
        return "data view: the data and the model's curve over its one input"
    if n == 2:
        return ""
    many = f"data view: {n} inputs have no plane to draw the model over, so"
    if snapshot.task == "regression":
        return (f"{many} each row's prediction against its actual target (training and "
                "validation points), the diagonal a perfect fit")  # fmt: skip
    return (f"{many} the confusion matrix on the validation set, as c, and misclassified "
            "images when the inputs are a square image's pixels")  # fmt: skip


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, lesson: str = "", data: tuple[str, ...] = (), d_words: str = "") -> None:
        super().__init__()
        self.lesson, self.data, self.d_words = lesson, data, d_words

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.lesson:
                yield Static(f"[b]This lesson[/b]\n{escape(self.lesson)}\n", markup=True)
            if self.data:  # a CSV file's run: what was read and decided, as said on loading
                lines = Text("\n".join(("This data", *self.data, "")), no_wrap=False)
                lines.stylize("bold", 0, len("This data"))
                yield Static(lines)
            keys = key_lines({"d": self.d_words} if self.d_words else None)
            help_text = "[b]Keys[/b]\n" + keys + PANELS
            yield Static(Text.from_markup(help_text))  # a Text keeps the indentation
