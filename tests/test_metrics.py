"""The confusion matrix, per-class scores and R², by hand on small arrays."""

import numpy as np
import pytest

from core.metrics import (
    class_report,
    confusion_matrix,
    distinct_labels,
    errors,
    format_report,
    r2_score,
)


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    cm = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_class_report_by_hand():
    r = class_report(np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]]))
    np.testing.assert_allclose(r.precision, [1 / 2, 1 / 2, 1])
    np.testing.assert_allclose(r.recall, [1 / 2, 1, 2 / 3])
    np.testing.assert_allclose(r.f1, [1 / 2, 2 / 3, 0.8])
    assert r.support.tolist() == [2, 1, 3] and r.accuracy == pytest.approx(4 / 6)
    assert r.balanced_accuracy == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)


def test_a_class_never_predicted_has_no_precision_and_zero_f1():
    r = class_report(np.array([[2, 0], [1, 0]]))
    assert np.isnan(r.precision[1]) and r.recall[1] == 0 and r.f1[1] == 0


def test_class_indices_out_of_range_are_refused():
    with pytest.raises(ValueError, match="class indices must be 0 to 1"):
        confusion_matrix(np.array([0, 2]), np.array([0, 1]), 2)


def test_r2_by_hand_and_in_any_units():
    y, y_hat = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.5])
    assert r2_score(y, y_hat) == pytest.approx(1 - 0.25 / 2)
    assert r2_score(1000 + 50 * y, 1000 + 50 * y_hat) == pytest.approx(1 - 0.25 / 2)
    assert r2_score(y, np.full(3, 2.0)) == 0.0
    assert np.isnan(r2_score(np.ones(4), np.ones(4))) and np.isnan(r2_score(y[:1], y[:1]))


def test_the_report_as_text_names_the_classes():
    lines = format_report(np.array([[3, 1], [0, 4]]), ("cat", "dog"))
    assert lines[1].split() == ["cat", "3", "1", "100.0%", "75.0%", "85.7%", "4"]
    assert lines[-1].startswith("accuracy 87.5% of 8 rows; balanced accuracy (mean recall) 87.5%")


def test_rmse_and_mae_by_hand_and_in_the_units_of_y():
    y, y_hat = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    rmse, mae = errors(y, y_hat)
    assert rmse == pytest.approx(np.sqrt((1 + 0 + 9) / 3)) and mae == pytest.approx(4 / 3)
    assert errors(100 * y, 100 * y_hat) == pytest.approx((100 * rmse, 100 * mae))
    assert all(np.isnan(errors(np.zeros(0), np.zeros(0))))


def test_rmse_and_mae_are_sklearns_where_it_is_installed():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y, y_hat = rng.normal(size=(50, 1)), rng.normal(size=(50, 1))
    rmse, mae = errors(y, y_hat)
    assert rmse == pytest.approx(np.sqrt(metrics.mean_squared_error(y, y_hat)))
    assert mae == pytest.approx(metrics.mean_absolute_error(y, y_hat))


@pytest.mark.parametrize(
    "names, width, expected",
    [
        (["cat", "dog"], 8, (["cat", "dog"], False)),
        (
            ["cultivar_1", "cultivar_2", "cultivar_3"],
            8,
            (["cult…r_1", "cult…r_2", "cult…r_3"], False),
        ),
        (["cultivar_1", "cultivar_2"], 4, (["cu…1", "cu…2"], False)),
        (["alpha_x_end", "alpha_y_end"], 8, (["1", "2"], True)),  # the same start and end
        (["a", "a"], 8, (["1", "2"], True)),
    ],
)
def test_headings_are_told_apart_or_numbered(names, width, expected):
    labels, numbered = distinct_labels(names, width)
    assert (labels, numbered) == expected
    assert all(len(x) <= width for x in labels) and len(set(labels)) == len(labels)


def test_the_reports_headings_are_distinct_and_separated():
    cm = np.array([[5, 1, 0], [0, 7, 2], [1, 0, 9]])
    head = format_report(cm, ("cultivar_1", "cultivar_2", "cultivar_3"))[0].split()
    assert head[:3] == ["cult…r_1", "cult…r_2", "cult…r_3"]
    lines = format_report(cm, ("alpha_x_end", "alpha_y_end", "alpha_z_end"))
    assert lines[0].split()[:3] == ["1", "2", "3"]  # the rows say which is which
    assert [line.split()[:2] for line in lines[1:4]] == [["1", "alpha_x_end"], ["2", "alpha_y_end"],
                                                         ["3", "alpha_z_end"]]  # fmt: skip
