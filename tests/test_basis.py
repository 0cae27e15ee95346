"""The 1-D fit and its basis: each last hidden neuron's a·w over x, from the trainer's own
forward pass; their sum plus the output's bias is the fit (z before a sigmoid)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from apphelpers import key, wait_until
from csvfiles import write

from core.config import Config
from core.pace import PACES, PHASE_SECONDS
from core.trainer import Trainer
from tui.ui.app import BackpropApp
from tui.ui.widgets.basis_plot import BasisPlot, biggest
from tui.ui.widgets.data_view import FitPlot
from tui.worker.clock import ManualClock
from tui.worker.session import TrainingSession
from tui.worker.views import data_points, data_view


def parts_by_the_trainer(t: Trainer, xs: np.ndarray) -> np.ndarray:
    """a_j(x)·W_L[j, 0] from a forward pass of xs through (a copy of) the trainer's network."""
    net = copy.deepcopy(t.net)
    net.run_forward(xs[:, None])
    return (net.a[-2] * net.weights[-1][:, 0]).T


def one_input_csv(path, task: str):
    x = np.linspace(-3, 3, 80)
    y = (np.sin(x) > 0).astype(int) if task == "binary" else 200 + 50 * np.sin(x)
    return write(path, ["x", "y"], zip(x.round(4), y, strict=True))


@pytest.mark.parametrize("case", ["sine", "wide", "standardised", "binary"])
def test_the_parts_are_the_networks_own_and_sum_to_the_fit(case, tmp_path):
    config = {
        "sine": {"dataset": "sine"},
        "wide": {"dataset": "sine", "hidden": (12,), "activation": "relu"},
        "standardised": {"data": str(one_input_csv(tmp_path / "r.csv", "regression"))},
        "binary": {"data": str(one_input_csv(tmp_path / "b.csv", "binary"))},
    }[case]
    t = Trainer(Config(n_samples=200, **config))
    t.train(5)
    view = data_view(t, data_points(t))
    xs, parts = view.curve_x, view.basis
    assert parts.shape == (t.net.sizes[-2], len(xs)) and not parts.flags.writeable
    own = parts_by_the_trainer(t, xs)
    b = float(t.net.biases[-1][0])
    if case == "standardised":  # in the target's units: y = std·z + mean
        std, mean = t.target_scaler.std[0], t.target_scaler.mean[0]
        np.testing.assert_allclose(parts, own * std, rtol=1e-12, atol=1e-12)
        assert view.basis_bias == pytest.approx(b * std + mean)
        assert view.curve_y.mean() > 100  # the curve in those units too
    else:
        np.testing.assert_array_equal(parts, own)
        assert view.basis_bias == b
    total = parts.sum(axis=0) + view.basis_bias
    np.testing.assert_allclose(total, view.basis_sum, rtol=1e-10, atol=1e-9)
    if case == "binary":  # the sum is the network's z; the fit is sigmoid(z)
        z, _ = t.net.predict(xs[:, None])
        np.testing.assert_array_equal(view.basis_sum, z[:, 0])
        np.testing.assert_allclose(1 / (1 + np.exp(-total)), view.curve_y, rtol=1e-10)
    else:  # the sum is the fit
        assert view.basis_sum is view.curve_y


def test_no_hidden_layer_no_parts():
    t = Trainer(Config(n_samples=50, dataset="linear", hidden=()))
    assert data_view(t, data_points(t)).basis is None


def test_the_largest_parts_get_a_colour_and_the_rest_one_grey_sum():
    parts = np.array([[0, 1], [0, 5], [0, 2], [0, 9], [0, 3], [0, 4], [0, 0.5]], float)
    kept, rest = biggest(parts, 5)
    assert kept.tolist() == [1, 3, 4, 5]  # the four that vary most, in neuron order
    np.testing.assert_array_equal(rest, parts[[0, 2, 6]].sum(axis=0))
    kept, rest = biggest(parts[:5], 5)
    assert kept.tolist() == [0, 1, 2, 3, 4] and rest is None


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_data_view_builds_the_sine_from_its_parts_at_the_phases_pace(size):
    clock = ManualClock()
    trainer = Trainer(Config(n_samples=200, dataset="sine", pace=PACES[-1]))
    session = TrainingSession(trainer, clock=clock)
    app = BackpropApp(session, run_worker=False)
    async with app.run_test(size=size) as pilot:
        sent = session.submitted
        await key(pilot, "d")
        assert await wait_until(pilot, lambda: session.submitted > sent)
        plot, fit = app.query_one("#data BasisPlot", BasisPlot), app.query_one("#data FitPlot")
        for _ in range(len(trainer.phases) + 1):  # a step and the forward of the next
            clock.now += PHASE_SECONDS
            session.tick()
            snap = session.latest
            assert await wait_until(pilot, lambda: app.snapshot.seq == snap.seq)  # noqa: B023
            own = parts_by_the_trainer(trainer, plot.data.curve_x)  # the weights now
            np.testing.assert_array_equal(plot.data.basis, own)
        screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert plot.display and trainer.steps == 1
        if size == (80, 24):  # one plot: the points, the parts and the fit over them
            assert not fit.display and "fit (blue) = Σ a·w" in screen
        else:  # the fit, and under it the parts
            assert isinstance(fit, FitPlot) and fit.display
            assert "the model's fit" in screen and "a·w of the 2 tanh neurons: sum" in screen
            assert fit.region.y + fit.region.height <= plot.region.y
