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

from ..keys import KEYS

KEY_WIDTH, WIDTH = 9, 74  # the key column; the text wraps within the dialog at 80x24


def key_lines() -> str:
    """Each key and what it does, from the one table of keys, wrapped under its text."""
    lines = []
    for key in KEYS:
        text = textwrap.wrap(key.does, WIDTH - KEY_WIDTH - 2)
        lines.append(f"  {key.show:<{KEY_WIDTH}}" + text[0])
        lines += [" " * (KEY_WIDTH + 2) + more for more in text[1:]]
    return "\n".join(escape(line) for line in lines)


HELP = (
    "[b]Keys[/b]\n"
    + key_lines()
    + """

[b]Panels[/b]
  Network    lines: blue a positive weight, orange a negative one;
             bold large, dim small. A neuron ●: its colour is its
             bias's sign; ◉ the neurons the last phase worked on,
             or the ends of the inspected weight; ○ a dead ReLU (0
             for every sample of the last epoch). Over each column
             its size and activation: "4 tanh", short "4t" (l
             linear, σ sigmoid, t tanh, r relu, lr leaky_relu, e elu,
             sp softplus, sw swish, g gelu, sm softmax), or "4".
             "+ 8 more" (or "+8"): neurons of a column left out for
             room. From 120 columns (2-D data) each neuron is a map
             of its output over (x1, x2): orange < 0 < blue; the
             mouse over a line names its weight
  Loss       training (line) and validation (dots) loss per epoch;
             | marks a change of lr, a red | where the run went back
             to earlier weights (a divergence, or b): that epoch's
             training loss is the loss of those weights; faint
             curves: ghosts (g), named in the legend above the plot
             by what their run did differently
  Surface    (u) the loss over (m, b) for y = m x + b: blue low;
             • the weights after each epoch, joined: the path; ● the
             weights now; ✕ the line the data was made with (+ the
             lowest point); an arrow on the edge: where the path
             left the view, beside it where it went ("↓ b -32")
  Gradients  ‖dW‖ of each layer on a log scale, and its history; ‖δ‖
             (one sample's, RMS over the batch). Flags: exploding /
             vanishing (δ grew / shrank 100 times from the output
             back to the layer), overshoot (a step larger than the
             weights while the loss rises), n/m dead, symmetric (all
             neurons of the layer the same), saturated (δ cut in a
             layer where most of a tanh's outputs are near ±1, or a
             sigmoid's near 0 or 1: there f'(z) ≈ 0)
  Controls   lr, batch, optim, L2 and pace apply at the next step;
             the others build a new network (you are asked first).
             hidden 8×8: eight layers of 8 neurons
  Status     paused / running / waiting (a lesson's text is on
             screen: ⏎ starts it), epoch, step, lr; loss and
             accuracy (acc) as train/val, in the loss plot's two
             colours; for a regression R² instead of acc: 1 a
             perfect fit, 0 no better than always the mean

[b]Symbols[/b] (the same in every panel)
  x = a0     the input; a_k the output of layer k (a = f(z))
  z          a neuron's sum before its activation: z = a·W + b
  E_s        one sample's loss (the inspector, δ)
  E          the batch's loss: the mean of the samples' E_s
  δ_k        dE_s/dz of layer k for one sample s: how that sample's
             loss changes with z; backward passes it down a layer
  dW, db     the gradient dE/dW: the batch mean of a·δ (of δ for a
             bias)
  ‖dW‖       a gradient's size: the root of the sum of its squares
  |W|, Δ/W   the size of a layer's weights; the last update's size
             relative to them
  W_new      W - lr·dE/dW, the update rule (plain SGD); "held": the
             network holds exactly that value
  fused      bce with a sigmoid output, cross-entropy with softmax:
             the code computes dE_s/dz = a - t in one go (finite for
             any z) instead of dE_s/da · da/dz
  b_k\\[j]     a bias: the weight of a constant input 1, so dz/db = 1

Press Esc or ? to close."""
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, lesson: str = "", data: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.lesson, self.data = lesson, data

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.lesson:
                yield Static(f"[b]This lesson[/b]\n{escape(self.lesson)}\n", markup=True)
            if self.data:  # a CSV file's run: what was read and decided, as said on loading
                lines = Text("\n".join(("This data", *self.data, "")), no_wrap=False)
                lines.stylize("bold", 0, len("This data"))
                yield Static(lines)
            yield Static(Text.from_markup(HELP))  # a Text keeps the indentation
