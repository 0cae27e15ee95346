"""Batch and layer normalisation: backward against finite differences (gamma and beta too),
against torch's autograd where torch is installed, running averages for use, the
checkpoint round trip bit for bit, and the lesson's claim (8 sigmoid layers learn the
circle with batch norm, not without)."""

import numpy as np
import pytest

from core.config import Config, ConfigError
from core.gradcheck import check_gradients, numerical_gradient
from core.network import Network
from core.normalization import EPS, MOMENTUM, Normalization
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state

RNG = np.random.default_rng(7)
X = RNG.normal(size=(12, 3))
Y = (RNG.random((12, 1)) > 0.5).astype(float)


def normalised(norm: str, activation: str = "tanh", sizes=(3, 5, 4, 1)) -> Network:
    net = Network(list(sizes), [activation] * (len(sizes) - 2) + ["sigmoid"], seed=3, norm=norm)
    rng = np.random.default_rng(1)
    for g, b in zip(net.gammas, net.betas, strict=True):  # away from 1 and 0
        g[...] = 1 + rng.normal(scale=0.3, size=g.shape)
        b[...] = rng.normal(scale=0.3, size=b.shape)
    for b in net.biases:
        b[...] = rng.normal(scale=0.1, size=b.shape)
    return net


@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_backward_with_gamma_and_beta_matches_finite_differences(norm, activation):
    net = normalised(norm, activation)
    checks = check_gradients(net, X, Y, "bce")
    assert [(c.layer, c.part) for c in checks] == [
        (0, "weights"), (1, "weights"), (2, "weights"), (0, "norm"), (1, "norm"),
    ]  # fmt: skip
    assert max(c.relative_error for c in checks) < 1e-6
    assert all(c.n_params == 2 * net.sizes[c.layer + 1] for c in checks if c.part == "norm")


def test_batch_norm_couples_the_rows_and_cancels_the_bias():
    """Moving one sample's input changes every sample's gradient; the bias before a batch
    norm gets no gradient at all (the mean takes it away)."""
    net = normalised("batch")
    net.loss_and_grads(X, Y, "bce")
    assert np.abs(net.dbiases[0]).max() < 1e-12 and np.abs(net.dbiases[1]).max() < 1e-12
    before = net.delta[0][1:].copy()
    X2 = X.copy()
    X2[0] += 1.0
    net.loss_and_grads(X2, Y, "bce")
    assert not np.allclose(net.delta[0][1:], before)  # rows 1.. moved with row 0's input


def test_forward_normalises_and_running_averages_follow_the_batches():
    norm = Normalization("batch", 4, np.dtype(np.float64))
    z = RNG.normal(3.0, 2.0, size=(50, 4))
    y = norm.forward(z, np.ones(4), np.zeros(4))
    assert np.allclose(y.mean(axis=0), 0, atol=1e-12) and np.allclose(y.var(axis=0), 1, atol=1e-4)
    norm.update_running()
    assert np.allclose(norm.running_mean, MOMENTUM * z.mean(axis=0))
    assert np.allclose(norm.running_var, 1 - MOMENTUM + MOMENTUM * z.var(axis=0, ddof=1))
    used = norm.apply(z, np.ones(4), np.zeros(4))  # the running averages, not z's own
    expected = (z - norm.running_mean) / np.sqrt(norm.running_var + EPS)
    assert np.allclose(used, expected)
    layer = Normalization("layer", 4, np.dtype(np.float64))
    y = layer.forward(z, np.ones(4), np.zeros(4))
    assert np.allclose(y.mean(axis=1), 0, atol=1e-12)  # per row
    assert np.array_equal(layer.apply(z, np.ones(4), np.zeros(4)), y)  # the same in use


def test_a_step_equals_its_phases_and_a_trainer_keeps_running_averages():
    config = Config(dataset="circle", hidden=(6, 6), norm="batch", batch_size=8, seed=2)
    whole, phased = Trainer(config), Trainer(config)
    for _ in range(5):
        whole.step()
        for _ in phased.phases:
            phased.next_phase()
    assert np.array_equal(whole.net.params, phased.net.params)
    for a, b in zip(whole.net.norm_layers, phased.net.norm_layers, strict=True):
        assert np.array_equal(a.running_mean, b.running_mean) and a.running_mean.any()


def test_the_checkpoint_round_trip_is_bit_for_bit():
    config = Config(dataset="circle", hidden=(5, 5), norm="batch", batch_size=10, seed=4)
    straight = Trainer(config)
    straight.train(6)
    first = Trainer(config)
    first.train(3)
    resumed = trainer_from_state(state_of(first))
    resumed.train(3)
    assert np.array_equal(resumed.net.params, straight.net.params)
    for a, b in zip(resumed.net.norm_layers, straight.net.norm_layers, strict=True):
        assert np.array_equal(a.running_var, b.running_var)
    assert resumed.evaluate(resumed.X_val, resumed.Y_val) == straight.evaluate(
        straight.X_val, straight.Y_val
    )


def test_batch_norm_refuses_batches_of_one():
    with pytest.raises(ConfigError, match="batches of 2 or more rows"):
        Config(norm="batch", batch_size=1)
    Config(norm="layer", batch_size=1)  # layer norm takes each row on its own


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_gradients_and_outputs_match_torch(norm):
    torch = pytest.importorskip("torch")
    net = normalised(norm)
    value, grads = net.loss_and_grads(X, Y, "bce")
    x = torch.tensor(X)
    params = [torch.tensor(p.copy(), requires_grad=True) for p in (*net.weights, *net.biases)]
    gammas = [torch.tensor(g.copy(), requires_grad=True) for g in net.gammas]
    betas = [torch.tensor(b.copy(), requires_grad=True) for b in net.betas]
    L = net.n_layers
    a = x
    for k in range(L):
        z = a @ params[k] + params[L + k]
        if k < L - 1:
            if norm == "batch":
                z = torch.nn.functional.batch_norm(
                    z, None, None, gammas[k], betas[k], training=True, eps=EPS
                )
            else:
                z = torch.nn.functional.layer_norm(z, (z.shape[1],), gammas[k], betas[k], EPS)
            a = torch.tanh(z)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(Y))
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    for k, (dw, db) in enumerate(grads):
        assert np.allclose(dw, params[k].grad.numpy(), atol=1e-12)
        assert np.allclose(db, params[L + k].grad.numpy(), atol=1e-12)
    for k in range(L - 1):
        assert np.allclose(net.dgammas[k], gammas[k].grad.numpy(), atol=1e-12)
        assert np.allclose(net.dbetas[k], betas[k].grad.numpy(), atol=1e-12)


def test_running_averages_match_torch_batchnorm():
    torch = pytest.importorskip("torch")
    norm = Normalization("batch", 3, np.dtype(np.float64))
    bn = torch.nn.BatchNorm1d(3, eps=EPS, momentum=MOMENTUM, dtype=torch.float64)
    for _ in range(4):
        z = RNG.normal(2.0, 3.0, size=(9, 3))
        norm.forward(z, np.ones(3), np.zeros(3))
        norm.update_running()
        bn.train()(torch.tensor(z))
    assert np.allclose(norm.running_mean, bn.running_mean.numpy(), atol=1e-14)
    assert np.allclose(norm.running_var, bn.running_var.numpy(), atol=1e-14)
    z = RNG.normal(size=(5, 3))
    used = norm.apply(z, np.ones(3), np.zeros(3))
    assert np.allclose(used, bn.eval()(torch.tensor(z)).detach().numpy(), atol=1e-12)


def test_numerical_gradient_uses_the_batch_statistics():
    """The finite differences of a batch-norm network see the batch's own statistics (what
    backprop differentiated), not the running averages."""
    net = normalised("batch")
    net.loss_and_grads(X, Y, "bce")
    assert np.allclose(numerical_gradient(net, X, Y, "bce"), net.grads, atol=1e-8)


@pytest.mark.parametrize(("norm", "lowest", "highest"), [("batch", 0.9, 1.0), ("none", 0, 0.6)])
def test_eight_sigmoid_layers_learn_the_circle_with_batch_norm_only(norm, lowest, highest):
    config = Config(
        dataset="circle", hidden=(8,) * 8, activation="sigmoid", lr=0.1, batch_size=10,
        n_samples=300, norm=norm,
    )  # fmt: skip
    t = Trainer(config)
    t.train(150)
    _, accuracy = t.evaluate(t.X_val, t.Y_val)
    assert lowest <= accuracy <= highest
