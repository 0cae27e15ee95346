"""``backprop-tui serve``: the app in web browsers, a class with a run for each student.

textual-serve (the optional extra ``serve``) relays each app process to a browser. The
flags after ``serve``'s own are the app's, checked here once (a bad one stops the server
before it starts, with the usual one-line message) and given to every session of the
teacher's run; a lesson's sessions get the lesson and the flags that hold for any run
(--paused, --pace). Each session also gets the hidden flags that make it a served one
(tui.cli.served). Here too: the class's token, and the links to hand out, one per network
address of this machine. The server itself is tui.cli.classroom.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import struct
import sys
from collections.abc import Sequence

from core.config import ConfigError

from .args import AUTOSAVE, build_parser, build_serve_parser
from .launch import build_trainer

MISSING = (
    "backprop-tui serve needs textual-serve, which is not installed: "
    "pip install 'backprop-tui[serve]' (in a checkout of backprop-tui: pip install '.[serve]')"
)
ANYWHERE = ("0.0.0.0", "::", "")  # listening on every network of the machine
_ADDRESS_OF = 0x8915  # SIOCGIFADDR: an interface's IPv4 address (Linux)


def open_to_others(host: str) -> bool:
    """Whether listening on ``host`` lets other machines in (anything but loopback)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: whatever it resolves to may be reachable
        return True


def network_addresses() -> list[str]:
    """This machine's IPv4 addresses other machines can use (not loopback, not link-local),
    one per network interface."""
    found = []
    try:
        import fcntl

        for _, name in socket.if_nameindex():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    asked = struct.pack("256s", name.encode()[:15])
                    answer = fcntl.ioctl(s.fileno(), _ADDRESS_OF, asked)
                    found.append(socket.inet_ntoa(answer[20:24]))
                except OSError:  # no IPv4 address on it
                    continue
    except (ImportError, OSError):  # not Linux: what the machine's name resolves to
        try:
            found = socket.gethostbyname_ex(socket.gethostname())[2]
        except OSError:
            found = []
    usable = []
    for address in found:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and address not in usable:
            usable.append(address)
    return usable


def class_links(host: str, port: int, token: str | None, addresses: list[str]) -> list[str]:
    """The links students open: one per network address when listening on all of them
    (``addresses``; this machine's own when there is none), else the host's."""
    if host in ANYWHERE:
        hosts = addresses or ["127.0.0.1"]
    else:
        hosts = [host]
    query = f"?token={token}" if token else ""
    return [f"http://{url_host(h)}:{port}/{query}" for h in hosts]


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def no_address_warning(host: str) -> str:
    return (
        f"backprop-tui serve: listening on {host}, but this machine has no network address "
        "other machines can use (is it connected?); the link below works on this machine"
    )


def check_app_flags(flags: list[str]) -> argparse.Namespace:
    """The app's flags as every session will read them; SystemExit(2) with one line for a
    bad one, ValueError for one a served session cannot take."""
    served = [f for f in flags if f.split("=")[0].startswith("--served-")]
    if served:
        raise ValueError(f"{served[0].split('=')[0]} is set by serve itself, not by hand")
    args = build_parser().parse_args(flags)
    if args.command is not None:
        raise ValueError(f"serve takes the app's flags, not the {args.command} command")
    if args.list_lessons:
        raise ValueError("--list-lessons prints and exits: run backprop-tui --list-lessons")
    if args.resume is AUTOSAVE:
        raise ValueError(
            "--resume alone would give every visitor this account's autosaves: "
            "give the checkpoint to start from, --resume FILE"
        )
    build_trainer(args)  # the run each session starts with: a bad file is said now
    return args


def lesson_flags(flags: list[str]) -> list[str]:
    """The teacher's flags that hold for any lesson too (--paused, --pace): a lesson
    brings its own settings."""
    kept, i = [], 0
    while i < len(flags):
        flag = flags[i]
        if flag == "--paused" or flag.startswith("--pace="):
            kept.append(flag)
        elif flag == "--pace" and i + 1 < len(flags):
            kept += flags[i : i + 2]
            i += 1
        i += 1
    return kept


def serve(argv: Sequence[str]) -> int:
    """Run the server until Ctrl+C (or SIGTERM); every session's process ends with it."""
    options, app_flags = build_serve_parser().parse_known_args(list(argv))
    try:
        args = check_app_flags(app_flags)
    except (ConfigError, ValueError, OSError) as e:
        print(f"backprop-tui serve: {e}", file=sys.stderr)
        return 2
    try:
        from .class_access import Access, new_token
        from .classroom import Classroom
    except ImportError:
        print(MISSING, file=sys.stderr)
        return 2
    from core.lessons import load_lessons

    token = options.token or (new_token() if open_to_others(options.host) else None)
    access = Access(token, new_token())
    addresses = network_addresses() if options.host in ANYWHERE else []
    if options.host in ANYWHERE and not addresses:
        print(no_address_warning(options.host), file=sys.stderr)
    links = class_links(options.host, options.port, token, addresses)
    teacher = links[0].split("?")[0] + "teacher" + (f"?token={access.teacher}" if token else "")
    python = [sys.executable, "-m", "tui.cli"]
    kept = lesson_flags(app_flags)
    Classroom(
        [*python, *app_flags],
        lesson_argv=lambda name: [*python, "--lesson", name, *kept],
        lessons=[(lesson.name, lesson.title) for lesson in load_lessons().values()],
        default_lesson=args.lesson,
        run_flags=shlex.join(app_flags),
        host=options.host,
        port=options.port,
        max_sessions=options.max_sessions,
        data_dir=options.data_dir,
        sessions_dir=options.sessions_dir,
        max_pace=options.max_pace,
        grace=options.grace,
        access=access,
        links=links,
        teacher_link=teacher,
    ).serve()
    return 0
