"""Your own data in the core: what is detected and why, the defaults that fit the data, the
split, a validation file, the target's scale, best validation weights."""

import numpy as np
import pytest
from csvfiles import classes_csv, regression_csv, write

from core.best_val import weights_epoch
from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config
from core.csv_data import load_csv
from core.evaluation import confusion, predict, r2, regression_scores
from core.run_data import build_data, summary
from core.state_check import StateError, check_state
from core.trainer import Trainer, history_columns
from core.trainer_state import state_of


def digits(tmp_path, **kw):
    return str(classes_csv(tmp_path / "digits.csv", **kw))


# --- what is detected, said once --------------------------------------------------------


def test_the_summary_says_file_rows_features_task_why_classes_loss_split_and_scaling(tmp_path):
    t = Trainer(Config(data=digits(tmp_path)))
    lines = summary(t.config, t.data, t.loss_name, t.net.activations[-1].name, t.hidden_fitted)
    text = "\n".join(lines)
    assert "digits.csv: 200 rows, 64 features, target digit" in text
    assert "classification: its values are 10 distinct whole numbers (at most 10" in text
    assert "classes  10: 0 (20), 1 (20), 2 (20)" in text
    assert "loss     cross_entropy (softmax output)" in text
    assert "160 training rows, 40 validation rows (0.2 of the rows, stratified by class" in text
    assert "inputs   standardised with the training rows' mean and deviation" in text


def test_text_labels_are_classes_and_the_reason_says_so(tmp_path):
    path = write(tmp_path / "f.csv", ["a", "b", "kind"], [[1, 2, "cat"], [3, 4, "dog"]] * 3)
    ds = load_csv(path)
    assert (ds.task, ds.reason) == ("binary", "its values are text labels")


def test_many_whole_numbers_are_regression_unless_the_task_says_classification(tmp_path):
    path = classes_csv(tmp_path / "d.csv", classes=12)  # 12 distinct whole numbers
    guessed = load_csv(path, target="digit")
    assert guessed.task == "regression"
    assert "12 distinct whole numbers (more than 10: --task classification" in guessed.reason
    asked = load_csv(path, target="digit", task="classification")
    assert asked.task == "multiclass" and asked.class_names == tuple(map(str, range(12)))
    assert asked.reason == "as asked (--task classification)"


def test_few_whole_numbers_can_be_a_regression_when_asked(tmp_path):
    ds = load_csv(classes_csv(tmp_path / "d.csv", classes=3), task="regression")
    assert ds.task == "regression" and ds.Y.shape == (200, 1) and set(ds.Y[:, 0]) == {0, 1, 2}


def test_a_regression_of_text_labels_is_refused_with_what_to_do(tmp_path):
    path = write(tmp_path / "f.csv", ["a", "kind"], [[1, "cat"], [2, "dog"]])
    with pytest.raises(ValueError, match="holds text \\('cat'\\): a regression target must hold"):
        load_csv(path, task="regression")


def test_a_text_feature_column_hints_at_the_target(tmp_path):
    rows = [[5.1, "setosa", 0.2], [6.0, "virginica", 1.5]]
    path = write(tmp_path / "iris.csv", ["length", "species", "width"], rows)
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == (
        "iris.csv line 2, column 2 (species): 'setosa' is not a number; only the target may "
        "hold text: did you mean --target species?"
    )


def test_a_misspelt_target_gets_the_nearest_column(tmp_path):
    path = write(tmp_path / "iris.csv", ["length", "species"], [[5.1, "a"], [6.0, "b"]])
    with pytest.raises(ValueError, match="no column 'specie': did you mean --target species\\?"):
        load_csv(path, target="specie")


# --- defaults that fit the data -----------------------------------------------------------


def test_hidden_auto_fits_the_inputs_and_classes_and_says_so(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), hidden=None))
    assert t.config.hidden == (64,) and t.net.sizes == [64, 64, 10] and t.hidden_fitted
    lines = summary(t.config, t.data, t.loss_name, "softmax", t.hidden_fitted)
    assert "hidden   64 (chosen for 64 inputs and 10 classes; --hidden to choose)" in lines


def test_a_hidden_layer_narrower_than_the_classes_gets_a_warning_not_a_refusal(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), hidden=(4, 2)))
    lines = summary(t.config, t.data, t.loss_name, "softmax", t.hidden_fitted)
    assert lines[-1] == (
        "warning: hidden layer 1 has 4 units, fewer than the 10 outputs: it may limit the "
        "accuracy (try --hidden 64)"
    )
    assert t.net.sizes == [64, 4, 2, 10]


def test_the_split_is_stratified_by_class_and_follows_the_seed(tmp_path):
    rows = [[i, "rare" if i % 10 == 0 else "common"] for i in range(100)]
    path = str(write(tmp_path / "r.csv", ["x", "kind"], rows))
    for seed in range(5):
        data = build_data(Config(data=path, seed=seed))
        assert int(data.val.Y.sum()) == 2 and int(data.train.Y.sum()) == 8  # "rare" is 1
        assert data.stratified
    a, b = build_data(Config(data=path, seed=1)), build_data(Config(data=path, seed=2))
    assert not np.array_equal(a.val.X, b.val.X)
    np.testing.assert_array_equal(a.val.X, build_data(Config(data=path, seed=1)).val.X)


def test_a_validation_file_with_the_same_columns(tmp_path):
    train = classes_csv(tmp_path / "train.csv", classes=3, seed=0)
    val = classes_csv(tmp_path / "val.csv", n=30, classes=3, seed=0)
    data = build_data(Config(data=str(train), val_data=str(val)))
    assert (data.train.n_samples, data.val.n_samples) == (200, 30)
    assert data.val.class_names == data.train.class_names == ("0", "1", "2")
    assert data.scaler is not None  # fitted on the training file only
    np.testing.assert_allclose(data.train.X.mean(axis=0), 0, atol=1e-12)


def test_a_validation_file_is_read_with_the_training_files_classes(tmp_path):
    train = write(tmp_path / "t.csv", ["x", "kind"], [[1, "a"], [2, "b"], [3, "c"]])
    val = write(tmp_path / "v.csv", ["x", "kind"], [[3, "c"], [1, "a"]])
    data = build_data(Config(data=str(train), val_data=str(val), standardize=False))
    np.testing.assert_array_equal(data.val.Y, [[0, 0, 1], [1, 0, 0]])


@pytest.mark.parametrize(
    "header, rows, message",
    [
        (["x", "y", "kind"], [[1, 2, "a"]], "v.csv has 2 feature columns, the training file 1"),
        (["z", "kind"], [[1, "a"]], "v.csv has column 'z' where the training file has 'x'"),
        (["x", "kind"], [[1, "zebra"]], "holds the label 'zebra', which the training file"),
    ],
)
def test_a_validation_file_that_does_not_match_is_refused(tmp_path, header, rows, message):
    train = write(tmp_path / "t.csv", ["x", "kind"], [[1, "a"], [2, "b"]])
    val = write(tmp_path / "v.csv", header, rows)
    with pytest.raises(ValueError, match=message):
        build_data(Config(data=str(train), val_data=str(val)))


def test_validation_data_without_data_is_refused(tmp_path):
    with pytest.raises(ValueError, match="val_data needs data: a CSV file to train on"):
        Trainer(Config(val_data=str(tmp_path / "v.csv")))


# --- regression: the target's scale and R² ------------------------------------------------


def test_a_regression_csv_standardises_its_target_and_predicts_in_its_units(tmp_path):
    path = str(regression_csv(tmp_path / "houses.csv"))
    t = Trainer(Config(data=path, hidden=None, optimizer="adam", lr=0.01))
    assert abs(t.Y.mean()) < 1e-9 and abs(t.Y.std() - 1) < 1e-9
    lines = summary(t.config, t.data, t.loss_name, "linear", t.hidden_fitted)
    assert any(line.startswith("target   standardised: the loss is in units") for line in lines)
    t.train(150)
    raw = np.loadtxt(path, delimiter=",", skiprows=1)
    y_hat = predict(t, raw[:, :2])[:, 0]
    assert np.abs(y_hat - raw[:, 2]).mean() < 60  # prices of about 1000 to 2500
    assert r2(t) > 0.95 and r2(t, "train") > 0.95


def test_the_target_is_left_alone_when_asked(tmp_path):
    path = str(regression_csv(tmp_path / "houses.csv"))
    t = Trainer(Config(data=path, standardize_target=False))
    assert t.target_scaler is None and t.Y.mean() > 500


def test_r2_does_not_depend_on_the_targets_scaling(tmp_path):
    path = str(regression_csv(tmp_path / "houses.csv"))
    a = Trainer(Config(data=path, hidden=(), lr=0.01))
    b = Trainer(Config(data=path, hidden=(), lr=0.01, standardize_target=False))
    a.train(5)
    b.net.params[...] = a.net.params  # the same line in the other units:
    b.net.weights[0][...] *= a.target_scaler.std  # y = s * y' + m
    b.net.biases[0][...] = a.net.biases[0] * a.target_scaler.std + a.target_scaler.mean
    assert r2(a) == pytest.approx(r2(b), abs=1e-9)


# --- classification results and best validation weights -----------------------------------


def test_the_confusion_matrix_of_a_run_counts_its_validation_rows(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), hidden=None))
    t.train(3)
    cm, names = confusion(t)
    assert cm.shape == (10, 10) and names == tuple(map(str, range(10)))
    assert cm.sum() == 40 and (cm.sum(axis=1) == 4).all()  # stratified: 4 of each class
    assert np.trace(cm) / 40 == pytest.approx(t.history.last()["val_acc"])


def test_the_best_validation_epoch_is_remembered_and_restored(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), hidden=(8,), lr=3.0))  # a bumpy descent
    t.train(30)
    _, val = t.history.recent("val_loss")
    best = int(np.argmin(val)) + 1
    assert t.best_val.epoch == best and t.best_val.loss == val.min()
    epoch = t.restore_best()
    assert epoch == best and t.evaluate(t.X_val, t.Y_val)[0] == pytest.approx(val.min())


def test_best_validation_weights_survive_a_checkpoint(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), hidden=(8,), lr=3.0))
    t.train(12)
    save_checkpoint(t, tmp_path / "run.npz")
    u = load_checkpoint(tmp_path / "run.npz")
    assert (u.best_val.epoch, u.best_val.loss) == (t.best_val.epoch, t.best_val.loss)
    np.testing.assert_array_equal(u.best_val.params, t.best_val.params)
    state = state_of(t)
    state["meta"]["best_val_epoch"] = t.epoch + 1
    with pytest.raises(StateError, match="best_val_epoch = 13 is not 0 to 12"):
        check_state(state, history_columns)


def test_no_validation_set_has_no_best_weights_to_restore(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), val_fraction=0.0))
    t.train(2)
    with pytest.raises(ValueError, match="no best validation weights to go back to: no valid"):
        t.restore_best()


def test_a_regression_target_scale_survives_a_checkpoint(tmp_path):
    t = Trainer(Config(data=str(regression_csv(tmp_path / "h.csv"))))
    save_checkpoint(t, tmp_path / "run.npz")
    u = load_checkpoint(tmp_path / "run.npz")
    np.testing.assert_array_equal(u.target_scaler.std, t.target_scaler.std)


def test_a_checkpoint_whose_hidden_layers_are_auto_is_refused(tmp_path):
    state = state_of(Trainer(Config(data=digits(tmp_path), hidden=None)))
    assert state["meta"]["config"]["hidden"] == [64]  # the layers chosen, not "auto"
    state["meta"]["config"]["hidden"] = None
    with pytest.raises(StateError, match="config hidden = None is not the run's hidden layers"):
        check_state(state, history_columns)


# --- a test set, the epoch of the weights -----------------------------------------------


def rows_of(X: np.ndarray) -> set[tuple]:
    return {tuple(np.round(x, 9)) for x in X}


def test_the_test_rows_are_neither_trained_nor_validated_on(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), test_fraction=0.2))
    test = t.data.test
    assert (t.train_set.n_samples, t.val_set.n_samples, test.n_samples) == (120, 40, 40)
    assert not rows_of(test.X) & (rows_of(t.train_set.X) | rows_of(t.val_set.X))
    assert list(np.bincount(test.labels())) == [4] * 10  # stratified: 4 of each class
    scaled = t.scaler.transform(t.scaler.inverse(test.X))  # scaled as the training rows
    np.testing.assert_allclose(scaled, test.X)
    before = Trainer(Config(data=digits(tmp_path)))  # without: the same split as ever
    assert before.data.test is None and before.val_set.n_samples == 40


def test_a_checkpoint_keeps_the_test_set(tmp_path):
    t = Trainer(Config(data=str(regression_csv(tmp_path / "h.csv")), test_fraction=0.25))
    t.train(2)
    save_checkpoint(t, tmp_path / "run.npz")
    back = load_checkpoint(tmp_path / "run.npz")
    np.testing.assert_array_equal(back.data.test.X, t.data.test.X)
    np.testing.assert_array_equal(back.data.test.Y, t.data.test.Y)
    assert regression_scores(back, "test") == regression_scores(t, "test")
    state = state_of(t)
    del state["test/X"]
    with pytest.raises(StateError, match="test/X is missing"):
        check_state(state, history_columns)


def test_a_state_with_test_rows_but_no_test_set_is_refused(tmp_path):
    state = state_of(Trainer(Config(data=str(regression_csv(tmp_path / "h.csv")))))
    state["test/X"] = state["val/X"]
    with pytest.raises(StateError, match="test/X is present but the metadata has no test set"):
        check_state(state, history_columns)


def test_the_weights_epoch_is_the_restored_one_until_the_next_step(tmp_path):
    t = Trainer(Config(data=digits(tmp_path), hidden=(8,), lr=3.0))
    t.train(6)
    assert weights_epoch(t) == 6
    best = t.restore_best()
    assert weights_epoch(t) == best and state_of(t)["meta"]["weights_epoch"] == best
    save_checkpoint(t, tmp_path / "run.npz")
    assert weights_epoch(load_checkpoint(tmp_path / "run.npz")) == best
    t.step()
    assert weights_epoch(t) == 6  # stepped on from them: the epoch count again


def test_the_regression_scores_are_in_the_targets_units(tmp_path):
    t = Trainer(Config(data=str(regression_csv(tmp_path / "h.csv"))))
    t.train(3)
    s = regression_scores(t)
    y = t.target_scaler.inverse(t.Y_val)
    y_hat = predict(t, t.scaler.inverse(t.X_val))
    assert s.rmse == pytest.approx(np.sqrt(np.mean((y - y_hat) ** 2)))
    assert s.mae == pytest.approx(np.mean(np.abs(y - y_hat)))
    assert s.r2 == pytest.approx(r2(t))
    assert np.isnan(regression_scores(Trainer(Config(data=digits(tmp_path))), "val").rmse)
