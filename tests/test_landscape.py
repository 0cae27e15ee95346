"""The loss landscape: sharpness against exact Hessians, slices through the current weights,
and a trainer left exactly as it was."""

import numpy as np
import pytest
from test_gradients import OUTPUTS, batch

from core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from core.config import Config
from core.datasets import Dataset
from core.hessian import Curvature, top_eigenvalue
from core.landscape import (
    SharpnessColumn,
    WeightPath,
    line_slice,
    next_step,
    path_directions,
    plane_slice,
    project_path,
    random_directions,
    sharpness,
    sharpness_estimate,
    stability_limit,
)
from core.losses import get_loss
from core.network import Network
from core.trainer import Trainer


def trainer(**changes) -> Trainer:
    settings = {"dataset": "circle", "n_samples": 60, "hidden": (5,), "batch_size": None}
    return Trainer(Config(**{**settings, **changes}))


def dense_hessian(curve: Curvature) -> np.ndarray:
    """H (P, P), one product per column."""
    return np.stack([curve.hvp(e) for e in np.eye(curve.n_params)], axis=1)


# --- against an autograd library's exact Hessian ----------------------------------------

TORCH_ACTIVATIONS = {
    "tanh": lambda torch, z: torch.tanh(z),
    "relu": lambda torch, z: torch.relu(z),
    "sigmoid": lambda torch, z: torch.sigmoid(z),
    "linear": lambda torch, z: z,
    "softmax": lambda torch, z: torch.softmax(z, dim=1),
}


def torch_top_eigenvalue(t: Trainer) -> float:
    """λmax of the Hessian torch builds of the trainer's objective (loss on every training
    row, plus ½ l2 ‖W‖²), with respect to all the parameters in the network's layout."""
    torch = pytest.importorskip("torch")
    net = t.net
    X, Y = (torch.tensor(np.asarray(a, np.float64)) for a in (t.X, t.Y))
    mask = torch.tensor(net.weight_mask)
    shapes = [s for w in net.weights for s in (w.shape, (w.shape[1],))]

    def objective(flat):
        a, z, i = X, None, 0
        for k, act in enumerate(net.activations):
            w_shape, b_shape = shapes[2 * k], shapes[2 * k + 1]
            W = flat[i : i + w_shape[0] * w_shape[1]].reshape(w_shape)
            i += W.numel()
            b = flat[i : i + b_shape[0]]
            i += b.numel()
            z = a @ W + b
            a = TORCH_ACTIVATIONS[act.name](torch, z)
        if t.loss_name == "mse":
            value = ((a - Y) ** 2).mean()
        elif t.loss_name == "bce":
            value = torch.nn.functional.binary_cross_entropy_with_logits(z, Y)
        else:  # cross_entropy, Y one-hot
            value = -(torch.log_softmax(z, dim=1) * Y).sum() / len(Y)
        return value + 0.5 * t.config.l2 * ((flat * mask) ** 2).sum()

    flat = torch.tensor(net.params.astype(np.float64))
    H = torch.autograd.functional.hessian(objective, flat).numpy()
    return float(np.linalg.eigvalsh(H)[-1])


@pytest.mark.parametrize(
    "changes",
    [
        {"activation": "tanh"},  # bce, one hidden layer
        {"activation": "relu", "hidden": (6, 4), "init": "he"},
        {"activation": "sigmoid", "hidden": (4, 4, 3)},
        {"dataset": "sine", "activation": "tanh", "hidden": (8, 8)},  # mse, linear output
        {"dataset": "spiral3", "activation": "relu", "hidden": (6,)},  # cross-entropy
        {"dataset": "moons", "loss": "mse", "output_activation": "sigmoid", "hidden": (4, 3)},
        {"dataset": "blobs", "loss": "mse", "output_activation": "softmax"},
        {"dataset": "xor", "activation": "tanh", "l2": 0.05},  # the penalty's curvature too
        {"dataset": "sine", "activation": "sigmoid", "dtype": "float32", "hidden": (6,)},
    ],
)
def test_sharpness_is_torchs_largest_eigenvalue(changes):
    pytest.importorskip("torch")
    t = trainer(**changes)
    for epochs in (0, 30):  # at the initial weights and after some training
        t.train(epochs)
        exact = torch_top_eigenvalue(t)
        assert sharpness(t) == pytest.approx(exact, rel=0.02)
        assert sharpness(t, tol=1e-9, max_iter=2000) == pytest.approx(exact, rel=1e-5)


def test_the_products_are_torchs_hessian_column_by_column():
    """Not only the top eigenvalue: every entry of H, for a relu network after training."""
    pytest.importorskip("torch")
    t = trainer(dataset="spiral3", activation="relu", hidden=(4, 3), l2=0.01)
    t.train(20)
    torch = pytest.importorskip("torch")
    curve = Curvature(t.net, t.X, t.Y, t.loss, l2=t.config.l2)
    ours = dense_hessian(curve)
    flat = torch.tensor(t.net.params.copy())
    # the same objective as torch_top_eigenvalue, written once more by hand for this net
    X, Y = torch.tensor(t.X), torch.tensor(t.Y)
    mask = torch.tensor(t.net.weight_mask)
    (W0, b0), (W1, b1), (W2, b2) = (
        (torch.tensor(w), torch.tensor(b)) for w, b in zip(t.net.weights, t.net.biases, strict=True)
    )
    sizes = [W0.numel(), b0.numel(), W1.numel(), b1.numel(), W2.numel(), b2.numel()]

    def objective(p):
        w0, c0, w1, c1, w2, c2 = torch.split(p, sizes)
        a = torch.relu(X @ w0.reshape(W0.shape) + c0)
        a = torch.relu(a @ w1.reshape(W1.shape) + c1)
        z = a @ w2.reshape(W2.shape) + c2
        return -(torch.log_softmax(z, 1) * Y).sum() / len(Y) + 0.005 * ((p * mask) ** 2).sum()

    exact = torch.autograd.functional.hessian(objective, flat).numpy()
    assert np.allclose(ours, exact, rtol=1e-10, atol=1e-12)


# --- without torch --------------------------------------------------------------------


def regression_trainer(X: np.ndarray, Y: np.ndarray, **changes) -> Trainer:
    """A run on given rows (no validation set, inputs as they are)."""
    names = tuple(f"x{i}" for i in range(X.shape[1]))
    train = Dataset("given", X, Y, "regression", names)
    val = Dataset("given", X[:0], Y[:0], "regression", names)
    config = Config(hidden=(), batch_size=None, val_fraction=0.0, **changes)
    return Trainer(config, (train, val, None))


def test_rows_in_parts_give_what_all_rows_at_once_give(monkeypatch):
    """A training set larger than CHUNK_ROWS goes through in parts, each weighted by its
    share of the rows (here parts of 7 rows of 48, the last one shorter)."""
    t = trainer(dataset="spiral3", hidden=(5,), n_samples=60)
    t.train(5)
    whole = Curvature(t.net, t.X, t.Y, t.loss)
    v = np.random.default_rng(0).normal(size=t.net.n_params)
    line = line_slice(t, alphas=np.array([-1.0, 0.5]))
    monkeypatch.setattr("core.hessian.CHUNK_ROWS", 7)
    monkeypatch.setattr("core.landscape.CHUNK_ROWS", 7)
    parts = Curvature(t.net, t.X, t.Y, t.loss)
    assert len(parts.parts) == 7
    assert parts.value == pytest.approx(whole.value, rel=1e-13)
    assert np.allclose(parts.gradient, whole.gradient, rtol=1e-12, atol=1e-15)
    assert np.allclose(parts.hvp(v), whole.hvp(v), rtol=1e-12, atol=1e-15)
    assert np.allclose(line_slice(t, alphas=np.array([-1.0, 0.5])).values, line.values, rtol=1e-13)


def test_a_linear_model_with_mse_has_the_hessian_2_over_n_xtx():
    """y = [x, 1] @ [W; b] with k outputs: E = mean over n k of (y - t)², so each output's
    block of H is 2 / (n k) AᵀA, A = [X, 1], and λmax is the largest eigenvalue of that."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3)) * [1.0, 3.0, 0.5] + [0.0, 1.0, -2.0]
    Y = rng.normal(size=(50, 2))
    t = regression_trainer(X, Y)
    A = np.hstack([X, np.ones((50, 1))])
    block = 2.0 / (50 * 2) * A.T @ A
    assert sharpness(t, tol=1e-10, max_iter=5000) == pytest.approx(
        np.linalg.eigvalsh(block)[-1], rel=1e-8
    )
    curve = Curvature(t.net, t.X, t.Y, t.loss)
    H = dense_hessian(curve)
    W0, b0 = t.net.views(np.arange(t.net.n_params))  # where each [W; b] entry sits
    for out in range(2):
        index = np.append(W0[0][:, out], b0[0][out])
        assert np.allclose(H[np.ix_(index, index)], block, rtol=1e-12)
    # with an L2 penalty the weights' diagonal gains l2, the bias's does not
    t2 = regression_trainer(X, Y, l2=0.5)
    H2 = dense_hessian(Curvature(t2.net, t2.X, t2.Y, t2.loss, l2=0.5))
    assert np.allclose(np.diag(H2 - H), 0.5 * t2.net.weight_mask)


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss,output", [(lo, o) for lo, outs in OUTPUTS.items() for o in outs])
def test_products_match_central_differences_of_backprops_gradient(hidden, loss, output):
    """H v ~ (g(θ + h v) - g(θ - h v)) / 2h, g the network's own backprop gradient: every
    activation (second derivatives included) with every loss."""
    X, Y = batch(loss, n=9)
    net = Network([3, 4, 4, 3], [hidden, hidden, output], init="normal", seed=2)
    rng = np.random.default_rng(1)
    net.params[...] += rng.normal(size=net.n_params) * 0.1
    curve = Curvature(net, X, Y, get_loss(loss))
    theta, h = net.params.copy(), 1e-5
    for v in rng.normal(size=(3, net.n_params)):
        grads = []
        for sign in (1, -1):
            net.params[...] = theta + sign * h * v
            net.loss_and_grads(X, Y, loss)
            grads.append(net.grads.copy())
        net.params[...] = theta
        numeric = (grads[0] - grads[1]) / (2 * h)
        exact = curve.hvp(v)
        scale = np.linalg.norm(numeric) + np.linalg.norm(exact)
        assert np.linalg.norm(exact - numeric) <= 1e-6 * scale + 1e-10, (hidden, loss, output)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_second_derivatives_match_differences_of_the_first(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 17).reshape(1, -1) + 0.05  # off relu's kink
    h = 1e-6
    numeric = (act.derivative(z + h, act.fn(z + h)) - act.derivative(z - h, act.fn(z - h))) / (
        2 * h
    )
    assert np.allclose(act.second_derivative(z, act.fn(z)), numeric, atol=1e-7)
    far = np.array([[-1e3, -50.0, 50.0, 1e3]])  # saturated, or large: finite
    assert np.all(np.isfinite(act.second_derivative(far, act.fn(far))))


def test_a_dominant_negative_eigenvalue_is_shifted_past():
    """Power iteration alone finds -10; the shifted run finds the largest, 3."""
    H = np.diag([-10.0, 3.0, 2.9, 1.0, -0.5])
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 5)))[0]
    H = Q @ H @ Q.T
    found = top_eigenvalue(lambda v: H @ v, np.ones(5), tol=1e-10, max_iter=5000)
    assert found.value == pytest.approx(3.0, rel=1e-6)
    assert found.shift > 0 and found.converged
    only_positive = top_eigenvalue(lambda v: (H @ v) + 10.5 * v, np.ones(5))
    assert only_positive.shift == 0  # nothing to shift past
    all_negative = top_eigenvalue(lambda v: -2.0 * v, np.ones(5))
    assert all_negative.value == pytest.approx(-2.0)  # the largest of all -2


def test_a_negative_eigenvalue_still_mixed_in_is_not_taken_for_convergence():
    """λ from -0.9995 to 1: the estimate settles at 0.864 while v still holds much of the
    -0.9995 eigenvector (vᵀHv is then well below ‖Hv‖), and the shifted run finds 1."""
    rng = np.random.default_rng(21)
    eigenvalues = rng.uniform(-1, 1, 40)
    eigenvalues[0] = 1.0
    Q = np.linalg.qr(rng.normal(size=(40, 40)))[0]
    H = (Q * eigenvalues) @ Q.T
    found = top_eigenvalue(lambda v: H @ v, rng.normal(size=40))
    assert found.shift > 0
    assert found.value == pytest.approx(1.0, rel=0.01)


def test_a_network_whose_most_negative_eigenvalue_dominates():
    X, Y = batch("mse", n=9)
    net = Network([3, 4, 5, 3], ["tanh", "tanh", "linear"], init="normal", seed=1)
    net.params[...] += np.random.default_rng(0).normal(size=net.n_params) * 0.1
    curve = Curvature(net, X, Y, get_loss("mse"))
    eigenvalues = np.linalg.eigvalsh(dense_hessian(curve))
    assert -eigenvalues[0] > eigenvalues[-1]  # the negative end is the larger in size
    start = np.random.default_rng(5).normal(size=net.n_params)
    found = top_eigenvalue(curve.hvp, start)
    assert found.shift > 0
    assert found.value == pytest.approx(eigenvalues[-1], rel=0.005)


def test_sharpness_is_deterministic_and_warm_starts_take_fewer_products():
    t = trainer(dataset="moons", hidden=(6, 6), lr=0.5)
    t.train(10)
    first, again = sharpness_estimate(t, seed=4), sharpness_estimate(t, seed=4)
    assert first.value == again.value and np.array_equal(first.vector, again.vector)
    assert sharpness_estimate(t, seed=5).value == pytest.approx(first.value, rel=1e-3)
    t.train(1)
    cold = sharpness_estimate(t, seed=4)
    warm = sharpness_estimate(t, start=first.vector)
    assert warm.value == pytest.approx(cold.value, rel=1e-3)
    assert warm.products < cold.products


def test_the_budget_and_the_cap_stop_the_iteration_unconverged():
    t = trainer(hidden=(8, 8))
    quick = sharpness_estimate(t, budget=0.0)
    assert quick.products <= 2 and not quick.converged and np.isfinite(quick.value)
    capped = sharpness_estimate(t, max_iter=2)
    assert capped.products <= 4 and not capped.converged


def test_weights_that_are_not_finite_have_no_sharpness():
    t = trainer()
    t.net.params[0] = np.nan
    estimate = sharpness_estimate(t)
    assert np.isnan(estimate.value) and estimate.products == 1


def test_max_rows_measures_a_seeded_subset():
    t = trainer(n_samples=300)
    part = sharpness_estimate(t, max_rows=50, seed=1)
    assert part.value == sharpness_estimate(t, max_rows=50, seed=1).value
    assert part.value != sharpness_estimate(t).value
    with pytest.raises(ValueError, match="max_rows = 0"):
        sharpness(t, max_rows=0)


def test_stability_limits():
    assert stability_limit(trainer(lr=0.25)) == 8.0
    assert stability_limit(trainer(lr=0.25, optimizer="momentum")) == pytest.approx(3.8 / 0.25)
    assert stability_limit(trainer(optimizer="adam")) is None


# --- the trainer is left as it was --------------------------------------------------------


def everything(t: Trainer) -> list:
    """Every value of the trainer these functions could touch, as copies."""
    net = t.net
    caches = [x.copy() for group in (net.z, net.a, net.delta, net.grad_a) for x in group]
    optimizer = {k: v.copy() for k, v in t.optimizer.state().items()}
    return [
        net.flat.copy(),
        caches,
        net.x.copy(),
        optimizer,
        t.batches.rng.bit_generator.state,
        (t.epoch, t.steps, t.phase_index, t.last_loss, len(t.history)),
        t.config,
    ]


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_nothing_changes_the_trainer_bit_for_bit(optimizer):
    t = trainer(batch_size=10, optimizer=optimizer, l2=0.01, hidden=(6, 4))
    t.train(2)
    for _ in range(3):  # stop mid-step: forward, loss, backward of the last layer done
        t.next_phase()
    before = everything(t)
    sharpness(t)
    sharpness(t, max_rows=20)
    line_slice(t)
    line_slice(t, "step")
    plane_slice(t, grid=5)
    next_step(t)
    SharpnessColumn(1)(t)
    assert same(everything(t), before)
    assert t.next_phase().kind == "backward"  # the step goes on where it was


# --- slices ---------------------------------------------------------------------------


def test_the_middle_of_each_slice_is_the_loss_now():
    for dtype in ("float64", "float32"):
        t = trainer(dataset="spiral", hidden=(6, 6), batch_size=16, dtype=dtype)
        t.train(3)
        now = t.evaluate(t.X, t.Y)[0]
        line = line_slice(t)
        assert line.loss_now == now and line.values[20] == now and line.alphas[20] == 0
        plane = plane_slice(t, grid=7)
        assert plane.loss_now == now and plane.values[3, 3] == now
        assert plane.coords[3] == 0 and plane.complete


def test_the_marked_step_is_where_the_trainer_goes():
    """Full batch: the slice's landing point and loss are the next step's, exactly."""
    for optimizer in ("sgd", "momentum"):
        t = trainer(optimizer=optimizer, lr=0.5, l2=0.01)
        t.train(5)
        line = line_slice(t, "step", alphas=[0.0, 1.0])
        assert line.step_alpha == 1.0 and line.step_off_line == 0.0
        assert line.values[1] == line.step_loss
        before = t.net.params.copy()
        t.step()
        assert np.array_equal(t.net.params, before + line.direction)  # "step": the step
        assert line.step_loss == t.evaluate(t.X, t.Y)[0]


def test_the_last_update_points_back_to_the_weights_before_it():
    t = trainer(lr=0.5)
    t.train(4)
    before = t.evaluate(t.X, t.Y)[0]
    t.step()
    line = line_slice(t, alphas=np.array([-1.0, 0.0]))
    assert line.values[0] == pytest.approx(before, rel=1e-12)  # α = -1: the last weights
    assert line.step_alpha > 0  # the next step goes on the same way (no overshoot yet)


def test_a_step_past_the_valley_lands_on_the_other_side():
    """lr well above 2 / λmax: the next step crosses the bottom of the line and lands
    higher than it started, past twice the bottom's distance; the loss of a linear model
    is quadratic, so the bottom is exactly where the model says."""
    t = regression_trainer(*linear_rows(), lr=0.1)
    lam = sharpness(t)
    t.apply({"lr": 2.5 / lam})  # lr λmax = 2.5 > 2
    line = line_slice(t, "step", alphas=np.linspace(-0.5, 1.5, 41))
    assert line.step_loss > line.loss_now and 1.0 > 2 * line.bottom_alpha > 0
    assert 0 < line.alphas[np.argmin(line.values)] < 1
    near = line_slice(t, "step", alphas=line.bottom_alpha + np.array([-0.01, 0.0, 0.01]))
    assert near.values[1] < near.values[0] and near.values[1] < near.values[2]


def test_a_small_step_stops_short_and_the_line_reaches_the_bottom():
    t = regression_trainer(*linear_rows(), lr=0.1)
    line = line_slice(t, "step")  # default alphas
    assert line.step_loss < line.loss_now and 2 < line.bottom_alpha < 20
    assert line.alphas[-1] >= 1.25 * line.bottom_alpha
    lowest = line.alphas[np.argmin(line.values)]
    assert lowest == pytest.approx(line.bottom_alpha, abs=line.alphas[1] - line.alphas[0])


def linear_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1))
    return X, 3 * X + 2 + rng.normal(size=(40, 1)) * 0.1


def test_before_any_step_the_line_follows_the_next_step_and_bad_directions_are_refused():
    t = trainer()
    assert np.array_equal(line_slice(t).direction, next_step(t))
    with pytest.raises(ValueError, match="direction 'up' is unknown"):
        line_slice(t, "up")
    with pytest.raises(ValueError, match="has 21 weights"):
        line_slice(t, np.ones(3))
    with pytest.raises(ValueError, match="it is zero"):
        line_slice(t, np.zeros(t.net.n_params))


def test_random_directions_are_normalised_per_neuron_and_leave_biases():
    t = trainer(hidden=(6, 4))
    d = random_directions(t.net, seed=3)
    assert d.shape == (2, t.net.n_params)
    assert not np.array_equal(d[0], d[1])
    assert np.array_equal(d, random_directions(t.net, seed=3))
    for direction in d:
        weights, biases = t.net.views(direction)
        for w, own in zip(weights, t.net.weights, strict=True):
            assert np.allclose(np.linalg.norm(w, axis=0), np.linalg.norm(own, axis=0))
        assert all(not b.any() for b in biases)


def test_a_path_projects_onto_its_plane():
    t = trainer(hidden=(6,), lr=0.5)
    path = WeightPath()
    for _ in range(8):
        t.run_epoch()
        path.record(t)
    path.record(t)  # unchanged weights are not kept twice
    points = path.array()
    assert points.shape == (8, t.net.n_params)
    plane = plane_slice(t, grid=5, directions=path_directions(points, t.net.params))
    coords, off = project_path(plane, points)
    assert np.allclose(np.abs(coords).max(axis=0), 0.8)  # the path reaches 0.8 along each
    assert np.isnan(off[-1])  # the last point is the centre itself
    # a point built on the plane comes back to its coordinates, 0 off it
    inside = plane.centre + 0.3 * plane.directions[0] - 0.7 * plane.directions[1]
    c, o = project_path(plane, inside)
    assert np.allclose(c, [[0.3, -0.7]]) and o[0] == pytest.approx(0, abs=1e-12)
    # random directions in many dimensions hold little of a path
    random_plane = plane_slice(t, grid=3)
    assert np.nanmin(project_path(random_plane, points[:-1])[1]) > 0.1


def test_the_path_keeps_a_bounded_number_of_weights():
    t = trainer(hidden=(6,))
    path = WeightPath(max_bytes=5 * t.net.params.nbytes)
    for _ in range(9):
        t.run_epoch()
        path.record(t)
    assert len(path.points) == 5
    assert np.array_equal(path.points[-1], t.net.params)


def test_an_interrupted_plane_is_coarse_not_half():
    t = trainer(hidden=(6,))
    plane = plane_slice(t, grid=9, budget=0.0)
    assert not plane.complete and plane.values[4, 4] == plane.loss_now
    assert np.isnan(plane.values).sum() == 80  # the middle only
    full = plane_slice(t, grid=9)
    assert full.complete and np.all(np.isfinite(full.values))
    with pytest.raises(ValueError, match="grid = 8 is not allowed: an odd"):
        plane_slice(t, grid=8)


def test_the_sharpness_column_is_nan_between_its_epochs():
    t = trainer(lr=0.5)
    column = SharpnessColumn(3)
    values = []
    for _ in range(6):
        t.run_epoch()
        values.append(column(t))
    assert np.isnan(values[0]) and np.isnan(values[1]) and np.isnan(values[3])
    assert values[5] == pytest.approx(sharpness(t), rel=1e-3)
    with pytest.raises(ValueError, match="every = 0 is not allowed: epochs between"):
        SharpnessColumn(0)


# --- the edge of stability --------------------------------------------------------------


def test_full_batch_gradient_descent_climbs_to_the_edge_of_stability():
    """The lesson's run: λmax starts far below 2 / lr, climbs to it, then hovers at it while
    the training loss goes on falling, up one epoch and down the next."""
    t = Trainer(Config(dataset="spiral", hidden=(8, 8), activation="tanh", lr=0.7, batch_size=None))
    column = SharpnessColumn(10, tol=1e-4)
    limit = 2 / 0.7
    lam, losses = {}, []
    for _ in range(400):
        losses.append(t.run_epoch().train_loss)
        value = column(t)
        if not np.isnan(value):
            lam[t.epoch] = value / limit
    assert lam[10] < 0.5
    assert max(lam[e] for e in range(10, 160, 10)) >= 1.0  # the line is reached
    late = [lam[e] for e in range(200, 410, 10)]
    assert 0.8 <= min(late) and max(late) <= 1.2  # and held
    loss = np.array(losses)
    assert loss[399] < loss[299] < loss[199]  # falling
    assert np.sum(np.diff(loss[200:]) > 0) > 50  # while rising on many epochs
