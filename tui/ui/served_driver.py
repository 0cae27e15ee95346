"""Textual's web driver for a session served to a browser (``backprop-tui serve``), made to
end with its server.

The server talks to each session's process through its stdin and stdout. When the server
goes away (killed, crashed), stdin ends and writes to stdout fail; Textual's web driver
then stops reading but leaves the app running, unseen, for good. This one treats that as
a hang-up (tui.cli.hangup): the run is saved where the session saves, and the process
leaves within the hang-up's grace. ``serve`` names it in TEXTUAL_DRIVER.
"""

from __future__ import annotations

from textual import messages
from textual.drivers.web_driver import WebDriver


class ServedDriver(WebDriver):
    """WebDriver that ends the app when its server is gone (end of input, a failed write)."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self._gone = False
        write = self._write

        def guarded(data: bytes) -> None:
            if self._gone:
                return
            try:
                write(data)
            except OSError:  # the pipe to the server is closed
                self._server_gone()

        self._write = guarded

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # input ended before the app did: no server
            self._server_gone()

    def _server_gone(self) -> None:
        self._gone = True
        hangup = getattr(self._app, "hangup", None)
        if hangup is not None:
            hangup.terminal_lost()  # save, then leave within its grace
        else:
            self._app.post_message(messages.ExitApp())
