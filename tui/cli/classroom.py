"""The server of ``backprop-tui serve``: textual-serve's, made into a class a teacher runs.

- ``/`` lists the lessons (and the teacher's run, ``/run``, when not a lesson);
  ``/lesson/NAME`` is the app on that lesson, a run of the student's own;
- a run belongs to its student (tui.cli.class_access) and lesson, and holds one of the
  ``max_sessions`` places (tui.cli.class_runs): it outlives its page for ``grace``
  seconds (a reload, a dropped connection, q), and the next page of its student shows it
  again (tui.cli.session_process); a second tab takes it over. Beyond the limit, a
  visitor waits in line on a page that says so (HTTP 503);
- each run has a folder of its own named by its student and lesson (temporary, removed
  with the run, or kept in ``sessions_dir``: tui.cli.class_folders), and the hidden
  flags that make it a served session (tui.cli.served); ``/my-run/ID`` hands the
  student their run as a checkpoint;
- ``/teacher`` and ``/teacher.json``: every run, its student, lesson, epoch, loss, pace and
  idle time (from the status file its app writes, tui.cli.served_status), and a button
  to end one;
- stopping the server ends every run (asked to quit, so it saves where it saves; killed
  after ``stop_grace``); a server that dies without doing so closes their input, and each
  ends itself (tui.ui.served_driver); its temporary folder is removed at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shlex
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from . import class_pages as pages
from .args import SERVED_MAX_PACE
from .class_access import (
    Access,
    clean_name,
    remember_student,
    student_id,
    student_name,
)
from .class_folders import Folders, slug
from .class_runs import Places, Run
from .served import duration
from .served_status import GRACE_ENV, STATUS_ENV, STATUS_FILE, read
from .session_process import STOP_GRACE, SessionProcess, ended_message, query_size

log = logging.getLogger("backprop-tui serve")
GRACE = 120.0  # seconds a run waits for its student's page (serve --grace)
HEARTBEAT = 15.0  # seconds between pings; a pong is due within half (a busy machine is slow)
SAVE_WAIT = 10.0  # seconds a download waits for the app to write the run
FONT = Path(__file__).with_name("static") / "pause-glyph.ttf"

LEFT = "You left this page. Your run goes on on the server for {grace}."
ELSEWHERE = "This run is now shown in another tab or window."
ENDED_BY_TEACHER = "Your teacher ended this run."
CLASS_ENDED = "The class has ended: the server stopped."


class Classroom(Server):
    """textual-serve's server with lessons, students, places, a teacher's view (see the
    module's docstring). ``lesson_argv(name)``: the app's command line for a lesson."""

    def __init__(
        self,
        app_argv: list[str],
        *,
        lesson_argv: Callable[[str], list[str]] | None = None,
        lessons: list[tuple[str, str]] = (),
        default_lesson: str | None = None,
        host: str = "127.0.0.1",
        port: int = 8000,
        max_sessions: int = 10,
        data_dir: Path | None = None,
        sessions_dir: Path | None = None,
        max_pace: float | None = SERVED_MAX_PACE,
        grace: float = GRACE,
        stop_grace: float = STOP_GRACE,
        access: Access | None = None,
        links: list[str] = (),
        teacher_link: str = "",
        run_flags: str = "",
    ) -> None:
        super().__init__(shlex.join(app_argv), host=host, port=port, title=pages.TITLE)
        self.app_argv = list(app_argv)
        self.lesson_argv = lesson_argv or (lambda name: [*app_argv, "--lesson", name])
        self.lessons = list(lessons)
        self.default_lesson = default_lesson
        self.max_sessions = max_sessions
        self.data_dir = data_dir
        self.sessions_dir = sessions_dir
        self.max_pace = max_pace
        self.grace = grace
        self.stop_grace = stop_grace
        self.access = access or Access(None, "")
        self.links = list(links)  # what the console says to hand out
        self.teacher_link = teacher_link
        self.run_flags = run_flags  # the teacher's flags, as the lessons page shows them
        self.places = Places(max_sessions, grace)
        self.folders = Folders(sessions_dir)
        self._reaper: asyncio.Task | None = None
        self._ending: set[asyncio.Task] = set()  # runs being ended (awaited at shutdown)

    # --- runs ----------------------------------------------------------------------------

    def what(self, lesson: str) -> str:
        return f"lesson {lesson}" if lesson else "the teacher's run"

    def address(self, lesson: str) -> str:
        return f"/lesson/{lesson}" if lesson else "/run"

    def session_argv(self, run: Run) -> list[str]:
        """The app's command line for the run (tui.cli.served's hidden flags)."""
        own = run.lesson and run.lesson != self.default_lesson
        app = self.lesson_argv(run.lesson) if own else self.app_argv
        argv = [*app, "--served-folder", str(run.folder)]
        if self.data_dir is not None:
            argv += ["--served-data", str(self.data_dir)]
        if not run.temporary:
            argv.append("--served-keep")
        if self.max_pace is not None:
            argv += ["--served-max-pace", f"{self.max_pace:g}"]
        return argv

    async def start_run(self, run: Run, page: web.WebSocketResponse, size) -> None:
        in_use = [r.folder for r in self.places.runs.values() if r.folder is not None]
        run.folder = self.folders.new(run.student, run.name, run.lesson, in_use)
        run.temporary = self.folders.temporary
        process = SessionProcess(
            self.session_argv(run),
            run.folder,
            run.temporary,
            {STATUS_ENV: str(run.folder / STATUS_FILE), GRACE_ENV: f"{self.grace:g}"},
            download_manager=self.download_manager,
            debug=self.debug,
        )
        process.page = page
        process.on_leave = lambda: self.page_left(run)
        run.process = process
        await process.start(*size)
        log.info(
            "session %s started: %s, %s (places taken: %d of %d)",
            process.pid,
            run.name or "a student with no name yet",
            self.what(run.lesson),
            self.places.taken,
            self.max_sessions,
        )

    async def page_left(self, run: Run) -> None:
        """q in the app: the page closes, the run waits for its student."""
        page = run.page
        if page is not None:
            self.places.page_gone(run, page)
            run.process.detach(page)
            await close_page(page, LEFT.format(grace=duration(self.grace)), "Back to my run")

    async def end_run(self, run: Run, why: str, told: str = "") -> None:
        """End a run for good: its place is free at once; its page (if any) is told
        ``told``; its app quits (saving where it saves) or is killed."""
        self.places.remove(run)
        if run.page is not None and told:
            await close_page(run.page, told, "Start again")
        process = run.process
        if process is None:
            return
        started = time.monotonic()
        await process.end(self.stop_grace)
        log.info(
            "session %s ended: %s, %s: %s%s",
            process.pid,
            run.name or "no name",
            self.what(run.lesson),
            why,
            f" (killed {self.stop_grace:g} s after it was asked to quit)"
            if process.killed
            else f" ({time.monotonic() - started:.1f} s to quit)",
        )

    def end_soon(self, run: Run, why: str, told: str = "") -> None:
        """``end_run`` in a task of its own (its place is free at once)."""
        task = asyncio.ensure_future(self.end_run(run, why, told))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _reap(self) -> None:
        """Once a second: end the runs whose time is up, and those whose app has ended."""
        while True:
            await asyncio.sleep(1.0)
            for run in self.places.expired():
                gone = "no page" if run.process is None else f"no page for {duration(self.grace)}"
                self.end_soon(run, run.ended or gone)
            for run in list(self.places.runs.values()):
                if run.process is not None and run.process.exited:
                    self.end_soon(run, "its app ended")

    # --- the server ----------------------------------------------------------------------

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # a line per request

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index),
                web.post("/name", self.handle_name),
                web.get("/lesson/{lesson}", self.handle_lesson),
                web.get("/run", self.handle_run),
                web.get("/ws/{lesson}/{run}", self.handle_websocket),
                web.get("/my-run/{run}", self.handle_my_run),
                web.get("/alive", self.handle_alive),
                web.get("/teacher", self.handle_teacher),
                web.get("/teacher.json", self.handle_teacher_json),
                web.post("/teacher/end/{run}", self.handle_end),
                web.get("/fonts/pause-glyph.ttf", self.handle_font),
                web.static("/static", self.statics_path),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        if self.links:
            lines = [f"{pages.TITLE} serve: students open", *(f"  {u}" for u in self.links)]
            if self.teacher_link:
                lines.append(f"the teacher's view (keep it to yourself): {self.teacher_link}")
            runs = "1 run" if self.max_sessions == 1 else f"{self.max_sessions} runs"
            lines.append(
                f"at most {runs} at once; a closed page's run waits "
                f"{duration(self.grace)} for its student; Ctrl+C ends the class"
            )
            self.console.print("\n".join(lines), highlight=False, markup=False, soft_wrap=True)
        self.folders.open()  # (and the folders killed servers left go now)
        self._reaper = asyncio.ensure_future(self._reap())

    async def on_shutdown(self, app: web.Application) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        runs = list(self.places.runs.values())
        await asyncio.gather(
            *(self.end_run(r, "the class ended", CLASS_ENDED) for r in runs), *self._ending
        )
        self.folders.close()

    def refused(self, request: web.Request, teacher: bool = False) -> web.Response | None:
        status = (
            self.access.teacher_refusal(request)
            if teacher
            else self.access.student_refusal(request)
        )
        if not status:
            return None
        return web.Response(
            status=status, text=pages.refused_page(status == 403), content_type="text/html"
        )

    def html(self, request: web.Request, text: str, status: int = 200, **kw) -> web.Response:
        response = web.Response(status=status, text=text, content_type="text/html", **kw)
        self.access.remember(request, response)
        return response

    def student(self, request: web.Request) -> tuple[str, bool]:
        """The visitor's student id, and whether it is new (to be set in a cookie)."""
        found = student_id(request)
        return (found, False) if found else (secrets.token_urlsafe(18), True)

    async def handle_index(self, request: web.Request) -> web.Response:
        if (refusal := self.refused(request)) is not None:
            return refusal
        student, new = self.student(request)
        if self.default_lesson:
            title = dict(self.lessons).get(self.default_lesson, "")
            today = (self.address(self.default_lesson), f"{self.default_lesson}: {title}")
        else:
            today = ("/run", f"the teacher's run ({self.run_flags or 'the default settings'})")
        runs = [
            (self.address(r.lesson), f"{self.what(r.lesson)}, epoch {self.status(r)['epoch'] or 0}")
            for r in self.places.of(student)
        ]
        response = self.html(
            request, pages.lessons_page(self.lessons, today, student_name(request), runs)
        )
        if new:
            remember_student(response, student)
        return response

    async def handle_name(self, request: web.Request) -> web.Response:
        """A student's name, from the lessons' form or the app page's bar."""
        if (refusal := self.refused(request)) is not None:
            return refusal
        name = clean_name(str((await request.post()).get("name", "")))
        student, _ = self.student(request)
        for run in self.places.of(student):
            run.name = name
        if "text/html" in request.headers.get("Accept", ""):
            response = web.HTTPSeeOther("/")
        else:
            response = web.Response(status=204)
        remember_student(response, student, name)
        return response

    async def handle_run(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self.refused(request)) is not None:
            return refusal
        if self.default_lesson:  # the teacher's run is a lesson (the address keeps its token)
            query = f"?{request.query_string}" if request.query_string else ""
            raise web.HTTPFound(self.address(self.default_lesson) + query)
        return await self.app_page(request, "")

    async def handle_lesson(self, request: web.Request) -> web.StreamResponse:
        lesson = request.match_info["lesson"]
        if (refusal := self.refused(request)) is not None:
            return refusal
        if lesson not in dict(self.lessons):
            return self.html(request, pages.not_found_page(lesson, self.lessons), 404)
        return await self.app_page(request, lesson)

    async def app_page(self, request: web.Request, lesson: str) -> web.StreamResponse:
        """The app on ``lesson`` for this student: their run, a new one on a free place,
        or their place in line."""
        student, new = self.student(request)
        name = student_name(request)
        claim = self.places.claim(student, name, lesson)
        if isinstance(claim, int):
            response = self.html(
                request,
                pages.full_page(self.max_sessions, claim),
                503,
                headers={"Retry-After": str(pages.RETRY)},
            )
        else:
            scheme = "wss" if request.secure else "ws"
            context = {
                "font_size": 16,
                "app_websocket_url": f"{scheme}://{request.host}/ws/{lesson or '-'}/{claim.id}",
                "config": {"static": {"url": "/static/"}},
                "application": {"name": pages.TITLE},
            }
            rendered = aiohttp_jinja2.render_string("app_index.html", request, context)
            text = pages.app_page(rendered, claim.id, name, self.what(lesson), self.grace)
            response = self.html(request, text, headers={"Cache-Control": "no-store"})
        if new:
            remember_student(response, student)
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """A page showing a run: its app starts with the first, a later one shows it
        again; the run outlives the page (see the module's docstring)."""
        if (refusal := self.refused(request)) is not None:
            return refusal
        page = web.WebSocketResponse(heartbeat=HEARTBEAT)
        await page.prepare(request)
        run = self.places.runs.get(request.match_info["run"])
        if run is None or run.student != student_id(request):
            # its place was given up meanwhile, or not this browser's: the page asks anew
            lesson = request.match_info["lesson"]
            address = self.address("" if lesson == "-" else lesson)
            await page.send_json(["open_url", {"url": address, "new_tab": False}])
            await page.close()
            return page
        size = query_size(request.query)
        replaced = self.places.shown_on(run, page)
        if replaced is not None:
            if run.process is not None:
                run.process.detach(replaced)
            await close_page(replaced, ELSEWHERE, "Show it here")
        try:
            if run.process is None:
                await self.start_run(run, page, size)
            else:
                await run.process.attach(page, *size)
        except Exception as e:  # the app could not start: its place is freed
            log.error("session of %s could not start: %s", run.name or "a student", e)
            await self.end_run(run, f"it failed: {e}", "The app could not start on the server.")
            return page
        try:

            def typed() -> None:
                run.last_key = self.places.clock()

            await run.process.relay(page, on_key=typed)
        finally:  # the run waits for its student (whatever ended the page)
            self.places.page_gone(run, page)
            run.process.detach(page)
        return page

    async def handle_my_run(self, request: web.Request) -> web.StreamResponse:
        """The student's run as a checkpoint file: the app writes it now (its newest
        checkpoint in the folder if it does not answer in SAVE_WAIT seconds)."""
        if (refusal := self.refused(request)) is not None:
            return refusal
        run = self.places.runs.get(request.match_info["run"])
        if run is None or run.student != student_id(request) or run.process is None:
            raise web.HTTPNotFound(text="This run is not on the server (any more).")
        name = f"{slug(run.name, 'my')}-{slug(run.lesson, 'run')}.npz"
        path = run.folder / name
        before = path.stat().st_mtime_ns if path.exists() else 0
        await run.process.send_meta({"type": "save", "path": str(path)})
        end = time.monotonic() + SAVE_WAIT
        while time.monotonic() < end and not (path.exists() and path.stat().st_mtime_ns > before):
            await asyncio.sleep(0.05)
        if not path.exists() or path.stat().st_mtime_ns == before:
            saved = sorted(run.folder.glob("*.npz"), key=lambda p: p.stat().st_mtime)
            if not saved:
                raise web.HTTPServiceUnavailable(text="The run could not be saved: try again.")
            path = saved[-1]
        return web.FileResponse(
            path, headers={"Content-Disposition": f'attachment; filename="{path.name}"'}
        )

    async def handle_alive(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def handle_font(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(FONT, headers={"Content-Type": "font/ttf"})

    # --- the teacher's view --------------------------------------------------------------

    def status(self, run: Run) -> dict:
        """What the teacher's view shows of a run (a JSON object)."""
        app = read(run.folder / STATUS_FILE) if run.folder is not None else {}
        now = self.places.clock()
        return {
            "id": run.id,
            "student": run.name or "(no name yet)",
            "lesson": app.get("lesson") or run.lesson or "the teacher's run",
            "epoch": app.get("epoch"),
            "loss": app.get("loss"),
            "state": app.get("state", ""),
            "pace": app.get("pace", ""),
            "epochs_per_second": app.get("epochs_per_second"),
            "connected": run.shown,
            "idle_seconds": round(now - run.last_key, 1),
            "ends_in": self.places.left_for(run),
            "pid": run.process.pid if run.process is not None else None,
            "folder": str(run.folder) if run.folder is not None else None,
        }

    def summary(self) -> str:
        waiting = len(self.places.waiting())
        return (
            f"{self.places.taken} of {self.max_sessions} "
            f"place{'s' * (self.max_sessions != 1)} taken"
            + (f", {waiting} waiting" if waiting else "")
            + f"; a closed page's run waits {duration(self.grace)} for its student."
        )

    async def handle_teacher(self, request: web.Request) -> web.Response:
        if (refusal := self.refused(request, teacher=True)) is not None:
            return refusal
        return self.html(request, pages.teacher_page(self.summary(), self.links))

    async def handle_teacher_json(self, request: web.Request) -> web.Response:
        if (refusal := self.refused(request, teacher=True)) is not None:
            return refusal
        response = web.json_response([self.status(r) for r in self.places.runs.values()])
        self.access.remember(request, response)
        return response

    async def handle_end(self, request: web.Request) -> web.Response:
        if (refusal := self.refused(request, teacher=True)) is not None:
            return refusal
        run = self.places.runs.get(request.match_info["run"])
        if run is None:
            raise web.HTTPNotFound(text="No such run (it may have ended).")
        self.end_soon(run, "the teacher ended it", ENDED_BY_TEACHER)
        return web.Response(status=204)


async def close_page(page: web.WebSocketResponse, text: str, back: str) -> None:
    """Tell a page why it closes (its dialog shows it, with a button to load it again)."""
    if not page.closed:
        with contextlib.suppress(ConnectionError):
            await page.send_str(ended_message(text, back))
        await page.close()
