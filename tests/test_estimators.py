"""core.estimators: scikit-learn's conventions kept without scikit-learn (parameters as plain
attributes, get/set_params, fitted attributes ending in "_", NotFittedError, DataFrame
names), then with it where it is installed: clone, cross_val_score, a Pipeline with a
StandardScaler, GridSearchCV, and the metrics against sklearn.metrics."""

import inspect
import subprocess
import sys

import numpy as np
import pytest

from core.config import ConfigError
from core.csv_data import load_iris
from core.estimators import BackpropClassifier, BackpropRegressor, NotFittedError

FAST = {"epochs": 40, "lr": 0.1}


@pytest.fixture(scope="module")
def iris():
    ds = load_iris()
    return ds.X, np.asarray(ds.class_names)[ds.labels()]  # labels as text


def regression(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = 1000 + 300 * X[:, 0] - 50 * X[:, 1] ** 2 + rng.normal(0, 20, n)
    return X, y


class Frame:
    """What the estimators read of a pandas DataFrame: columns, and an array."""

    def __init__(self, values, columns):
        self.values, self.columns = np.asarray(values), list(columns)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


@pytest.mark.parametrize("cls", [BackpropClassifier, BackpropRegressor])
def test_every_constructor_argument_is_a_plain_attribute_and_a_param(cls):
    names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    est = cls()
    params = est.get_params()
    assert list(params) == names
    assert all(params[n] is getattr(est, n) for n in names)
    assert all(not n.endswith("_") for n in vars(est))  # nothing learned before fit
    again = cls(**params)  # what sklearn.base.clone does
    assert again.get_params() == params and again is not est


def test_set_params_sets_and_returns_self_and_refuses_unknown_names():
    est = BackpropClassifier()
    assert est.set_params(lr=0.1, hidden=(16,)) is est
    assert (est.lr, est.hidden) == (0.1, (16,))
    assert repr(est) == "BackpropClassifier(hidden=(16,), lr=0.1)"
    with pytest.raises(ValueError, match="invalid parameter 'learning_rate' for Backprop"):
        est.set_params(learning_rate=0.1)


def test_a_bad_value_is_refused_by_fit_not_by_the_constructor(iris):
    est = BackpropClassifier(lr=-1, activation="sigmoidal")  # stored as given
    with pytest.raises(ConfigError, match="activation = 'sigmoidal' is not allowed"):
        est.fit(*iris)


def test_predict_before_fit_is_not_fitted(iris):
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        BackpropClassifier().predict(iris[0])
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_a_classifier_learns_labels_as_given_and_scores_its_accuracy(iris):
    X, y = iris
    clf = BackpropClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4 and not hasattr(clf, "feature_names_in_")
    assert 1 <= clf.n_iter_ <= 40 and clf.best_epoch_ is not None
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted = clf.predict(X)
    assert list(predicted) == list(clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) == np.mean(predicted == y) > 0.9


def test_two_classes_give_two_probability_columns(iris):
    X, y = iris
    keep = y != "virginica"
    clf = BackpropClassifier(**FAST).fit(X[keep], (y[keep] == "setosa").astype(int))
    assert list(clf.classes_) == [0, 1]
    proba = clf.predict_proba(X[keep])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X[keep], (y[keep] == "setosa").astype(int)) == 1.0


def test_fit_again_starts_again_and_the_seed_decides(iris):
    X, y = iris
    a = BackpropClassifier(**FAST).fit(X, y).predict_proba(X)
    b = BackpropClassifier(**FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    other = BackpropClassifier(**FAST, random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, other)


def test_a_dataframe_gives_feature_names_and_predict_checks_them(iris):
    X, y = iris
    names = ["sl", "sw", "pl", "pw"]
    clf = BackpropClassifier(**FAST).fit(Frame(X, names), y)
    assert list(clf.feature_names_in_) == names
    np.testing.assert_array_equal(clf.predict(Frame(X, names)), clf.predict(X))
    with pytest.raises(ValueError, match="column names differ .*in another order"):
        clf.predict(Frame(X[:, ::-1], names[::-1]))
    with pytest.raises(ValueError, match="X has 3 features, but BackpropClassifier is expecting 4"):
        clf.predict(X[:, :3])
    numbered = BackpropClassifier(**FAST).fit(Frame(X, range(4)), y)  # names not text
    assert not hasattr(numbered, "feature_names_in_")


def test_bad_inputs_are_refused_with_what_to_do(iris):
    X, y = iris
    with pytest.raises(ValueError, match="give a 2-D array .* X.reshape\\(-1, 1\\)"):
        BackpropClassifier().fit(X[:, 0], y)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X holds 1 NaN or infinite values: fill or drop"):
        BackpropClassifier().fit(bad, y)
    with pytest.raises(ValueError, match="y has 149 rows and X 150"):
        BackpropClassifier().fit(X, y[1:])
    with pytest.raises(ValueError, match="a classifier needs 2 or more"):
        BackpropClassifier().fit(X, np.zeros(150))
    with pytest.raises(ValueError, match="continuous values, not classes; for a regression use"):
        BackpropClassifier().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        BackpropClassifier().fit(X, None)
    with pytest.raises(
        ValueError, match="X has 0 sample\\(s\\) \\(shape=\\(0, 4\\)\\) while a minimum of 1"
    ):
        BackpropClassifier().fit(X[:0], y[:0])


def test_a_regressor_predicts_in_ys_units_and_scores_r2():
    X, y = regression()
    reg = BackpropRegressor(epochs=200, optimizer="adam", lr=0.01).fit(X, y)
    predicted = reg.predict(X)
    assert predicted.shape == (200,) and reg.n_outputs_ == 1
    assert abs(predicted.mean() - y.mean()) < 0.1 * y.std()  # about 1000: y's units
    r2 = 1 - ((y - predicted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert reg.score(X, y) == pytest.approx(r2) and r2 > 0.9
    weighted = reg.score(X, y, sample_weight=np.ones(200))
    assert weighted == pytest.approx(r2)


def test_early_stopping_ends_on_the_best_validation_epoch():
    X, y = regression(n=120)
    y = y + np.random.default_rng(5).normal(0, 300, 120)  # mostly noise: it overfits
    reg = BackpropRegressor(hidden=(64,), lr=0.1, patience=5).fit(X, y)
    trainer = reg.trainer_
    assert reg.n_iter_ == reg.best_epoch_ + 5 < 1000
    np.testing.assert_array_equal(trainer.net.params, trainer.best_val.params)


def test_core_imports_neither_sklearn_nor_pandas_for_the_estimators():
    code = (
        "import sys, numpy as np; from core.estimators import BackpropClassifier as C; "
        "C(epochs=2).fit(np.eye(4), [0, 1, 0, 1]).predict(np.eye(4)); "
        "print(sorted(m for m in ('sklearn', 'pandas', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- with scikit-learn --------------------------------------------------------------------


def test_clone_and_cross_val_score(iris):
    base = pytest.importorskip("sklearn.base")
    selection = pytest.importorskip("sklearn.model_selection")
    clf = BackpropClassifier(hidden=(8,), **FAST)
    copy = base.clone(clf)
    assert copy is not clf and copy.get_params() == clf.get_params()
    assert base.is_classifier(clf) and base.is_regressor(BackpropRegressor())
    scores = selection.cross_val_score(clf, *iris, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    assert not hasattr(clf, "trainer_")  # cross-validation fitted clones, not clf


def test_a_pipeline_with_a_standard_scaler_and_a_grid_search(iris):
    pipeline = pytest.importorskip("sklearn.pipeline")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    selection = pytest.importorskip("sklearn.model_selection")
    X, y = iris
    pipe = pipeline.make_pipeline(
        preprocessing.StandardScaler(), BackpropClassifier(standardize=False, **FAST)
    )
    assert pipe.fit(X, y).score(X, y) > 0.9
    grid = selection.GridSearchCV(BackpropClassifier(epochs=20), {"lr": [0.003, 0.3]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_ == {"lr": 0.3}  # 20 epochs at 0.003 learn little
    assert grid.best_estimator_.lr == 0.3 and hasattr(grid.best_estimator_, "classes_")


def test_scores_are_sklearn_metrics_on_the_same_predictions(iris):
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = iris
    clf = BackpropClassifier(**FAST).fit(X, y)
    assert clf.score(X, y) == metrics.accuracy_score(y, clf.predict(X))
    assert metrics.log_loss(y, clf.predict_proba(X), labels=clf.classes_) < 0.5
    Xr, yr = regression()
    reg = BackpropRegressor(epochs=30).fit(Xr, yr)
    assert reg.score(Xr, yr) == pytest.approx(metrics.r2_score(yr, reg.predict(Xr)), abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("cls", [BackpropClassifier, BackpropRegressor])
def test_scikit_learns_own_checks_pass_but_those_that_need_its_classes(cls):
    """check_estimator's ~50 checks (slow: ~5 s each); the two left need scikit-learn's own
    NotFittedError class and DataConversionWarning, which core does not import."""
    checks = pytest.importorskip("sklearn.utils.estimator_checks")
    results = checks.check_estimator(cls(epochs=30), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert failed <= {"check_estimators_unfitted", "check_supervised_y_2d"}
