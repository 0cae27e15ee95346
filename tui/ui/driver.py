"""Textual's Linux driver, made safe for a terminal that goes away (see tui.cli.hangup).

Its output goes through the app's ``GuardedOutput``: a failed write reports the terminal
lost and later writes are dropped, so Textual's output thread never dies and nothing
blocks on its queue. Once the terminal is lost the input thread stops reading (it would
spin on end of file), and the driver's way out writes nothing it would wait on.
"""

from __future__ import annotations

from textual.drivers.linux_driver import LinuxDriver


class GuardedLinuxDriver(LinuxDriver):
    """LinuxDriver whose output and input survive a closed terminal."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(app, **kwargs)
        hangup = app.hangup
        self._file = hangup.guard(self._file)
        # the input thread ends, and disable_input (mouse off, waiting for that thread)
        # is skipped: it only sees exit_event already set
        hangup.on_lost(self.exit_event.set)
        self._hangup = hangup

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError:  # reading a terminal that is gone (EIO on some systems)
            self._hangup.terminal_lost()
