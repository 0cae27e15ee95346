"""Panel 4: every setting of the run, two to a line; Enter (or a click) edits one."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...snapshot import Snapshot
from ..fields import FIELDS, Field
from .prompt_dialog import PromptDialog

CELL_MIN = 18  # narrowest cell of one "label value" pair


class Controls(Widget, can_focus=True):
    """The settings as a grid of "label value" cells with a cursor."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        # not in the footer (80 columns are short): the panel's last line says "⏎ edit"
        Binding("enter", "edit", "Edit", show=False, tooltip="Change the selected setting"),
    ]

    cursor: reactive[int] = reactive(0)
    """Index into FIELDS of the selected setting."""

    @dataclass
    class Changed(Message):
        """``field`` was given a valid new ``value`` (not applied yet: the app decides)."""

        field: Field
        value: object

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._values: tuple[str, ...] = ()
        self._snapshot: Snapshot | None = None

    @property
    def columns(self) -> int:
        return max(1, min(2, self.size.width // CELL_MIN))

    def show(self, snapshot: Snapshot) -> None:
        """Take the values from a snapshot; redraw only when one changed."""
        self._snapshot = snapshot
        values = tuple(f.value_text(snapshot) for f in FIELDS)
        if values != self._values:
            self._values = values
            self.refresh()

    @property
    def selected(self) -> Field:
        return FIELDS[self.cursor]

    def render(self) -> Text:
        cols = self.columns
        width = max(CELL_MIN, self.size.width // cols)
        text = Text(no_wrap=True, overflow="ellipsis")
        rows = -(-len(FIELDS) // cols)
        shown = max(1, self.size.height or rows)  # a short panel: from the top, or (focused)
        first = min(max(0, self.cursor // cols - shown + 1), max(0, rows - shown))  # down
        first = first if self.has_focus else 0  # to the cursor's row
        for i, field in enumerate(FIELDS):
            if not first <= i // cols < first + shown:
                continue
            value = self._values[i] if self._values else ""
            cell = Text(f"{field.label:<7}", style="dim" if field.live else "italic dim")
            cell.append(fit_value(value, width - 9).ljust(width - 8), style="bold")
            if i == self.cursor and self.has_focus:
                cell.stylize("reverse")
            elif i == self.cursor:
                cell.stylize("underline")
            text.append_text(cell)
            if i % cols == cols - 1 or i == len(FIELDS) - 1:
                text.append("\n")
        text.append("⏎ edit · italic: resets the run", style="dim")
        return text

    def action_move(self, rows: int, cols: int) -> None:
        step = rows * self.columns + cols
        self.cursor = (self.cursor + step) % len(FIELDS)

    def action_edit(self) -> None:
        self.edit(self.selected)

    def edit(self, field: Field) -> None:
        """Ask for a new value; a bad one is refused beside the field and nothing changes."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        current = field.value_text(snapshot)
        if field.name == "source" and snapshot.config.data is not None:
            current = snapshot.config.data  # the whole path, to edit (the panel shows the name)

        def parse(text: str) -> object:
            value = field.parse(text)  # a Config field: its own rules, as for its flag
            if field.name != "pace":  # a ConfigError is a ValueError: refused in the dialog
                snapshot.config.replace(**field.changes(value))
            return value

        def done(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.post_message(self.Changed(field, answer[0]))

        title = f"{field.label} (now {current})"
        self.app.push_screen(PromptDialog(title, current, parse, field.choices, field.help), done)

    def on_click(self, event: events.Click) -> None:
        width = max(CELL_MIN, self.size.width // self.columns)
        index = event.y * self.columns + min(event.x // width, self.columns - 1)
        if 0 <= index < len(FIELDS):
            self.cursor = index
            self.focus()
            self.edit(self.selected)

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def fit_value(value: str, room: int) -> str:
    """A setting's value in ``room`` cells: as it is, else layers of the same width counted
    ("8,8,8,8,8,8,8,8" -> "8×8": eight layers of 8), else cut after a whole item ("…")."""
    if len(value) <= room:
        return value
    items = value.split(",")
    if all(item.strip().isdigit() for item in items):  # hidden layers: count runs
        runs: list[list] = []
        for item in items:
            if runs and runs[-1][1] == item:
                runs[-1][0] += 1
            else:
                runs.append([1, item])
        counted = ",".join(f"{n}×{w}" if n > 1 else w for n, w in runs)
        if len(counted) <= room:
            return counted
    cut = max((value.rfind(sep, 0, room) for sep in ", /"), default=-1)
    return value[:cut] + "…" if cut > 0 else value[: max(room - 1, 0)] + "…"
