"""The command line's flags: one parser for the app, ``train`` and ``gradcheck``, and the
Config they describe. A bad argument prints one line saying what is wrong and exits with 2.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from core import paths
from core.config import Config, toml_keys
from core.settings import LIVE, SETTINGS, ConfigError, Setting

SERVED_MAX_PACE = 30.0  # epochs a second, a served session's default cap (serve --max-pace)
AUTOSAVE = object()  # ``backprop-tui --resume`` without a file: the most recent autosave


class Parser(argparse.ArgumentParser):
    """argparse that reports an error in one line, exit code 2, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def flag_type(setting: Setting) -> Callable[[str], object]:
    """The setting's text parser as an argparse ``type`` (its message on a bad value)."""

    def parse(text: str) -> object:
        try:
            return setting.parse(text)
        except ConfigError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return parse


def a_path(text: str) -> str:
    """A file's path: not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a file's path, not an empty text")
    return text


def a_file(noun: str) -> Callable[[str], str]:
    """An existing regular file's path (``~`` expanded) as argparse's ``type``; its message
    says what is there instead ("no such NOUN", a folder, a named pipe ...)."""

    def check(text: str) -> str:
        try:
            return str(paths.to_read(text, noun))
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return check


def add_training_flags(p: argparse.ArgumentParser) -> None:
    """The flags shared by the app, ``train`` and ``gradcheck``: one per setting (from
    core.settings). A flag not given leaves no attribute (the config's value stands)."""
    g = p.add_argument_group("run settings (override --config)")
    g.add_argument(
        "--config",
        metavar="FILE.toml",
        type=a_file("config file"),
        help="settings from a TOML file",
    )
    for s in SETTINGS.values():
        alone = {"nargs": "?", "const": True} if s.switch else {}  # --restore-best: yes
        g.add_argument(
            s.option,
            dest=s.name,
            type=flag_type(s),
            default=argparse.SUPPRESS,
            metavar=s.metavar,
            help=s.flag_help + (" (the flag alone: yes)" if s.switch else ""),
            **alone,
        )
        if s.switch:  # the same setting, no: --no-standardize is --standardize no
            g.add_argument(
                "--no-" + s.option[2:],
                dest=s.name,
                action="store_const",
                const=False,
                default=argparse.SUPPRESS,
                help=f"{s.option} no",
            )


def given_settings(args: argparse.Namespace) -> dict[str, object]:
    """The settings given as flags, by Config field (already parsed and checked)."""
    return {name: getattr(args, name) for name in SETTINGS if hasattr(args, name)}


def chosen_settings(args: argparse.Namespace) -> set[str]:
    """The settings given as flags or in the --config file, by Config field."""
    config = getattr(args, "config", None)
    return set(given_settings(args)) | (toml_keys(config) if config else set())


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config the flags describe: --config first, then each flag given. With CSV data
    and no hidden layers given, layers that fit the data (chosen when it is read)."""
    base = Config.from_toml(args.config) if args.config else Config()
    return checked_files(base.replace(**given_settings(args)).fitted_to_data(chosen_settings(args)))


def checked_files(config: Config) -> Config:
    """The config with its data files checked (core.paths: a regular file, ``~``
    expanded), from a flag or a TOML file alike; ValueError naming the flag."""
    files = {}
    for name in ("data", "val_data"):
        if getattr(config, name) is not None:
            try:
                files[name] = str(paths.to_read(getattr(config, name)))
            except ValueError as e:
                raise ValueError(f"{SETTINGS[name].option}: {e}") from None
    return config.replace(**files) if files else config


def resume_changes(args: argparse.Namespace) -> dict[str, object]:
    """The settings flags given with --resume, all of them live ones (core.settings: a
    run in progress takes them); ConfigError naming the others (the checkpoint fixes the
    data and the network)."""
    given = given_settings(args)
    fixed = [SETTINGS[name].option for name in given if name not in LIVE]
    fixed += ["--config"] if getattr(args, "config", None) else []
    if fixed:
        allowed = ", ".join(SETTINGS[name].option for name in LIVE)
        raise ConfigError(
            f"{', '.join(fixed)} cannot change a resumed run (its checkpoint fixes the data and "
            f"the network); with --resume give only {allowed}"
        )
    return given


def refuse_with_lesson(args: argparse.Namespace) -> dict[str, object]:
    """--lesson is a preset run: what its text says holds for its settings, so settings
    flags beside it are refused by name (ConfigError) rather than silently ignored; those
    that change only how fast or how long it runs (--pace) are returned, to apply."""
    settings = given_settings(args)
    given = [SETTINGS[name].option for name in settings if SETTINGS[name].of_the_run]
    given += ["--config"] if getattr(args, "config", None) else []
    if given:
        raise ConfigError(
            f"{', '.join(given)} cannot change a lesson (its text describes its own settings): "
            "leave them out, or start without --lesson and change them in the app"
        )
    return settings


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="backprop-tui", description="Watch and steer backpropagation in the terminal.")
    add_training_flags(p)
    p.add_argument("--paused", action="store_true", help="start paused")
    p.add_argument(
        "--resume",
        metavar="FILE",
        nargs="?",
        const=AUTOSAVE,
        type=a_file("checkpoint"),
        help="continue a saved run (default: the most recent autosave; others are listed); "
        "may change " + ", ".join(SETTINGS[name].option for name in LIVE),
    )
    p.add_argument("--lesson", help="start a lesson (see --list-lessons)")
    p.add_argument("--list-lessons", action="store_true", help="print the lessons and exit")
    add_served_flags(p)
    sub = p.add_subparsers(dest="command", metavar="{train,predict,export,gradcheck,serve}")
    t = sub.add_parser("train", help="train without the UI")
    add_training_flags(t)
    t.add_argument("--history", metavar="FILE.csv", help="write each epoch as a CSV row")
    t.add_argument("--save", metavar="FILE", help="save a checkpoint at the end")
    t.add_argument(
        "--resume",
        metavar="FILE",
        type=a_file("checkpoint"),
        help="continue from a checkpoint; may change "
        + ", ".join(SETTINGS[name].option for name in LIVE),
    )
    t.add_argument("--quiet", action="store_true", help="no progress lines")
    t.add_argument(
        "--sharpness-every",
        metavar="N",
        type=_positive_int,
        help="every N epochs, λmax of the training loss's Hessian (its sharpness) in the "
        "history's sharpness column and the progress lines, beside 2/lr",
    )
    t.error = p.error  # type: ignore[method-assign]
    add_predict_parser(sub, p)
    add_export_parser(sub, p)
    g = sub.add_parser("gradcheck", help="backprop against finite differences, per layer")
    add_training_flags(g)
    g.error = p.error  # type: ignore[method-assign]
    # `backprop-tui serve` is read by tui.cli.serve (main sends it there); listed for --help
    sub.add_parser("serve", help="serve the app to web browsers (backprop-tui serve --help)")
    return p


def add_predict_parser(sub, main: argparse.ArgumentParser) -> None:
    """``backprop-tui predict RUN.npz DATA.csv [--out FILE.csv]``."""
    p = sub.add_parser(
        "predict",
        help="a saved run's predictions for the rows of a CSV file",
        description="Predict the rows of a CSV file with a saved run: a prediction column "
        "(the class, or the value in the target's units) and, for a classification, one "
        "probability column p_<class> per class, one row per row of the file. Its columns "
        "are found by the run's input names (others are left out); the run's own scaling "
        "is applied.",
    )
    p.add_argument("run", metavar="RUN.npz", type=a_file("checkpoint"),
                   help="a checkpoint (--save, s)")  # fmt: skip
    p.add_argument("data", metavar="DATA.csv", type=a_file("data file"),
                   help="the rows to predict")  # fmt: skip
    p.add_argument("--out", metavar="FILE.csv", type=a_path, help="write here (default: stdout)")
    p.add_argument("--sep", type=flag_type(SETTINGS["sep"]), metavar="SEP",
                   default=argparse.SUPPRESS,
                   help="the file's separator (default: the run's; auto: sniffed)")  # fmt: skip
    p.add_argument("--header", type=flag_type(SETTINGS["header"]), metavar="auto|yes|no",
                   default=argparse.SUPPRESS,
                   help="whether the first row names the columns (default: the run's)")  # fmt: skip
    p.add_argument(
        "--missing",
        choices=("refuse", "mean"),
        default="refuse",
        help="missing values: refuse (say where; the default) or fill each with the training "
        "rows' mean",
    )
    p.error = main.error  # type: ignore[method-assign]


def add_export_parser(sub, main: argparse.ArgumentParser) -> None:
    """``backprop-tui export RUN.npz --to npz|torch [OUT]``."""
    p = sub.add_parser(
        "export",
        help="a saved run's network as named arrays (npz) or a PyTorch state dict (torch)",
        description="Export a saved run's network. --to npz: W1, b1, W2, ... (z = a @ W + b), "
        "the activations and the standardisation, as named arrays. --to torch: the state "
        "dict of an equivalent torch.nn.Sequential (the standardisation folded in) and, "
        "beside it, a JSON file naming its layers (needs PyTorch: pip install "
        "'backprop-tui[export]').",
    )
    p.add_argument("run", metavar="RUN.npz", type=a_file("checkpoint"),
                   help="a checkpoint (--save, s)")  # fmt: skip
    p.add_argument("out", metavar="OUT", nargs="?", type=a_path,
                   help="the file to write (default: RUN.weights.npz or RUN.pt)")  # fmt: skip
    p.add_argument("--to", nargs="+", metavar="FORMAT [OUT]", default=["npz"],
                   help="the format, npz (the default) or torch, and the file to write "
                   "(or OUT after RUN.npz)")  # fmt: skip
    p.error = main.error  # type: ignore[method-assign]


def add_served_flags(p: argparse.ArgumentParser) -> None:
    """The hidden flags with which `backprop-tui serve` starts each browser's session
    (tui.cli.served): its folder, the teacher's data folder, keep the folder, pace cap."""
    p.add_argument("--served-folder", type=a_path, help=argparse.SUPPRESS)
    p.add_argument("--served-data", type=a_path, help=argparse.SUPPRESS)
    p.add_argument("--served-keep", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--served-max-pace", type=float, help=argparse.SUPPRESS)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return value


def _max_pace(text: str) -> float | None:
    if text.strip().lower() == "full":
        return None
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a pace: a number of epochs a second above 0, or full (no cap)"
        )
    return value


def _token(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.~-]{4,128}", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a token: 4 to 128 letters, digits, '-', '_', '.' or '~' "
            "(it goes in a link as it is)"
        )
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 to 86400)")
    return value


def _folder(text: str) -> Path:
    try:
        path = paths.expand(text)
        if paths.kind(path) != paths.FOLDER:
            raise ValueError(f"{paths.shown(text)!r} is not a folder")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return path


def build_serve_parser() -> argparse.ArgumentParser:
    """``backprop-tui serve [SERVE FLAGS] [APP FLAGS]``: its own flags; the rest are the
    app's, given to every session (tui.cli.serve checks them first)."""
    p = Parser(
        prog="backprop-tui serve",
        allow_abbrev=False,  # --data (the app's) is not short for --data-dir
        usage="backprop-tui serve [--host 127.0.0.1] [--port 8000] [--token T] "
        "[--max-sessions N] [--grace S] [--data-dir DIR] [--sessions-dir DIR] [--max-pace N] "
        "[APP FLAGS]",
        description="Serve the app to web browsers, a class: each student gets runs of "
        "their own, of any lesson (/ lists them; /lesson/NAME starts one), the default "
        "started with APP FLAGS (e.g. --lesson xor, --data FILE.csv, --paused; see "
        "backprop-tui --help); /teacher shows every run. A session reads and writes only "
        "its own folder and, read only, --data-dir and the files named in APP FLAGS.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every "
        "network of this machine, whose addresses are printed with the link to hand out)",
    )
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    p.add_argument(
        "--token",
        type=_token,
        help="the code in the link students need (default: a random one when --host is "
        "not this machine; none on 127.0.0.1)",
    )
    p.add_argument(
        "--max-sessions",
        type=_positive_int,
        default=10,
        metavar="N",
        help="runs at once (default 10); a visitor beyond them waits in line",
    )
    p.add_argument(
        "--grace",
        type=_seconds,
        default=120.0,
        metavar="S",
        help="seconds a run waits for its student after their page closes (a reload, a "
        "dropped connection, q) before it ends (default 120)",
    )
    p.add_argument(
        "--data-dir",
        type=_folder,
        metavar="DIR",
        help="a folder of data files (CSV) and checkpoints that sessions may open, read only",
    )
    p.add_argument(
        "--sessions-dir",
        type=_folder,
        metavar="DIR",
        help="keep each session's folder (its autosave, the runs saved) in DIR; without it "
        "each session's folder is temporary, removed when its run ends",
    )
    p.add_argument(
        "--max-pace",
        type=_max_pace,
        default=SERVED_MAX_PACE,
        metavar="N",
        help=f"each session trains at most N epochs a second (default {SERVED_MAX_PACE:g}; "
        "full: no cap)",
    )
    return p
