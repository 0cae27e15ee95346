"""The chain rule for one weight, with the numbers backpropagation used.

For the weight W_k[i, j] (input i of layer k to its neuron j) and each sample s of the
mini-batch (n rows):

    dE_s/dw = dE_s/da_j * da_j/dz_j * dz_j/dw

- dE_s/da_j: how sample s's error changes with the neuron's output. At the output layer it
  is the loss's derivative; below, the sum over the next layer's neurons m of their deltas
  times the connecting weights: sum_m delta_{k+1}[s, m] * W_{k+1}[j, m].
- da_j/dz_j = f'(z_j), the activation's derivative at the neuron's pre-activation.
- dz_j/dw = a_k[s, i], the input the weight multiplies.

The batch's gradient is the mean of the per-sample products. Backpropagation stores deltas
that already carry the 1/n of the mean (delta = dE/dz with E the batch mean), so the
per-sample factor dE_s/da here is n times the stored dE/da.

For an output layer fused with its loss (sigmoid + bce, softmax + cross_entropy) the code
never forms dE/da: it computes dE_s/dz = a - t directly. Then ``de_da`` is None and
``de_dz`` holds that product (for softmax, the full Jacobian's product, not f' alone).
A softmax output with another loss has dE_s/da, but its dE_s/dz is the full Jacobian's
product too: ``de_dz`` is not ``de_da * da_dz`` there (``da_dz`` is only the diagonal).
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
    """The three factors of dE/dW_k[i, j] per sample (n,), their mean, and backprop's value."""

    layer: int
    i: int
    j: int
    de_da: Floats | None  # dE_s/da_j (None for a fused output layer)
    da_dz: Floats  # f'(z_j) per sample
    dz_dw: Floats  # a_k[s, i]
    de_dz: Floats  # dE_s/dz_j = de_da * da_dz (a - t when fused; softmax: the full Jacobian)
    next_deltas: Floats | None  # (n, m) deltas of layer k+1 (times n), for the sum
    next_weights: Floats | None  # (m,) W_{k+1}[j, :]
    product_mean: float  # mean over the batch of de_dz * dz_dw
    backprop: float  # dW_k[i, j] as backpropagation computed it
    weight: float  # W_k[i, j] as the batch saw it
    coupled: bool  # the layer is softmax: dE/dz goes through its full Jacobian, not f' alone


def chain_rule(
    net: Network,
    layer: int,
    i: int,
    j: int,
    loss: Loss,
    Y: Floats,
    weights: list[Floats] | None = None,
) -> ChainRule:
    """The chain rule for W_layer[i, j] on the last batch a backward pass went through.

    ``loss`` and the batch's targets ``Y`` (n, outputs) give dE/da at the output layer.
    ``weights``: the weights the batch went through, if the update has changed them since.
    Call after ``backward_layer(layer)`` has run for this batch.
    """
    weights = weights if weights is not None else net.weights
    n = net.layer_input(0).shape[0]
    z, a = net.z[layer][:, j], net.a[layer][:, j]
    da_dz = net.activations[layer].derivative(z[:, None], a[:, None]).ravel()
    dz_dw = np.array(net.layer_input(layer)[:, i], np.float64)  # a copy: buffers are reused
    next_deltas = next_weights = None
    if layer < net.n_layers - 1:
        next_deltas = net.delta[layer + 1] * n
        next_weights = weights[layer + 1][j, :].copy()
        de_da = next_deltas @ next_weights
        de_dz = de_da * da_dz
    elif loss.from_logits:  # fused: the code computes dE/dz = (a - t) / n directly
        de_da = None
        de_dz = net.delta[layer][:, j] * n
    else:
        grad_a = loss.gradient(net.a[layer], Y) * n  # (n, outputs): dE_s/da per sample
        de_da = grad_a[:, j]
        act = net.activations[layer]
        if act.elementwise:
            de_dz = de_da * da_dz
        else:  # softmax: a_j depends on every z, dE_s/dz_j = a_j (dE_s/da_j - sum_k a_k dE_s/da_k)
            de_dz = act.backward(net.z[layer], net.a[layer], grad_a)[:, j]
    return ChainRule(
        layer=layer,
        i=i,
        j=j,
        de_da=de_da,
        da_dz=da_dz,
        dz_dw=dz_dw,
        de_dz=de_dz,
        next_deltas=next_deltas,
        next_weights=next_weights,
        product_mean=float(np.mean(de_dz * dz_dw)),
        backprop=float(net.dweights[layer][i, j]),
        weight=float(weights[layer][i, j]),
        coupled=not net.activations[layer].elementwise,
    )


def finite_difference(
    net: Network, X: Floats, Y: Floats, loss: Loss, layer: int, i: int, j: int, h: float = 1e-6
) -> float:
    """dE/dW_layer[i, j] by central differences on the batch (X, Y); the weight is restored."""
    w = net.weights[layer]
    old = w[i, j]

    def value() -> float:
        z, y = net.predict(X)
        return loss.value(z if loss.from_logits else y, Y)

    w[i, j] = old + h
    up = value()
    w[i, j] = old - h
    down = value()
    w[i, j] = old
    return (up - down) / (2 * h)
