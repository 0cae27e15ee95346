"""Who may open what on a ``backprop-tui serve`` server, and who a visitor is.

The class's token (``--token``, or a random one when the server listens beyond this
machine) opens the student pages: given once in the link (``?token=``), it is kept in a
cookie, so the lesson links and the app's websocket carry it. The teacher's view takes
the teacher's token (printed at start), or the class's from this machine itself. Without
a class token (on 127.0.0.1) every page is open, as before.

A student is a random id in a cookie (``backprop_student``), with the name they gave in
another (``backprop_name``): a reload, another lesson, a browser restarted, all find the
same student.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, unquote

from aiohttp import web

TOKEN_COOKIE, TEACHER_COOKIE = "backprop_token", "backprop_teacher"
STUDENT_COOKIE, NAME_COOKIE = "backprop_student", "backprop_name"
YEAR = 365 * 24 * 3600
MAX_NAME = 40
_STUDENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def new_token() -> str:
    return secrets.token_urlsafe(12)


def _given(request: web.Request, cookie: str) -> str | None:
    """The token a request carries: ?token=, ``Authorization: token T``, or the cookie."""
    if "token" in request.query:
        return request.query["token"]
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("token "):
        return auth[6:].strip()
    return request.cookies.get(cookie)


def _same(given: str | None, token: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), token.encode())


def from_this_machine(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Access:
    """``token``: the class's (None: no token needed); ``teacher``: the teacher's."""

    token: str | None
    teacher: str

    def student_refusal(self, request: web.Request) -> int:
        """0 if the request may open a student's page; 401 (no token) or 403 (wrong)."""
        if self.token is None:
            return 0
        given = _given(request, TOKEN_COOKIE)
        if _same(given, self.token) or _same(given, self.teacher):
            return 0
        teacher = request.cookies.get(TEACHER_COOKIE)
        if _same(teacher, self.teacher):
            return 0
        return 401 if given is None else 403

    def teacher_refusal(self, request: web.Request) -> int:
        """0 if the request may open the teacher's view; 401 or 403."""
        given = _given(request, TEACHER_COOKIE)
        if _same(given, self.teacher) or _same(request.cookies.get(TEACHER_COOKIE), self.teacher):
            return 0
        if from_this_machine(request):  # the machine that runs the class is the teacher's
            if self.token is None or _same(_given(request, TOKEN_COOKIE), self.token):
                return 0
        return 401 if given is None else 403

    def remember(self, request: web.Request, response: web.StreamResponse) -> None:
        """A token given in the address is kept in a cookie for the pages that follow."""
        given = request.query.get("token")
        if given is None:
            return
        for token, cookie in ((self.token, TOKEN_COOKIE), (self.teacher, TEACHER_COOKIE)):
            if token is not None and _same(given, token):
                response.set_cookie(cookie, given, max_age=YEAR, httponly=True, samesite="Lax")


def student_id(request: web.Request) -> str | None:
    found = request.cookies.get(STUDENT_COOKIE, "")
    return found if _STUDENT_ID.fullmatch(found) else None


def clean_name(text: str) -> str:
    """A name as given (control characters out, at most MAX_NAME characters)."""
    return " ".join(_CONTROL.sub(" ", text).split())[:MAX_NAME]


def student_name(request: web.Request) -> str:
    return clean_name(unquote(request.cookies.get(NAME_COOKIE, "")))


def remember_student(response: web.StreamResponse, student: str, name: str | None = None):
    response.set_cookie(STUDENT_COOKIE, student, max_age=YEAR, httponly=True, samesite="Lax")
    if name is not None:
        response.set_cookie(NAME_COOKIE, quote(name), max_age=YEAR, samesite="Lax")
