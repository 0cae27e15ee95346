"""Textual's web driver for a session served to a browser (``backprop-tui serve``): it ends
with its server, outlives its page, and tells the teacher how the run goes.

The server talks to each session's process through its stdin and stdout. When the server
goes away (killed, crashed), stdin ends and writes to stdout fail; Textual's web driver
then stops reading but leaves the app running, unseen, for good. This one treats that as
a hang-up (tui.cli.hangup): the run is saved where the session saves, and the process
leaves within the hang-up's grace. ``serve`` names it in TEXTUAL_DRIVER.

A page that closes (a reload, a dropped connection) leaves the app running: the server
keeps it for its student for a while (serve --grace), and a new page asks it to draw its
whole screen again (the ``attach`` message). q asks first, then closes the page the same
way (``leave``). The server's ``save`` message writes the run to a file it then hands to
the page, and a thread writes the run's state for the teacher's view (tui.cli.served_status).
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import events, messages
from textual.drivers.web_driver import WebDriver
from textual.geometry import Size

from ..cli.served import duration
from ..cli.served_status import GRACE_ENV, STATUS_ENV, Reporter
from ..worker.commands import Save
from .widgets.confirm_dialog import ConfirmDialog


class ServedDriver(WebDriver):
    """WebDriver that ends the app when its server is gone (end of input, a failed write),
    redraws for a new page, and reports the run's state."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self._gone = False
        self._asking = False  # the question of q is on screen
        self._reporter: Reporter | None = None
        write = self._write

        def guarded(data: bytes) -> None:
            if self._gone:
                return
            try:
                write(data)
            except OSError:  # the pipe to the server is closed
                self._server_gone()

        self._write = guarded

    def start_application_mode(self) -> None:
        super().start_application_mode()
        if status := os.environ.get(STATUS_ENV):
            self._reporter = Reporter(self._app, Path(status)).start()

    def stop_application_mode(self) -> None:
        if self._reporter is not None:
            self._reporter.stop()
        super().stop_application_mode()

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # input ended before the app did: no server
            self._server_gone()

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        """The server's messages (on the input thread): ``attach`` and ``save`` are ours."""
        if packet_type == "attach":
            self._on_app_thread(self._redraw, payload["width"], payload["height"])
        elif packet_type == "save":
            self._on_app_thread(self._app.session.submit, Save(str(payload["path"])))
        else:
            super().on_meta(packet_type, payload)

    def _on_app_thread(self, callback, *args) -> None:
        try:
            self._app.call_from_thread(callback, *args)
        except RuntimeError:  # the app is not running (any more)
            pass

    def _redraw(self, width: int, height: int) -> None:
        """A new page's terminal starts blank, in its defaults: set the modes the app
        needs, then draw the whole screen at the page's size."""
        self.write("\x1b[?1049h")  # the alternate screen
        self._enable_mouse_support()
        self.write("\x1b[?25l")  # no cursor
        self._enable_bracketed_paste()
        self._size = (width, height)
        self._app.post_message(events.Resize(Size(width, height), Size(width, height)))
        self._app.screen.refresh()  # every cell, even at the size the app already has

    def leave(self) -> None:
        """q in a served page: asks, then closes the page; the run goes on on the server
        for its student's return (the server closes the page on ``leave``)."""
        if self._asking:
            return
        self._asking = True
        grace = os.environ.get(GRACE_ENV)
        waits = f" for {duration(float(grace))}" if grace else ""

        def answer(yes: bool | None) -> None:
            self._asking = False
            if yes:
                self.write_meta({"type": "leave"})

        question = (
            f"Leave this page? Your run goes on here{waits}: "
            "open the page again to come back to it."
        )
        self._app.push_screen(ConfirmDialog(question), answer)

    def _server_gone(self) -> None:
        self._gone = True
        hangup = getattr(self._app, "hangup", None)
        if hangup is not None:
            hangup.terminal_lost()  # save, then leave within its grace
        else:
            self._app.post_message(messages.ExitApp())
