"""A modal that asks for one value: typed text or a choice from a list.

A value that does not parse gets its message right under the field and the dialog stays
open; Escape leaves everything as it was. The dialog returns the parsed value.
Every text it shows (title, help, choices, errors that quote what was typed) is plain text,
never markup: a typed ``[/]`` or a path like ``run[a=1].npz`` is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList


class PromptDialog(ModalScreen[tuple[object] | None]):
    """Ask for a value. ``parse`` turns the text into it or raises ValueError with a reason.

    The result is ``(value,)``, or None when cancelled (a value may itself be None).
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        current: str,
        parse: Callable[[str], object] | None = None,
        choices: Sequence[str] = (),
        help: str = "",
        labels: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.title_text, self.current, self.help = title, current, help
        self.parse = parse or (lambda text: text)
        self.choices = tuple(choices)
        self.labels = tuple(labels) or self.choices  # what each choice reads as in the list

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content(self.title_text), id="dialog-title")
            if self.choices:
                options = OptionList(*self.labels, id="dialog-choices", markup=False)
                if self.current in self.choices:
                    options.highlighted = self.choices.index(self.current)
                yield options
            else:
                yield Input(self.current, id="dialog-input", select_on_focus=True)
            yield Label("", id="dialog-error")
            keys = self.help + ("\n" if self.help else "") + "⏎ apply · Esc cancel"
            yield Label(Content(keys), id="dialog-help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.try_value(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.try_value(self.choices[event.option_index])

    def try_value(self, text: str) -> None:
        """Dismiss with the parsed value, or show why it is refused and stay open."""
        try:
            value = self.parse(text)
        except ValueError as e:
            self.query_one("#dialog-error", Label).update(Content(f"✖ {e}"))
            self.query_one("#dialog-error", Label).add_class("shown")
            return
        self.dismiss((value,))

    def action_cancel(self) -> None:
        self.dismiss(None)
