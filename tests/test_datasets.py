"""Data sets: generators, CSV loading and its error messages, Iris, split, scaling, batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.csv_data import asset_path, load_csv, load_iris
from core.datasets import (
    GENERATORS,
    TASKS,
    XOR_MARGIN,
    Dataset,
    Standardizer,
    batch_indices,
    make_dataset,
    split,
)

EXPECTED_TASKS = {
    "linear": "regression",
    "sine": "regression",
    "xor": "binary",
    "circle": "binary",
    "gauss": "binary",
    "spiral": "binary",
    "moons": "binary",
    "blobs": "multiclass",
    "spiral3": "multiclass",
}
CLASSIFICATION = [name for name, task in EXPECTED_TASKS.items() if task != "regression"]


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def knn_accuracy(X: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Leave-one-out k-nearest-neighbour accuracy: how separable the classes are."""
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nearest = labels[np.argsort(d, axis=1)[:, :k]]
    votes = np.array([np.bincount(row, minlength=labels.max() + 1).argmax() for row in nearest])
    return float(np.mean(votes == labels))


# --- generators -------------------------------------------------------------------------------


def test_generator_names_are_exactly_the_documented_ones():
    assert set(GENERATORS) == set(EXPECTED_TASKS)
    assert TASKS == ("regression", "binary", "multiclass")


@pytest.mark.parametrize("name", list(EXPECTED_TASKS))
def test_generator_shapes_and_tasks(name):
    ds = make_dataset(name, n=101, noise=0.1, seed=3)
    task = EXPECTED_TASKS[name]
    assert ds.name == name and ds.task == task
    assert ds.n_samples == 101 and ds.X.shape[0] == 101 and ds.Y.shape[0] == 101
    assert ds.X.dtype == np.float64 and ds.Y.dtype == np.float64
    assert np.all(np.isfinite(ds.X)) and np.all(np.isfinite(ds.Y))
    assert len(ds.feature_names) == ds.n_features == ds.X.shape[1]
    assert ds.n_outputs == ds.Y.shape[1]
    if task == "regression":
        assert ds.X.shape == (101, 1) and ds.Y.shape == (101, 1)
        assert ds.n_classes == 0 and ds.class_names == ()
        with pytest.raises(ValueError):
            ds.labels()
    elif task == "binary":
        assert ds.X.shape == (101, 2) and ds.Y.shape == (101, 1)
        assert set(np.unique(ds.Y)) == {0.0, 1.0}
        assert ds.n_classes == 2 and len(ds.class_names) == 2
        np.testing.assert_array_equal(ds.labels(), ds.Y[:, 0].astype(int))
    else:
        assert ds.X.shape == (101, 2) and ds.Y.shape == (101, 3)
        np.testing.assert_array_equal(ds.Y.sum(axis=1), 1.0)
        assert set(np.unique(ds.Y)) == {0.0, 1.0}
        assert ds.n_classes == 3 and len(ds.class_names) == 3
        np.testing.assert_array_equal(ds.labels(), ds.Y.argmax(axis=1))


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classes_are_balanced(name):
    ds = make_dataset(name, n=301, noise=0.1, seed=0)
    counts = np.bincount(ds.labels(), minlength=ds.n_classes)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", list(EXPECTED_TASKS))
def test_inputs_lie_roughly_within_unit_square(name):
    X = make_dataset(name, n=1000, noise=0.0, seed=1).X
    assert np.quantile(np.abs(X), 0.99) <= 1.1
    assert X.max() - X.min() >= 1.0  # and they do spread out


@pytest.mark.parametrize("name", list(EXPECTED_TASKS))
def test_same_seed_same_data_other_seed_other_data(name):
    a = make_dataset(name, n=60, noise=0.1, seed=7)
    b = make_dataset(name, n=60, noise=0.1, seed=7)
    c = make_dataset(name, n=60, noise=0.1, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)


def test_seed_may_be_a_generator_which_is_advanced():
    rng = np.random.default_rng(5)
    first = make_dataset("circle", n=50, seed=rng)
    second = make_dataset("circle", n=50, seed=rng)
    again = make_dataset("circle", n=50, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(first.X, again.X)
    assert not np.array_equal(first.X, second.X)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_sets_are_separable_at_noise_0_1(name):
    ds = make_dataset(name, n=500, noise=0.1, seed=0)
    assert knn_accuracy(ds.X, ds.labels()) >= 0.9


def test_noise_blurs_classification_inputs():
    clean = make_dataset("circle", n=400, noise=0.0, seed=0)
    r = np.hypot(clean.X[:, 0], clean.X[:, 1])
    inner = clean.labels() == 1
    assert r[inner].max() <= 0.5 and r[~inner].min() >= 0.7
    noisy = make_dataset("circle", n=400, noise=0.3, seed=0)
    r = np.hypot(noisy.X[:, 0], noisy.X[:, 1])
    assert r[noisy.labels() == 1].max() > 0.6


def test_linear_truth_is_recovered_by_least_squares():
    ds = make_dataset("linear", n=50, noise=0.0, seed=2)
    assert ds.truth == {"m": 3.0, "b": 2.0}
    A = np.column_stack([ds.X[:, 0], np.ones(ds.n_samples)])
    (m, b), *_ = np.linalg.lstsq(A, ds.Y[:, 0], rcond=None)
    assert abs(m - 3.0) < 1e-9 and abs(b - 2.0) < 1e-9
    assert np.all(np.abs(ds.X) <= 1.0)


def test_regression_noise_goes_to_the_target():
    clean = make_dataset("linear", n=2000, noise=0.0, seed=4)
    noisy = make_dataset("linear", n=2000, noise=0.5, seed=4)
    np.testing.assert_array_equal(clean.X, noisy.X)
    residual = noisy.Y - (3.0 * noisy.X + 2.0)
    assert 0.45 < residual.std() < 0.55


def test_sine_follows_sin_pi_x():
    ds = make_dataset("sine", n=200, noise=0.0, seed=0)
    np.testing.assert_allclose(ds.Y, np.sin(np.pi * ds.X), atol=1e-12)
    assert np.all(np.abs(ds.X) <= 1.0)
    assert ds.truth == {}


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.5])
def test_xor_labels_follow_the_sign_rule_with_a_margin(noise):
    ds = make_dataset("xor", n=400, noise=noise, seed=1)
    same_sign = ds.X[:, 0] * ds.X[:, 1] > 0
    np.testing.assert_array_equal(ds.labels(), same_sign.astype(int))
    assert np.abs(ds.X).min() >= XOR_MARGIN - 1e-12
    assert {tuple(np.sign(x)) for x in ds.X} == {(1, 1), (1, -1), (-1, 1), (-1, -1)}


def test_make_dataset_rejects_an_unknown_name_listing_the_allowed_ones():
    with pytest.raises(ValueError) as e:
        make_dataset("swirl")
    assert "swirl" in str(e.value)
    for name in GENERATORS:
        assert name in str(e.value)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"n": 3}, "n"),
        ({"n": 10.5}, "n"),
        ({"n": True}, "n"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": float("inf")}, "noise"),
    ],
)
def test_make_dataset_rejects_bad_numbers(kwargs, field):
    with pytest.raises(ValueError) as e:
        make_dataset("circle", **kwargs)
    message = str(e.value)
    assert message.startswith(f"{field} = ")
    assert repr(kwargs[field]) in message and ">=" in message


def test_smallest_allowed_n():
    assert make_dataset("blobs", n=4).n_samples == 4


# --- Dataset ----------------------------------------------------------------------------------


def test_subset_keeps_metadata_and_picks_rows():
    ds = make_dataset("linear", n=20, seed=0)
    sub = ds.subset(np.array([3, 1]))
    np.testing.assert_array_equal(sub.X, ds.X[[3, 1]])
    np.testing.assert_array_equal(sub.Y, ds.Y[[3, 1]])
    assert (sub.name, sub.task, sub.feature_names, sub.truth) == (
        ds.name,
        ds.task,
        ds.feature_names,
        ds.truth,
    )


def test_dataset_rejects_an_unknown_task_and_mismatched_rows():
    with pytest.raises(ValueError, match="task"):
        Dataset("d", np.zeros((3, 1)), np.zeros((3, 1)), "ranking", ("x",))
    with pytest.raises(ValueError):
        Dataset("d", np.zeros((3, 1)), np.zeros((2, 1)), "regression", ("x",))


# --- CSV --------------------------------------------------------------------------------------


def test_csv_with_header_and_string_labels(tmp_path):
    path = write(tmp_path, "a,b,kind\n1, 2,cat\n3,4,dog\n5,6,cat\n")
    ds = load_csv(path)
    assert ds.name == "data.csv" and ds.target == "kind"
    assert ds.reason == "its values are text labels"
    assert ds.feature_names == ("a", "b")
    assert ds.task == "binary" and ds.class_names == ("cat", "dog")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.Y, [[0], [1], [0]])


def test_csv_without_header_keeps_the_first_row_as_data(tmp_path):
    path = write(tmp_path, "1,2,0\n3,4,1\n5,6,2\n")
    ds = load_csv(path, name="plain")
    assert ds.name == "plain" and ds.n_samples == 3
    assert ds.feature_names == ("x1", "x2")
    assert ds.task == "multiclass" and ds.class_names == ("0", "1", "2")
    np.testing.assert_array_equal(ds.labels(), [0, 1, 2])


def test_csv_header_can_be_forced(tmp_path):
    path = write(tmp_path, "10,20,30\n1,2,0\n3,4,1\n")
    ds = load_csv(path, header=True)
    assert ds.n_samples == 2 and ds.feature_names == ("10", "20")
    assert load_csv(path, header=False).n_samples == 3


def test_csv_target_by_name_and_by_index(tmp_path):
    path = write(tmp_path, "label,u,v\nyes,1,2\nno,3,4\nyes,5,6\n")
    by_name = load_csv(path, target="label")
    by_index = load_csv(path, target=0)
    by_negative = load_csv(path, target=-3)
    for ds in (by_name, by_index, by_negative):
        assert ds.feature_names == ("u", "v")
        assert ds.class_names == ("no", "yes")
        np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
        np.testing.assert_array_equal(ds.labels(), [1, 0, 1])


def test_csv_middle_target_column(tmp_path):
    path = write(tmp_path, "p,q,r\n1,0.5,2\n3,1.5,4\n5,2.5,6\n")
    ds = load_csv(path, target="q")
    assert ds.task == "regression" and ds.feature_names == ("p", "r")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.Y, [[0.5], [1.5], [2.5]])


def test_csv_non_integer_target_is_regression(tmp_path):
    path = write(tmp_path, "x,y\n1,0.5\n2,1.0\n3,1.0\n")
    ds = load_csv(path)
    assert ds.task == "regression" and ds.Y.shape == (3, 1) and ds.class_names == ()


def test_csv_many_distinct_integers_is_regression(tmp_path):
    rows = "".join(f"{i},{i * 3}\n" for i in range(11))
    assert load_csv(write(tmp_path, "x,y\n" + rows)).task == "regression"
    rows = "".join(f"{i},{i % 10}\n" for i in range(30))
    assert load_csv(write(tmp_path, "x,y\n" + rows, "ten.csv")).task == "multiclass"


def test_csv_integer_labels_sort_numerically_and_merge_spellings(tmp_path):
    path = write(tmp_path, "x,y\n1,10\n2,9\n3,2\n4,2.0\n")
    ds = load_csv(path)
    assert ds.task == "multiclass" and ds.class_names == ("2", "9", "10")
    np.testing.assert_array_equal(ds.labels(), [2, 1, 0, 0])


def test_csv_skips_blank_lines_but_counts_them(tmp_path):
    path = write(tmp_path, "a,b\n1,0\n\n2,1\n\n3,oops\n")
    assert load_csv(write(tmp_path, "a,b\n1,0\n\n2,1\n", "ok.csv")).n_samples == 2
    with pytest.raises(ValueError, match="line 6"):
        load_csv(path, target=0)


def test_csv_bad_number_names_line_and_column(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,0\n1,abc,1\n", "iris.csv")
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == "iris.csv line 3, column 2 (b): 'abc' is not a number"


def test_csv_bad_number_without_header_has_no_column_name(tmp_path):
    path = write(tmp_path, "1,2,0\n1,2,1\n1,x2,1\n")
    with pytest.raises(ValueError) as e:
        load_csv(path, header=False)
    assert str(e.value) == "data.csv line 3, column 2: 'x2' is not a number"


def test_csv_empty_field(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,0\n1,,1\n")
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == (
        "data.csv has 1 missing value (empty, NA, NaN...), the first on line 3: b 1; give "
        "--missing drop to leave out their rows, or --missing mean to fill a feature's with "
        "its column's mean"
    )


def test_csv_empty_target_field(tmp_path):
    path = write(tmp_path, "a,b\n1,0\n2,\n")
    with pytest.raises(ValueError, match=r"1 missing value .*, the first on line 3: b 1;"):
        load_csv(path)


@pytest.mark.parametrize("text", ["inf", "-Infinity", "1e400"])
def test_csv_rejects_non_finite_values(tmp_path, text):
    path = write(tmp_path, f"a,b\n1,0\n{text},1\n")
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert "line 3, column 1 (a)" in str(e.value) and "inf is not finite" in str(e.value)


def test_csv_ragged_row(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,0\n1,2\n")
    with pytest.raises(ValueError) as e:
        load_csv(path)
    message = str(e.value)
    assert "data.csv line 3" in message and "expected 3" in message and "found 2" in message


@pytest.mark.parametrize("text", ["", "\n\n", "  \n"])
def test_csv_empty_file(tmp_path, text):
    with pytest.raises(ValueError, match="data.csv is empty"):
        load_csv(write(tmp_path, text))


@pytest.mark.parametrize("text", ["a,b\n", "a,b\n1,0\n", "1,0\n"])
def test_csv_needs_two_data_rows(tmp_path, text):
    with pytest.raises(ValueError, match="at least 2"):
        load_csv(write(tmp_path, text))


def test_csv_unknown_target_name_lists_the_columns(tmp_path):
    path = write(tmp_path, "a,b,kind\n1,2,x\n3,4,y\n")
    with pytest.raises(ValueError) as e:
        load_csv(path, target="species")
    message = str(e.value)
    assert "'species'" in message and "a, b, kind" in message


def test_csv_target_index_out_of_range(tmp_path):
    path = write(tmp_path, "a,b\n1,0\n2,1\n")
    with pytest.raises(ValueError, match="target = 5"):
        load_csv(path, target=5)


def test_csv_target_name_needs_a_header(tmp_path):
    path = write(tmp_path, "1,0\n2,1\n3,1\n")
    with pytest.raises(ValueError, match="no header"):
        load_csv(path, target="y", header=False)


def test_csv_single_class_target(tmp_path):
    with pytest.raises(ValueError, match="only one class"):
        load_csv(write(tmp_path, "a,b\n1,x\n2,x\n"))


def test_csv_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == f"no such file: {path}"


# --- Iris -------------------------------------------------------------------------------------


def test_iris_loads_with_150_rows_and_3_balanced_classes():
    ds = load_iris()
    assert ds.name == "iris" and ds.X.shape == (150, 4) and ds.task == "multiclass"
    assert ds.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(np.bincount(ds.labels()), [50, 50, 50])
    np.testing.assert_allclose(ds.X.sum(axis=0), [876.5, 458.6, 563.7, 179.9], atol=1e-9)


def test_asset_path_finds_the_bundled_file():
    assert asset_path("iris.csv").is_file()


# --- split ------------------------------------------------------------------------------------


def numbered(n: int, name: str = "circle") -> Dataset:
    """A data set whose first feature is the row number."""
    ds = make_dataset(name, n=n, seed=0)
    X = ds.X.copy()
    X[:, 0] = np.arange(n)
    return Dataset(ds.name, X, ds.Y, ds.task, ds.feature_names, ds.class_names)


def test_split_sizes_disjoint_and_covering():
    ds = numbered(500)
    train, val = split(ds, 0.2, np.random.default_rng(0))
    assert train.n_samples == 400 and val.n_samples == 100
    rows_train, rows_val = set(train.X[:, 0]), set(val.X[:, 0])
    assert not rows_train & rows_val
    assert rows_train | rows_val == set(range(500))
    assert train.class_names == ds.class_names and val.task == ds.task
    # rows stay whole: each X row still goes with its own Y row
    np.testing.assert_array_equal(val.Y, ds.Y[val.X[:, 0].astype(int)])


def test_split_is_shuffled_and_deterministic():
    ds = numbered(100)
    a_train, a_val = split(ds, 0.3, np.random.default_rng(1))
    b_train, b_val = split(ds, 0.3, np.random.default_rng(1))
    c_train, _ = split(ds, 0.3, np.random.default_rng(2))
    np.testing.assert_array_equal(a_train.X, b_train.X)
    np.testing.assert_array_equal(a_val.X, b_val.X)
    assert not np.array_equal(a_train.X, c_train.X)
    assert sorted(a_val.X[:, 0]) != list(range(70, 100))


def test_split_zero_fraction_gives_an_empty_validation_set():
    ds = make_dataset("blobs", n=50, seed=0)
    train, val = split(ds, 0.0, np.random.default_rng(0))
    assert train.n_samples == 50
    assert val.X.shape == (0, 2) and val.Y.shape == (0, 3)
    assert val.n_classes == 3


def test_split_keeps_train_non_empty():
    ds = make_dataset("xor", n=4, seed=0)
    train, val = split(ds, 0.9, np.random.default_rng(0))
    assert train.n_samples >= 1 and train.n_samples + val.n_samples == 4


@pytest.mark.parametrize("fraction", [-0.1, 0.95, float("nan")])
def test_split_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        split(make_dataset("xor", n=10), fraction, np.random.default_rng(0))


# --- Standardizer -----------------------------------------------------------------------------


def test_standardizer_centres_and_scales_the_training_set():
    rng = np.random.default_rng(0)
    X = rng.normal([5.0, -2.0, 100.0], [3.0, 0.1, 20.0], (200, 3))
    train, other = X[:150], X[150:]
    s = Standardizer.fit(train)
    Z = s.transform(train)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(s.inverse(s.transform(other)), other, rtol=1e-12)
    assert s.mean.shape == (3,) and s.std.shape == (3,)


def test_standardizer_constant_column_gets_std_one():
    X = np.column_stack([np.full(10, 0.1), np.arange(10.0)])
    s = Standardizer.fit(X)
    assert s.std[0] == 1.0
    Z = s.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z[:, 0], 0.0, atol=1e-15)
    np.testing.assert_allclose(s.inverse(Z), X, atol=1e-12)


# --- batch_indices ----------------------------------------------------------------------------


def test_batches_cover_every_index_once_with_the_right_sizes():
    batches = batch_indices(103, 10, np.random.default_rng(0))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    joined = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(joined), np.arange(103))
    assert not np.array_equal(joined, np.arange(103))
    assert all(np.issubdtype(b.dtype, np.integer) for b in batches)


@pytest.mark.parametrize("batch_size", [50, 64])
def test_batch_size_at_least_n_is_one_full_batch(batch_size):
    batches = batch_indices(50, batch_size, np.random.default_rng(0))
    assert len(batches) == 1
    np.testing.assert_array_equal(np.sort(batches[0]), np.arange(50))


def test_batches_without_rng_are_in_order():
    batches = batch_indices(7, 3, None)
    assert [b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]


def test_batches_reshuffle_each_epoch_reproducibly():
    rng = np.random.default_rng(42)
    first = np.concatenate(batch_indices(40, 8, rng))
    second = np.concatenate(batch_indices(40, 8, rng))
    assert not np.array_equal(first, second)
    again = np.random.default_rng(42)
    np.testing.assert_array_equal(np.concatenate(batch_indices(40, 8, again)), first)
    np.testing.assert_array_equal(np.concatenate(batch_indices(40, 8, again)), second)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_batch_size_must_be_positive_whole(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        batch_indices(10, batch_size, None)
