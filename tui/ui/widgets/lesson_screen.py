"""A lesson's paragraph: what to watch in the run it has just started."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class LessonScreen(ModalScreen[bool]):
    """The paragraph; dismissed with True (start the run) or False (stay paused)."""

    BINDINGS = [
        Binding("enter,space", "dismiss(True)", "Start"),
        Binding("escape,q", "dismiss(False)", "Stay paused"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.lesson_title, self.lesson_text = title, text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content(f"Lesson: {self.lesson_title}"), id="dialog-title")
            yield Static(Content(self.lesson_text))  # plain text, not markup
            yield Label("⏎ start · esc stay paused · ? shows this again", id="dialog-help")

    def on_unmount(self) -> None:
        """The status line below said the run waits for this text: it says what it does now
        (a run left paused publishes nothing new that would redraw it)."""
        for status in self.app.default_screen.query("StatusLine"):
            status.refresh()
