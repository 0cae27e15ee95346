"""ELU, softplus, swish (SiLU) and GELU (tanh approximation): values by hand, derivatives
against finite differences and, where torch is installed, against torch's autograd."""

import math

import numpy as np
import pytest

from core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from core.config import Config
from core.network import Network
from core.settings import SETTINGS

NEW = ("elu", "softplus", "swish", "gelu")
Z = np.array([[-30.0, -3.0, -1.0, -0.5, -1e-3, 1e-3, 0.5, 1.0, 3.0, 30.0]])


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def gelu_tanh(z: float) -> float:
    return 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))


BY_HAND = {
    "elu": lambda z: z if z > 0 else math.expm1(z),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "swish": lambda z: z * sigma(z),
    "gelu": gelu_tanh,
}


@pytest.mark.parametrize("name", NEW)
def test_each_new_activation_is_a_hidden_choice_with_its_formula(name):
    act = ACTIVATIONS[name]
    assert name in HIDDEN_ACTIVATIONS and name in SETTINGS["activation"].choices
    assert act.elementwise and not act.identity and act.formula and act.definition
    assert Config(activation=name).activation == name


@pytest.mark.parametrize("name", NEW)
def test_values_by_hand(name):
    act = ACTIVATIONS[name]
    expected = [BY_HAND[name](z) for z in Z.ravel()]
    assert np.allclose(act.fn(Z).ravel(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NEW)
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    z = Z[:, 1:-1]  # |z| = 30 is flat to 1e-13: nothing to compare there
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    assert np.allclose(act.derivative(z, act.fn(z)), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NEW)
def test_finite_for_any_input_and_written_into_out(name):
    """Far out each one reaches its limits: f -> its floor (ELU -1, the others 0) and z,
    f' -> 0 and 1; nothing overflows on the way."""
    act = ACTIVATIONS[name]
    z = np.array([[-1e300, -800.0, 800.0, 1e300, 0.0]])
    a = act.fn(z)
    d = act.derivative(z, a)
    assert np.isfinite(a).all() and np.isfinite(d).all()
    floor = -1.0 if name == "elu" else 0.0
    assert np.array_equal(a[0, :4], [floor, floor, 800.0, 1e300])
    assert np.array_equal(d[0, :4], [0.0, 0.0, 1.0, 1.0])
    out_a, out_d = np.empty_like(z), np.empty_like(z)
    assert act.fn(z, out=out_a) is out_a and np.array_equal(out_a, a)
    assert act.derivative(z, a, out=out_d) is out_d and np.array_equal(out_d, d)


def test_derivatives_by_hand_at_chosen_points():
    d = {name: ACTIVATIONS[name].derivative for name in NEW}
    fn = {name: ACTIVATIONS[name].fn for name in NEW}
    z = np.array([[0.0, -1.0, 2.0]])
    assert np.allclose(d["elu"](z, fn["elu"](z)), [[math.exp(0.0), math.exp(-1.0), 1.0]])
    assert np.allclose(d["softplus"](z, fn["softplus"](z)), [[0.5, sigma(-1), sigma(2)]])
    swish = [sigma(v) * (1 + v * (1 - sigma(v))) for v in (0.0, -1.0, 2.0)]
    assert np.allclose(d["swish"](z, fn["swish"](z)), [swish])
    assert d["gelu"](z, fn["gelu"](z))[0, 0] == pytest.approx(0.5)  # gelu'(0) = 1/2


def test_gelu_is_the_tanh_approximation_and_says_so():
    gelu = ACTIVATIONS["gelu"]
    assert "tanh" in gelu.note
    z = np.array([[1.0]])
    exact = 0.5 * (1 + math.erf(1 / math.sqrt(2)))  # erf GELU(1) = 0.8413447
    assert gelu.fn(z)[0, 0] == pytest.approx(0.8411920, abs=1e-7)  # the approximation
    assert abs(gelu.fn(z)[0, 0] - exact) > 1e-4


@pytest.mark.parametrize("name", NEW)
def test_a_network_of_each_trains_without_nan(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 2))
    net = Network([2, 5, 1], [name, "linear"], seed=0)
    loss, grads = net.loss_and_grads(X, X[:, :1] * X[:, 1:], "mse")
    assert math.isfinite(loss) and all(np.isfinite(g).all() for pair in grads for g in pair)


TORCH = {
    "elu": lambda F, z: F.elu(z, alpha=1.0),
    "softplus": lambda F, z: F.softplus(z, beta=1.0, threshold=1e9),
    "swish": lambda F, z: F.silu(z),
    "gelu": lambda F, z: F.gelu(z, approximate="tanh"),
}


@pytest.mark.parametrize("name", NEW)
def test_function_and_derivative_agree_with_torch(name):
    torch = pytest.importorskip("torch")
    z = torch.tensor(Z[:, 1:-1], dtype=torch.float64, requires_grad=True)
    a = TORCH[name](torch.nn.functional, z)
    (grad,) = torch.autograd.grad(a.sum(), z)
    act, zz = ACTIVATIONS[name], Z[:, 1:-1]
    assert np.allclose(act.fn(zz), a.detach().numpy(), rtol=1e-12, atol=1e-15)
    assert np.allclose(act.derivative(zz, act.fn(zz)), grad.numpy(), rtol=1e-12, atol=1e-15)
