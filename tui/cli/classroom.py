"""The server of ``backprop-tui serve``: textual-serve's, made fit for a class.

textual-serve starts one app process per browser connection (a websocket) and relays its
screen and keys. On top of it:

- at most ``max_sessions`` processes at once: a visitor beyond them gets a page saying
  the class is full (HTTP 503), and a connection that races past it is told so in the
  terminal and closed;
- each session gets a folder of its own (temporary, or kept in ``sessions_dir``) and the
  hidden flags that make it a served session (tui.cli.served);
- a closed page ends its process: the app is asked to quit (it saves where it saves),
  and after STOP_GRACE seconds its process group is killed; the folder is then removed
  unless kept. Stopping the server ends every session the same way; a server that dies
  without doing so closes their input, and each ends itself (tui.ui.served_driver);
- the page is titled backprop-tui, fetches nothing from other sites, and its websocket
  address is the one the visitor used (not the address listened on: 0.0.0.0 works).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import os
import re
import shlex
import shutil
import signal
import tempfile
import time
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .args import SERVED_MAX_PACE

log = logging.getLogger("backprop-tui serve")
TITLE = "backprop-tui"
STOP_GRACE = 3.0  # seconds a closed page's app has to quit before its processes are killed
HEARTBEAT = 15.0  # seconds between pings; a pong is due within half (a busy machine is slow)
DRIVER = "tui.ui.served_driver:ServedDriver"
_FONTS = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>\s*")


def full_page(max_sessions: int) -> str:
    """What a visitor beyond the limit sees."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{TITLE}: the class is full</title></head>"
        "<body style='font-family: sans-serif; margin: 3em'>"
        "<h1>The class is full</h1>"
        f"<p>All {max_sessions} places on this {TITLE} server are taken. A place frees as "
        "soon as someone closes their page: try again in a minute.</p>"
        "<p><button onclick='location.reload()'>Try again</button></p></body></html>"
    )


def full_text(max_sessions: int) -> bytes:
    return (
        f"\r\nThe class is full: all {max_sessions} places on this server are taken. "
        "Reload the page in a minute.\r\n"
    ).encode()


def _why_closed(websocket: web.WebSocketResponse) -> str:
    if websocket.exception() is not None:
        return f"{type(websocket.exception()).__name__}: {websocket.exception()}"
    return f"closed, code {websocket.close_code}"


class SessionProcess(AppService):
    """One browser's app process, started without a shell in a process group of its own,
    with the served driver; ``end`` stops it for good."""

    def __init__(self, argv: list[str], folder: Path, temporary: bool, **kwargs) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self.folder = folder
        self.temporary = temporary
        self._ending: asyncio.Future | None = None
        self.killed = False  # it did not quit when asked

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = DRIVER
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

    async def run(self) -> None:
        await super().run()
        await self.remote_close()  # the app's output ended: the page says the session ended

    async def on_data(self, payload: bytes) -> None:
        try:
            await self.remote_write_bytes(payload)
        except ConnectionError:  # the page is gone; the output is read on until the app ends
            pass

    async def end(self, grace: float = STOP_GRACE) -> None:
        """Ask the app to quit; kill its process group after ``grace`` seconds; remove a
        temporary folder. Safe to call more than once, from more than one task."""
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
        await self.remote_close()
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


class Classroom(Server):
    """textual-serve's server with a limit on sessions, a folder and flags for each, and
    sessions that end with their page (see the module's docstring)."""

    def __init__(
        self,
        app_argv: list[str],
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        max_sessions: int = 10,
        data_dir: Path | None = None,
        sessions_dir: Path | None = None,
        max_pace: float | None = SERVED_MAX_PACE,
        grace: float = STOP_GRACE,
    ) -> None:
        super().__init__(shlex.join(app_argv), host=host, port=port, title=TITLE)
        self.app_argv = list(app_argv)
        self.max_sessions = max_sessions
        self.data_dir = data_dir
        self.sessions_dir = sessions_dir
        self.max_pace = max_pace
        self.grace = grace
        self.sessions: set[SessionProcess] = set()  # from the connection until the process ends
        self._numbers = itertools.count(1)

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.max_sessions

    def new_folder(self) -> tuple[Path, bool]:
        """A session's own folder, and whether it is temporary (removed at its end)."""
        if self.sessions_dir is None:
            return Path(tempfile.mkdtemp(prefix="backprop-tui-session-")), True
        name = f"session-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(self._numbers)}"
        folder = self.sessions_dir / name
        folder.mkdir(mode=0o700)
        return folder, False

    def session_argv(self, folder: Path, temporary: bool) -> list[str]:
        """The app's command line for the session with this folder (tui.cli.served)."""
        argv = [*self.app_argv, "--served-folder", str(folder)]
        if self.data_dir is not None:
            argv += ["--served-data", str(self.data_dir)]
        if not temporary:
            argv.append("--served-keep")
        if self.max_pace is not None:
            argv += ["--served-max-pace", f"{self.max_pace:g}"]
        return argv

    async def on_startup(self, app: web.Application) -> None:
        limit = f"at most {self.max_sessions} sessions at once"
        self.console.print(
            f"{TITLE} serve: open {self.public_url}/ in a browser ({limit}); Ctrl+C stops",
            highlight=False,
            markup=False,
        )

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(s.end(self.grace) for s in list(self.sessions)))

    async def handle_index(self, request: web.Request) -> web.Response:
        """The page of one session, or the page saying the class is full."""
        if self.full:
            return web.Response(
                status=503,
                text=full_page(self.max_sessions),
                content_type="text/html",
                headers={"Retry-After": "60"},
            )
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": TITLE},
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        page = _FONTS.sub("", page, count=1)  # the page fetches nothing from other sites
        page = page.replace("<head>", f"<head>\n    <title>{html.escape(TITLE)}</title>", 1)
        return web.Response(text=page, content_type="text/html")

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser's session: its process lives as long as this connection."""
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        await websocket.prepare(request)
        if self.full:
            await websocket.send_bytes(full_text(self.max_sessions))
            await websocket.close()
            return websocket
        folder, temporary = self.new_folder()
        session = SessionProcess(
            self.session_argv(folder, temporary),
            folder,
            temporary,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self.sessions.add(session)
        started = time.monotonic()
        try:
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            await session.start(width, height)
            log.info(
                "session %s started (%d of %d)", session.pid, len(self.sessions), self.max_sessions
            )
            await self._process_messages(websocket, session)
        finally:
            try:
                await session.end(self.grace)
            finally:
                self.sessions.discard(session)
                log.info(
                    "session %s ended after %.0f s (page: %s)%s",
                    session.pid,
                    time.monotonic() - started,
                    _why_closed(websocket),
                    f"; killed {self.grace:g} s after it was asked to quit"
                    if session.killed
                    else "",
                )
        return websocket
