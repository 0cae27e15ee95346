"""``backprop-tui train --data FILE.csv``: what is detected, the defaults that fit, R², the
confusion matrix at the end, --patience, --restore-best, --val-data, the hints."""

import csv

import numpy as np
import pytest
from csvfiles import classes_csv, diabetes_like_csv, regression_csv, write

from core.checkpoint import load_checkpoint
from core.config import Config
from core.evaluation import predict, regression_scores
from core.trainer import Trainer
from core.trainer_state import state_of
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
    last = out.splitlines()[-1]
    assert last.startswith("validation set (24 rows) at epoch 40: R² ")
    assert ", RMSE " in last and ", MAE " in last and "(price's units)" in last
    assert last.endswith(" in standardised target units")


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
    accuracy = 100 * float(rows[best - 1]["val_acc"])
    assert err.splitlines() == [
        f"stopped at epoch {best + 5}: no lower validation loss for 5 epochs; ending on the "
        f"weights of epoch {best} (validation accuracy {accuracy:.1f}%)",
        f"saved {ckpt} with the weights of epoch {best} (of {best + 5} trained)",
    ]
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


# --- stopping by default, a test set, errors in the target's units ----------------------


def history_of(path):
    return list(csv.DictReader(path.open()))


def ended_on_the_best(tmp_path, capsys, seed: int) -> tuple[float, float, int]:
    """A diabetes-like regression trained with no flags: (its final validation R², the best
    any epoch reached, the epochs trained)."""
    data, hist = diabetes_like_csv(tmp_path / f"diabetes{seed}.csv", seed=seed), tmp_path / "h.csv"
    code, out, err = run(capsys, "--data", data, "--history", hist)
    assert code == 0
    rows = history_of(hist)
    final = out.splitlines()[-1]
    assert final.startswith("validation set (88 rows) with the weights of epoch ")
    reported = float(final.split("R² ")[1].split(",")[0])
    return reported, max(float(r["val_r2"]) for r in rows), len(rows)


def test_a_regression_with_no_flags_ends_on_its_best_validation_r2(tmp_path, capsys):
    final, best, epochs = ended_on_the_best(tmp_path, capsys, seed=0)
    assert final == pytest.approx(best, abs=1e-4)  # the lowest loss is the highest R²
    assert epochs < 200  # it stopped: 1,000 epochs overfit the noise to a negative R²


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 6))
def test_no_flags_end_near_the_best_r2_whatever_the_data(tmp_path, capsys, seed):
    final, best, _ = ended_on_the_best(tmp_path, capsys, seed)
    assert final >= best - 0.01


def test_stopping_by_default_is_said_before_and_after(tmp_path, capsys):
    data = diabetes_like_csv(tmp_path / "d.csv")
    code, out, err = run(capsys, "--data", data)
    assert code == 0
    assert (
        "stop     when the validation loss has not fallen for 20 epochs (at most 1,000), on "
        "the weights of its lowest; --epochs N trains N"
    ) in out
    stopped = err.splitlines()[0]
    assert stopped.startswith("stopped at epoch ") and "no lower validation loss for 20 epochs;"
    assert "; ending on the weights of epoch " in stopped and "(validation R² " in stopped


@pytest.mark.parametrize(
    "flags",
    [["--epochs", "30"], ["--patience", "0"], ["--restore-best", "no"], ["--val-fraction", "0"]],
)
def test_told_how_long_or_without_validation_it_trains_as_told(tmp_path, capsys, flags):
    data = diabetes_like_csv(tmp_path / "d.csv", n=100)
    code, out, err = run(capsys, "--data", data, "--quiet", *flags, *(["--epochs", "30"] *
                         ("--epochs" not in flags)))  # fmt: skip
    assert code == 0 and "stop     " not in out and "stopped" not in err
    assert "ending on the weights" not in err


def test_a_resumed_run_trains_the_epochs_asked_for(tmp_path, capsys):
    data, ckpt = diabetes_like_csv(tmp_path / "d.csv"), tmp_path / "run.npz"
    assert run(capsys, "--data", data, "--save", ckpt, "--quiet")[0] == 0
    saved = load_checkpoint(ckpt)
    assert saved.config.patience == 0  # stopping by default is not a setting of the run
    code, _, err = run(capsys, "--resume", ckpt, "--epochs", 3, "--save", ckpt, "--quiet")
    assert code == 0 and load_checkpoint(ckpt).epoch == saved.epoch + 3 and "stopped" not in err


def test_the_checkpoint_and_the_report_name_the_restored_epoch(tmp_path, capsys):
    data, ckpt = diabetes_like_csv(tmp_path / "d.csv"), tmp_path / "run.npz"
    code, out, err = run(capsys, "--data", data, "--save", ckpt)
    saved = load_checkpoint(ckpt)
    best = saved.best_val.epoch
    assert best < saved.epoch
    assert f"validation set (88 rows) with the weights of epoch {best} (of {saved.epoch}" in out
    assert err.splitlines()[-1] == f"saved {ckpt} with the weights of epoch {best} (of " \
        f"{saved.epoch} trained)"  # fmt: skip
    assert state_of(saved)["meta"]["weights_epoch"] == best


def test_rmse_and_mae_are_in_the_targets_units_in_the_history(tmp_path, capsys):
    data, hist = regression_csv(tmp_path / "houses.csv"), tmp_path / "h.csv"
    code, out, _ = run(capsys, "--data", data, "--epochs", 3, "--history", hist)
    assert code == 0
    last = history_of(hist)[-1]
    trainer = Trainer(Config(data=str(data), hidden=None))
    trainer.train(3)
    for which, name in (("train", "train"), ("val", "val")):
        scores = regression_scores(trainer, which)
        assert float(last[f"{name}_rmse"]) == pytest.approx(scores.rmse)
        assert float(last[f"{name}_mae"]) == pytest.approx(scores.mae)
    raw = np.loadtxt(data, delimiter=",", skiprows=1)
    X_val = trainer.scaler.inverse(trainer.X_val)
    truth = np.array([raw[np.abs(raw[:, :2] - x).sum(axis=1).argmin(), 2] for x in X_val])
    errors = truth - predict(trainer, X_val)[:, 0]  # from the file's own numbers
    assert float(last["val_rmse"]) == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert float(last["val_mae"]) == pytest.approx(np.mean(np.abs(errors)))
    progress = [line for line in out.splitlines() if line.startswith("epoch ")][-1]
    assert f"RMSE {float(last['train_rmse']):.4g}/{float(last['val_rmse']):.4g}" in progress


def test_a_classifications_history_leaves_the_regression_columns_empty(tmp_path, capsys):
    hist = tmp_path / "h.csv"
    run(capsys, "--data", classes_csv(tmp_path / "d.csv", classes=3), "--epochs", 1,
        "--history", hist, "--quiet")  # fmt: skip
    row = history_of(hist)[0]
    assert all(row[c] == "" for c in ("train_r2", "val_rmse", "train_mae", "val_mae"))


def test_test_fraction_holds_rows_out_and_scores_them_at_the_end(tmp_path, capsys):
    data = diabetes_like_csv(tmp_path / "d.csv")
    code, out, err = run(capsys, "--data", data, "--test-fraction", 0.2)
    assert code == 0
    lines = out.splitlines()
    assert "split    266 training rows, 88 validation rows (0.2 of the rows, seed 0)" in lines
    assert (
        "test     88 rows held out (0.2 of the rows): never used to choose anything, scored at "
        "the end"
    ) in lines
    test = lines[-1]
    assert test.startswith("test set (88 rows), never used to choose anything, with the weights")
    assert " R² " in test and ", RMSE " in test and ", MAE " in test


def test_a_test_set_is_stratified_and_a_classification_is_reported_on_it(tmp_path, capsys):
    data = classes_csv(tmp_path / "d.csv", n=150, classes=3)
    code, out, _ = run(capsys, "--data", data, "--test-fraction", 0.2, "--epochs", 2)
    assert code == 0
    assert "test     30 rows held out (0.2 of the rows, stratified by class)" in out
    report = out[out.index("test set (30 rows), never used to choose anything, at epoch 2") :]
    assert report.splitlines()[-1].startswith("accuracy ") and "of 30 rows" in report


def test_test_and_validation_fractions_leave_rows_to_train_on(tmp_path, capsys):
    code, _, err = run(capsys, "--data", classes_csv(tmp_path / "d.csv"), "--test-fraction", 0.8)
    assert code == 2
    assert err == (
        "backprop-tui: test_fraction = 0.8 is not allowed: at most 0.7 with val_fraction 0.2: "
        "0.1 of the rows are to train on\n"
    )
