"""The ? screen: every key, and what the panels show."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]Keys[/b]
  space    pause / resume
  n        one step: one mini-batch (forward, loss, backward, update)
  p        one phase of the step: forward, loss, backward of each
           layer from the last to the first, update
  e        one epoch: one pass over the training data
  + / -    learning rate up / down the 1-3-10 ladder (0.01, 0.03 ...)
  l        type an exact learning rate
  r        new random weights on the same data
  y        loss plot: log scale on / off
  d        data view: the model over its inputs, the data on top
           (v: validation points too)
  i        chain-rule inspector of one weight: ←→ layer, ↑↓ neuron,
           [ ] input, , . the batch's samples, f finite-difference
           check, w type a new value (paused)
  m        lessons: a preset run and what to watch
  s / o    save / load a checkpoint
  tab      move between panels; in the controls: arrows and ⏎ edit
  ctrl+p   command palette (every action)
  q        quit (the run goes to the autosave; --resume continues)

[b]Panels[/b]
  Network    blue: positive weight, orange: negative;
             bold: large, dim: small
  Loss       training and validation loss per epoch;
             | marks a change of lr
  Gradients  ||dW|| of each layer on a log scale, and its history;
             |W| the weights' size, Δ/W the update's size relative
             to it
  Controls   lr, batch, optimiser and L2 apply at the next step;
             the others build a new network (you are asked first)
  Status     paused / running, epoch, step, lr; loss and accuracy
             as train/val, in the loss plot's two colours

Press Esc or ? to close."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, lesson: str = "") -> None:
        super().__init__()
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.lesson:
                yield Static(f"[b]This lesson[/b]\n{escape(self.lesson)}\n", markup=True)
            yield Static(Text.from_markup(HELP))  # a Text keeps the indentation
