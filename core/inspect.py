"""The chain rule for one weight or bias, with the numbers backpropagation used.

For the weight W_k[i, j] (input i of layer k to its neuron j) and each sample s of the
mini-batch (n rows):

    dE_s/dw = dE_s/da_j * da_j/dz_j * dz_j/dw

- dE_s/da_j: how sample s's error changes with the neuron's output. At the output layer it
  is the loss's derivative; below, the sum over the next layer's neurons m of their deltas
  times the connecting weights: sum_m delta_{k+1}[s, m] * W_{k+1}[j, m].
- da_j/dz_j = f'(z_j), the activation's derivative at the neuron's pre-activation.
- dz_j/dw = a_k[s, i], the input the weight multiplies (a_0 = x).

The bias b_k[j] is the weight of a constant input 1 (the code computes z = [a, 1] @ [W; b]),
so its chain is the same with dz/db = 1; select it as input i = sizes[k].

One scale everywhere: delta_s = dE_s/dz is per sample, and the batch's gradient is the mean
of the per-sample products, dW = mean_s dE_s/dw. (The code's stored deltas carry the 1/n
of the mean already, so the per-sample values here are n times them.)

A normalised hidden layer (batch or layer norm, core/normalization.py) puts y = gamma u +
beta between z and the activation: da/dy = f'(y) is still per sample, but dy/dz couples the
rows of the batch (batch norm) or the units of a row (layer norm), so dE_s/dz is taken from
backprop's delta (``norm`` names the step) and is not de_da * da_dz there.

For an output layer fused with its loss (sigmoid + bce, softmax + cross_entropy) the code
never forms dE/da: it computes dE_s/dz = a - t directly, exact for any z. The factors the
shortcut folds in are still shown: ``de_da`` is the loss's dE_s/da (which is infinite
where a saturates) and ``de_dz`` the shortcut's value (``fused``). For a softmax output,
dE_s/dz_j sums over every output (the full Jacobian), so it is not de_da * da_dz there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .losses import Loss
from .network import Network

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class ChainRule:
    """The three factors of dE/dW_k[i, j] (or dE/db_k[j]) per sample (n,), their mean, and
    backprop's value."""

    layer: int
    i: int  # the input; sizes[layer] for the bias
    j: int
    bias: bool  # the bias b_k[j]: dz/db = 1
    de_da: Floats  # dE_s/da_j
    da_dz: Floats  # f'(z_j) per sample
    dz_dw: Floats  # a_k[s, i], or 1 for the bias
    de_dz: Floats  # dE_s/dz_j (a - t when fused; softmax: through the full Jacobian)
    fused: bool  # the code computes de_dz directly (sigmoid + bce, softmax + cross_entropy)
    coupled: bool  # softmax or a normalisation: dE/dz goes through a Jacobian, not f' alone
    next_deltas: Floats | None  # (n, m) per-sample deltas of layer k+1, for the sum
    next_weights: Floats | None  # (m,) W_{k+1}[j, :]
    product_mean: float  # mean over the batch of de_dz * dz_dw
    backprop: float  # dW_k[i, j] (or db_k[j]) as backpropagation computed it
    weight: float  # W_k[i, j] (or b_k[j]) as the batch saw it
    norm: str = ""  # "BN" or "LN": da_dz is f'(y) of the normalised y, dE/dz through it

    @property
    def products(self) -> Floats:
        """Each sample's dE_s/dw (n,): their mean is the gradient."""
        return self.de_dz * self.dz_dw


def parameter_name(layer: int, i: int, j: int, sizes: list[int]) -> str:
    """ "W2[0,1]" for a weight, "b2[1]" for a bias (i == sizes[layer]); layers from 1."""
    return f"b{layer + 1}[{j}]" if i == sizes[layer] else f"W{layer + 1}[{i},{j}]"


def chain_rule(
    net: Network,
    layer: int,
    i: int,
    j: int,
    loss: Loss,
    Y: Floats,
    weights: list[Floats] | None = None,
    biases: list[Floats] | None = None,
) -> ChainRule:
    """The chain rule for W_layer[i, j] (b_layer[j] when i == sizes[layer]) on the last batch
    a backward pass went through.

    ``loss`` and the batch's targets ``Y`` (n, outputs) give dE/da at the output layer.
    ``weights``, ``biases``: the parameters the batch went through, if the update has
    changed them since. Call after ``backward_layer(layer)`` has run for this batch.
    """
    weights = weights if weights is not None else net.weights
    biases = biases if biases is not None else net.biases
    n = net.layer_input(0).shape[0]
    bias = i == net.sizes[layer]
    act = net.activations[layer]
    norm = net.norm_layers[layer].symbol if layer < len(net.norm_layers) else ""
    z, a = net.activation_input(layer)[:, j], net.a[layer][:, j]  # y for a normalised layer
    mask = net.mask(layer) if layer < net.n_layers - 1 else None  # off, dropout
    if mask is not None:  # a = f(z) * m: da/dz = f'(z) * m, f' at the unmasked f(z)
        mask = np.broadcast_to(mask, net.z[layer].shape)[:, j]
        a = act.fn(z[:, None]).ravel()
    da_dz = act.derivative(z[:, None], a[:, None]).ravel()
    if mask is not None:
        da_dz = da_dz * mask
    # copies: the network's buffers are reused by the next pass
    dz_dw = np.ones(n) if bias else np.array(net.layer_input(layer)[:, i], np.float64)
    next_deltas = next_weights = None
    fused = False
    if layer < net.n_layers - 1:
        next_deltas = net.delta[layer + 1] * n
        next_weights = weights[layer + 1][j, :].copy()
        de_da = next_deltas @ next_weights
        de_dz = net.delta[layer][:, j] * n if norm else de_da * da_dz
    else:
        sample_da = loss.sample_da(net.a[layer], Y)  # (n, outputs): dE_s/da per sample
        de_da = np.array(sample_da[:, j], np.float64)
        if loss.from_logits:  # fused: the code computes dE/dz = (a - t) / n directly
            fused = True
            de_dz = net.delta[layer][:, j] * n
        elif act.elementwise:
            de_dz = de_da * da_dz
        else:  # softmax: a_j depends on every z, dE_s/dz_j = a_j (dE_s/da_j - sum_k a_k dE_s/da_k)
            de_dz = act.backward(net.z[layer], net.a[layer], sample_da)[:, j]
    backprop = net.dbiases[layer][j] if bias else net.dweights[layer][i, j]
    weight = biases[layer][j] if bias else weights[layer][i, j]
    return ChainRule(
        layer=layer,
        i=i,
        j=j,
        bias=bias,
        de_da=de_da,
        da_dz=da_dz,
        dz_dw=dz_dw,
        de_dz=np.array(de_dz, np.float64),
        fused=fused,
        coupled=not act.elementwise or bool(norm),
        next_deltas=next_deltas,
        next_weights=next_weights,
        product_mean=float(np.mean(de_dz * dz_dw)),
        backprop=float(backprop),
        weight=float(weight),
        norm=norm,
    )


def finite_difference(
    net: Network, X: Floats, Y: Floats, loss: Loss, layer: int, i: int, j: int, h: float = 1e-6
) -> float:
    """dE/dW_layer[i, j] (dE/db_layer[j] when i == sizes[layer]) by central differences on
    the batch (X, Y); the parameter is restored."""
    w = net.stacked[layer]  # [W; b]: row sizes[layer] is the bias
    old = w[i, j]

    def value() -> float:  # the training pass: batch statistics, dropout masks
        z, y = net.predict(X, batch_stats=True, dropped=net.dropped)
        return loss.value(z if loss.from_logits else y, Y)

    w[i, j] = old + h
    up = value()
    w[i, j] = old - h
    down = value()
    w[i, j] = old
    return (up - down) / (2 * h)
