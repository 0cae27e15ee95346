"""Derived inputs of a 2-D set (--features): read in every form, made when the data is
built, kept through checkpoints, drawn over the original plane."""

import json

import numpy as np
import pytest

from core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from core.config import Config, ConfigError
from core.evaluation import predict
from core.run_data import build_data
from core.settings import SETTINGS
from core.trainer import Trainer
from tui.cli import main
from tui.worker.session import TrainingSession
from tui.worker.views import GRID_COLS, GRID_ROWS, data_points, data_view, grid_points

SQUARES = dict(dataset="circle", n_samples=200, features=("x1sq", "x2sq"), hidden=())


@pytest.mark.parametrize(
    "text,keys",
    [
        ("x1,x2", ("x1", "x2")),
        ("x1^2, x2^2", ("x1sq", "x2sq")),
        ("X1², x2sq, x1*x2", ("x1sq", "x2sq", "x1x2")),
        ("sin x1,sin(x2),x1·x2", ("x1x2", "sinx1", "sinx2")),
        ("sin πx2, sin(pi x1), x2", ("x2", "sinx1", "sinx2")),  # kept in one order
    ],
)
def test_features_read_in_every_written_form(text, keys):
    assert SETTINGS["features"].parse(text) == keys
    assert SETTINGS["features"].parse(SETTINGS["features"].show(keys)) == keys


@pytest.mark.parametrize(
    "value,message",
    [
        ("x1,x3", "features = 'x3' is not allowed: a feature: one of x1, x2, x1sq"),
        ("x1,x1^2,x1sq", "is not allowed: each feature once"),
        ((), "a list of one or more of x1, x2"),
        ("x1,", "features = '' is not allowed: a feature"),
    ],
)
def test_a_bad_feature_says_what_is_allowed(value, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_dict({"features": value})


def test_features_need_a_2d_built_in_set(tmp_path):
    with pytest.raises(ConfigError, match=r"features = 'x1²' .* \(linear has one input\); set"):
        Config(dataset="linear", features=("x1sq",))
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,0\n2,3,1\n")
    with pytest.raises(ConfigError, match="a CSV file's columns are its inputs"):
        Config(data=str(path), features=("x1", "x1x2"))
    assert Config(dataset="linear").features == ("x1", "x2")  # the default: the data as is


def test_the_network_sees_the_features_of_each_point():
    data = build_data(Config(**{**SQUARES, "features": ("x1", "x1x2", "sinx2")}))
    for ds in (data.train, data.val):
        P = ds.plane
        expected = np.column_stack([P[:, 0], P[:, 0] * P[:, 1], np.sin(np.pi * P[:, 1])])
        assert np.array_equal(ds.X, expected)
        assert ds.feature_names == ("x1", "x1x2", "sin πx2")
    plain = build_data(Config(**{**SQUARES, "features": ("x1", "x2")}))
    assert plain.train.plane is None
    assert np.array_equal(np.sort(plain.train.X, axis=0), np.sort(data.train.plane, axis=0))


def test_standardised_features_are_scaled_by_the_training_rows():
    t = Trainer(Config(**SQUARES, standardize=True))
    assert np.allclose(t.X.mean(axis=0), 0) and np.allclose(t.X.std(axis=0), 1)
    P = t.train_set.plane[:5]
    assert np.allclose(t.net.forward(t.X[:5]), predict(t, P))  # predict takes points


def test_circle_needs_no_hidden_layer_with_squared_inputs():
    squares = Trainer(Config(**SQUARES, lr=0.3))
    plain = Trainer(Config(**{**SQUARES, "features": ("x1", "x2")}, lr=0.3))
    assert squares.net.sizes == [2, 1] and plain.net.sizes == [2, 1]
    assert squares.train(50).train_acc >= 0.95  # the noise blurs a few points into the gap
    assert plain.train(50).train_acc <= 0.65


def test_a_checkpoint_keeps_the_points_and_continues_exactly(tmp_path):
    straight, stopped = (Trainer(Config(**SQUARES, standardize=True)) for _ in range(2))
    straight.train(3), stopped.train(3)
    save_checkpoint(stopped, tmp_path / "run.npz")
    resumed = load_checkpoint(tmp_path / "run.npz")
    assert resumed.config.features == ("x1sq", "x2sq")
    assert np.array_equal(resumed.train_set.plane, stopped.train_set.plane)
    straight.train(2), resumed.train(2)
    assert np.array_equal(straight.net.params, resumed.net.params)


def rewrite(path, change) -> None:
    """Rewrite a checkpoint with change(members) applied to its {name: array} members."""
    with np.load(path) as f:
        members = {name: f[name] for name in f.files}
    change(members)
    np.savez(path, **members)


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda m: m.update({"train/plane": m["train/plane"] + 0.1}), "train/X is not the fe"),
        (lambda m: m.pop("val/plane"), "val/plane is missing: features x1sq,x2sq need it"),
        (lambda m: m.update({"train/plane": m["train/plane"][:, :1]}), "train/plane is float"),
    ],
)
def test_a_checkpoint_whose_features_do_not_match_its_points_is_refused(tmp_path, change, message):
    path = tmp_path / "run.npz"
    save_checkpoint(Trainer(Config(**SQUARES)), path)
    rewrite(path, change)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_points_without_features_are_refused(tmp_path):
    path = tmp_path / "run.npz"
    save_checkpoint(Trainer(Config(**SQUARES)), path)

    def drop_features(members):
        meta = json.loads(str(members["meta"]))
        meta["config"]["features"] = ["x1", "x2"]
        members["meta"] = np.array(json.dumps(meta))

    rewrite(path, drop_features)
    with pytest.raises(CheckpointError, match="train/plane is present but the config has no"):
        load_checkpoint(path)


def test_the_data_view_draws_over_the_original_plane():
    t = Trainer(Config(**{**SQUARES, "features": ("x1sq", "x2sq", "x1x2")}, standardize=True))
    t.train(5)
    view = data_view(t, data_points(t))
    assert view.n_inputs == 2 and view.grid.shape == (GRID_ROWS, GRID_COLS)
    assert np.array_equal(view.train_x, t.train_set.plane)
    assert np.array_equal(view.val_x, t.val_set.plane)
    points = grid_points(view.extent, GRID_ROWS, GRID_COLS)
    assert np.allclose(view.grid.ravel(), predict(t, points)[:, 0])


def test_the_network_names_its_inputs_by_their_features():
    snap = TrainingSession(Trainer(Config(**SQUARES)), paused=True).latest
    assert snap.input_names == ("x1²", "x2²") and snap.sizes[0] == 2
    assert TrainingSession(Trainer(Config(n_samples=50)), paused=True).latest.input_names == ()


def test_train_with_features_on_the_command_line(tmp_path, capsys):
    history = tmp_path / "h.csv"
    args = ["train", "--dataset", "circle", "--samples", "200", "--features", "x1sq,x2sq"]
    args += ["--hidden", "none", "--lr", "0.3", "--epochs", "150", "--quiet"]
    assert main([*args, "--history", str(history)]) == 0
    last = history.read_text().splitlines()[-1].split(",")
    assert float(last[4]) >= 0.95  # train_acc
    code = None
    try:
        code = main(["train", "--dataset", "sine", "--features", "x1,x1sq"])
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "derived inputs need a 2-D built-in data set" in err[0]
