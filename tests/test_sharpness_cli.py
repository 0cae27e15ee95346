"""λmax outside the app: `train --sharpness-every N` (a history column, the progress line) and
the divergence's words (lr·λmax against its limit)."""

import csv

import numpy as np
import pytest

from core.config import Config
from core.divergence import Facts, explain
from core.landscape import sharpness
from core.trainer import Diverged, Trainer
from tui.cli.main import main

FLAGS = ["--dataset", "spiral", "--hidden", "8", "--samples", "100", "--lr", "0.5"]
FLAGS += ["--batch-size", "full"]


def rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


def test_every_n_epochs_the_history_has_the_cores_lambda_max(tmp_path, capsys):
    hist, ckpt = tmp_path / "h.csv", tmp_path / "run.npz"
    args = ["train", *FLAGS, "--epochs", "6", "--sharpness-every", "3"]
    assert main([*args, "--history", str(hist), "--save", str(ckpt)]) == 0
    out = capsys.readouterr().out
    written = rows(hist)
    assert [r["sharpness"] != "" for r in written] == [False, False, True] * 2
    t = Trainer(Config(dataset="spiral", hidden=(8,), n_samples=100, lr=0.5, batch_size=None))
    for r in written:
        t.run_epoch()
        if r["sharpness"]:
            assert float(r["sharpness"]) == pytest.approx(sharpness(t), rel=1e-4)
    last = float(written[-1]["sharpness"])
    assert f"λmax {last:.4g} (2/lr 4)" in out.splitlines()[5]
    # resumed without the flag: the same columns, the sharpness empty
    assert main(["train", "--resume", str(ckpt), "--epochs", "2", "--history", str(hist)]) == 0
    again = rows(hist)
    assert len(again) == 8 and [r["sharpness"] for r in again[6:]] == ["", ""]


def test_without_the_flag_the_column_is_there_and_empty(tmp_path, capsys):
    hist = tmp_path / "h.csv"
    assert main(["train", *FLAGS, "--epochs", "2", "--history", str(hist)]) == 0
    assert "λmax" not in capsys.readouterr().out
    assert [r["sharpness"] for r in rows(hist)] == ["", ""]


@pytest.mark.parametrize("value", ["0", "-2", "x"])
def test_a_bad_every_is_one_line_and_exit_2(value, capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", *FLAGS, "--sharpness-every", value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--sharpness-every" in err


def test_a_stale_value_says_its_epoch_and_adam_has_no_limit(capsys):
    args = ["train", *FLAGS, "--epochs", "3", "--optimizer", "adam", "--sharpness-every", "2"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "λmax" not in lines[0]
    assert "(Adam: no 2/lr limit)" in lines[1] and " at ep 2 (" in lines[2]


def test_too_large_a_rate_on_y_mx_b_names_lr_times_lambda_max():
    t = Trainer(Config(dataset="linear", hidden=(), lr=1.05, batch_size=None))
    with pytest.raises(Diverged) as e:
        t.train(100)
    assert "likely too large: lr·λmax = 1.05 x 2.009 = 2.11 > 2: each step" in str(e.value)


def facts(**changes) -> Facts:
    base = dict(
        lr=0.5, l2=0.0, l1=0.0, init="xavier", init_scale=1.0, set_by="init",
        steps_since_set=10, epoch=3, first_delta_norm=np.ones(2),
        start_loss=1.0, baseline_loss=1.0, came_bad=False, back="epoch 2", back_finite=True,
        data_problem="",
    )  # fmt: skip
    return Facts(**{**base, **changes})


def test_the_words_follow_lambda_max_against_the_limit():
    assert "lr·λmax" not in explain(facts())  # not measured: as before
    assert "lr·λmax" not in explain(facts(sharpness=3.0, stable_below=None))  # Adam
    over = explain(facts(sharpness=6.0, stable_below=2.0))
    assert "lr·λmax = 0.5 x 6 = 3 > 2: each step overshoots" in over
    assert "= 5 > 3.8:" in explain(facts(sharpness=10.0, stable_below=3.8))  # momentum
    under = explain(facts(sharpness=2.0, stable_below=2.0))  # at the weights gone back to
    assert "lr·λmax" not in under and "likely too large" in under
