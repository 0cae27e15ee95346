"""``backprop-tui export RUN.npz --to npz|torch [OUT]``: a saved run's network for use
elsewhere.

--to npz (RUN.weights.npz): the arrays of ``core.export.layer_arrays``: W1, b1, W2, ...
(z = a @ W + b), the activations by name, the standardisation of the inputs (and of a
regression's target), the input and class names.

--to torch (RUN.pt): the state dict of an equivalent ``torch.nn.Sequential`` (a Linear and
its activation per layer, the standardisation folded into the first and last Linear), in
float64, and RUN.json beside it naming the layers, which rebuild it:

    spec = json.load(open("RUN.json"))
    model = torch.nn.Sequential(*(getattr(torch.nn, name)(**kw) for name, kw in spec["layers"]))
    model.double().load_state_dict(torch.load("RUN.pt"))   # without .double(): float32

Given the inputs as read, it outputs what ``backprop-tui predict`` gives: the values in the
target's units, or the class probabilities (P(class 1) for two classes). PyTorch is an
optional extra (``pip install 'backprop-tui[export]'``), imported only here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from core import paths
from core.best_val import weights_epoch
from core.checkpoint import load_checkpoint
from core.evaluation import predict
from core.export import export_names, layer_arrays, torch_layers
from core.trainer import Trainer

from .hangup import say

FORMATS = ("npz", "torch")
CHECK_ROWS = 1000  # training rows run through the exported torch model to compare


def export(args: argparse.Namespace) -> int:
    """Write the run's network in the format asked for; say what was written."""
    run, (form, *named) = Path(args.run), args.to  # --to torch OUT.pt, or RUN OUT --to torch
    if form not in FORMATS or len(named) > 1 or (named and args.out):
        raise ValueError(f"--to {' '.join(args.to)}: give --to npz or --to torch, and at most "
                         "one file to write")  # fmt: skip
    suffix = ".weights.npz" if form == "npz" else ".pt"
    given = named[0] if named else args.out
    out = paths.to_write(given or str(run.with_name(run.name.removesuffix(".npz") + suffix)))
    if out.exists() and out.samefile(run):
        raise ValueError(f"{out} is the checkpoint itself: give another file name")
    if form == "torch":
        paths.to_write(str(out.with_suffix(".json")))  # its layers go beside it
    trainer = load_checkpoint(run)
    epoch = weights_epoch(trainer)
    if form == "npz":
        arrays = layer_arrays(trainer)
        with open(out, "wb") as f:  # (np.savez would add .npz to another name)
            np.savez(f, **arrays)
        layers = trainer.net.n_layers
        say(f"wrote {out}: W1..W{layers}, b1..b{layers}, activations, "
            f"{'input_mean, input_std, ' * ('input_mean' in arrays)}"
            f"{'target_mean, target_std, ' * ('target_mean' in arrays)}"
            f"input_names, class_names (the weights of epoch {epoch})")  # fmt: skip
        return 0
    spec, difference = write_torch(trainer, out)
    say(f"wrote {out}: the state dict of nn.Sequential({', '.join(n for n, _ in spec)}) "
        f"(the weights of epoch {epoch}); its layers in {out.with_suffix('.json')}")  # fmt: skip
    say(f"checked: its outputs on {min(CHECK_ROWS, len(trainer.X))} training rows differ from "
        f"backprop-tui's by {difference:.1e} at most")  # fmt: skip
    return 0


def write_torch(trainer: Trainer, out: Path) -> tuple[list, float]:
    """The torch state dict at ``out``, its layers in a JSON file beside it; returns the
    layers and the largest difference between the model's outputs and ``predict``'s."""
    try:
        import torch
    except ImportError:
        raise ValueError(
            "--to torch needs PyTorch, an optional extra: pip install 'backprop-tui[export]' "
            "(or --to npz: the same weights as NumPy arrays)"
        ) from None
    layers = torch_layers(trainer)
    model = torch.nn.Sequential(*(getattr(torch.nn, name)(**kw) for name, kw, _ in layers))
    model = model.double()
    state = {}
    for k, (_, _, params) in enumerate(layers):
        if params is not None:
            state[f"{k}.weight"], state[f"{k}.bias"] = (torch.from_numpy(p) for p in params)
    model.load_state_dict(state)  # every parameter given, none left out
    names = export_names(trainer)
    spec = [[name, kw] for name, kw, _ in layers]
    info = {
        "layers": spec,
        "dtype": "float64",
        "inputs": names["inputs"],
        "outputs": names["outputs"],
        "epoch": weights_epoch(trainer),
        "load": "nn.Sequential(*(getattr(nn, name)(**kw) for name, kw in layers)).double()"
        ".load_state_dict(torch.load(pt))",
    }
    torch.save(model.state_dict(), out)
    lines = ",\n".join(f" {json.dumps(key)}: {json.dumps(value)}" for key, value in info.items())
    out.with_suffix(".json").write_text("{\n" + lines + "\n}\n")  # one line a key
    X = trainer.train_set.X[:CHECK_ROWS]  # the training rows as read
    X = trainer.scaler.inverse(X) if trainer.scaler is not None else X
    with torch.no_grad():
        theirs = model(torch.from_numpy(np.ascontiguousarray(X, np.float64))).numpy()
    difference = float(np.abs(theirs - predict(trainer, X)).max(initial=0.0))
    return [(name, kw) for name, kw, _ in layers], difference
