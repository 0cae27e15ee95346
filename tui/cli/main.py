"""The ``backprop-tui`` command: the app, or headless ``train``, ``predict``, ``export`` and
``gradcheck``.

Hang-ups are handled from the process's first moments (tui.cli.hangup): this module
imports nothing heavy at the top, so the handlers are in place before NumPy and Textual
load (a second or more on a busy machine).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import threading
from collections.abc import Sequence

from .hangup import Hangup

# Textual draws with cursor movement and colours, which TERM=dumb says the terminal lacks
DUMB_TERMINAL = (
    "backprop-tui: this terminal (TERM=dumb) cannot draw the app: run it in a terminal that "
    "can (or set TERM, e.g. TERM=xterm-256color), or train without it: backprop-tui train"
)

SERVE_FIRST = (
    "backprop-tui: serve comes first, then its flags and the app's: "
    "backprop-tui serve [--host H] [--port P] [--token T] [--max-sessions N] [APP FLAGS]"
)
MESSAGE_MAX = 400  # characters of an error line (its start and its end)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:  # its own flags, then the app's (tui.cli.serve)
        from .serve import serve

        return serve(argv[1:])
    hangup = Hangup()
    if threading.current_thread() is threading.main_thread():
        hangup.install()  # first: the app's run is armed once it exists (tui.cli.launch)
        hangup.watch(0)
    try:
        return _command(argv, hangup)
    finally:
        hangup.finished()


def _command(argv: list[str], hangup: Hangup) -> int:
    from core.config import ConfigError

    from .args import build_parser

    helped = {"-h", "--help"} & set(argv)
    if "serve" in argv and not helped and not _parses(argv):  # serve's flags first: --port 9
        print(SERVE_FIRST, file=sys.stderr)
        return 2
    try:
        args = build_parser().parse_args(argv)
        if args.command == "serve":  # flags before it
            print(SERVE_FIRST, file=sys.stderr)
            return 2
        if args.command is not None or args.list_lessons:
            hangup.finished()  # not the app: its own handling, or none
            return _headless(args)
        if os.environ.get("TERM") == "dumb":
            print(DUMB_TERMINAL, file=sys.stderr)
            return 2
        from .launch import run_app

        return run_app(args, hangup)
    except (ConfigError, ValueError, OSError) as e:
        print(f"backprop-tui: {one_line(str(e))}", file=sys.stderr)
        return 2


def _parses(argv: list[str]) -> bool:
    """Whether the app's parser takes ``argv`` (its complaint unsaid)."""
    from .args import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit:
        return False
    return True


def _headless(args: argparse.Namespace) -> int:
    """``train``, ``predict``, ``export``, ``gradcheck`` or ``--list-lessons``."""
    from .args import config_from_args

    if args.command == "train":
        from .headless import train

        return train(args, None if args.resume else config_from_args(args))
    if args.command == "predict":
        from .predict import predict_file

        return predict_file(args)
    if args.command == "export":
        from .export import export

        return export(args)
    if args.command == "gradcheck":
        from .headless import gradcheck

        return gradcheck(config_from_args(args))
    from core.lessons import load_lessons

    for lesson in load_lessons().values():
        print(f"{lesson.name}  {lesson.title}")
    return 0


def one_line(text: str) -> str:
    """An error message as one short line: whatever it quotes, at most MESSAGE_MAX
    characters (its start and its end, where the advice is)."""
    text = " ".join(text.split("\n"))
    if len(text) <= MESSAGE_MAX:
        return text
    half = MESSAGE_MAX // 2
    return f"{text[:half]} … {text[-half:]}"
