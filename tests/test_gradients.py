"""Backpropagation against central finite differences, and the pieces it is made of."""

import numpy as np
import pytest

from core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from core.gradcheck import check_gradients, numerical_gradient
from core.losses import LOSSES
from core.network import Network

OUTPUTS = {  # output activations each loss is checked with
    "mse": ["linear", "sigmoid", "tanh", "softmax"],
    "mae": ["linear", "tanh"],
    "bce": ["sigmoid"],
    "cross_entropy": ["softmax"],
}


def batch(loss: str, n: int = 7, n_in: int = 3, n_out: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    if loss == "cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    elif loss == "bce":
        Y = rng.integers(0, 2, (n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    return X, Y


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss,output", [(lo, o) for lo, outs in OUTPUTS.items() for o in outs])
def test_backprop_matches_finite_differences(depth, hidden, loss, output):
    X, Y = batch(loss)
    sizes = [3] + [4] * depth + [3]
    net = Network(sizes, [hidden] * depth + [output], init="normal", seed=depth)
    for b in net.biases:  # non-zero biases so that every term of the chain rule is exercised
        b[...] = np.random.default_rng(1).normal(size=b.shape) * 0.1
    checks = check_gradients(net, X, Y, loss)
    assert len(checks) == depth + 1
    worst = max(c.relative_error for c in checks)
    assert worst < 1e-6, [(c.layer, c.relative_error) for c in checks]


def test_gradcheck_catches_a_wrong_gradient():
    """The check itself must fail when backprop is wrong: corrupt one derivative."""
    X, Y = batch("mse")
    net = Network([3, 4, 3], ["tanh", "linear"], seed=0)
    net.loss_and_grads(X, Y, "mse")
    wrong = net.grads.copy()
    wrong[0] *= 1.01
    numeric = numerical_gradient(net, X, Y, "mse")
    from core.gradcheck import relative_error

    assert relative_error(net.grads, numeric) < 1e-8
    assert relative_error(wrong, numeric) > 1e-6


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.05  # avoid the kink of relu at 0
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    if name == "softmax":  # only the Jacobian's diagonal is the "derivative"
        numeric = np.array(
            [
                (act.fn(z + h * e)[0, i] - act.fn(z - h * e)[0, i]) / (2 * h)
                for i, e in enumerate(np.eye(z.shape[1]))
            ]
        )
    assert np.allclose(act.derivative(z, act.fn(z)).ravel(), numeric.ravel(), atol=1e-7)


def test_relu_derivative_is_zero_for_negative_inputs():
    relu = ACTIVATIONS["relu"]
    z = np.array([[-2.0, -1e-9, 1e-9, 3.0]])
    assert relu.derivative(z, relu.fn(z)).tolist() == [[0.0, 0.0, 1.0, 1.0]]


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_stay_finite_for_extreme_logits(name):
    loss = LOSSES[name]
    z = np.array([[-1000.0, 0.0, 1000.0], [800.0, -800.0, 1e-3]])
    t = (
        np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        if name != "bce"
        else np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    )
    a = ACTIVATIONS[loss.output_activation or "sigmoid"].fn(z)
    value = loss.value(z if loss.from_logits else a, t)
    grad = loss.gradient(a, t)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    if name == "bce":
        # -log sigmoid(-1000) = 1000: exact, where log(a) would give inf
        assert value == pytest.approx(
            (1000 + 0 + 1000 + 800 + 800 + np.log(2) - 1e-3 / 2) / 6, rel=1e-3
        )


def test_loss_values_by_hand():
    y = np.array([[1.0], [3.0]])
    t = np.array([[0.0], [1.0]])
    assert LOSSES["mse"].value(y, t) == 2.5  # (1 + 4) / 2, no factor 1/2
    assert LOSSES["mae"].value(y, t) == 1.5
    z = np.array([[0.0, 0.0]])
    assert LOSSES["cross_entropy"].value(z, np.array([[1.0, 0.0]])) == pytest.approx(np.log(2))
    assert LOSSES["bce"].value(np.array([[0.0]]), np.array([[1.0]])) == pytest.approx(np.log(2))


def test_weights_are_live_views_and_backward_updates_nothing():
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    X, Y = np.ones((4, 2)), np.ones((4, 1))
    before = net.forward(X)
    net.weights[1][...] = 0.0
    net.biases[1][...] = 0.0
    assert np.allclose(net.forward(X), 0.5) and not np.allclose(before, 0.5)
    params = net.params.copy()
    net.loss_and_grads(X, Y, "bce")
    assert np.array_equal(net.params, params)


def test_shapes_of_the_public_api():
    net = Network([2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"], init="xavier", seed=0)
    assert [w.shape for w in net.weights] == [(2, 8), (8, 8), (8, 1)]
    assert [b.shape for b in net.biases] == [(8,), (8,), (1,)]
    assert all(w.dtype == np.float64 for w in net.weights)
    X = np.random.default_rng(0).normal(size=(5, 2))
    assert net.forward(X).shape == (5, 1)
    loss, grads = net.loss_and_grads(X, np.zeros((5, 1)), loss="mse")
    assert [(dw.shape, db.shape) for dw, db in grads] == [
        ((2, 8), (8,)),
        ((8, 8), (8,)),
        ((8, 1), (1,)),
    ]
    assert isinstance(loss, float)


def test_zero_init_keeps_the_neurons_of_a_layer_identical():
    net = Network([2, 3, 1], ["tanh", "linear"], init="zeros", seed=0)
    net.biases[0][...] = 0.3  # even with a bias, identical neurons get identical gradients
    X = np.random.default_rng(0).normal(size=(6, 2))
    _, grads = net.loss_and_grads(X, np.ones((6, 1)), "mse")
    dW0 = grads[0][0]
    assert np.allclose(dW0, dW0[:, :1])


def test_unknown_names_say_what_is_allowed():
    with pytest.raises(ValueError, match="activation 'mish' is unknown: choose one of linear"):
        Network([2, 1], "mish")
    with pytest.raises(ValueError, match="for the output only"):
        Network([2, 2, 1], ["softmax", "linear"])


def test_cross_entropy_from_softmax_parts_equals_the_logits_formula():
    net = Network([3, 4], "softmax", init="normal", init_scale=300.0, seed=0)  # extreme logits
    X = np.random.default_rng(0).normal(size=(6, 3))
    Y = np.eye(4)[[0, 1, 2, 3, 0, 1]]
    net.run_forward(X)
    fused = net.output_delta(Y, "cross_entropy")
    direct = LOSSES["cross_entropy"].value(net.z[-1], Y)
    assert np.isfinite(fused) and fused == pytest.approx(direct, rel=1e-12)
