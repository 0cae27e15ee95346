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
)


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
