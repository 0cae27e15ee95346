"""The confusion matrix, per-class scores and R², by hand on small arrays."""

import numpy as np
import pytest

from core.metrics import class_report, confusion_matrix, format_report, r2_score


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
