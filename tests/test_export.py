"""``backprop-tui export``: the network as named arrays that compute predict's outputs from
NumPy alone, and (where PyTorch is installed) an nn.Sequential state dict that does too."""

import json

import numpy as np
import pytest
from csvfiles import classes_csv, diabetes_like_csv

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config
from core.evaluation import predict
from core.export import folded_layers, layer_arrays, outputs
from core.trainer import Trainer
from tui.cli.main import main


def trained(path, **config) -> Trainer:
    trainer = Trainer(Config(data=str(path), hidden=None, **config))
    trainer.train(3)
    return trainer


def as_read(trainer: Trainer) -> np.ndarray:
    return trainer.scaler.inverse(trainer.X_val)


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "elu", "leaky_relu"])
def test_the_named_arrays_compute_what_predict_does(tmp_path, activation):
    for data in (diabetes_like_csv(tmp_path / "r.csv"), classes_csv(tmp_path / "c.csv")):
        t = trained(data, activation=activation)
        arrays = layer_arrays(t)
        assert arrays["W1"].shape == (t.X.shape[1], t.net.sizes[1])
        assert list(arrays["activations"]) == [a.name for a in t.net.activations]
        np.testing.assert_allclose(outputs(arrays, as_read(t)), predict(t, as_read(t)), rtol=1e-10)


def test_folding_the_standardisation_into_the_layers_changes_no_output(tmp_path):
    t = trained(diabetes_like_csv(tmp_path / "r.csv"))
    a = as_read(t)
    for (w, b), act in zip(folded_layers(t), t.net.activations, strict=True):
        a = act.fn(a @ w + b)
    np.testing.assert_allclose(a, predict(t, as_read(t)), rtol=1e-10)


def test_export_npz_writes_the_arrays_beside_the_run(tmp_path, capsys):
    t = trained(diabetes_like_csv(tmp_path / "r.csv"))
    save_checkpoint(t, tmp_path / "run.npz")
    assert main(["export", str(tmp_path / "run.npz")]) == 0
    written = tmp_path / "run.weights.npz"
    assert capsys.readouterr().err.startswith(f"wrote {written}: W1..W2, b1..b2, activations")
    with np.load(written) as f:  # no pickle needed
        arrays = dict(f)
    assert sorted(arrays) == sorted(
        ["W1", "b1", "W2", "b2", "activations", "input_mean", "input_std", "target_mean",
         "target_std", "input_names", "class_names", "task", "epoch"]
    )  # fmt: skip
    assert list(arrays["input_names"])[:3] == ["age", "sex", "bmi"] and arrays["epoch"] == 3
    np.testing.assert_allclose(outputs(arrays, as_read(t)), predict(t, as_read(t)))


def test_a_bad_format_or_place_is_one_line(tmp_path, capsys):
    t = trained(classes_csv(tmp_path / "c.csv"))
    save_checkpoint(t, tmp_path / "run.npz")
    assert main(["export", str(tmp_path / "run.npz"), "--to", "onnx"]) == 2
    assert capsys.readouterr().err == (
        "backprop-tui: --to onnx: give --to npz or --to torch, and at most one file to write\n"
    )
    assert main(["export", str(tmp_path / "run.npz"), str(tmp_path / "no" / "w.npz")]) == 2
    assert "there is no folder" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "run.npz"), str(tmp_path / "run.npz")]) == 2
    assert "is the checkpoint itself" in capsys.readouterr().err
    assert load_checkpoint(tmp_path / "run.npz").epoch == 3  # untouched


def test_derived_inputs_cannot_be_one_torch_network(tmp_path):
    t = Trainer(Config(dataset="circle", features=("x1sq", "x2sq"), hidden=()))
    with pytest.raises(ValueError, match="features derived from \\(x1, x2\\) \\(x1²,x2²\\)"):
        folded_layers(t)
    np.testing.assert_allclose(outputs(layer_arrays(t), t.X), t.net.predict(t.X)[1])


@pytest.mark.parametrize("kind", ["regression", "classes", "two classes"])
def test_export_torch_gives_an_nn_sequential_with_the_same_outputs(tmp_path, capsys, kind):
    torch = pytest.importorskip("torch")
    data = {
        "regression": lambda: diabetes_like_csv(tmp_path / "r.csv"),
        "classes": lambda: classes_csv(tmp_path / "c.csv", features=6, classes=4),
        "two classes": lambda: classes_csv(tmp_path / "b.csv", features=5, classes=2),
    }[kind]()
    t = trained(data, activation="swish")
    save_checkpoint(t, tmp_path / "run.npz")
    pt = tmp_path / "model.pt"
    assert main(["export", str(tmp_path / "run.npz"), "--to", "torch", str(pt)]) == 0
    err = capsys.readouterr().err
    assert "state dict of nn.Sequential(Linear, SiLU, Linear, " in err
    spec = json.loads(pt.with_suffix(".json").read_text())
    model = torch.nn.Sequential(*(getattr(torch.nn, n)(**kw) for n, kw in spec["layers"]))
    model = model.double()  # float64, as written
    model.load_state_dict(torch.load(pt))  # weights_only: a plain state dict
    with torch.no_grad():
        theirs = model(torch.from_numpy(as_read(t))).numpy()
    np.testing.assert_allclose(theirs, predict(t, as_read(t)), rtol=1e-9, atol=1e-12)
    assert spec["inputs"] == list(t.train_set.feature_names) and spec["epoch"] == 3
    float32 = torch.nn.Sequential(*(getattr(torch.nn, n)(**kw) for n, kw in spec["layers"]))
    float32.load_state_dict(torch.load(pt))  # cast to float32 on loading
    with torch.no_grad():
        single = float32(torch.from_numpy(as_read(t)).float()).numpy()
    np.testing.assert_allclose(single, predict(t, as_read(t)), rtol=1e-4, atol=1e-4)
