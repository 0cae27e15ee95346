"""A trained network as plain named arrays, for use without backprop-tui.

``layer_arrays(trainer)`` gives, for layers k = 1 .. L:

    W1 (d, n1), b1 (n1,), W2 (n1, n2), b2 (n2,), ...   z_k = a_{k-1} @ W_k + b_k, a_k = f_k(z_k)
    activations (L,)          f_k by name: tanh, relu, ..., softmax (see core/activations.py)
    input_mean, input_std (d,)     x is standardised first: a_0 = (x - input_mean) / input_std
    target_mean, target_std (k,)   a regression's output in its own units: a_L * std + mean
    input_names (d,), class_names (C,), task (), epoch ()

(the standardisations only when the run used them; a batch-normalised layer's running
averages folded into its W and b, ``inference_layers``). ``outputs(arrays, X)`` computes the
network from them alone, as ``core.evaluation.predict`` does from the Trainer.

``torch_layers(trainer)`` gives the same network as an ``nn.Sequential``'s layers (a Linear
and its activation per layer), the standardisations folded into the first and the last
Linear, so it takes the inputs as read and gives predict's outputs: each layer a name of a
module of ``torch.nn`` and its keyword arguments, with its weights in torch's layout
(weight (out, in) = W.T). Nothing here imports torch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .activations import ELU_ALPHA, LEAKY_SLOPE, get_activation
from .best_val import weights_epoch
from .evaluation import input_columns
from .normalization import EPS

# our activation -> (torch.nn module, its arguments) computing the same function
TORCH_MODULES: dict[str, tuple[str, dict]] = {
    "linear": ("Identity", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": LEAKY_SLOPE}),
    "elu": ("ELU", {"alpha": ELU_ALPHA}),
    "softplus": ("Softplus", {}),  # torch's is x itself above 20: within 2e-9 of ours
    "swish": ("SiLU", {}),
    "gelu": ("GELU", {"approximate": "tanh"}),  # ours is the tanh approximation
    "softmax": ("Softmax", {"dim": 1}),
}


def derived_inputs(trainer) -> str:
    """Why a run's network cannot take the inputs as read ("" when it can): derived
    features (x1², sin πx1 ...) are computed from the points before the first layer."""
    if trainer.train_set.plane is None:
        return ""
    shown = ",".join(trainer.train_set.feature_names)
    return f"its inputs are features derived from (x1, x2) ({shown}), computed before the network"


def exported_weights(net) -> list[NDArray]:
    """Copies of the weights, with the outgoing weights of each neuron switched off at 0:
    a_j · 0 is what its a_j = 0 contributes, so the exported network computes the same."""
    weights = [np.array(w) for w in net.weights]
    for layer, unit in net.off:  # a[layer] feeds W[layer + 1]
        weights[layer + 1][unit, :] = 0.0
    return weights


def layer_arrays(trainer) -> dict[str, NDArray]:
    """The network's weights and what surrounds them, as named arrays (module docstring)."""
    net, data = trainer.net, trainer.data
    arrays: dict[str, NDArray] = {}
    for k, (w, b) in enumerate(inference_layers(net), 1):  # batch norm folded in
        arrays[f"W{k}"], arrays[f"b{k}"] = w, b
    arrays["activations"] = np.array([a.name for a in net.activations])
    if data.scaler is not None:
        arrays["input_mean"], arrays["input_std"] = data.scaler.mean, data.scaler.std
    if data.target_scaler is not None:
        arrays["target_mean"] = data.target_scaler.mean
        arrays["target_std"] = data.target_scaler.std
    arrays["input_names"] = np.array(trainer.train_set.feature_names)
    arrays["class_names"] = np.array(trainer.train_set.class_names, dtype=str)
    arrays["task"] = np.array(trainer.task)
    arrays["epoch"] = np.array(weights_epoch(trainer))
    return arrays


def outputs(arrays: dict[str, NDArray], X: NDArray) -> NDArray[np.float64]:
    """The network of ``layer_arrays`` on inputs X (n, d) as read (the network's inputs for
    derived features): standardised, through each layer, a regression scaled back. (n, k)."""
    a = np.asarray(X, np.float64)
    if "input_mean" in arrays:
        a = (a - arrays["input_mean"]) / arrays["input_std"]
    for k, name in enumerate(arrays["activations"].tolist(), 1):
        a = get_activation(name).fn(a @ arrays[f"W{k}"] + arrays[f"b{k}"])
    if "target_mean" in arrays:
        a = a * arrays["target_std"] + arrays["target_mean"]
    return a


def inference_layers(net) -> list[tuple[NDArray, NDArray]]:
    """(W_k, b_k) float64 copies per layer as the network computes in use (neurons off:
    ``exported_weights``). A batch-norm
    layer's running averages fold in: y = gamma (z - mean) / sqrt(var + eps) + beta is
    z s + (beta - mean s) with s = gamma / sqrt(var + eps), so W' = W s, b' = (b - mean)
    s + beta. ValueError for layer norm (its statistics are each row's own: no weights
    compute it)."""
    layers = [(np.array(w, np.float64), np.array(b, np.float64))
              for w, b in zip(exported_weights(net), net.biases, strict=True)]  # fmt: skip
    if net.norm == "layer":
        raise ValueError(
            "a network with layer normalisation is not plain layers (each row is normalised "
            "by its own mean and deviation): use the checkpoint with backprop-tui predict"
        )
    for k, norm in enumerate(net.norm_layers):
        s = net.gammas[k] / np.sqrt(norm.running_var + EPS)
        w, b = layers[k]
        layers[k] = (w * s, (b - norm.running_mean) * s + net.betas[k])
    return layers


def folded_layers(trainer) -> list[tuple[NDArray, NDArray]]:
    """(W_k, b_k) of each layer with the standardisations folded in: the first takes x as
    read, W1' = W1 / std[:, None], b1' = b1 - (mean / std) @ W1; a linear output gives the
    target's units, W_L' = W_L * t_std, b_L' = b_L * t_std + t_mean. ValueError for derived
    inputs (derived_inputs)."""
    why = derived_inputs(trainer)
    if why:
        raise ValueError(f"this run cannot be one network on its inputs as read: {why}")
    net, data = trainer.net, trainer.data
    layers = inference_layers(net)
    if data.scaler is not None:
        w, b = layers[0]
        mean, std = data.scaler.mean, data.scaler.std
        layers[0] = (w / std[:, None], b - (mean / std) @ w)
    if data.target_scaler is not None:  # a regression: its output activation is linear
        if not net.activations[-1].identity:
            raise ValueError("a standardised target needs a linear output to fold its scale in")
        w, b = layers[-1]
        mean, std = data.target_scaler.mean, data.target_scaler.std
        layers[-1] = (w * std, b * std + mean)
    return layers


def torch_layers(trainer) -> list[tuple[str, dict, tuple[NDArray, NDArray] | None]]:
    """The layers of an equivalent ``torch.nn.Sequential``, in order: (module name, its
    keyword arguments, (weight (out, in), bias (out,)) or None for an activation)."""
    layers = []
    for (w, b), act in zip(folded_layers(trainer), trainer.net.activations, strict=True):
        size = {"in_features": int(w.shape[0]), "out_features": int(w.shape[1])}
        layers.append(("Linear", size, (np.ascontiguousarray(w.T), b)))
        name, kwargs = TORCH_MODULES[act.name]
        layers.append((name, dict(kwargs), None))
    return layers


def export_names(trainer) -> dict[str, list[str]]:
    """What the columns of the exported network are: its inputs and its outputs."""
    inputs, _ = input_columns(trainer)
    ds = trainer.train_set
    if ds.task == "multiclass":
        outs = [f"P({c})" for c in ds.class_names]
    elif ds.task == "binary":
        outs = [f"P({ds.class_names[1]})"]
    else:
        outs = [ds.target or f"y{j + 1}" for j in range(ds.n_outputs)]
    return {"inputs": list(inputs), "outputs": outs}
