"""One student's app process in ``backprop-tui serve``, and what a page may send it.

textual-serve's AppService starts the app and relays its screen to one websocket for its
whole life. Here the process outlives its pages: a page shows it (``attach``) until it
closes; meanwhile the app's output is read and dropped, and the next page asks the app to
draw its whole screen again. ``end`` stops it for good. Sizes a page gives are capped to
what a screen can be, and a malformed message costs one line in the log, not a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shlex
import shutil
import signal
from pathlib import Path

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService

log = logging.getLogger("backprop-tui serve")
DRIVER = "tui.ui.served_driver:ServedDriver"
STOP_GRACE = 3.0  # seconds an app asked to quit has before its processes are killed
# A screen's size in cells, at most: a 4K screen at an 8-pixel font is 480 x 135 (a page
# asking for 5000 x 3000 took an app from 61 MB to 439 MB in 15 s)
MAX_COLUMNS, MAX_ROWS = 500, 200


def capped_size(width: object, height: object) -> tuple[int, int] | None:
    """A page's terminal size within 1..MAX_COLUMNS x 1..MAX_ROWS; None if not two whole
    numbers."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (width, height)):
        return None
    return min(max(width, 1), MAX_COLUMNS), min(max(height, 1), MAX_ROWS)


def query_size(query) -> tuple[int, int]:
    """The size in a page's websocket address (?width=&height=), capped; 80 x 24 if not
    given or not numbers."""
    try:
        size = capped_size(int(query.get("width", "80")), int(query.get("height", "24")))
    except ValueError:
        size = None
    return size or (80, 24)


def ended_message(text: str, back: str) -> str:
    """What the page shows when the server closes it: why, and the button's label (the
    page's script reads it, tui.cli.class_pages)."""
    return json.dumps(["backprop_ended", {"text": text, "back": back}])


class SessionProcess(AppService):
    """A student's app: started without a shell in a process group of its own, with the
    served driver; shown by one page at a time, or none."""

    def __init__(
        self, argv: list[str], folder: Path, temporary: bool, environment: dict, **kwargs
    ) -> None:
        super().__init__(
            shlex.join(argv),
            write_bytes=self._to_page,
            write_str=self._to_page_str,
            close=self._close_page,
            **kwargs,
        )
        self.argv = argv
        self.folder = folder
        self.temporary = temporary
        self.environment = environment  # added to the app's
        self.page: web.WebSocketResponse | None = None
        self.on_leave = None  # called (a coroutine) when the student leaves with q
        self._ending: asyncio.Future | None = None
        self.killed = False  # it did not quit when asked

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = DRIVER
        environment.update(self.environment)
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24):
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height),
            start_new_session=True,  # its own group: killed whole, spared the server's Ctrl+C
        )
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def exited(self) -> bool:
        """Its process has ended (by itself, or ended)."""
        return self._process is not None and self._process.returncode is not None

    # --- its page ------------------------------------------------------------------------

    async def attach(self, page: web.WebSocketResponse, width: int, height: int) -> None:
        """``page`` shows the app from now on: it is asked to draw all of its screen."""
        self.page = page
        await self.send_meta({"type": "attach", "width": width, "height": height})

    def detach(self, page: web.WebSocketResponse) -> None:
        if self.page is page:
            self.page = None

    async def _to_page(self, data: bytes) -> None:
        page = self.page
        if page is not None and not page.closed:
            try:
                await page.send_bytes(data)
            except ConnectionError:  # closing: the output is read on, and dropped
                pass

    async def _to_page_str(self, text: str) -> None:
        page = self.page
        if page is not None and not page.closed:
            try:
                await page.send_str(text)
            except ConnectionError:
                pass

    async def _close_page(self) -> None:
        """The app has ended (or the server ends it): its page says so and closes."""
        page, self.page = self.page, None
        if page is not None and not page.closed:
            try:
                await page.send_str(ended_message("This run has ended.", "Start again"))
            except ConnectionError:
                pass
            await page.close()

    async def on_data(self, payload: bytes) -> None:
        await self._to_page(payload)

    async def on_meta(self, data: bytes) -> None:
        if json.loads(data).get("type") == "leave" and self.on_leave is not None:
            await self.on_leave()  # q: the page closes, the run waits for its student
        else:
            await super().on_meta(data)

    async def run(self) -> None:
        await super().run()
        await self._close_page()  # the app's output ended

    # --- its end -------------------------------------------------------------------------

    async def end(self, grace: float = STOP_GRACE) -> None:
        """Ask the app to quit (it saves where it saves); kill its process group after
        ``grace`` seconds; remove a temporary folder. Safe to call more than once."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end(grace))
        await asyncio.shield(self._ending)

    async def _end(self, grace: float) -> None:
        process = self._process
        if process is not None:
            if process.returncode is None:
                await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                if process.returncode is None:
                    self.killed = True
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                await process.wait()
        if self._task is not None:
            await self._task  # it ends with the process's output
            self._task = None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self._close_page()
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)

    # --- what a page sends ---------------------------------------------------------------

    async def relay(self, page: web.WebSocketResponse, on_key=None) -> None:
        """Pass ``page``'s keys and sizes to the app until the page closes. A size is
        capped; a malformed message is dropped with one line in the log (the first of the
        page's: the rest are only counted)."""
        malformed = 0
        async for message in page:
            if message.type != WSMsgType.TEXT:
                continue
            problem = await self._one(page, message.data, on_key)
            if problem:
                malformed += 1
                if malformed == 1:
                    log.warning(
                        "session %s: a message from its page was dropped (%s): %.60r",
                        self.pid,
                        problem,
                        message.data,
                    )
        if malformed > 1:
            log.warning("session %s: %d malformed messages from its page", self.pid, malformed)

    async def _one(self, page: web.WebSocketResponse, text: str, on_key) -> str:
        """Act on one message; what was wrong with it, or ""."""
        try:
            envelope = json.loads(text)
        except (ValueError, RecursionError):
            return "not JSON"
        if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
            return "not a list starting with its type"
        kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        if page is not self.page:
            return ""  # another page has taken the run over: this one is closing
        if kind == "stdin":
            if not isinstance(data, str):
                return "keys that are not text"
            if on_key is not None:
                on_key()
            await self.send_bytes(data.encode("utf-8", "replace"))  # (a lone surrogate)
        elif kind == "resize":
            size = (
                capped_size(*(data.get(k) for k in ("width", "height")))
                if isinstance(data, dict)
                else None
            )
            if size is None:
                return "a size that is not two whole numbers"
            await self.set_terminal_size(*size)
        elif kind == "ping":
            with contextlib.suppress(ConnectionError):  # the page is closing
                await page.send_json(["pong", data])
        elif kind == "blur":
            await self.blur()
        elif kind == "focus":
            await self.focus()
        return ""
