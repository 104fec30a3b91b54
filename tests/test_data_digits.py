"""Tests for nnviz.data.load_digits (the shipped UCI 8 x 8 digits) and the stratified split."""
import os
import zipfile

import numpy as np
import pytest

import nnviz.data
from nnviz.data import DIGITS_ATTRIBUTION, load_digits, train_test_split
from nnviz.data import digits as digits_module

DATA_DIR = os.path.dirname(nnviz.data.__file__)


# ------------------------------------------------------------------------- the file


def test_file_is_small_compressed_uint8_and_pickle_free():
    path = os.path.join(DATA_DIR, "digits.npz")
    assert os.path.getsize(path) < 100_000
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["images.npy", "labels.npy"]
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in zf.infolist())
    with np.load(path, allow_pickle=False) as data:
        assert data["images"].dtype == np.uint8 and data["images"].shape == (1797, 8, 8)
        assert data["labels"].dtype == np.uint8 and data["labels"].shape == (1797,)


def test_attribution_ships_beside_the_data():
    with open(os.path.join(DATA_DIR, "DIGITS_ATTRIBUTION.txt"), encoding="utf-8") as fh:
        text = fh.read()
    for needed in ("Alpaydin", "Kaynak", "CC BY 4.0", "10.24432/C50P49", "creativecommons.org"):
        assert needed in text and needed in DIGITS_ATTRIBUTION
    assert "scikit-learn" in text
    assert "Alpaydin" in load_digits.__doc__ and "CC BY 4.0" in load_digits.__doc__


# ----------------------------------------------------------------------- the arrays


def test_shapes_dtypes_and_range():
    X, y = load_digits()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))  # exact multiples of 1/16
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_same_values_and_order_as_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    reference = sklearn_datasets.load_digits()
    X, y = load_digits()
    np.testing.assert_array_equal(X[:, 0] * 16, reference.images)
    np.testing.assert_array_equal(y, reference.target)
    X_flat, _ = load_digits(flat=True)
    np.testing.assert_array_equal(X_flat, reference.data / 16)


def test_known_first_image_without_scikit_learn():
    # The first image of the UCI test set, a zero, as printed in countless tutorials.
    X, y = load_digits()
    first = np.array([
        [0, 0, 5, 13, 9, 1, 0, 0],
        [0, 0, 13, 15, 10, 15, 5, 0],
        [0, 3, 15, 2, 0, 11, 8, 0],
        [0, 4, 12, 0, 0, 8, 8, 0],
        [0, 5, 8, 0, 0, 9, 8, 0],
        [0, 4, 11, 0, 1, 12, 7, 0],
        [0, 2, 14, 5, 10, 12, 0, 0],
        [0, 0, 6, 13, 10, 0, 0, 0],
    ])
    np.testing.assert_array_equal(X[0, 0] * 16, first)
    assert y[:10].tolist() == list(range(10))


def test_flat_is_the_images_row_by_row():
    X, y = load_digits()
    X_flat, y_flat = load_digits(flat=True)
    assert X_flat.shape == (1797, 64)
    np.testing.assert_array_equal(X_flat, X.reshape(1797, 64))
    np.testing.assert_array_equal(y_flat, y)


def test_float32():
    X, _ = load_digits(dtype=np.float32)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X, load_digits()[0].astype(np.float32))


def test_classes_keep_order_and_relabel_follows_classes():
    X, y = load_digits()
    X04, y04 = load_digits(classes=range(5))
    keep = y < 5
    np.testing.assert_array_equal(X04, X[keep])
    np.testing.assert_array_equal(y04, y[keep])
    assert set(y04.tolist()) == {0, 1, 2, 3, 4}

    X59, y59 = load_digits(classes=[5, 6, 7, 8, 9], relabel=True)
    np.testing.assert_array_equal(X59, X[y >= 5])
    np.testing.assert_array_equal(y59, y[y >= 5] - 5)

    _, y_odd = load_digits(classes=np.array([9, 3]), relabel=True)  # position in classes
    np.testing.assert_array_equal(y_odd, np.where(y[(y == 3) | (y == 9)] == 9, 0, 1))
    _, y_kept = load_digits(classes=(9, 3))
    assert set(y_kept.tolist()) == {3, 9}


def test_returns_fresh_arrays_and_reads_the_file_once():
    X, y = load_digits()
    X[...] = -1.0
    y[...] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0.0 and y2.min() == 0
    assert X2.flags.writeable and y2.flags.writeable
    images, labels = digits_module._raw_digits()
    assert not images.flags.writeable and not labels.flags.writeable
    assert digits_module._raw_digits.cache_info().currsize == 1


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"classes": 3}, TypeError, r"classes must be None or a sequence of distinct digits 0\.\.9 .* got 3 \(int\)"),
        ({"classes": "01"}, TypeError, r"classes must be None or a sequence .* got '01' \(str\)"),
        ({"classes": [1, 2.0]}, TypeError, r"classes must be .* got an element 2\.0 \(float\)"),
        ({"classes": [True]}, TypeError, r"got an element True \(bool\)"),
        ({"classes": []}, ValueError, r"classes must name at least one digit, got \[\]"),
        ({"classes": [0, 10]}, ValueError, r"classes must hold digits 0\.\.9, got 10"),
        ({"classes": [-1]}, ValueError, r"classes must hold digits 0\.\.9, got -1"),
        ({"classes": [1, 2, 1]}, ValueError, r"classes must not repeat a digit, got 1 more than once"),
        ({"flat": 1}, TypeError, r"flat must be True or False, got 1 \(int\)"),
        ({"relabel": "yes"}, TypeError, r"relabel must be True or False"),
        ({"relabel": True}, ValueError, r"relabel=True needs classes"),
        ({"dtype": np.int64}, ValueError, r"dtype must be float32 or float64, got int64"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits(**kwargs)


# ------------------------------------------------------------------ stratified split


def test_stratified_split_of_digits_keeps_class_proportions():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.8, seed=0, stratify=True)
    assert X_train.shape == (1437, 1, 8, 8) and X_test.shape == (360, 1, 8, 8)
    counts, train_counts = np.bincount(y), np.bincount(y_train, minlength=10)
    # each class within one sample of its exact share of the 1437
    assert np.all(np.abs(train_counts - counts * 1437 / 1797) < 1)
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), counts - train_counts)
    # images travel with their labels, nothing lost or repeated
    pairs = lambda A, b: sorted((a.tobytes(), int(c)) for a, c in zip(A.reshape(len(A), 64), b))
    assert pairs(np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])) == pairs(X, y)


def test_stratified_split_is_deterministic_per_seed_and_shuffled():
    X, y = load_digits(flat=True)
    first = train_test_split(X, y, train_ratio=0.7, seed=5, stratify=True)
    second = train_test_split(X, y, train_ratio=0.7, seed=np.random.default_rng(5), stratify=np.True_)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    other = train_test_split(X, y, train_ratio=0.7, seed=6, stratify=True)
    assert not np.array_equal(first[2], other[2])
    # shuffled across classes, not grouped
    assert np.count_nonzero(np.diff(first[2])) > len(first[2]) // 2


def test_stratify_on_other_labels_and_one_hot_rows():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100.0)[:, None]
    groups = np.repeat([0, 1], [50, 50])  # stratify on a grouping that is not y
    _, _, _, y_test = train_test_split(X, y, train_ratio=0.5, seed=0, stratify=groups)
    X_tr, X_te, _, _ = train_test_split(X, y, train_ratio=0.5, seed=0, stratify=groups)
    assert np.count_nonzero(X_tr[:, 0] < 50) == 25 and np.count_nonzero(X_te[:, 0] < 50) == 25
    one_hot = np.eye(3)[y]
    _, _, T_train, T_test = train_test_split(X, one_hot, train_ratio=0.5, seed=0, stratify=True)
    assert T_train.sum(axis=0).tolist() == [30, 15, 5] and T_test.sum(axis=0).tolist() == [30, 15, 5]


@pytest.mark.parametrize("ratio", [0.1, 0.33, 0.5, 0.77, 0.9])
def test_stratified_counts_add_up_and_every_class_on_both_sides(ratio):
    y = np.repeat(np.arange(7), [2, 3, 5, 8, 13, 21, 48])
    X = np.zeros((100, 3, 2))  # any rank
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=ratio, seed=1, stratify=True)
    assert X_train.shape[1:] == (3, 2)
    assert len(y_train) + len(y_test) == 100
    assert set(y_train.tolist()) == set(y_test.tolist()) == set(range(7))
    # the large class is within one of its share; the total is the plain split's, unless a class
    # of 2 or 3 had to be nudged to appear on both sides
    assert abs(np.count_nonzero(y_train == 6) - 48 * ratio) < 1 + 1e-9
    assert abs(len(y_train) - int(np.floor(100 * ratio + 1e-9))) <= 2


def test_no_stratify_is_the_old_split():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20) % 2
    rng_order = np.random.default_rng(3).permutation(20)
    for stratify in (None, False, np.False_):
        X_train, _, y_train, _ = train_test_split(X, y, seed=3, stratify=stratify)
        np.testing.assert_array_equal(y_train, y[rng_order[:10]])


def test_stratify_errors():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"y has a class with a single sample \(2\); stratify needs at least 2"):
        train_test_split(X, [1, 1, 2, 1], stratify=True)
    with pytest.raises(ValueError, match=r"stratify has a class with a single sample \(0\.5\)"):
        train_test_split(X, [0, 0, 1, 1], stratify=[0.5, 1.5, 1.5, 2.5])
    with pytest.raises(ValueError, match=r"stratify must have one entry per row of X \(4\), got 3"):
        train_test_split(X, [0, 0, 1, 1], stratify=[0, 0, 1])
    with pytest.raises(ValueError, match=r"stratify must be of shape \(n_samples,\), got a scalar"):
        train_test_split(X, [0, 0, 1, 1], stratify=3)
    with pytest.raises(ValueError, match=r"stratify must contain only finite values"):
        train_test_split(X, [0, 0, 1, 1], stratify=[0, 0, np.nan, 1])
    with pytest.raises(TypeError, match=r"stratify must contain real numbers"):
        train_test_split(X, [0, 0, 1, 1], stratify=np.array(["a", "a", "b", "b"]))
    with pytest.raises(TypeError, match=r"stratify must be None, True, False or an array of labels .* got 'y' \(str\)"):
        train_test_split(X, [0, 0, 1, 1], stratify="y")
    with pytest.raises(ValueError, match=r"stratify must be of shape \(n_samples,\) or \(n_samples, n_outputs\)"):
        train_test_split(X, [0, 0, 1, 1], stratify=np.zeros((4, 1, 1)))


def test_every_data_file_is_declared_as_package_data():
    # a file that pyproject.toml does not list would be missing from the wheel and the sdist
    tomllib = pytest.importorskip("tomllib")
    import fnmatch

    pyproject = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
    with open(pyproject, "rb") as fh:
        patterns = tomllib.load(fh)["tool"]["setuptools"]["package-data"]["nnviz.data"]
    shipped = [f for f in os.listdir(DATA_DIR)
               if os.path.isfile(os.path.join(DATA_DIR, f)) and not f.endswith((".py", ".pyc"))]
    assert {"digits.npz", "DIGITS_ATTRIBUTION.txt", "jabberwocky.txt", "digits_cnn_0to4.npz"} <= set(shipped)
    for name in shipped:
        assert any(fnmatch.fnmatch(name, p) for p in patterns), f"{name} is not in package-data {patterns}"


def test_stratified_split_properties():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=60, deadline=None)
    @hypothesis.given(
        counts=st.lists(st.integers(2, 40), min_size=1, max_size=6),
        ratio=st.floats(0.05, 0.95),
        seed=st.integers(0, 2**32 - 1),
    )
    def check(counts, ratio, seed):
        y = np.repeat(np.arange(len(counts)), counts)
        n = len(y)
        X = np.arange(n, dtype=float)[:, None]
        X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=ratio, seed=seed, stratify=True)
        # a partition of the samples, labels travelling with them
        assert sorted(np.concatenate([X_train, X_test])[:, 0].tolist()) == list(range(n))
        np.testing.assert_array_equal(y[X_train[:, 0].astype(int)], y_train)
        n_train = min(max(int(np.floor(n * ratio + 1e-9)), 1), n - 1)
        per_class = np.bincount(y_train, minlength=len(counts))
        counts_arr = np.array(counts)
        assert np.all(per_class >= 1) and np.all(per_class <= counts_arr - 1)  # every class on both sides
        quota = counts_arr * n_train / n
        unclamped = (quota >= 1) & (quota <= counts_arr - 1)
        assert np.all(np.abs(per_class - quota)[unclamped] < 1)  # proportional: within one of the quota
        if np.all(unclamped):
            assert len(y_train) == n_train  # and the plain split's total

    check()


def test_a_missing_or_damaged_file_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(digits_module, "DIGITS_FILE", "no_such_digits.npz")
    digits_module._raw_digits.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match=r"no_such_digits\.npz is missing .* reinstall nnviz-lab"):
            load_digits()
        (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
        monkeypatch.setattr(digits_module.resources, "files", lambda package: tmp_path)
        monkeypatch.setattr(digits_module, "DIGITS_FILE", "broken.npz")
        digits_module._raw_digits.cache_clear()
        with pytest.raises(ValueError, match=r"broken\.npz is damaged"):
            load_digits()
    finally:
        monkeypatch.undo()
        digits_module._raw_digits.cache_clear()
    assert load_digits()[0].shape == (1797, 1, 8, 8)
