"""Hidden neurons switched off and dropout: the maths, the trainer, the saved run."""

import numpy as np
import pytest

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config, ConfigError
from core.export import folded_layers, layer_arrays, outputs
from core.gradcheck import check_gradients, numerical_gradient
from core.inspect import chain_rule, finite_difference
from core.network import Network
from core.optimizers import make_optimizer
from core.state_check import StateError
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state
from tui.cli.main import main
from tui.worker.views import neuron_maps


def config(**changes):
    base = {"dataset": "moons", "n_samples": 120, "hidden": (6, 5), "batch_size": 16}
    return Config(**{**base, **changes})


def small_net(act="tanh", out="sigmoid"):
    net = Network([3, 5, 4, 2], [act, act, out], seed=1)
    rng = np.random.default_rng(2)
    for b in net.biases:  # non-zero biases: every term of the gradient in play
        b[...] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(7, 3))
    Y = (rng.random((7, 2)) > 0.5).astype(float)
    return net, X, Y


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu", "swish"])
def test_a_neuron_off_passes_the_finite_difference_check_and_gets_no_gradient(act):
    net, X, Y = small_net(act)
    net.switch(0, 2, on=False)  # unit 2 of the first hidden layer
    net.switch(1, 0, on=False)
    for c in check_gradients(net, X, Y, "bce"):
        assert c.relative_error < 1e-7, c
    assert np.all(net.dweights[0][:, 2] == 0) and net.dbiases[0][2] == 0  # into it
    assert np.all(net.dweights[1][2, :] == 0)  # out of it: its a is 0
    assert np.all(net.dweights[2][0, :] == 0)
    assert np.all(net.a[0][:, 2] == 0) and np.all(net.delta[0][:, 2] == 0)
    assert np.abs(net.dweights[1]).sum() > 0  # the others still learn


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_a_fixed_dropout_mask_passes_the_finite_difference_check(act):
    net, X, Y = small_net(act)
    rng = np.random.default_rng(5)
    p = 0.4
    net.dropped = [(rng.random((7, m)) >= p) / (1 - p) for m in (5, 4)]
    net.switch(1, 3, on=False)  # composed with a neuron switched off
    for c in check_gradients(net, X, Y, "bce"):
        assert c.relative_error < 1e-7, c
    kept = net.dropped[0] > 0
    f = np.tanh(X @ net.weights[0] + net.biases[0]) if act == "tanh" else None
    if f is not None:  # the kept units scaled by 1 / (1 - p), the dropped ones 0
        assert np.allclose(net.a[0], f * kept / (1 - p))


def test_the_fixed_mask_changes_the_function_the_check_compares():
    """The check sees the mask: without it the numerical gradient differs (the test above
    could not pass with a mask ignored on one side)."""
    net, X, Y = small_net()
    numeric_plain = numerical_gradient(net, X, Y, "bce")
    net.dropped = [np.full((7, m), 2.0) * (np.arange(m) % 2) for m in (5, 4)]
    numeric_masked = numerical_gradient(net, X, Y, "bce")
    assert not np.allclose(numeric_plain, numeric_masked)


def test_predict_holds_an_off_neuron_at_zero_and_applies_no_dropout():
    net, X, _ = small_net()
    before = net.forward(X)
    net.dropped = [np.zeros((7, m)) for m in (5, 4)]  # everything dropped in training
    assert np.array_equal(net.forward(X), before)  # prediction never drops
    net.dropped = None
    net.switch(0, 1, on=False)
    h = np.tanh(X @ net.weights[0] + net.biases[0])
    h[:, 1] = 0
    h2 = np.tanh(h @ net.weights[1] + net.biases[1])
    expected = 1 / (1 + np.exp(-(h2 @ net.weights[2] + net.biases[2])))
    assert np.allclose(net.forward(X), expected)
    net.switch(0, 1, on=True)
    assert np.array_equal(net.forward(X), before) and not net.masked


def test_the_fused_step_and_the_phases_agree_with_masks():
    a, b = Trainer(config(dropout=0.3)), Trainer(config(dropout=0.3))
    for t in (a, b):
        t.switch_neuron(2, 1)
    for _ in range(5):
        a.advance()
        for _ in range(len(b.phases)):
            b.next_phase()
    assert np.array_equal(a.net.params, b.net.params)


def test_dropout_masks_drop_a_share_p_and_keep_the_mean():
    t = Trainer(config(dropout=0.25))
    masks = t.dropout_masks(4000, np.random.default_rng(0))
    for m in masks:
        assert set(np.unique(m)) == {0.0, 1 / 0.75}
        assert abs((m == 0).mean() - 0.25) < 0.01
        assert abs(m.mean() - 1) < 0.02


def test_p_zero_draws_nothing_and_dropout_leaves_the_shuffle_alone():
    plain, zero, dropping = Trainer(config()), Trainer(config(dropout=0.0)), Trainer(config())
    dropping.apply({"dropout": 0.3})  # live
    untouched = dropping.dropout_rng.bit_generator.state
    for t in (plain, zero, dropping):
        t.train(3)
    assert plain.dropout_rng.bit_generator.state == untouched  # p = 0 drew nothing
    assert dropping.dropout_rng.bit_generator.state != untouched
    assert np.array_equal(plain.net.params, zero.net.params)
    assert plain.batches.rng.bit_generator.state == dropping.batches.rng.bit_generator.state
    assert not np.array_equal(plain.net.params, dropping.net.params)
    dropping.apply({"dropout": 0.0})
    dropping.advance()
    assert dropping.net.dropped is None


def test_p_zero_is_the_unmasked_computation_bit_for_bit():
    """With p = 0 a step is Network.forward_backward's fused loop and the optimiser, as
    they run without any mask: the same weights, step after step."""
    t = Trainer(config(dropout=0.0))
    net = Network(t.net.sizes, [a.name for a in t.net.activations], dtype=t.net.dtype)
    np.copyto(net.params, t.net.params)
    sgd = make_optimizer("sgd")
    for _ in range(6):
        xa, y, _ = t.batches.current()
        net.forward_backward(xa, y, t.loss)
        sgd.apply(net.params, net.grads, net.flat[2], net.weight_mask, t.config.lr, 0, 0, 0)
        t.advance()
        assert np.array_equal(net.params, t.net.params)


def test_validation_applies_no_dropout():
    t = Trainer(config(dropout=0.5))
    t.train(2)
    t.advance()  # a training step draws a mask
    assert t.evaluate(t.X_val, t.Y_val)[0] == t.evaluate(t.X_val, t.Y_val)[0]
    z, _ = t.net.predict(t.X_val)
    plain = Network(t.net.sizes, [a.name for a in t.net.activations])
    np.copyto(plain.params, t.net.params)
    assert np.array_equal(z, plain.predict(t.X_val)[0])


def test_dropout_is_a_checked_live_setting():
    t = Trainer(config())
    t.apply({"dropout": 0.2})
    assert t.config.dropout == 0.2
    for bad in (1.0, -0.1, "a", True):
        with pytest.raises(ConfigError, match="dropout"):
            t.apply({"dropout": bad})
    assert t.config.dropout == 0.2
    assert Config.from_dict({"dropout": "0.3"}).dropout == 0.3


def test_switch_neuron_toggles_and_refuses_inputs_and_outputs():
    t = Trainer(config())
    loss = t.training_loss()
    assert t.switch_neuron(1, 3) is False
    assert t.net.off == [(0, 3)] and t.training_loss() != loss
    assert t.switch_neuron(1, 3) is True
    assert t.net.off == [] and t.training_loss() == loss
    for layer, unit in ((0, 0), (3, 0), (1, 6), (2, -1)):
        with pytest.raises(ValueError, match="not a hidden neuron"):
            t.switch_neuron(layer, unit)


def test_a_run_with_a_neuron_off_and_dropout_resumes_bit_for_bit(tmp_path):
    straight, stopped = Trainer(config(dropout=0.3)), Trainer(config(dropout=0.3))
    for t in (straight, stopped):
        t.switch_neuron(1, 0)
        t.switch_neuron(2, 4)
        t.train(2)
        t.step()
    save_checkpoint(stopped, tmp_path / "run.npz")
    resumed = load_checkpoint(tmp_path / "run.npz")
    assert resumed.net.off == [(0, 0), (1, 4)]
    again = trainer_from_state(state_of(straight))
    for t in (straight, resumed, again):
        t.train(2)
    assert np.array_equal(straight.net.params, resumed.net.params)
    assert np.array_equal(straight.net.params, again.net.params)


def test_an_older_state_without_masks_loads_with_every_neuron_on():
    t = Trainer(config())
    t.train(1)
    state = state_of(t)
    del state["meta"]["off"], state["meta"]["dropout_rng"]
    back = trainer_from_state(state)
    assert back.net.off == [] and not back.net.masked


@pytest.mark.parametrize(
    "off",
    [[[2, 0]], [[0, 6]], [[0, 1], [0, 1]], [[0, "1"]], "all", [[0, 1, 2]], [[-1, 0]]],
)
def test_a_state_with_impossible_neurons_off_is_refused(off):
    t = Trainer(config())
    state = state_of(t)
    state["meta"]["off"] = off
    with pytest.raises(StateError, match="off"):
        trainer_from_state(state)


def test_a_state_with_a_broken_dropout_generator_is_refused():
    state = state_of(Trainer(config()))
    state["meta"]["dropout_rng"] = {"bit_generator": "PCG64", "state": 3}
    with pytest.raises(StateError, match="dropout_rng"):
        trainer_from_state(state)


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_the_inspectors_chain_rule_and_finite_difference_see_the_masks(act):
    """a = f(z) * m: the inspector's da/dz is f'(z) * m (f' at the unmasked f(z)), and its
    finite difference runs the batch with the step's dropout mask."""
    t = Trainer(config(dropout=0.4, activation=act))
    t.switch_neuron(1, 2)
    t.step()
    for _ in range(len(t.phases) - 1):  # forward, loss, every backward: gradients are fresh
        t.next_phase()
    net = t.net
    for k in range(net.n_layers):
        for i in range(net.sizes[k] + 1):  # the bias too
            for j in range(net.sizes[k + 1]):
                c = chain_rule(net, k, i, j, t.loss, t.batch_y)
                assert c.product_mean == pytest.approx(c.backprop, rel=1e-10, abs=1e-12)
    assert np.all(chain_rule(net, 0, 0, 2, t.loss, t.batch_y).da_dz == 0)  # the one off
    for k, i, j in ((0, 1, 3), (1, 4, 0), (2, 3, 0)):
        numeric = finite_difference(net, t.batch_x, t.batch_y, t.loss, k, i, j)
        assert numeric == pytest.approx(net.dweights[k][i, j], rel=1e-5, abs=1e-10)


def test_the_exported_network_holds_a_neuron_off_as_predict_does(tmp_path):
    t = Trainer(config(dataset="sine", hidden=(5, 4)))
    t.train(2)
    before = layer_arrays(t)
    t.switch_neuron(1, 3)
    t.switch_neuron(2, 0)
    arrays, X = layer_arrays(t), t.X_val
    np.testing.assert_allclose(outputs(arrays, X), t.net.forward(X), rtol=1e-12)
    assert not np.allclose(outputs(before, X), t.net.forward(X))
    assert np.all(arrays["W2"][3] == 0) and np.all(arrays["W3"][0] == 0)
    assert np.array_equal(arrays["W1"], t.net.weights[0])  # into it: kept as trained
    a = X
    for (w, b), act in zip(folded_layers(t), t.net.activations, strict=True):
        a = act.fn(a @ w + b)
    np.testing.assert_allclose(a, t.net.forward(X), rtol=1e-12)


def test_the_neurons_maps_show_an_off_neuron_at_zero():
    t = Trainer(config())
    t.switch_neuron(2, 1)
    maps = neuron_maps(t)
    assert np.all(maps.columns[2][1] == 0) and np.abs(maps.columns[2][0]).max() > 0


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_gradcheck_with_dropout_checks_one_fixed_mask(capsys, act):
    flags = ["--dataset", "spiral3", "--hidden", "6,5", "--activation", act]
    assert main(["gradcheck", *flags, "--dropout", "0.3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(line.endswith("ok") for line in out[:3])
    assert "dropout 0.3 with one fixed mask" in out[3]
    with pytest.raises(SystemExit) as e:
        main(["gradcheck", *flags, "--dropout", "1"])
    assert e.value.code == 2
    assert "dropout = 1.0 is not allowed: give a number >= 0 and < 1" in capsys.readouterr().err


def test_headless_training_takes_dropout(tmp_path, capsys):
    run = tmp_path / "run.npz"
    flags = ["--dataset", "moons", "--epochs", "3", "--dropout", "0.2", "--save", str(run)]
    assert main(["train", *flags, "--quiet"]) == 0
    assert load_checkpoint(run).config.dropout == 0.2
