"""A CSV file's run in the app: the controls name the file and switch data cleanly, the
confusion matrix (c, and the data view of many inputs), misclassified pixel images, the
network's labels, R² in the status line, back to the best validation weights (b)."""

import numpy as np
from apphelpers import dialog, key, make_app, settled, wait_until
from csvfiles import classes_csv, regression_csv, write
from rich.style import Style

from core.config import Config
from core.evaluation import predict, regression_scores
from core.trainer import Trainer
from tui.snapshot import Misclassified, Results
from tui.ui.fields import FIELDS
from tui.ui.widgets.help_screen import HelpScreen, data_view_words
from tui.ui.widgets.network_view import NetworkView
from tui.ui.widgets.predicted_plot import PredictedPlot, pairs, title
from tui.ui.widgets.results_view import ResultsPanel, draw_results
from tui.worker.commands import StartRun
from tui.worker.session import TrainingSession
from tui.worker.views import misclassified


def text_of(widget) -> str:
    width, height = widget.size
    return "\n".join(widget.render_line(y).text for y in range(height))


async def answer(pilot, text: str, *then: str) -> None:
    """Type ``text`` into the open dialog (in place of what it offers) and press enter."""
    pilot.app.screen.query_one("#dialog-input").value = text
    await pilot.press("enter", *then)


def iris_like(tmp_path):
    rng = np.random.default_rng(0)
    names = ["setosa", "versicolor", "virginica"]
    rows = [[*(rng.normal(size=4) + 3 * c).round(2), names[c]] for c in range(3) for _ in range(40)]
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    return str(write(tmp_path / "plants.csv", header, rows))


async def test_the_controls_name_the_csv_file_and_switch_back_to_a_built_in_set(tmp_path):
    app = make_app(data=iris_like(tmp_path), hidden=None)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        controls = app.query_one("#controls")
        assert "data   plants.csv" in text_of(controls)  # it said "circle"
        assert "noise  –" in text_of(controls)  # a file's rows are as read (it said 0.1)
        controls.focus()
        controls.cursor = [f.name for f in FIELDS].index("source")
        await dialog(pilot, "enter")
        await answer(pilot, "xor", "y")
        assert await wait_until(pilot, lambda: app.snapshot.dataset_name == "xor")
        assert app.snapshot.config.data is None and app.snapshot.sizes[0] == 2
        assert app.session.trainer.train_set.name == "xor"  # it kept training on the CSV
        assert await settled(pilot)
        assert "data   xor" in text_of(controls) and "noise  0.1" in text_of(controls)


async def test_a_data_source_that_is_neither_a_set_nor_a_file_is_refused(tmp_path):
    app = make_app(data=iris_like(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        controls = app.query_one("#controls")
        controls.focus()
        controls.cursor = [f.name for f in FIELDS].index("source")
        await dialog(pilot, "enter")
        await answer(pilot, "mnist")
        assert await settled(pilot)
        error = str(app.screen.query_one("#dialog-error").render())
        assert "'mnist' is neither a built-in data set (linear" in error
        await pilot.press("escape")
        assert app.snapshot.dataset_name == "plants.csv"


async def test_a_csv_file_chosen_in_the_controls_gets_layers_that_fit_and_a_summary(tmp_path):
    app = make_app()
    digits = classes_csv(tmp_path / "digits.csv")
    async with app.run_test(size=(80, 24)) as pilot:
        controls = app.query_one("#controls")
        controls.focus()
        controls.cursor = [f.name for f in FIELDS].index("source")
        await dialog(pilot, "enter")
        await answer(pilot, str(digits), "y")
        assert await wait_until(pilot, lambda: app.snapshot.sizes == (64, 64, 10))
        assert app.snapshot.notice.startswith("data     digits.csv: 200 rows, 64 features")


async def test_c_shows_the_confusion_matrix_with_class_names_and_scores(tmp_path):
    app = make_app(data=iris_like(tmp_path), hidden=None)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        await pilot.press("c")
        panel = app.query_one("#results", ResultsPanel)
        assert await wait_until(pilot, lambda: app.snapshot.results is not None)
        assert await settled(pilot)
        text = text_of(panel)
        assert "validation set, 24 rows: accuracy" in text and " prec  rec" in text
        heading = text.splitlines()[1].split()
        assert heading[1:4] == ["setosa", "vers…lor", "virg…ica"]  # told apart, whole or cut
        assert "%%" not in text and all(len(word) <= 4 for word in heading[1:] if "%" in word)
        row = next(line for line in text.splitlines() if line.startswith("versicolor"))
        counts = row.split()[1:4]
        assert sum(int(c) for c in counts if c != "·") == 8  # stratified: 8 of each class
        await pilot.press("c")  # again: back to the loss plot
        assert await wait_until(pilot, lambda: app.snapshot.results is None)


async def test_the_data_view_of_many_inputs_is_the_confusion_matrix_not_a_refusal(tmp_path):
    app = make_app(data=str(classes_csv(tmp_path / "d.csv")), hidden=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", "d")
        assert await wait_until(pilot, lambda: app.snapshot.results is not None)
        assert await settled(pilot)
        panel = app.query_one("#data ResultsPanel", ResultsPanel)
        text = text_of(panel)
        assert "draws 1 or 2 inputs" not in text_of(app.query_one("#data"))
        assert text.splitlines()[0].split() == ["t\\", *map(str, range(10))]
        assert len(text.strip().splitlines()) == 11  # all 10 classes at 80x24


def test_misclassified_pixel_images_are_drawn_with_true_and_predicted_labels(tmp_path):
    t = Trainer(Config(data=str(classes_csv(tmp_path / "d.csv", features=16, classes=3))))
    samples = misclassified(t, "val")  # untrained: most are wrong
    assert samples and samples[0].pixels.shape == (4, 4)
    assert 0 <= samples[0].pixels.min() and samples[0].pixels.max() <= 1
    images = (Misclassified(np.eye(8), "a", "b"), Misclassified(np.ones((8, 8)), "b", "a"))
    r = Results("validation", 0, np.array([[1, 2], [3, 4]]), ("a", "b"),
                np.array([0.25, 2 / 3]), np.array([1 / 3, 4 / 7]), 0.5, images)  # fmt: skip
    lines = [strip.text.rstrip() for strip in draw_results(r, 40, 12, Style())]
    assert "misclassified (true→predicted):" in lines
    assert lines[-1] == "a→b      b→a"
    assert lines[-2].startswith("▀" * 8 + " " + "▀" * 8)


def test_no_images_for_inputs_that_are_not_a_square_of_pixels(tmp_path):
    t = Trainer(Config(data=str(classes_csv(tmp_path / "d.csv", features=15, classes=3))))
    assert misclassified(t, "val") == ()
    path = tmp_path / "neg.csv"
    rows = [[*np.linspace(-1, 1, 16), c % 2] for c in range(20)]
    t = Trainer(Config(data=str(write(path, [f"x{j}" for j in range(16)] + ["y"], rows))))
    assert misclassified(t, "val") == ()  # negative values: not pixels


async def test_the_network_labels_inputs_and_outputs_by_name_and_counts_the_rest(tmp_path):
    app = make_app(data=str(classes_csv(tmp_path / "d.csv")), hidden=None)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await settled(pilot)
        text = text_of(app.query_one(NetworkView))
        lines = text.splitlines()
        assert lines[1].lstrip().startswith("p0 ●") and lines[1].rstrip().endswith("● 0")
        assert "+ 56 more" in text and "+ 2 more" in text  # inputs, then outputs


async def test_a_regression_shows_r2_in_the_status_line(tmp_path):
    app = make_app(data=str(regression_csv(tmp_path / "h.csv")), optimizer="adam", lr=0.01)
    async with app.run_test(size=(100, 24)) as pilot:
        for _ in range(3):
            await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 3)
        assert not np.isnan(app.snapshot.val_r2)
        assert await settled(pilot)
        assert " R² " in app.query_one("#status").render().plain


async def test_the_status_line_gives_the_rmse_in_the_targets_units_at_80_columns(tmp_path):
    app = make_app(data=str(regression_csv(tmp_path / "h.csv")), optimizer="adam", lr=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await key(pilot, "e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 3)
        rmse = regression_scores(app.session.trainer).rmse
        assert rmse > 50  # prices of about 1,000: the units are the target's, not its deviation's
        assert app.snapshot.val_rmse == rmse
        assert await settled(pilot)
        line = app.query_one("#status").render().plain
        assert " R² " in line and f" RMSE {rmse:.3g}" in line and len(line) <= 80


async def test_b_goes_back_to_the_best_validation_weights(tmp_path):
    app = make_app(data=str(classes_csv(tmp_path / "d.csv")), hidden=(8,), lr=3.0)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(6):
            await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 6)
        best = app.session.trainer.best_val
        await pilot.press("b")
        assert await wait_until(
            pilot, lambda: "back to the weights of epoch" in app.snapshot.notice
        )
        np.testing.assert_array_equal(app.session.trainer.net.params, best.params)
        assert app.snapshot.best_epoch == best.epoch


def test_a_rebuild_on_a_csv_file_says_what_was_read(tmp_path):
    s = TrainingSession(Trainer(Config()), paused=True)
    s.submit(StartRun(Config(data=str(classes_csv(tmp_path / "d.csv")), hidden=(4, 2))))
    s.tick()
    notice = s.latest.notice
    assert "digits" not in notice and notice.startswith("data     d.csv: 200 rows")
    assert notice.endswith("warning: hidden layer 1 has 4 units, fewer than the 10 outputs: "
                           "it may limit the accuracy (try --hidden 64)")  # fmt: skip


def test_the_data_view_draws_a_standardised_target_in_its_own_units(tmp_path):
    s = TrainingSession(Trainer(Config(data=str(regression_csv(tmp_path / "h.csv")))))
    s.wanted.add("data")
    view = s.build_snapshot().data
    raw = np.loadtxt(tmp_path / "h.csv", delimiter=",", skiprows=1)[:, 2]
    shown = np.sort(np.concatenate([view.train_y, view.val_y])[:, 0])
    np.testing.assert_allclose(shown, np.sort(raw), atol=1e-9)
    assert abs(np.nanmean(view.grid) - raw.mean()) < 0.5 * raw.std()  # not near 0 (standard)


async def test_the_data_view_of_a_regression_of_many_inputs_is_predicted_against_actual(
    tmp_path,
):
    rows = [[i % 7, i % 5, i % 3, 100 + 25 * (i % 7) - 10 * (i % 5) + i] for i in range(60)]
    path = write(tmp_path / "many.csv", ["a", "b", "c", "price"], rows)
    app = make_app(data=str(path), optimizer="adam", lr=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        for name in "eed":
            await key(pilot, name)
        assert await wait_until(pilot, lambda: app.snapshot.data is not None)
        data = app.snapshot.data
        assert data.train_predicted.shape == (48, 1) and data.val_predicted.shape == (12, 1)
        trainer = app.session.trainer
        np.testing.assert_allclose(data.val_predicted, predict(trainer, raw(trainer)))
        plot = app.query_one("#data PredictedPlot", PredictedPlot)
        assert await wait_until(pilot, lambda: plot.display and plot.size.width > 16)
        assert await settled(pilot)
        drawn = plot.render().plain
        assert "predicted (↑) against actual (→)" in drawn  # as much of the title as fits
        assert "y = x" in drawn and "train" in drawn and "val" in drawn
        assert "no plane to draw" not in text_of(app.query_one("#data"))


def raw(trainer):
    """The validation rows as the file holds them."""
    return trainer.scaler.inverse(trainer.X_val)


def test_the_predicted_plots_title_is_the_longest_that_fits():
    assert title(0.91234, 20.3456, "price", 80) == (
        "price: predicted (↑) against actual (→); validation R² 0.912, RMSE 20.35"
    )
    assert title(0.9, 20.3, "price", 50) == "price: predicted (↑) against actual (→)"
    assert title(0.9, 20.3, "price", 36) == "predicted (↑) against actual (→)"
    assert title(float("nan"), float("nan"), "", 20) == "predicted ↑ actual →"


def test_the_predicted_plot_keeps_finite_pairs_and_at_most_so_many():
    actual, predicted = np.arange(10.0)[:, None], np.arange(10.0)[:, None] * 2
    predicted[3] = np.nan
    a, p = pairs(actual, predicted, 100)
    assert list(a) == [0, 1, 2, 4, 5, 6, 7, 8, 9] and list(p) == [2 * x for x in a]
    assert len(pairs(actual, predicted, 3)[0]) <= 3


async def test_the_help_says_what_d_shows_for_this_data_and_scores_the_test_rows(tmp_path):
    rows = [[i % 7, i % 5, i % 3, 100 + 25 * (i % 7) - 10 * (i % 5) + i] for i in range(60)]
    path = write(tmp_path / "many.csv", ["a", "b", "c", "price"], rows)
    app = make_app(data=str(path), test_fraction=0.25)
    async with app.run_test(size=(80, 24)) as pilot:
        await key(pilot, "e")
        assert await wait_until(pilot, lambda: app.snapshot.test_scores != "")
        assert app.snapshot.test_scores.startswith("test     R² ")
        assert "on the 15 held-out rows, the weights of epoch 1" in app.snapshot.test_scores
        await key(pilot, "?")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert await settled(pilot)
        text = " ".join(" ".join(str(w.render()) for w in app.screen.query("Static")).split())
        assert "data view: 3 inputs have no plane to draw the model over, so each row's " in text
        assert "the model's output over its input plane" not in text
        assert "test 15 rows held out (0.25 of the rows): never used to choose" in text
        assert "test R² " in text and "on the 15 held-out rows" in text


def test_what_d_shows_follows_the_data():
    from types import SimpleNamespace as S

    def words(data, task, inputs):
        return data_view_words(S(config=S(data=data), task=task, sizes=(inputs, 8, 1)))

    assert words(None, "binary", 2) == ""  # the keys' own words: the plane
    assert words(None, "regression", 1).endswith("the model's curve over its one input")
    assert words("f.csv", "binary", 2) == ""
    assert "the confusion matrix on the validation set" in words("f.csv", "multiclass", 4)
    assert "prediction against its actual target" in words("f.csv", "regression", 10)
