"""The headless command line: train, gradcheck, bad arguments."""

import csv
import signal
import subprocess
import sys
import time

import pytest

from core.checkpoint import load_checkpoint
from tui.cli import main


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
    assert rows[0] == ["epoch", "lr", "train_loss", "val_loss", "train_acc", "val_acc"]
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
        (["train", "--lr", "-1"], "lr = -1.0 is not allowed: a finite number > 0"),
        (["train", "--lr", "nan"], "lr = nan is not allowed"),
        (["train", "--lr", "abc"], "invalid float value: 'abc'"),
        (["train", "--batch-size", "0"], "batch_size = 0 is not allowed"),
        (["train", "--hidden", "4,x"], "hidden layers '4,x'"),
        (["train", "--activation", "swish"], "activation = 'swish' is not allowed"),
        (["train", "--data", "/no/such.csv"], "no such file"),
        (["train", "--resume", "/no/such.npz"], "no such checkpoint"),
        (["train", "--config", "/no/such.toml"], "no such config file"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_a_bad_argument_is_one_line_exit_2_no_traceback(args, message):
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


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
        (".", "that is a folder"),
    ],
)
def test_a_bad_save_path_is_refused_before_training(tmp_path, capsys, save, message):
    hist = tmp_path / "h.csv"
    args = ["train", "--epochs", "100000", "--history", str(hist), "--save", save]
    assert main(args) == 2  # at once: 100,000 epochs would take minutes
    assert message in capsys.readouterr().err
    assert not hist.exists()  # nothing was trained


def test_a_signal_stops_headless_training_and_saves_like_ctrl_c(tmp_path):
    signals = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]  # one process each, together
    runs = {}
    for signum in signals:
        ckpt = tmp_path / f"{signum}.npz"
        runs[signum] = (
            ckpt,
            subprocess.Popen(
                [sys.executable, "-m", "tui.cli", "train", "--epochs", "10000000", "--save", ckpt],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    time.sleep(1.5)  # training by then (start-up takes about 0.4 s)
    for signum, (_, proc) in runs.items():
        proc.send_signal(signum)
    for signum, (ckpt, proc) in runs.items():
        assert proc.wait(10) == 128 + signum
        stderr = proc.stderr.read()
        proc.stderr.close()
        saved = load_checkpoint(ckpt)
        assert saved.epoch > 0
        name = signal.Signals(signum).name
        assert f"interrupted ({name}) at epoch {saved.epoch}" in stderr
        assert f"saved {ckpt} at epoch {saved.epoch}" in stderr
        assert saved.phase_index == 0  # stopped between two steps
        saved.train(1)
