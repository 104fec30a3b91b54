"""lr_find: a geometric sweep whose losses are the core's own, fastai's smoothing and rules, divergence
caught, and the network left bit for bit as it was."""
import json

import numpy as np
import pytest

from nnviz.analysis import LR_RULES, LRFinderResult, copy_network, lr_find, lr_minimum_over_10, lr_steepest, lr_valley
from nnviz.core import SGD, Adam, Network
from nnviz.data import make_dataset, train_test_split


@pytest.fixture(scope="module")
def circle():
    X, y = make_dataset("circle", noise=0.0, seed=0)
    X_train, _, y_train, _ = train_test_split(X, y, train_ratio=0.5, seed=0)
    return X_train, y_train


def snapshot(net):
    """Everything lr_find must leave as it was."""
    state = {k: v.copy() for k, v in net.state_dict().items()}
    return {
        "state": state,
        "lr": net.optimizer.lr,
        "optimizer": repr(net.optimizer),
        "history": json.dumps(net.history.as_dict()),
        "rng": json.dumps(net.rng.bit_generator.state),
        "diverged_": net.diverged_,
        "counters": (net.step_, net.epoch_),
        "grads": [{k: v.copy() for k, v in g.items()} for g in net.gradients()],
        "trainable": [l.trainable for l in net.layers],
    }


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if key == "state":
            assert a[key].keys() == b[key].keys()
            for k in a[key]:
                np.testing.assert_array_equal(a[key][k], b[key][k])
        elif key == "grads":
            for g0, g1 in zip(a[key], b[key]):
                for k in g0:
                    np.testing.assert_array_equal(g0[k], g1[k])
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("optimizer", [SGD(0.05, momentum=0.9), Adam(0.01)])
def test_network_is_left_exactly_as_it_was(circle, optimizer):
    X, y = circle
    net = Network.mlp(2, [4, 2], seed=0, optimizer=optimizer)
    net.fit(X, y, epochs=3)  # optimiser state, counters, history, a moved generator
    net.layers[0].trainable = False
    net.diverged_ = "diverged at step 7 (a message kept from before)"
    before = snapshot(net)
    result = lr_find(net, X, y, stop=100.0)
    assert_same(before, snapshot(net))
    assert len(result.lrs) >= 2
    # and training afterwards goes on exactly as it would have without the sweep
    twin = copy_network(net)
    net.fit(X, y, epochs=1)
    twin.fit(X, y, epochs=1)
    np.testing.assert_array_equal(net.state_dict()["params"], twin.state_dict()["params"])


def test_lrs_are_geometric_and_losses_are_the_cores_own(circle):
    X, y = circle
    net = Network.mlp(2, [4, 2], seed=0)
    result = lr_find(net, X, y, start=1e-4, stop=1.0, steps=30, batch_size=None, shuffle=False)
    assert result.stop_reason == "completed" and len(result.lrs) == 30
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-4, 1.0, 30), rtol=1e-14)
    twin = copy_network(net)
    for lr, loss in zip(result.lrs, result.losses):  # the full batch each step, by hand
        twin.optimizer.lr = lr
        assert twin.train_step(X, y) == loss
    # fastai's smoothing: avg = β avg + (1 − β) loss, debiased by 1 − β^i
    avg, expected = 0.0, []
    for i, loss in enumerate(result.losses, start=1):
        avg = 0.98 * avg + 0.02 * loss
        expected.append(avg / (1 - 0.98**i))
    np.testing.assert_allclose(result.smoothed, expected, rtol=1e-14)
    assert result.smoothed[0] == result.losses[0]


def test_minibatches_cover_the_data_in_shuffled_epochs(circle):
    X, y = circle
    net = Network.mlp(2, [4, 2], seed=0)
    a = lr_find(net, X, y, steps=40, batch_size=25)
    b = lr_find(net, X, y, steps=40, batch_size=25)
    c = lr_find(net, X, y, steps=40, batch_size=25, seed=1)
    np.testing.assert_array_equal(a.losses, b.losses)  # same network, same sweep
    assert not np.array_equal(a.losses, c.losses)
    twin = copy_network(net)
    order = twin.rng.permutation(len(X))  # the network's own generator gives the first epoch
    twin.optimizer.lr = a.lrs[0]
    assert twin.train_step(X[order[:25]], y[order[:25]]) == a.losses[0]


def test_stops_when_the_smoothed_loss_passes_4x_its_best():
    X, y = make_dataset("reg_plane", n=200, seed=0)
    net = Network.mlp(2, [8], activation="relu", loss="mse", seed=0)
    result = lr_find(net, X, y, stop=1e3)
    assert result.stop_reason in ("diverged", "non-finite") and len(result.lrs) < 100
    assert np.isfinite(result.losses).all() and np.isfinite(result.smoothed).all()
    if result.stop_reason == "diverged":
        assert result.smoothed[-1] > 4 * result.smoothed.min()
        assert np.all(result.smoothed[:-1] <= 4 * np.minimum.accumulate(result.smoothed)[:-1])
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-7, 1e3, 100)[: len(result.lrs)], rtol=1e-14)
    strict = lr_find(net, X, y, stop=1e3, diverge_factor=1.5)
    assert len(strict.lrs) <= len(result.lrs)


def test_divergence_to_nan_is_caught_not_raised():
    X, y = make_dataset("reg_plane", n=100, seed=1)
    net = Network.mlp(2, [16, 16], activation="relu", loss="mse", seed=0)
    result = lr_find(net, X, y * 1e3, start=1e-3, stop=1e12, steps=60, diverge_factor=1e300)
    assert result.stop_reason == "non-finite" and len(result.lrs) < 60
    assert np.isfinite(result.losses).all()
    assert np.isfinite(list(result.suggestions.values())).all()


def test_suggestions_follow_fastais_rules(circle):
    X, y = circle
    result = lr_find(Network.mlp(2, [4, 2], seed=0), X, y)
    assert set(result.suggestions) == {"steepest", "minimum/10", "valley"} == set(LR_RULES)
    assert result.suggestion == result.suggestions["valley"] and result.rule == "valley"
    n = len(result.lrs)
    lrs, sm = result.lrs[n // 10 : n - 5], result.smoothed[n // 10 : n - 5]  # fastai's window
    assert result.suggestions["minimum/10"] == pytest.approx(lrs[np.argmin(sm)] / 10)
    slopes = np.diff(sm) / np.diff(np.log(lrs))
    assert result.suggestions["steepest"] == pytest.approx(lrs[np.argmin(slopes)])
    other = lr_find(Network.mlp(2, [4, 2], seed=0), X, y, rule="steepest")
    assert other.suggestion == other.suggestions["steepest"]
    assert "LRFinderResult(100 of 100 steps" in repr(result) and isinstance(result, LRFinderResult)
    lr, lo = result.best
    assert lo == result.smoothed.min() and result.loss_at(lr) == lo


def fastai_valley(lrs, losses):
    """fastai.callback.schedule.valley, transcribed loop for loop; only its index is kept >= 0 (for a
    valley from the very first point fastai's ``max_start`` is -1 and ``lrs[-1]`` wraps to the end)."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[max(idx, 0)])


def test_valley_equals_fastais_loop_on_random_curves():
    rng = np.random.default_rng(0)
    for trial in range(40):
        n = int(rng.integers(2, 60))
        lrs = np.geomspace(1e-6, 1.0, n)
        losses = np.cumsum(rng.normal(-0.05 * (trial % 3), 0.3, size=n)) + 5
        assert lr_valley(lrs, losses) == fastai_valley(lrs, losses)
    # a clean curve: flat, falling, then rising: valley sits in the fall, below the minimum
    lrs = np.geomspace(1e-5, 10, 61)
    x = np.log10(lrs)
    losses = np.where(x < -2, 1.0, np.where(x < 0, 1.0 - 0.4 * (x + 2), 0.2 + 3 * x))
    assert 1e-2 < lr_valley(lrs, losses) < 1.0
    steps = np.full(60, -0.01)
    steps[20] = -1.0  # one cliff, from point 20 to 21
    assert lr_steepest(lrs, np.concatenate([[3.0], 3.0 + np.cumsum(steps)])) == lrs[20]
    assert lr_minimum_over_10(lrs, losses) == pytest.approx(0.1)


def test_bad_input_is_named(circle):
    X, y = circle
    net = Network.mlp(2, [4, 2], seed=0)
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        lr_find(None, X, y)
    with pytest.raises(ValueError, match="start must be below stop"):
        lr_find(net, X, y, start=1.0, stop=0.1)
    with pytest.raises(ValueError, match="start"):
        lr_find(net, X, y, start=0.0)
    with pytest.raises(ValueError, match="steps"):
        lr_find(net, X, y, steps=1)
    with pytest.raises(ValueError, match="smooth"):
        lr_find(net, X, y, smooth=1.0)
    with pytest.raises(ValueError, match="diverge_factor"):
        lr_find(net, X, y, diverge_factor=1.0)
    with pytest.raises(ValueError, match="batch_size"):
        lr_find(net, X, y, batch_size=0)
    with pytest.raises(ValueError, match="rule"):
        lr_find(net, X, y, rule="best")
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        lr_find(net, X, y, shuffle="yes")
    with pytest.raises(ValueError, match="X"):
        lr_find(net, X[:, :1], y)
    with pytest.raises(ValueError, match="same number of samples"):
        lr_find(net, X, y[:-3])
