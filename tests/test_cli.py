"""The headless command line: train, gradcheck, bad arguments."""

import csv
import signal
import subprocess
import sys

import pytest
from waiting import wait_for

from core.checkpoint import load_checkpoint
from core.config import DATASET_NAMES
from core.optimizers import OPTIMIZERS
from tui.cli import headless, main
from tui.cli.args import build_parser, config_from_args


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_core_imports_no_ui_library():
    code = (
        "import sys, core, core.checkpoint, core.gradcheck; "
        "bad = [m for m in ('textual', 'rich', 'plotext', 'textual_plotext') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_train_writes_history_and_checkpoint_then_resumes(tmp_path, capsys):
    hist, ckpt = tmp_path / "h.csv", tmp_path / "run.npz"
    args = [
        "train",
        "--dataset",
        "xor",
        "--hidden",
        "4",
        "--lr",
        "0.3",
        "--epochs",
        "20",
        "--samples",
        "100",
        "--history",
        str(hist),
        "--save",
        str(ckpt),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "epoch 20/20" in out and "acc" in out
    rows = list(csv.reader(hist.open()))
    assert rows[0] == ["epoch", "lr", "train_loss", "val_loss", "train_acc", "val_acc",
                       "train_r2", "val_r2", "train_rmse", "val_rmse", "train_mae", "val_mae",
                       "best_val", "sharpness"]  # fmt: skip
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 21)]
    assert main(["train", "--resume", str(ckpt), "--epochs", "5", "--history", str(hist)]) == 0
    rows = list(csv.reader(hist.open()))
    assert [r[0] for r in rows[1:]][-5:] == ["21", "22", "23", "24", "25"]


def test_regression_history_has_empty_accuracies(tmp_path):
    hist = tmp_path / "h.csv"
    assert (
        main(
            [
                "train",
                "--dataset",
                "linear",
                "--hidden",
                "",
                "--epochs",
                "3",
                "--quiet",
                "--history",
                str(hist),
            ]
        )
        == 0
    )
    row = list(csv.reader(hist.open()))[1]
    assert row[4] == "" and row[5] == "" and float(row[2]) > 0


def test_train_on_a_csv_file(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(
        "a,b,label\n" + "".join(f"{i % 7},{i % 3},{'yes' if i % 2 else 'no'}\n" for i in range(40))
    )
    assert main(["train", "--data", str(data), "--epochs", "2", "--quiet"]) == 0


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--lr", "-1"], "argument --lr: lr = -1.0 is not allowed: give a number > 0"),
        (["train", "--lr", "nan"], "lr = nan is not allowed: give a finite number > 0"),
        (["train", "--lr", "abc"], "argument --lr: lr = 'abc' is not a number: give a number"),
        (["train", "--batch-size", "0"], "batch_size = 0 is not allowed"),
        (["train", "--hidden", "4,x"], "hidden = '4,x' is not allowed: units per layer"),
        (["train", "--activation", "mish"], "activation = 'mish' is not allowed"),
        (["train", "--samples", "1e3"], "n_samples = '1e3' is not a whole number"),
        (["train", "--epochs", str(10**20)], "epochs = 100000000000000000000 is not allowed"),
        (["train", "--standardize", "maybe"], "standardize = 'maybe' is not allowed"),
        (["train", "--data", "/no/such.csv"], "no such file"),
        (["train", "--data", ""], "data = '' is not allowed: the path of a CSV file"),
        (["train", "--resume", "/no/such.npz"], "no such checkpoint"),
        (["train", "--resume", ""], "argument --resume: give a file's path"),
        (["--resume", ""], "argument --resume: give a file's path"),
        (["train", "--config", "/no/such.toml"], "no such config file: /no/such.toml"),
        (["train", "--config", ""], "argument --config: give a file's path"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_a_bad_argument_is_one_line_exit_2_no_traceback(args, message, capsys):
    """In this process (an exception would fail the test); one case in a real one below."""
    try:
        code = main(args)
    except SystemExit as e:  # argparse's errors
        code = e.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_a_bad_argument_in_a_real_process():
    result = run("train", "--hidden", "4,x")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "backprop-tui: argument --hidden: hidden = '4,x' is not allowed: units per layer: "
        "give units per layer separated by commas, e.g. 16,16 (see --help)"
    ]


def test_gradcheck_prints_each_layer(capsys):
    assert main(["gradcheck", "--dataset", "spiral3", "--hidden", "5,4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out[:3]] == ["1", "2", "3"]
    assert all("ok" in line for line in out[:3]) and "worst" in out[3]


def test_divergence_in_headless_training_exits_1_with_the_reason(tmp_path):
    result = run(
        "train",
        "--dataset",
        "linear",
        "--hidden",
        "8",
        "--activation",
        "relu",
        "--lr",
        "50",
        "--batch-size",
        "full",
        "--epochs",
        "500",
        "--quiet",
    )
    assert result.returncode == 1
    assert "learning rate 50 is likely too large" in result.stderr


@pytest.mark.parametrize(
    "save,message",
    [
        ("", "--save needs a file name"),
        ("/no/such/folder/run.npz", "there is no folder /no/such/folder"),
        (".", ". is a folder: give a file's name"),
    ],
)
def test_a_bad_save_path_is_refused_before_training(tmp_path, capsys, save, message):
    hist = tmp_path / "h.csv"
    args = ["train", "--epochs", "100000", "--history", str(hist), "--save", save]
    assert main(args) == 2  # at once: 100,000 epochs would take minutes
    assert message in capsys.readouterr().err
    assert not hist.exists()  # nothing was trained


def default_signals() -> None:
    """SIGINT as a terminal's command gets it: a shell ignores it in the commands it puts
    in the background (a test run started with ``&``), and they pass that on."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_signal_stops_headless_training_and_saves_like_ctrl_c(tmp_path):
    signals = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]  # one process each, together
    runs = {}
    for signum in signals:
        ckpt, history = tmp_path / f"{signum}.npz", tmp_path / f"{signum}.csv"
        command = ["train", "--epochs", "10000000", "--save", ckpt, "--history", history]
        runs[signum] = (
            ckpt,
            subprocess.Popen(
                [sys.executable, "-m", "tui.cli", *command],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=default_signals,  # as typed in a terminal, even if pytest ignores them
            ),
        )
    try:
        for signum in signals:  # each has trained an epoch (its history has a row)
            rows = lambda s=signum: tmp_path / f"{s}.csv"  # noqa: E731
            assert wait_for(lambda r=rows: r().exists() and len(r().read_text().splitlines()) > 1)
        for signum, (_, proc) in runs.items():
            proc.send_signal(signum)
        for signum, (ckpt, proc) in runs.items():
            assert proc.wait(10) == 128 + signum
            stderr = proc.stderr.read()
            saved = load_checkpoint(ckpt)
            assert saved.epoch > 0
            name = signal.Signals(signum).name
            assert f"interrupted ({name}) at epoch {saved.epoch}" in stderr
            assert f"saved {ckpt} at epoch {saved.epoch}" in stderr
            assert saved.phase_index == 0  # stopped between two steps
            saved.train(1)
    finally:  # a run that did not stop would train for hours
        for _, proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()


@pytest.mark.parametrize(
    "flags,field,value",
    [
        (["--batch-size", "FULL"], "batch_size", None),
        (["--hidden", "none"], "hidden", ()),
        (["--hidden", "16, 8"], "hidden", (16, 8)),
        (["--standardize", "no"], "standardize", False),
        (["--optimizer", "Adam"], "optimizer", "adam"),
        (["--target", "-1"], "target", -1),
        (["--target", "label"], "target", "label"),
    ],
)
def test_flags_read_text_like_the_controls_and_toml_files(flags, field, value):
    assert getattr(config_from_args(build_parser().parse_args(flags)), field) == value


def test_flags_win_over_the_config_file_and_unset_ones_keep_it(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[train]\nlr = 0.2\nbatch_size = "full"\nhidden = [8]\n')
    args = build_parser().parse_args(["train", "--config", str(path), "--lr", "0.5"])
    config = config_from_args(args)
    assert (config.lr, config.batch_size, config.hidden) == (0.5, None, (8,))


def saved_run(tmp_path) -> str:
    path = tmp_path / "run.npz"
    flags = ["--dataset", "xor", "--samples", "60", "--hidden", "3", "--epochs", "2"]
    assert main(["train", *flags, "--quiet", "--save", str(path)]) == 0
    return str(path)


def test_resuming_applies_the_flags_a_run_can_change(tmp_path, capsys):
    ckpt = saved_run(tmp_path)
    changes = ["--lr", "0.2", "--batch-size", "full", "--optimizer", "adam", "--l2", "0.01"]
    after = str(tmp_path / "after.npz")
    assert main(["train", "--resume", ckpt, *changes, "--epochs", "3", "--save", after]) == 0
    assert "epoch 5/5" in capsys.readouterr().out
    t = load_checkpoint(after)
    assert (t.epoch, t.config.lr, t.config.batch_size) == (5, 0.2, None)
    assert (t.config.optimizer, t.config.l2, t.config.l2) == ("adam", 0.01, 0.01)
    assert main(["train", "--resume", ckpt, "--save", after, "--quiet"]) == 0
    assert load_checkpoint(after).epoch == 4  # the checkpoint's own --epochs 2 again


def no_app(monkeypatch, tmp_path) -> None:
    """A test that must end before the app starts: fail at once (not hang) if it does."""
    from tui.ui.app import BackpropApp

    def run(self, *args, **kwargs):
        raise AssertionError("the app was started")

    monkeypatch.setattr(BackpropApp, "run", run)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


@pytest.mark.parametrize("command", [["train"], []])
def test_resuming_refuses_flags_the_checkpoint_fixes(tmp_path, capsys, command, monkeypatch):
    no_app(monkeypatch, tmp_path)
    ckpt = saved_run(tmp_path)
    capsys.readouterr()
    flags = ["--hidden", "16,16", "--dataset", "spiral", "--lr", "0.1"]
    assert main([*command, "--resume", ckpt, *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("backprop-tui: --dataset, --hidden cannot change a resumed run"), err
    live = "--optimizer, --lr, --batch-size, --l2, --l1, --clip, --dropout, --epochs"
    assert f"give only {live}" in err
    config = tmp_path / "c.toml"
    config.write_text("lr = 0.1\n")
    assert main([*command, "--resume", ckpt, "--config", str(config)]) == 2
    assert "--config cannot change a resumed run" in capsys.readouterr().err


def test_a_long_run_prints_progress_by_time_too(monkeypatch, capsys):
    """--epochs 10**9 prints a line every 5*10**7 epochs: hours apart. So there is one at
    least every PROGRESS_SECONDS too (here 0 s: every epoch)."""
    monkeypatch.setattr(headless, "PROGRESS_SECONDS", 0.0)
    assert main(["train", "--dataset", "xor", "--samples", "40", "--epochs", "30"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == [f"{i}/30" for i in range(1, 31)]


def test_a_dumb_terminal_gets_a_message_not_a_colour_screen(monkeypatch, capsys, tmp_path):
    no_app(monkeypatch, tmp_path)
    monkeypatch.setenv("TERM", "dumb")
    assert main(["--paused"]) == 2
    err = capsys.readouterr().err
    assert "TERM=dumb" in err and "backprop-tui train" in err and "\x1b" not in err


def test_help_lists_each_settings_choices_from_one_place():
    out = " ".join(run("train", "--help").stdout.split())
    assert ", ".join(DATASET_NAMES) in out and ", ".join(OPTIMIZERS) in out
    assert "--standardize" in out


def test_settings_flags_beside_a_lesson_are_refused_by_name(capsys):
    from tui.cli import main

    assert main(["--lesson", "xor", "--lr", "0.1", "--hidden", "8"]) == 2
    err = capsys.readouterr().err
    assert "--hidden, --lr cannot change a lesson" in err and err.count("\n") == 1
