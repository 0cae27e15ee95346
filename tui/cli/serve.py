"""``backprop-tui serve``: the app in web browsers, a run of its own for each visitor.

textual-serve (the optional extra ``serve``) starts one app process per browser
connection. The flags after ``serve``'s own are the app's, checked here once (a bad one
stops the server before it starts, with the usual one-line message) and given to every
session, with the hidden flags that make it a served one (tui.cli.served): a folder of its
own, the teacher's data folder read only, the pace cap. The server itself (how many
sessions, their processes and folders, the page) is tui.cli.classroom.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Sequence

from core.config import ConfigError

from .args import AUTOSAVE, build_parser, build_serve_parser
from .launch import build_trainer

MISSING = (
    "backprop-tui serve needs textual-serve, which is not installed: "
    "pip install 'backprop-tui[serve]' (in a checkout of backprop-tui: pip install '.[serve]')"
)


def open_to_others(host: str) -> bool:
    """Whether listening on ``host`` lets other machines in (anything but loopback)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: whatever it resolves to may be reachable
        return True


def open_warning(host: str, port: int) -> str:
    return (
        f"backprop-tui serve: listening on {host}:{port}: anyone who can reach this address "
        "can start sessions; there is no login"
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


def serve(argv: Sequence[str]) -> int:
    """Run the server until Ctrl+C (or SIGTERM); every session's process ends with it."""
    options, app_flags = build_serve_parser().parse_known_args(list(argv))
    try:
        check_app_flags(app_flags)
    except (ConfigError, ValueError, OSError) as e:
        print(f"backprop-tui serve: {e}", file=sys.stderr)
        return 2
    try:
        from .classroom import Classroom
    except ImportError:
        print(MISSING, file=sys.stderr)
        return 2
    if open_to_others(options.host):
        print(open_warning(options.host, options.port), file=sys.stderr)
    app_argv = [sys.executable, "-m", "tui.cli", *app_flags]
    Classroom(
        app_argv,
        host=options.host,
        port=options.port,
        max_sessions=options.max_sessions,
        data_dir=options.data_dir,
        sessions_dir=options.sessions_dir,
        max_pace=options.max_pace,
    ).serve()
    return 0
