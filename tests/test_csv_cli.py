"""``backprop-tui train --data FILE.csv``: what is detected, the defaults that fit, R², the
confusion matrix at the end, --patience, --restore-best, --val-data, the hints."""

import csv

import numpy as np
import pytest
from csvfiles import classes_csv, regression_csv, write

from core.checkpoint import load_checkpoint
from tui.cli.args import build_parser, config_from_args
from tui.cli.main import main


def run(capsys, *args):
    code = main(["train", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_csv_run_says_what_it_read_and_decided_then_the_confusion_matrix(tmp_path, capsys):
    path = classes_csv(tmp_path / "digits.csv")
    code, out, err = run(capsys, "--data", path, "--epochs", 3)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "data     digits.csv: 200 rows, 64 features, target digit"
    assert lines[1].startswith("task     classification: its values are 10 distinct whole")
    assert lines[2].startswith("classes  10: 0 (20), 1 (20)")
    assert lines[3] == "loss     cross_entropy (softmax output)"
    assert lines[4].startswith("split    160 training rows, 40 validation rows (0.2 of the rows")
    assert lines[5].startswith("inputs   standardised")
    assert lines[6] == "hidden   64 (chosen for 64 inputs and 10 classes; --hidden to choose)"
    assert "validation set (40 rows) at epoch 3: rows are the true class" in out
    assert lines[-1].startswith("accuracy ") and "of 40 rows" in lines[-1]
    assert lines[-12].split()[:3] == ["0", "1", "2"]  # the predicted classes' heading


def test_a_narrow_hidden_layer_is_warned_about_and_trained(tmp_path, capsys):
    code, out, err = run(capsys, "--data", classes_csv(tmp_path / "d.csv"), "--hidden", "4,2",
                         "--epochs", 1, "--quiet")  # fmt: skip
    assert code == 0 and out == ""
    assert err == (
        "warning: hidden layer 1 has 4 units, fewer than the 10 outputs: it may limit the "
        "accuracy (try --hidden 64)\n"
    )


def test_hidden_from_a_config_file_is_not_replaced(tmp_path):
    toml = tmp_path / "run.toml"
    toml.write_text("hidden = [16]\n")
    data = str(classes_csv(tmp_path / "x.csv"))  # (the file is checked: it must be there)
    args = build_parser().parse_args(["train", "--data", data, "--config", str(toml)])
    assert config_from_args(args).hidden == (16,)
    args = build_parser().parse_args(["train", "--data", data])
    assert config_from_args(args).hidden is None  # auto: fitted once the file is read
    assert config_from_args(build_parser().parse_args(["train"])).hidden == (4, 2)


def test_task_overrides_the_guess(tmp_path, capsys):
    path = classes_csv(tmp_path / "d.csv", classes=12)
    code, out, _ = run(capsys, "--data", path, "--epochs", 1, "--task", "classification")
    assert code == 0 and "task     classification: as asked (--task classification)" in out
    code, out, _ = run(capsys, "--data", path, "--epochs", 1)
    assert "task     regression: its values are 12 distinct whole numbers (more than 10" in out


@pytest.mark.parametrize(
    "flags, inputs",
    [
        ([], "standardised with the training rows' mean and deviation"),
        (["--no-standardize"], "as read"),
        (["--standardize", "no"], "as read"),
        (["--no-standardize", "--standardize"], "standardised"),
    ],
)
def test_no_standardize_is_the_standardize_setting_said_no(tmp_path, capsys, flags, inputs):
    code, out, _ = run(capsys, "--data", classes_csv(tmp_path / "d.csv"), "--epochs", 0, *flags)
    assert code == 0 and f"inputs   {inputs}" in out


def test_a_regression_shows_r2_beside_the_loss_everywhere(tmp_path, capsys):
    hist = tmp_path / "h.csv"
    code, out, _ = run(capsys, "--data", regression_csv(tmp_path / "houses.csv"), "--epochs",
                       40, "--optimizer", "adam", "--lr", 0.01, "--history", hist)  # fmt: skip
    assert code == 0
    assert "target   standardised: the loss is in units of its deviation" in out
    progress = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert "  R² " in progress[-1]
    rows = list(csv.DictReader(hist.open()))
    assert rows[-1]["train_acc"] == "" and float(rows[-1]["val_r2"]) > 0.5
    assert float(rows[-1]["train_r2"]) > 0.5
    assert out.splitlines()[-1].startswith("validation set (24 rows) at epoch 40: R² ")
    assert out.splitlines()[-1].endswith("(in standardised target units)")


def test_patience_stops_and_restore_best_ends_on_the_best_weights(tmp_path, capsys):
    hist, ckpt = tmp_path / "h.csv", tmp_path / "run.npz"
    rng = np.random.default_rng(0)  # labels that are noise: the validation loss soon rises
    rows = [[*rng.normal(size=3).round(3), rng.choice(["a", "b"])] for _ in range(100)]
    path = write(tmp_path / "noise.csv", ["x", "y", "z", "label"], rows)
    code, _, err = run(capsys, "--data", path, "--hidden", 32, "--lr", 0.3, "--epochs", 500,
                       "--patience", 5, "--restore-best", "--history", hist, "--save", ckpt,
                       "--quiet")  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(hist.open()))
    val = np.array([float(r["val_loss"]) for r in rows])
    best = int(np.argmin(val)) + 1
    assert len(rows) == best + 5 < 500  # stopped 5 epochs after the best
    marked = [int(r["epoch"]) for r in rows if r["best_val"] == "1"]
    assert marked[-1] == best and marked == sorted(marked)
    assert f"stopped early at epoch {best + 5}: no lower validation loss for 5 epochs" in err
    assert f"restored the weights of epoch {best}" in err
    saved = load_checkpoint(ckpt)
    np.testing.assert_array_equal(saved.net.params, saved.best_val.params)
    assert saved.evaluate(saved.X_val, saved.Y_val)[0] == pytest.approx(val.min())


@pytest.mark.parametrize("flag", [["--patience", "3"], ["--restore-best"]])
def test_patience_and_restore_best_need_a_validation_set(tmp_path, capsys, flag):
    code, _, err = run(capsys, "--data", classes_csv(tmp_path / "d.csv"), "--val-fraction", 0,
                       *flag)  # fmt: skip
    assert code == 2
    assert err == (
        f"backprop-tui: {flag[0]} needs a validation set: give --val-fraction above 0 or "
        "--val-data FILE.csv\n"
    )


def test_a_validation_file(tmp_path, capsys):
    train = classes_csv(tmp_path / "train.csv", classes=3)
    val = classes_csv(tmp_path / "check.csv", n=30, classes=3, seed=1)
    code, out, _ = run(capsys, "--data", train, "--val-data", val, "--epochs", 2)
    assert code == 0
    assert "split    200 training rows, 30 validation rows (from check.csv)" in out
    assert "validation set (30 rows) at epoch 2" in out


def test_a_text_column_that_is_not_the_target_gets_a_hint(tmp_path, capsys):
    path = write(tmp_path / "iris.csv", ["length", "species", "width"], [[5.1, "setosa", 0.2]])
    code, _, err = run(capsys, "--data", path)
    assert code == 2 and err.endswith("did you mean --target species?\n")
