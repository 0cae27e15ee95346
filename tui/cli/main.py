"""The ``backprop-tui`` command: the app, or headless ``train``, ``predict``, ``export`` and
``gradcheck``."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Sequence

from core.config import ConfigError

from .args import build_parser, config_from_args

# Textual draws with cursor movement and colours, which TERM=dumb says the terminal lacks
DUMB_TERMINAL = (
    "backprop-tui: this terminal (TERM=dumb) cannot draw the app: run it in a terminal that "
    "can (or set TERM, e.g. TERM=xterm-256color), or train without it: backprop-tui train"
)

SERVE_FIRST = (
    "backprop-tui: serve comes first, then its flags and the app's: "
    "backprop-tui serve [--host H] [--port P] [--token T] [--max-sessions N] [APP FLAGS]"
)


def _parses(argv: list[str]) -> bool:
    """Whether the app's parser takes ``argv`` (its complaint unsaid)."""
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:  # its own flags, then the app's (tui.cli.serve)
        from .serve import serve

        return serve(argv[1:])
    helped = {"-h", "--help"} & set(argv)
    if "serve" in argv and not helped and not _parses(argv):  # serve's flags first: --port 9
        print(SERVE_FIRST, file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    if args.command == "serve":  # the app's flags before it
        print(SERVE_FIRST, file=sys.stderr)
        return 2
    try:
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
        if args.list_lessons:
            from core.lessons import load_lessons

            for lesson in load_lessons().values():
                print(f"{lesson.name}  {lesson.title}")
            return 0
        if os.environ.get("TERM") == "dumb":
            print(DUMB_TERMINAL, file=sys.stderr)
            return 2
        from .launch import run_app

        return run_app(args)
    except (ConfigError, ValueError, OSError) as e:
        print(f"backprop-tui: {e}", file=sys.stderr)
        return 2
