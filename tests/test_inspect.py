"""The chain-rule inspector's numbers equal backpropagation's."""

import numpy as np
import pytest

from core.config import Config
from core.inspect import chain_rule, finite_difference
from core.trainer import Trainer


@pytest.mark.parametrize(
    "config",
    [
        Config(dataset="circle", hidden=(4, 3), activation="tanh"),  # sigmoid + bce (fused)
        Config(dataset="circle", hidden=(5,), activation="relu", loss="mse"),  # sigmoid + mse
        Config(dataset="spiral3", hidden=(4,), activation="sigmoid"),  # softmax + CE (fused)
        Config(dataset="blobs", hidden=(4,), loss="mse"),  # softmax + mse: the full Jacobian
        Config(dataset="sine", hidden=(6, 6), activation="leaky_relu", loss="mae"),
        Config(dataset="linear", hidden=()),
    ],
)
def test_every_weight_product_equals_the_backprop_gradient(config):
    t = Trainer(config.replace(n_samples=120))
    t.step()  # move off the initial weights
    for _ in range(len(t.phases) - 1):  # forward, loss, every backward: gradients are fresh
        t.next_phase()
    net = t.net
    for k in range(net.n_layers):
        for i in range(net.sizes[k]):
            for j in range(net.sizes[k + 1]):
                c = chain_rule(net, k, i, j, t.loss, t.batch_y)
                assert c.product_mean == pytest.approx(c.backprop, rel=1e-12, abs=1e-12)
                assert c.backprop == net.dweights[k][i, j]


def test_hidden_neuron_de_da_is_the_sum_over_the_next_layer():
    t = Trainer(Config(hidden=(3, 2), n_samples=100))
    for _ in range(5):
        t.next_phase()
    c = chain_rule(t.net, 0, 1, 2, t.loss, t.batch_y)
    by_hand = sum(c.next_deltas[:, m] * c.next_weights[m] for m in range(2))
    assert np.allclose(c.de_da, by_hand, rtol=0, atol=1e-15)
    assert np.array_equal(c.dz_dw, t.batch_x[:, 1])
    z = t.net.z[0][:, 2]
    assert np.allclose(c.da_dz, 1 - np.tanh(z) ** 2)


def test_finite_difference_of_one_weight_agrees():
    t = Trainer(Config(hidden=(4, 2), n_samples=100))
    for _ in range(5):
        t.next_phase()
    net = t.net
    before = net.params.copy()
    numeric = finite_difference(net, t.batch_x, t.batch_y, t.loss, 1, 2, 0)
    assert numeric == pytest.approx(net.dweights[1][2, 0], rel=1e-6)
    assert np.array_equal(net.params, before)


@pytest.mark.parametrize(
    "config",
    [
        Config(dataset="circle", hidden=(4, 3), activation="tanh"),  # sigmoid + bce (fused)
        Config(dataset="spiral3", hidden=(4,), activation="sigmoid"),  # softmax + CE (fused)
        Config(dataset="blobs", hidden=(4,), loss="mse"),  # softmax + mse
        Config(dataset="linear", hidden=(), l2=0.5),
    ],
)
def test_every_bias_is_the_weight_of_a_constant_input_1(config):
    t = Trainer(config.replace(n_samples=120))
    t.step()
    for _ in range(len(t.phases) - 1):
        t.next_phase()
    net = t.net
    for k in range(net.n_layers):
        for j in range(net.sizes[k + 1]):
            c = chain_rule(net, k, net.sizes[k], j, t.loss, t.batch_y)
            assert c.bias and np.all(c.dz_dw == 1.0)
            assert c.product_mean == pytest.approx(c.backprop, rel=1e-12, abs=1e-12)
            assert c.backprop == net.dbiases[k][j] and c.weight == net.biases[k][j]
    numeric = finite_difference(net, t.batch_x, t.batch_y, t.loss, 0, net.sizes[0], 0)
    assert numeric == pytest.approx(net.dbiases[0][0], rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("dataset", ["circle", "spiral3"])
def test_a_fused_output_shows_the_factors_its_shortcut_folds_in(dataset):
    """bce + sigmoid: dE/da · da/dz = a - t; CE + softmax: the Jacobian's sum = a - t."""
    t = Trainer(Config(dataset=dataset, hidden=(4,), n_samples=120))
    for _ in range(3):  # forward, loss, backward of the output layer
        t.next_phase()
    net, last = t.net, t.net.n_layers - 1
    a, y = net.a[last], t.batch_y
    for j in range(net.sizes[-1]):
        c = chain_rule(net, last, 0, j, t.loss, y)
        assert c.fused and np.allclose(c.de_dz, (a - y)[:, j] / (1 if c.coupled else y.shape[1]))
        if c.coupled:  # every output's dE/da reaches z_j through softmax's Jacobian
            through = net.activations[last].backward(net.z[last], a, t.loss.sample_da(a, y))
            assert np.allclose(through[:, j], c.de_dz)
        else:
            assert np.allclose(c.de_da * c.da_dz, c.de_dz)
            assert np.allclose(c.de_da, (a - y)[:, j] / (a * (1 - a))[:, j])
