"""``backprop-tui predict RUN.npz DATA.csv``: rows as pandas and R write them, matched by
name, scaled by the run, predicted as class names with probabilities or as values in the
target's units; a missing column or missing values refused in one line."""

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from csvfiles import diabetes_like_csv, write

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config
from core.csv_data import asset_path
from core.evaluation import predict, predict_table
from core.trainer import Trainer
from tui.cli.main import main

DATA = Path(__file__).parent / "data"
IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    """A run on the bundled Iris (names as pandas writes them), 30 epochs, saved."""
    trainer = Trainer(Config(data=str(asset_path("iris.csv")), hidden=None, lr=0.1))
    trainer.train(30)
    path = tmp_path_factory.mktemp("iris") / "iris.npz"
    save_checkpoint(trainer, path)
    return path


@pytest.fixture(scope="module")
def diabetes_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diabetes")
    data = diabetes_like_csv(folder / "diabetes.csv")
    trainer = Trainer(Config(data=str(data), hidden=None))
    trainer.train(10)
    save_checkpoint(trainer, folder / "run.npz")
    return folder / "run.npz", data


def run(capsys, *args):
    code = main(["predict", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def table(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def iris_inputs(path: Path, **kw) -> np.ndarray:
    """The four measurements of a file pandas or R wrote, read by NumPy."""
    return np.genfromtxt(path, delimiter=",", skip_header=1, **kw)


def test_a_classification_gives_class_names_and_a_probability_per_class(iris_run, capsys):
    code, out, err = run(capsys, iris_run, DATA / "pandas_iris_index.csv")
    assert code == 0
    # pandas' index and the species are not inputs: left out, said in one line
    assert err == (
        "ignored  2 columns the run does not take as inputs: column 1 (an index), species\n"
    )
    header, rows = table(out)
    assert header == ["prediction", "p_setosa", "p_versicolor", "p_virginica"]
    assert len(rows) == 150
    p = np.array([[float(x) for x in row[1:]] for row in rows])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-8)
    names = np.array(header[1:])
    assert [row[0] for row in rows] == [n.removeprefix("p_") for n in names[p.argmax(axis=1)]]
    trainer = load_checkpoint(iris_run)
    X = iris_inputs(DATA / "pandas_iris_index.csv", usecols=(1, 2, 3, 4))
    expected = predict_table(trainer, X)
    np.testing.assert_allclose(p, expected.probabilities, rtol=1e-9)
    assert [row[0] for row in rows] == list(expected.predicted)
    species = np.genfromtxt(DATA / "pandas_iris_index.csv", delimiter=",", skip_header=1,
                            usecols=5, dtype=str)  # fmt: skip
    assert np.mean(np.array([row[0] for row in rows]) == species) > 0.8  # it learned


def test_columns_are_found_by_name_in_any_order_and_separator(iris_run, capsys, tmp_path):
    _, plain, _ = run(capsys, iris_run, DATA / "pandas_iris_index.csv")
    # ; and decimal commas, as pandas writes them for a German Excel
    code, semicolons, _ = run(capsys, iris_run, DATA / "pandas_semicolon.csv")
    assert code == 0 and semicolons == plain
    rows = list(csv.reader((DATA / "pandas_iris_index.csv").open()))
    order = [5, 4, 0, 2, 1, 3]  # species first, the index in the middle
    shuffled = write(tmp_path / "shuffled.csv", [rows[0][j] or "id" for j in order],
                     ([row[j] for j in order] for row in rows[1:]))  # fmt: skip
    code, out, err = run(capsys, iris_run, shuffled)
    assert code == 0 and out == plain and "species, id" in err


def test_the_predictions_go_to_a_file_with_out(iris_run, capsys, tmp_path):
    out = tmp_path / "predictions.csv"
    code, stdout, err = run(capsys, iris_run, DATA / "pandas_semicolon.csv", "--out", out)
    assert code == 0 and stdout == ""
    assert err.endswith(f"predicted 150 rows with {iris_run} (the weights of epoch 30): {out}\n")
    assert out.read_text().splitlines()[0] == "prediction,p_setosa,p_versicolor,p_virginica"


def test_a_regression_is_predicted_in_the_targets_own_units(diabetes_run, capsys, tmp_path):
    run_path, data = diabetes_run
    rows = list(csv.reader(data.open()))
    new = write(tmp_path / "new.csv", rows[0][:-1], (row[:-1] for row in rows[1:21]))
    code, out, err = run(capsys, run_path, new)
    assert code == 0 and err == ""  # no target column: nothing left out
    header, got = table(out)
    assert header == ["prediction"]
    values = np.array([float(r[0]) for r in got])
    X = np.array([[float(x) for x in row[:-1]] for row in rows[1:21]])
    np.testing.assert_allclose(values, predict(load_checkpoint(run_path), X)[:, 0], rtol=1e-9)
    assert 50 < values.mean() < 300  # the target's units (about 150), not its deviation's


def test_a_missing_column_is_one_line_that_names_it(iris_run, capsys, tmp_path):
    rows = [[5.1, 3.5, 1.4], [4.9, 3.0, 1.4]]
    path = write(tmp_path / "three.csv", ["sepal_length", "sepal_width", "petal_length"], rows)
    code, out, err = run(capsys, iris_run, path)
    assert code == 2 and out == ""
    assert err == (
        "backprop-tui: three.csv has no column 'petal_width': the run's inputs are "
        "sepal_length, sepal_width, petal_length, petal_width; its columns are sepal_length, "
        "sepal_width, petal_length\n"
    )


def test_r_names_are_not_pandas_names_and_the_hint_says_which(iris_run, capsys):
    code, _, err = run(capsys, iris_run, DATA / "r_iris.csv")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("backprop-tui: r_iris.csv has no columns 'sepal_length', ")
    assert "(is 'Sepal.Length' 'sepal_length'?)" in err


def test_missing_values_are_refused_with_counts_or_filled_with_the_training_mean(iris_run, capsys):
    path = DATA / "pandas_missing_na.csv"  # NA: 3 in sepal_width, 2 in petal_length
    code, out, err = run(capsys, iris_run, path)
    assert code == 2 and out == ""
    assert err.startswith("backprop-tui: pandas_missing_na.csv has 5 missing values (empty, NA")
    assert "sepal_width 3, petal_length 2; fill them, or give --missing mean" in err
    code, out, err = run(capsys, iris_run, path, "--missing", "mean")
    assert code == 0 and len(table(out)[1]) == 150
    assert "missing  5 values filled with the training rows' mean: sepal_width 3, " in err
    trainer = load_checkpoint(iris_run)
    X = iris_inputs(path, usecols=(0, 1, 2, 3), missing_values="NA")
    gaps = np.isnan(X)
    means = trainer.scaler.mean  # the training rows' mean of each input
    X[gaps] = np.broadcast_to(means, X.shape)[gaps]
    probabilities = np.array([[float(x) for x in row[1:]] for row in table(out)[1]])
    np.testing.assert_allclose(probabilities, predict_table(trainer, X).probabilities)


def test_a_text_cell_in_an_input_is_refused_with_its_line(iris_run, capsys, tmp_path):
    path = write(tmp_path / "typo.csv", IRIS, [[5.1, 3.5, 1.4, 0.2], [4.9, "3.O", 1.4, 0.2]])
    code, _, err = run(capsys, iris_run, path)
    assert code == 2 and err.startswith("backprop-tui: typo.csv line 3, column 2 (sepal_width)")


def test_a_file_without_a_header_needs_exactly_the_inputs(iris_run, capsys, tmp_path):
    path = tmp_path / "bare.csv"
    path.write_text("5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n")
    code, out, err = run(capsys, iris_run, path)
    assert code == 0 and len(table(out)[1]) == 2
    assert "no header row: its 4 columns taken as the run's inputs in order" in err
    path.write_text("5.1,3.5,1.4\n6.3,3.3,6.0\n")
    code, _, err = run(capsys, iris_run, path)
    assert code == 2 and "has no header row and 3 columns: the run takes 4 inputs" in err


def test_out_never_overwrites_the_rows_it_reads(iris_run, capsys, tmp_path):
    data = write(tmp_path / "rows.csv", IRIS, [[5.1, 3.5, 1.4, 0.2]])
    before = data.read_text()
    code, _, err = run(capsys, iris_run, data, "--out", data)
    assert code == 2 and "is the file being predicted: give another file name" in err
    assert data.read_text() == before
    code, _, err = run(capsys, iris_run, data, "--out", tmp_path / "no" / "p.csv")
    assert code == 2 and "there is no folder" in err


def test_not_a_checkpoint_is_one_line(capsys, tmp_path):
    fake = tmp_path / "run.npz"
    fake.write_text("hello")
    code, _, err = run(capsys, fake, DATA / "pandas_iris_index.csv")
    assert code == 2 and len(err.splitlines()) == 1 and "not a backprop-tui checkpoint" in err


def test_predict_table_gives_labels_and_names_for_two_classes(tmp_path):
    rows = [[i, (i * 7) % 5, "yes" if i % 2 else "no"] for i in range(40)]
    trainer = Trainer(Config(data=str(write(tmp_path / "b.csv", ["a", "b", "ok"], rows))))
    p = predict_table(trainer, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]]))
    assert p.classes == ("no", "yes") and p.probabilities.shape == (3, 2)
    np.testing.assert_allclose(p.probabilities[:, 1], p.values[:, 0])
    assert list(p.predicted) == [p.classes[k] for k in p.probabilities.argmax(axis=1)]


def test_a_run_of_one_input_predicts_a_file_of_one_column(capsys, tmp_path):
    trainer = Trainer(Config(dataset="linear", hidden=(), lr=0.1))  # y = 3x + 2 + noise
    trainer.train(50)
    save_checkpoint(trainer, tmp_path / "line.npz")
    path = tmp_path / "x.csv"
    path.write_text("x\n0\n1\n")
    code, out, err = run(capsys, tmp_path / "line.npz", path)
    assert code == 0 and err == ""
    values = [float(row[0]) for row in table(out)[1]]
    assert values == pytest.approx([2, 5], abs=0.1)
    path.write_text("0\n1\n")
    code, out, err = run(capsys, tmp_path / "line.npz", path, "--header", "no")
    assert code == 0 and "its column taken as the run's inputs in order (x)" in err
