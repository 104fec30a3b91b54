"""Tests for nnviz.data: the playground formulas, the registries, the split and the checks.

Formula tests re-derive the data from the same ``numpy.random.Generator`` draws, in the draw
order each generator documents, so any drift from TensorFlow Playground's ``dataset.ts``
(or from our own documented extensions) shows up as a number, not a picture.
"""
import numpy as np
import pytest

from nnviz.data import (
    DATASET_INFO,
    DATASETS,
    DEFAULT_FEATURES,
    FEATURES,
    TASKS,
    DatasetInfo,
    check_dataset,
    dataset_info,
    make_dataset,
    make_features,
    train_test_split,
)
from nnviz.data.toy2d import _reg_gauss_target

CLASSIFICATION = [name for name, info in DATASET_INFO.items() if info.task != "regression"]
REGRESSION = [name for name, info in DATASET_INFO.items() if info.task == "regression"]


def playground_dist(x, y, cx, cy):
    """The playground's dist(), one point at a time."""
    return np.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy))


# ------------------------------------------------------------------ registry and shapes


def test_registry_names_and_tasks():
    assert list(DATASETS) == [
        "circle", "xor", "gauss", "spiral", "reg_plane", "reg_gauss", "moons", "spirals", "blobs"
    ]
    assert list(DATASET_INFO) == list(DATASETS)
    assert {name: info.task for name, info in DATASET_INFO.items()} == {
        "circle": "binary", "xor": "binary", "gauss": "binary", "spiral": "binary",
        "reg_plane": "regression", "reg_gauss": "regression", "moons": "binary",
        "spirals": "multiclass", "blobs": "multiclass",
    }
    for name, info in DATASET_INFO.items():
        assert isinstance(info, DatasetInfo)
        assert info.name == name
        assert info.task in TASKS
        assert DATASETS[name] is info.generator
        assert info.n_classes == {"binary": 2, "multiclass": 3, "regression": None}[info.task]
        assert info.default_n == (1200 if info.task == "regression" else 500)


def test_dataset_info_n_classes_follows_option():
    assert dataset_info("spirals", n_classes=5).n_classes == 5
    assert dataset_info("blobs").n_classes == 3
    assert "generator" not in repr(dataset_info("circle"))


@pytest.mark.parametrize("name", list(DATASETS))
def test_default_shapes_and_dtypes(name):
    X, y = make_dataset(name, seed=0)
    n = DATASET_INFO[name].default_n
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,)
    if DATASET_INFO[name].task == "regression":
        assert y.dtype == np.float64
    else:
        assert y.dtype == np.int64
        assert set(np.unique(y)) == set(range(DATASET_INFO[name].n_classes))
    assert np.isfinite(X).all() and np.isfinite(y).all()


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("n", [1, 2, 7])
def test_exact_sample_count(name, n):
    X, y = make_dataset(name, n=n, noise=0.2, seed=1)
    assert X.shape == (n, 2) and y.shape == (n,)


@pytest.mark.parametrize("name", list(DATASETS))
def test_points_fill_the_playground_view(name):
    X, _ = make_dataset(name, seed=3)
    assert np.abs(X).max() <= 6.5
    assert np.mean(np.abs(X) <= 6.0) >= 0.99
    assert np.abs(X).max() >= 4.0  # fills the view rather than huddling in the middle


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_is_bit_identical_and_seeds_differ(name):
    X1, y1 = make_dataset(name, n=60, noise=0.3, seed=42)
    X2, y2 = make_dataset(name, n=60, noise=0.3, seed=42)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    X3, _ = make_dataset(name, n=60, noise=0.3, seed=43)
    assert not np.array_equal(X1, X3)
    X4, y4 = make_dataset(name, n=60, noise=0.3, seed=np.random.default_rng(42))
    assert np.array_equal(X1, X4) and np.array_equal(y1, y4)


def test_seed_none_uses_fresh_entropy_and_global_state_untouched():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    X1, _ = make_dataset("xor", n=20)
    X2, _ = make_dataset("xor", n=20)
    assert not np.array_equal(X1, X2)
    assert np.array_equal(np.random.get_state()[1], before)


def test_generator_argument_is_advanced():
    rng = np.random.default_rng(5)
    X1, _ = make_dataset("circle", n=30, seed=rng)
    X2, _ = make_dataset("circle", n=30, seed=rng)
    assert not np.array_equal(X1, X2)


@pytest.mark.parametrize("name", ["circle", "xor", "reg_plane", "reg_gauss"])
def test_noise_moves_labels_not_points(name):
    # As in the playground, the jitter is always drawn: the noise slider keeps the points.
    X0, y0 = make_dataset(name, n=300, noise=0.0, seed=9)
    X1, y1 = make_dataset(name, n=300, noise=0.5, seed=9)
    assert np.array_equal(X0, X1)
    assert not np.array_equal(y0, y1)


# ------------------------------------------------------------- playground formulas


def test_circle_formula_from_the_same_draws():
    n, noise, seed = 9, 0.3, 11
    rng = np.random.default_rng(seed)
    r = np.concatenate((rng.uniform(0, 2.5, 5), rng.uniform(3.5, 5, 4)))
    a = rng.uniform(0, 2 * np.pi, n)
    jitter = rng.uniform(-5, 5, size=(n, 2)) * noise
    X, y = make_dataset("circle", n=n, noise=noise, seed=seed)
    for i in range(n):
        x1, x2 = r[i] * np.sin(a[i]), r[i] * np.cos(a[i])
        assert X[i, 0] == x1 and X[i, 1] == x2
        label = 1 if playground_dist(x1 + jitter[i, 0], x2 + jitter[i, 1], 0, 0) < 2.5 else 0
        assert y[i] == label


def test_circle_invariants_without_noise():
    X, y = make_dataset("circle", n=501, seed=0)
    radius = np.linalg.norm(X, axis=1)
    assert np.array_equal(y, (radius < 2.5).astype(np.int64))
    assert np.all(radius[:251] <= 2.5) and np.all(radius[251:] >= 3.5)
    assert np.all(radius <= 5.0)
    assert y[:251].sum() == 251 and y[251:].sum() == 0  # ceil(n/2) inside, first


def test_circle_noise_flips_labels_near_the_border():
    X, y = make_dataset("circle", n=2000, noise=0.5, seed=0)
    wrong = y != (np.linalg.norm(X, axis=1) < 2.5)
    assert 0 < wrong.mean() < 0.5


def test_xor_formula_from_the_same_draws():
    n, noise, seed = 2000, 0.5, 4  # enough points to land some products right next to 0
    rng = np.random.default_rng(seed)
    raw = rng.uniform(-5, 5, size=(n, 2))
    jitter = rng.uniform(-5, 5, size=(n, 2)) * noise
    X, y = make_dataset("xor", n=n, noise=noise, seed=seed)
    for i in range(n):
        x1 = raw[i, 0] + (0.3 if raw[i, 0] > 0 else -0.3)
        x2 = raw[i, 1] + (0.3 if raw[i, 1] > 0 else -0.3)
        assert X[i, 0] == x1 and X[i, 1] == x2
        assert y[i] == (1 if (x1 + jitter[i, 0]) * (x2 + jitter[i, 1]) >= 0 else 0)


def test_xor_invariants_without_noise():
    X, y = make_dataset("xor", n=1000, seed=2)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(np.int64))
    assert np.all(np.abs(X) >= 0.3) and np.all(np.abs(X) <= 5.3)


def test_gauss_formula_from_the_same_draws():
    n, noise, seed = 7, 0.2, 8
    z = np.random.default_rng(seed).standard_normal((n, 2))
    sd = np.sqrt(0.5 + 0.2 / 0.5 * 3.5)  # d3.scale.linear().domain([0, .5]).range([.5, 4])
    X, y = make_dataset("gauss", n=n, noise=noise, seed=seed)
    centres = np.array([2.0] * 4 + [-2.0] * 3)[:, None]
    np.testing.assert_array_equal(X, centres + sd * z)
    np.testing.assert_array_equal(y, [1, 1, 1, 1, 0, 0, 0])


@pytest.mark.parametrize("noise, variance", [(0.0, 0.5), (0.25, 2.25), (0.5, 4.0)])
def test_gauss_means_and_variance_mapping(noise, variance):
    X, y = make_dataset("gauss", n=40000, noise=noise, seed=1)
    for label, centre in [(1, 2.0), (0, -2.0)]:
        cloud = X[y == label]
        np.testing.assert_allclose(cloud.mean(axis=0), [centre, centre], atol=0.05)
        np.testing.assert_allclose(cloud.var(axis=0), [variance, variance], rtol=0.04)


def test_spiral_formula():
    n, noise, seed = 11, 0.4, 3
    jitter = np.random.default_rng(seed).uniform(-1, 1, size=(n, 2)) * noise
    X, y = make_dataset("spiral", n=n, noise=noise, seed=seed)
    half = n / 2
    expected, labels = [], []
    for delta, label, count in [(0.0, 1, 6), (np.pi, 0, 5)]:  # playground's genSpiral calls
        for i in range(count):
            r = i / half * 5
            t = 1.75 * i / half * 2 * np.pi + delta
            expected.append((r * np.sin(t), r * np.cos(t)))
            labels.append(label)
    np.testing.assert_array_equal(X, np.array(expected) + jitter)
    np.testing.assert_array_equal(y, labels)


def test_spiral_radii_without_noise():
    X, y = make_dataset("spiral", n=500, seed=0)
    i = np.arange(250)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[:250], 5 * i / 250, atol=1e-12)
    np.testing.assert_allclose(radius[250:], 5 * i / 250, atol=1e-12)
    # the two arms are point reflections of each other (delta = pi)
    np.testing.assert_allclose(X[250:], -X[:250], atol=1e-12)
    assert np.all(y[:250] == 1) and np.all(y[250:] == 0)


def test_reg_plane_formula():
    n, noise, seed = 10, 0.35, 6
    rng = np.random.default_rng(seed)
    points = rng.uniform(-6, 6, size=(n, 2))
    jitter = rng.uniform(-6, 6, size=(n, 2)) * noise
    X, y = make_dataset("reg_plane", n=n, noise=noise, seed=seed)
    np.testing.assert_array_equal(X, points)
    np.testing.assert_allclose(y, (points.sum(axis=1) + jitter.sum(axis=1)) / 10, rtol=1e-15)


def test_reg_plane_without_noise():
    X, y = make_dataset("reg_plane", seed=0)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10, rtol=0, atol=1e-15)
    assert np.all(np.abs(X) <= 6)


def playground_reg_gauss_label(x, y):
    """getLabel() of the playground's regressGaussian, line by line."""
    gaussians = [
        [-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]
    ]
    label = 0.0
    for cx, cy, sign in gaussians:
        new_label = sign * min(max(1 - playground_dist(x, y, cx, cy) / 2, 0.0), 1.0)
        if abs(new_label) > abs(label):
            label = new_label
    return label


@pytest.mark.parametrize(
    "point, target",
    [
        ((-4.0, 2.5), 1.0),  # on a positive centre
        ((0.0, 2.5), -1.0),  # on a negative centre
        ((4.0, -2.5), -1.0),
        ((1.0, 2.5), -0.5),  # 1 from (0, 2.5, -), 3 from (4, 2.5, +)
        ((2.0, 2.5), 0.0),  # 2 from two centres: both cones are 0 there
        ((-4.0, 0.0), 0.0),  # 2.5 from both (-4, +-2.5)
        ((0.0, 1.5), -0.5),  # 1 from (0, 2.5, -)
    ],
)
def test_reg_gauss_target_at_known_points(point, target):
    assert _reg_gauss_target(np.array([point]))[0] == pytest.approx(target, abs=1e-15)


def test_reg_gauss_matches_playground_get_label():
    n, noise, seed = 300, 0.3, 12
    rng = np.random.default_rng(seed)
    points = rng.uniform(-6, 6, size=(n, 2))
    jitter = rng.uniform(-6, 6, size=(n, 2)) * noise
    X, y = make_dataset("reg_gauss", n=n, noise=noise, seed=seed)
    np.testing.assert_array_equal(X, points)
    expected = [playground_reg_gauss_label(*(p + j)) for p, j in zip(points, jitter)]
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-15)
    assert np.all(np.abs(y) <= 1)


def test_reg_gauss_range_and_signs():
    X, y = make_dataset("reg_gauss", n=5000, seed=0)
    assert y.min() >= -1 and y.max() <= 1
    assert y.min() < -0.8 and y.max() > 0.8
    near_positive = np.linalg.norm(X - [4, 2.5], axis=1) < 1
    assert np.all(y[near_positive] > 0)


# ------------------------------------------------------------- beyond the playground


def test_moons_shape_without_noise():
    n = 101
    X, y = make_dataset("moons", n=n, seed=0)
    assert (y == 0).sum() == 50 and (y == 1).sum() == 51  # sklearn's split
    unscaled = X / 3.5 + [0.5, 0.25]
    np.testing.assert_allclose(np.linalg.norm(unscaled[y == 0], axis=1), 1.0, atol=1e-12)
    lower_centre = [1.0, 0.5]  # sklearn's inner moon is a half circle around (1, 0.5)
    np.testing.assert_allclose(
        np.linalg.norm(unscaled[y == 1] - lower_centre, axis=1), 1.0, atol=1e-12
    )
    assert np.all(unscaled[y == 0, 1] >= -1e-12) and np.all(unscaled[y == 1, 1] <= 0.5 + 1e-12)


def test_moons_noise_is_gaussian_in_moon_units():
    n, noise, seed = 8, 0.2, 5
    z = np.random.default_rng(seed).standard_normal((n, 2))
    clean, _ = make_dataset("moons", n=n, seed=seed)
    X, _ = make_dataset("moons", n=n, noise=noise, seed=seed)
    np.testing.assert_allclose(X - clean, 3.5 * noise * z, atol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_spirals_classes_and_radii(k):
    X, y = make_dataset("spirals", n=100, n_classes=k, seed=0)
    counts = np.bincount(y, minlength=k)
    assert counts.sum() == 100 and counts.max() - counts.min() <= 1
    assert list(y) == sorted(y)
    for label in range(k):
        i = np.arange(counts[label])
        radius = np.linalg.norm(X[y == label], axis=1)
        np.testing.assert_allclose(radius, 5 * i / (100 / k), atol=1e-12)


def test_spirals_with_two_classes_is_the_playground_spiral():
    Xs, ys = make_dataset("spirals", n=51, noise=0.3, seed=2, n_classes=2)
    Xp, yp = make_dataset("spiral", n=51, noise=0.3, seed=2)
    np.testing.assert_array_equal(Xs, Xp)
    np.testing.assert_array_equal(ys, 1 - yp)


def test_spirals_arms_are_turned_by_equal_angles():
    X, y = make_dataset("spirals", n=300, n_classes=3, seed=0)
    turn = 2 * np.pi / 3
    rotation = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    # (r sin(t + turn), r cos(t + turn)) is arm 0 rotated clockwise by `turn`
    np.testing.assert_allclose(X[y == 1], X[y == 0] @ rotation.T, atol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 6])
def test_blobs_centres_and_spread(k):
    X, y = make_dataset("blobs", n=6000, n_classes=k, noise=0.1, seed=0)
    angle = 2 * np.pi * np.arange(k) / k
    centres = 3.5 * np.column_stack((np.sin(angle), np.cos(angle)))
    for label in range(k):
        cloud = X[y == label]
        np.testing.assert_allclose(cloud.mean(axis=0), centres[label], atol=0.1)
        np.testing.assert_allclose(cloud.var(axis=0), 0.5 + 7 * 0.1, rtol=0.1)


def test_blobs_formula_from_the_same_draws():
    z = np.random.default_rng(1).standard_normal((5, 2))
    X, y = make_dataset("blobs", n=5, n_classes=2, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1])
    centres = np.array([[0.0, 3.5]] * 3 + [[3.5 * np.sin(np.pi), 3.5 * np.cos(np.pi)]] * 2)
    np.testing.assert_array_equal(X, centres + np.sqrt(0.5) * z)


# ------------------------------------------------------------------------- split


def test_split_sizes_disjoint_and_complete():
    X, y = make_dataset("circle", n=500, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.7, seed=1)
    assert X_train.shape == (350, 2) and X_test.shape == (150, 2)
    assert y_train.shape == (350,) and y_test.shape == (150,)
    assert y_train.dtype == np.int64 and X_train.dtype == np.float64
    rows = np.vstack((X_train, X_test))
    order = np.lexsort(rows.T)
    np.testing.assert_array_equal(rows[order], X[np.lexsort(X.T)])
    train_rows = {tuple(r) for r in X_train}
    assert not any(tuple(r) in train_rows for r in X_test)
    # labels travel with their points
    lookup = {tuple(r): label for r, label in zip(X, y)}
    assert all(lookup[tuple(r)] == label for r, label in zip(X_train, y_train))


def test_split_is_seeded_and_shuffles():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    first = train_test_split(X, y, seed=3)
    second = train_test_split(X, y, seed=3)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    other = train_test_split(X, y, seed=4)
    assert not np.array_equal(first[2], other[2])
    assert not np.array_equal(first[2], np.arange(10))  # shuffled, not the first half
    np.testing.assert_array_equal(first[0][:, 0], 2 * first[2])  # rows stay whole


@pytest.mark.parametrize(
    "n, ratio, n_train",
    [
        (500, 0.5, 250), (500, 0.1, 50), (500, 0.9, 450),  # the playground's slider
        (100, 0.29, 29),  # 100 * 0.29 = 28.999999999999996 in floating point
        (5, 0.5, 2), (2, 0.01, 1), (2, 0.99, 1), (10, 0.999, 9),  # floor, then 1..n-1
    ],
)
def test_split_counts_floor_and_keep_one_each_side(n, ratio, n_train):
    X = np.zeros((n, 2))
    X_train, X_test, _, _ = train_test_split(X, np.zeros(n), train_ratio=ratio, seed=0)
    assert len(X_train) == n_train and len(X_test) == n - n_train


def test_split_accepts_image_batches_and_column_labels():
    X = np.zeros((6, 1, 3, 3))
    X_train, X_test, y_train, _ = train_test_split(X, np.ones((6, 1)), seed=0)
    assert X_train.shape == (3, 1, 3, 3) and X_test.shape == (3, 1, 3, 3)
    assert y_train.shape == (3, 1)


# ---------------------------------------------------------------------- features


def test_feature_registry():
    assert list(FEATURES) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert [f.label for f in FEATURES.values()] == [
        "X₁", "X₂", "X₁²", "X₂²", "X₁X₂", "sin(X₁)", "sin(X₂)"
    ]
    assert all(f.name == name for name, f in FEATURES.items())
    assert DEFAULT_FEATURES == ("x1", "x2")


def test_feature_values():
    X = np.array([[1.0, 2.0], [-3.0, 0.5], [0.0, -np.pi / 2]])
    x1, x2 = X[:, 0], X[:, 1]
    expected = {
        "x1": x1, "x2": x2, "x1^2": x1**2, "x2^2": x2**2, "x1*x2": x1 * x2,
        "sin(x1)": np.sin(x1), "sin(x2)": np.sin(x2),
    }
    for name, values in expected.items():
        out = FEATURES[name](X)
        assert out.shape == (3,) and out.dtype == np.float64
        np.testing.assert_allclose(out, values, rtol=0, atol=1e-15)


def test_make_features_keeps_order_and_defaults():
    X = np.array([[1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(make_features(X), X)
    out = make_features(X, ["x1*x2", "x2^2", "x1"])
    np.testing.assert_array_equal(out, [[2.0, 4.0, 1.0], [-12.0, 16.0, 3.0]])
    assert make_features(X.astype(int), ("sin(x2)",)).shape == (2, 1)


def test_features_do_not_alias_the_input():
    X = np.array([[1.0, 2.0]])
    FEATURES["x1"](X)[0] = 99.0
    make_features(X)[0, 0] = 99.0
    assert X[0, 0] == 1.0


# ------------------------------------------------------------------ check_dataset


def test_check_dataset_converts_and_infers():
    X, y = check_dataset([[0, 1], [2, 3]], [True, False])
    assert X.dtype == np.float64 and y.dtype == np.int64 and list(y) == [1, 0]
    _, y = check_dataset(np.zeros((3, 2)), np.array([0, 2, 1]))
    assert y.dtype == np.int64
    _, y = check_dataset(np.zeros((2, 2)), [0.5, -1.5])
    assert y.dtype == np.float64
    _, y = check_dataset(np.zeros((2, 2)), np.array([[1.0], [0.0]]), task="binary")
    assert y.dtype == np.int64 and list(y) == [1, 0]
    _, y = check_dataset(np.zeros((2, 2)), [1, 0], task="regression")
    assert y.dtype == np.float64


@pytest.mark.parametrize("name", list(DATASETS))
def test_built_in_sets_pass_check_dataset_unchanged(name):
    X, y = make_dataset(name, n=50, noise=0.1, seed=0)
    X2, y2 = check_dataset(X, y, task=DATASET_INFO[name].task)
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and y.dtype == y2.dtype
    X3, y3 = check_dataset(X, y)  # inference agrees with the registry
    assert y3.dtype == y.dtype


def test_user_data_works_with_split_and_features():
    X, y = check_dataset([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [-1.0, -2.0]], [0, 1, 1, 0])
    X_train, _, y_train, _ = train_test_split(X, y, seed=0)
    assert make_features(X_train, ["x1^2"]).shape == (2, 1) and y_train.shape == (2,)


# ----------------------------------------------------------------- bad input


GOOD_X = np.zeros((4, 2))
GOOD_Y = np.array([0, 1, 0, 1])
ALL_SETS = "circle, xor, gauss, spiral, reg_plane, reg_gauss, moons, spirals, blobs"
ALL_FEATURES = r"x1, x2, x1\^2, x2\^2, x1\*x2, sin\(x1\), sin\(x2\)"
NOT_FINITE = r"must contain only finite values, got 1 NaN or inf value\(s\)"


def bad(func, *args, error, match, **kwargs):
    """One row of the bad-input table, named after the call."""
    shown = ", ".join([*map(repr, args[:1]), *(f"{k}={v!r}" for k, v in kwargs.items())])
    name = getattr(func, "__name__", type(func).__name__)
    return pytest.param(func, args, kwargs, error, match, id=f"{name}({shown})"[:60])


BAD_CALLS = [
    # make_dataset and dataset_info
    bad(make_dataset, "foo", error=ValueError,
        match=f"unknown dataset 'foo'; expected one of: {ALL_SETS}"),
    bad(make_dataset, 3, error=TypeError, match="name must be a str, got int 3"),
    bad(dataset_info, "Circle", error=ValueError, match="unknown dataset 'Circle'"),
    bad(make_dataset, "circle", n=0, error=ValueError, match="n must be an integer >= 1, got 0"),
    bad(make_dataset, "circle", n=-5, error=ValueError, match="n must be an integer >= 1, got -5"),
    bad(make_dataset, "circle", n=2.5, error=TypeError,
        match=r"n must be an integer >= 1, got 2\.5 \(float\)"),
    bad(make_dataset, "circle", n=100.0, error=TypeError,
        match=r"n must be an integer >= 1, got 100\.0 \(float\)"),
    bad(make_dataset, "circle", n=True, error=TypeError,
        match=r"n must be an integer >= 1, got True \(bool\)"),
    bad(make_dataset, "circle", noise=0.7, error=ValueError,
        match=r"noise must be in \[0, 0.5\], got 0.7"),
    bad(make_dataset, "xor", noise=-0.1, error=ValueError,
        match=r"noise must be in \[0, 0.5\], got -0.1"),
    bad(make_dataset, "xor", noise=30, error=ValueError,
        match=r"noise must be in \[0, 0.5\], got 30.0"),
    bad(make_dataset, "gauss", noise=float("nan"), error=ValueError,
        match="noise must be a finite number, got nan"),
    bad(make_dataset, "gauss", noise="0.1", error=TypeError,
        match="noise must be a real number, got str '0.1'"),
    bad(make_dataset, "spiral", seed=-1, error=ValueError,
        match="seed must be a non-negative integer, got -1"),
    bad(make_dataset, "spiral", seed=1.5, error=TypeError,
        match=r"seed must be None, an int or a numpy.random.Generator, got 1\.5 \(float\)"),
    bad(make_dataset, "circle", n_classes=3, error=TypeError,
        match="unexpected keyword argument 'n_classes' for dataset 'circle'; accepted: none"),
    bad(make_dataset, "spirals", k=3, error=TypeError,
        match="unexpected keyword argument 'k' for dataset 'spirals'; accepted: n_classes"),
    bad(make_dataset, "spirals", n_classes=1, error=ValueError,
        match="n_classes must be an integer >= 2, got 1"),
    bad(make_dataset, "blobs", n_classes=2.0, error=TypeError,
        match=r"n_classes must be an integer >= 2, got 2\.0 \(float\)"),
    bad(dataset_info, "blobs", n_classes=0, error=ValueError,
        match="n_classes must be an integer >= 2, got 0"),
    bad(DATASETS["moons"], noise=0.9, error=ValueError,
        match=r"noise must be in \[0, 0.5\], got 0.9"),
    # train_test_split
    bad(train_test_split, GOOD_X, GOOD_Y, train_ratio=0.0, error=ValueError,
        match=r"train_ratio must be in \(0, 1\), got 0.0"),
    bad(train_test_split, GOOD_X, GOOD_Y, train_ratio=1.0, error=ValueError,
        match=r"train_ratio must be in \(0, 1\), got 1.0"),
    bad(train_test_split, GOOD_X, GOOD_Y, train_ratio=50, error=ValueError,
        match=r"train_ratio must be in \(0, 1\), got 50.0"),
    bad(train_test_split, GOOD_X, GOOD_Y, train_ratio=None, error=TypeError,
        match="train_ratio must be a real number, got NoneType None"),
    bad(train_test_split, GOOD_X, GOOD_Y[:3], error=ValueError,
        match=r"y must have one entry per row of X \(4\), got 3"),
    bad(train_test_split, np.zeros((1, 2)), [0], error=ValueError,
        match="X must have at least 2 samples .* got 1"),
    bad(train_test_split, np.zeros(4), GOOD_Y, error=ValueError,
        match=r"X must be at least 2-D of shape \(n_samples, ...\), got shape \(4,\)"),
    bad(train_test_split, [[0.0, np.inf], [1, 1]], [0, 1], error=ValueError,
        match=rf"X {NOT_FINITE} \(first at index \(0, 1\)\)"),
    bad(train_test_split, GOOD_X, [0, 1, np.nan, 1], error=ValueError,
        match=rf"y {NOT_FINITE} \(first at index \(2,\)\)"),
    bad(train_test_split, GOOD_X, GOOD_Y, seed="a", error=TypeError,
        match="seed must be None, an int or a numpy.random.Generator"),
    # make_features and FEATURES
    bad(make_features, GOOD_X, ["x1", "x3"], error=ValueError,
        match=f"unknown feature 'x3'; expected one of: {ALL_FEATURES}"),
    bad(make_features, GOOD_X, "x1", error=TypeError,
        match="names must be a sequence of feature names .* got str 'x1'"),
    bad(make_features, GOOD_X, [], error=ValueError,
        match="names must contain at least one feature name"),
    bad(make_features, GOOD_X, ["x1", "x1"], error=ValueError,
        match="names must be distinct, got 'x1' more than once"),
    bad(make_features, GOOD_X, [1], error=TypeError,
        match="each feature name must be a str, got int 1"),
    bad(make_features, np.zeros((4, 3)), error=ValueError,
        match=r"X must have 2 columns, of shape \(n_samples, 2\), got shape \(4, 3\)"),
    bad(make_features, np.zeros(4), error=ValueError,
        match=r"X must be 2-D of shape \(n_samples, 2\), got shape \(4,\)"),
    bad(FEATURES["x1"], np.array([[np.nan, 0.0]]), error=ValueError,
        match=rf"X {NOT_FINITE} \(first at index \(0, 0\)\)"),
    # check_dataset
    bad(check_dataset, np.zeros((0, 2)), [], error=ValueError,
        match=r"X must contain at least one sample, got shape \(0, 2\)"),
    bad(check_dataset, [["a", "b"]], [0], error=TypeError,
        match="X must contain real numbers, got dtype <U1"),
    bad(check_dataset, [[1 + 2j, 0]], [0], error=TypeError,
        match="X must contain real numbers, got dtype complex128"),
    bad(check_dataset, [[1, {}]], [0], error=TypeError,
        match="X must contain real numbers, got an object array"),
    bad(check_dataset, [[1, None]], [0], error=ValueError,  # None becomes NaN
        match=f"X {NOT_FINITE}"),
    bad(check_dataset, [[1, 2], [3]], [0, 1], error=ValueError,
        match="X must be a rectangular array of numbers"),
    bad(check_dataset, GOOD_X, GOOD_Y[:2], error=ValueError,
        match=r"y must have one entry per row of X \(4\), got 2"),
    bad(check_dataset, GOOD_X, np.zeros((4, 2)), error=ValueError,
        match=r"y must be 1-D of shape \(n_samples,\), got shape \(4, 2\)"),
    bad(check_dataset, GOOD_X, ["a", "b", "c", "d"], error=TypeError,
        match="y must contain real numbers, got dtype <U1"),
    bad(check_dataset, GOOD_X, [0.0, 1.0, np.inf, 0.0], error=ValueError,
        match=f"y {NOT_FINITE}"),
    bad(check_dataset, GOOD_X, [-1, 1, 1, -1], error=ValueError,
        match=r"y must contain only 0 and 1 for a binary task, got values \[-1, 1\]"),
    bad(check_dataset, GOOD_X, [0, 1, 2, 1], task="binary", error=ValueError,
        match=r"y must contain only 0 and 1 for a binary task, got values \[0, 1, 2\]"),
    bad(check_dataset, GOOD_X, [0.0, 1.5, 1.0, 0.0], task="binary", error=ValueError,
        match=r"y must hold integer class labels for a binary task, "
              r"got non-integer values \[1.5\]"),
    bad(check_dataset, GOOD_X, [0, -1, 2, 1], task="multiclass", error=ValueError,
        match=r"y must contain class labels 0, 1, ..., n_classes - 1 for a multiclass task, "
              r"got values \[-1, 0, 1, 2\]"),
    bad(check_dataset, GOOD_X, GOOD_Y, task="classification", error=ValueError,
        match="unknown task 'classification'; expected one of: binary, multiclass, regression"),
    bad(check_dataset, GOOD_X, GOOD_Y, task=2, error=TypeError,
        match="task must be a str, got int 2"),
]


@pytest.mark.parametrize("func, args, kwargs, error, match", BAD_CALLS)
def test_bad_input_raises_a_clear_error(func, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        func(*args, **kwargs)


def test_data_package_imports_no_ui_or_plotting_library():
    import subprocess
    import sys

    code = (
        "import sys, nnviz.data; "
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'bqplot') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
