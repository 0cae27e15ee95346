"""History: exact tail, bounded min/max store for the whole run, NaN/inf, round trip."""

from __future__ import annotations

import io

import numpy as np
import pytest

from core.history import History

COLS = ("lr", "train_loss", "val_loss", "train_acc", "val_acc")
BIG = 10**6

pytestmark = pytest.mark.filterwarnings("error")  # e.g. all-NaN nanmin warnings


def rows(n: int, seed: int = 0, k: int = len(COLS)) -> np.ndarray:
    return np.random.default_rng(seed).random((n, k))


@pytest.fixture(scope="module")
def big() -> tuple[History, np.ndarray, int, int]:
    """A 10^6-epoch run with one spike and one dip at random epochs."""
    data = rows(BIG, seed=1)
    rng = np.random.default_rng(2)
    spike, dip = rng.integers(1, BIG + 1, size=2)
    data[spike - 1, 1] = 50.0
    data[dip - 1, 1] = -50.0
    h = History(COLS)
    h.extend(data)
    return h, data, int(spike), int(dip)


def test_empty():
    h = History(COLS)
    assert len(h) == 0 and h.last() is None
    for a in (*h.series("val_loss", 100), *h.recent("val_loss")):
        assert a.size == 0
    assert len(History.from_state(h.state())) == 0


@pytest.mark.parametrize("n", [1, 2, 7, 200])
def test_series_exact_when_run_fits(n):
    data = rows(n)
    h = History(COLS)
    for r in data:
        h.append(r)
    x, lo, hi = h.series("val_loss", 200)
    np.testing.assert_array_equal(x, np.arange(1, n + 1))
    np.testing.assert_array_equal(lo, data[:, 2])
    np.testing.assert_array_equal(hi, data[:, 2])


def test_series_exact_beyond_ring_while_coarse_is_fine():
    data = rows(300)
    h = History(COLS, recent=16, buckets=512)
    h.extend(data)
    x, lo, hi = h.series("lr", 1000)
    np.testing.assert_array_equal(x, np.arange(1, 301))
    np.testing.assert_array_equal(lo, data[:, 0])
    np.testing.assert_array_equal(hi, data[:, 0])


@pytest.mark.parametrize("width", [1, 2, 3, 50, 199])
def test_series_downsamples_within_width(width):
    data = rows(5000)
    h = History(COLS, recent=64, buckets=32)
    h.extend(data)
    x, lo, hi = h.series("train_acc", width)
    assert 1 <= len(x) <= width and len(lo) == len(hi) == len(x)
    assert np.all(np.diff(x) > 0) and 1 <= x[0] and x[-1] <= 5000
    assert lo.min() == data[:, 3].min() and hi.max() == data[:, 3].max()
    assert np.all(lo <= hi)


@pytest.mark.parametrize(
    "n,recent,buckets,width",
    [(1000, 50, 16, 5000), (1000, 50, 16, 40), (777, 100, 8, 13), (3001, 2048, 2048, 5000),
     (10**5, 2048, 2048, 200), (10**5, 300, 64, 10**4), (33, 1, 2, 7)],
)  # fmt: skip
def test_series_points_partition_the_run(n, recent, buckets, width):
    """With value == epoch, lo/hi are each point's first/last epoch: contiguous, centred x."""
    h = History(["e"], recent, buckets)
    h.extend(np.arange(1.0, n + 1)[:, None])
    x, lo, hi = h.series("e", width)
    assert 1 <= len(x) <= width
    assert lo[0] == 1 and hi[-1] == n
    np.testing.assert_array_equal(lo[1:], hi[:-1] + 1)
    np.testing.assert_array_equal(x, (lo + hi) / 2)


def test_series_width_zero_is_empty():
    h = History(COLS)
    h.extend(rows(10))
    assert all(a.size == 0 for a in h.series("lr", 0))


def test_append_checks_row_length():
    h = History(COLS)
    with pytest.raises(ValueError):
        h.append([1.0, 2.0])
    with pytest.raises(ValueError):
        h.extend(np.zeros((3, 4)))
    with pytest.raises(KeyError):
        h.series("nope", 10)


@pytest.mark.parametrize("recent,buckets", [(64, 16), (5, 2), (2048, 2048), (1, 4)])
def test_extend_equals_repeated_append(recent, buckets):
    data = rows(3000, seed=3)
    data[np.random.default_rng(4).random(data.shape) < 0.05] = np.nan
    data[100, 2], data[2000, 0] = np.inf, -np.inf
    a, b = History(COLS, recent, buckets), History(COLS, recent, buckets)
    for r in data:
        a.append(r)
    chunks = np.random.default_rng(5).integers(0, 300, size=40).cumsum()
    for part in np.split(data, chunks[chunks < len(data)]):
        b.extend(part)
    assert len(a) == len(b) == 3000
    sa, sb = a.state(), b.state()
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)
    for w in (1, 7, 100, 5000):
        for x, y in zip(a.series("val_loss", w), b.series("val_loss", w), strict=True):
            np.testing.assert_array_equal(x, y)


def test_counts_every_epoch_and_memory_bounded(big):
    h, *_ = big
    assert len(h) == BIG
    assert h.nbytes() < 2 * 2**20


def test_spike_and_dip_survive(big):
    h, data, spike, dip = big
    x, lo, hi = h.series("train_loss", 200)
    assert hi.max() == 50.0 and lo.min() == -50.0
    assert abs(x[hi.argmax()] - spike) <= BIG / 200 + 1
    assert abs(x[lo.argmin()] - dip) <= BIG / 200 + 1
    x, lo, hi = h.series("val_loss", 200)  # other columns untouched
    assert hi.max() == data[:, 2].max() and lo.min() == data[:, 2].min()


def test_x_monotonic_and_covers_run(big):
    h, *_ = big
    for w in (1, 2, 200, 1000, 5000):
        x, lo, hi = h.series("lr", w)
        assert 1 <= len(x) <= w
        assert np.all(np.diff(x) > 0)
        step = BIG / min(w, 2048)  # coarse slots are at most 2 * BIG / 2048 wide
        assert 1 <= x[0] <= step and BIG - step <= x[-1] <= BIG


def test_recent_is_exact(big):
    h, data, *_ = big
    ep, v = h.recent("val_acc", 10)
    np.testing.assert_array_equal(ep, np.arange(BIG - 9, BIG + 1))
    np.testing.assert_array_equal(v, data[-10:, 4])
    ep, v = h.recent("val_acc")
    assert len(ep) == 2048 and ep[-1] == BIG
    np.testing.assert_array_equal(v, data[-2048:, 4])
    assert len(h.recent("lr", 10**9)[0]) == 2048 and len(h.recent("lr", 0)[0]) == 0
    assert h.last() == dict(zip(COLS, data[-1].tolist(), strict=True))


def test_recent_before_ring_wraps():
    h = History(COLS, recent=8)
    h.extend(rows(3))
    ep, v = h.recent("lr")
    np.testing.assert_array_equal(ep, [1, 2, 3])
    np.testing.assert_array_equal(v, rows(3)[:, 0])


def test_nan_rows():
    h = History(["a", "b"], recent=4, buckets=4)
    for i in range(1, 101):
        h.append([np.nan, np.nan if i % 10 else float(i)])
    x, lo, hi = h.series("a", 10)
    assert len(x) > 1 and np.all(np.isnan(lo)) and np.all(np.isnan(hi))
    x, lo, hi = h.series("b", 2)  # every bucket holds a number
    assert not np.any(np.isnan(lo)) and not np.any(np.isnan(hi))
    assert hi.max() == 100.0 and lo.min() == 10.0
    x, lo, hi = h.series("b", 1000)  # only the all-NaN units are NaN
    assert np.isnan(hi).any() and np.nanmax(hi) == 100.0


def test_inf_kept():
    h = History(["loss"], recent=4, buckets=4)
    h.extend(np.arange(1.0, 101.0)[:, None])
    h.append([np.inf])
    h.extend(np.ones((100, 1)))
    h.append([-np.inf])
    x, lo, hi = h.series("loss", 3)
    assert np.isinf(hi).any() and hi.max() == np.inf and lo.min() == -np.inf
    assert h.recent("loss", 1)[1][0] == -np.inf


def _roundtrip(h: History) -> History:
    buf = io.BytesIO()
    np.savez(buf, **h.state())
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as f:
        return History.from_state(dict(f))


@pytest.mark.parametrize("n", [0, 5, 100, 1234])
def test_state_round_trip_then_continue(n):
    data = rows(n + 3000, seed=7)
    data[n // 2 :: 97, 1] = np.nan
    a = History(COLS, recent=50, buckets=16)
    a.extend(data[:n])
    st = a.state()
    assert all(v.dtype != object for v in st.values())
    assert st["columns"].dtype.kind == "U" and tuple(st["columns"]) == COLS
    b = _roundtrip(a)
    assert b.columns == a.columns and len(b) == len(a) == n
    for step in (0, 1, 1, 49, 500, 2449):
        start = len(a)
        a.extend(data[start : start + step])
        for r in data[start : start + step]:
            b.append(r)
        assert len(a) == len(b)
        la, lb = a.last() or {}, b.last() or {}
        assert la.keys() == lb.keys()
        np.testing.assert_array_equal([*la.values()], [*lb.values()])
        for c in COLS:
            for x, y in zip(a.recent(c), b.recent(c), strict=True):
                np.testing.assert_array_equal(x, y)
            for w in (1, 10, 300):
                for x, y in zip(a.series(c, w), b.series(c, w), strict=True):
                    np.testing.assert_array_equal(x, y)


def test_clear():
    h = History(COLS, recent=8, buckets=4)
    h.extend(rows(100))
    h.clear()
    assert len(h) == 0 and h.last() is None
    h.extend(rows(3, seed=9))
    x, lo, hi = h.series("lr", 10)
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_array_equal(lo, rows(3, seed=9)[:, 0])
    fresh = History(COLS, recent=8, buckets=4)
    fresh.extend(rows(3, seed=9))
    for r in rows(20, seed=10):  # both keep going: same as a run that was never cleared
        h.append(r)
        fresh.append(r)
    for k, v in fresh.state().items():
        np.testing.assert_array_equal(h.state()[k], v, err_msg=k)


def test_bad_sizes():
    with pytest.raises(ValueError):
        History(COLS, recent=0)
    with pytest.raises(ValueError):
        History(COLS, buckets=3)
