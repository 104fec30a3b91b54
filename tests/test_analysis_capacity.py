"""The capacity sweep: one seeded network per width, trained to a documented stopping rule, run in slices
as a widget would, the same numbers as training the network by hand."""
import numpy as np
import pytest

from nnviz.analysis import CapacityPoint, CapacitySweep, CapacitySweeper, capacity_sweep, iter_capacity_sweep
from nnviz.core import Network
from nnviz.data import make_dataset, train_test_split

WIDTHS = (1, 2, 3, 4, 6, 8, 16, 32)


@pytest.fixture(scope="module")
def noisy():
    X, y = make_dataset("circle", n=120, noise=0.3, seed=0)
    return train_test_split(X, y, train_ratio=0.5, seed=0)


@pytest.fixture(scope="module")
def sweep(noisy):
    X_train, X_test, y_train, y_test = noisy
    return capacity_sweep(X_train, y_train, X_test, y_test, WIDTHS, max_epochs=600, seed=3)


def test_one_point_per_width_with_train_and_test_error(noisy, sweep):
    assert isinstance(sweep, CapacitySweep) and len(sweep) == 8
    np.testing.assert_array_equal(sweep.widths, WIDTHS)
    np.testing.assert_array_equal(sweep.n_params, [4 * w + 1 for w in WIDTHS])  # 2-w-1: 2w + w + w + 1
    for p in sweep.points:
        assert isinstance(p, CapacityPoint) and 0 <= p.train_error <= 1 and 0 <= p.test_error <= 1
        assert 1 <= p.epochs <= 600 and p.converged == (p.stop_reason in ("plateau", "min_loss"))
    assert sweep.train_error[-1] < sweep.train_error[0]  # more capacity fits the training set better
    assert sweep.best_width in WIDTHS and sweep.test_error.min() == sweep.test_error[list(WIDTHS).index(sweep.best_width)]
    assert "CapacitySweep(8 widths" in repr(sweep) and "CapacityPoint(width=1" in repr(sweep.points[0])


def test_each_point_is_the_network_trained_by_hand(noisy, sweep):
    X_train, X_test, y_train, y_test = noisy
    for k in (0, 5):
        p = sweep.points[k]
        net = Network.mlp(2, [p.width], activation="tanh", optimizer={"type": "adam", "lr": 0.01}, seed=3 + k)
        net.fit(X_train, y_train, epochs=p.epochs, batch_size=len(X_train))
        train_loss, train_acc = net.evaluate(X_train, y_train)
        test_loss, test_acc = net.evaluate(X_test, y_test)
        assert (p.train_loss, p.test_loss) == (train_loss, test_loss)
        assert (p.train_error, p.test_error) == (1 - train_acc, 1 - test_acc)
        # the stopping rule, replayed on the training-loss curve
        best, since, stop = np.inf, 0, None
        for epoch, loss in enumerate(net.history["loss"], start=1):
            if loss < best * (1 - 1e-3):
                best, since = loss, 0
            else:
                best, since = min(best, loss), since + 1
            if loss < 1e-3:
                stop = (epoch, "min_loss")
            elif since >= 100:
                stop = (epoch, "plateau")
            elif epoch >= 600:
                stop = (epoch, "max_epochs")
            if stop:
                break
        assert stop == (p.epochs, p.stop_reason)


def test_deterministic(noisy, sweep):
    X_train, X_test, y_train, y_test = noisy
    again = capacity_sweep(X_train, y_train, X_test, y_test, WIDTHS, max_epochs=600, seed=3)
    assert again.points == sweep.points
    other = capacity_sweep(X_train, y_train, X_test, y_test, WIDTHS[:2], max_epochs=600, seed=4)
    assert other.points[1] != sweep.points[1]


def test_runs_in_slices_with_progress(noisy, sweep):
    X_train, X_test, y_train, y_test = noisy
    sweeper = CapacitySweeper(X_train, y_train, X_test, y_test, WIDTHS, max_epochs=600, seed=3)
    assert sweeper.progress == 0.0 and sweeper.current_width == 1 and "0 of 8 widths" in repr(sweeper)
    progress, finished, calls = [], [], 0
    while not sweeper.done:
        point = sweeper.step(25)
        calls += 1
        assert sweeper.done or sweeper.epochs_done <= 600
        progress.append(sweeper.progress)
        if point is not None:
            finished.append(point)
    assert finished == list(sweep.points)  # slices of 25 epochs give the same networks as one go
    assert calls > len(WIDTHS) and progress == sorted(progress) and progress[-1] == 1.0
    assert sweeper.step() is None and sweeper.network is None and sweeper.result().points == sweep.points
    seen = []
    result = capacity_sweep(X_train, y_train, X_test, y_test, WIDTHS[:3], max_epochs=600, seed=3,
                            progress=lambda sw, p: seen.append((len(sw.points), p.width)))
    assert seen == [(1, 1), (2, 2), (3, 3)] and result.points == sweep.points[:3]
    gen = iter_capacity_sweep(X_train, y_train, X_test, y_test, WIDTHS[:2], max_epochs=600, seed=3)
    assert next(gen) == sweep.points[0] and next(gen) == sweep.points[1]
    with pytest.raises(StopIteration):
        next(gen)


def test_max_epochs_ends_unconverged_and_regression_uses_the_loss():
    X, y = make_dataset("reg_plane", n=80, noise=0.2, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.5, seed=0)
    sweep = capacity_sweep(X_train, y_train, X_test, y_test, [2, 4], max_epochs=5, min_loss=0.0)
    assert [p.stop_reason for p in sweep.points] == ["max_epochs"] * 2 and not sweep.converged.any()
    np.testing.assert_array_equal(sweep.epochs, [5, 5])
    np.testing.assert_array_equal(sweep.train_error, sweep.train_loss)
    np.testing.assert_array_equal(sweep.test_error, sweep.test_loss)


def test_multiclass_labels_get_cross_entropy():
    X, y = make_dataset("blobs", n=90, seed=0, n_classes=3)
    sweeper = CapacitySweeper(X[:60], y[:60], X[60:], y[60:], [2, 4], max_epochs=20)
    assert sweeper.loss == "cross_entropy" and sweeper.network.n_outputs == 3
    assert len(sweeper.run().points) == 2


def test_bad_input_is_named(noisy):
    X_train, X_test, y_train, y_test = noisy
    with pytest.raises(ValueError, match="widths must hold at least one width"):
        CapacitySweeper(X_train, y_train, X_test, y_test, [])
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        CapacitySweeper(X_train, y_train, X_test, y_test, [2, 0])
    with pytest.raises(TypeError, match="widths must be a sequence"):
        CapacitySweeper(X_train, y_train, X_test, y_test, 8)
    with pytest.raises(ValueError, match="X_test"):
        CapacitySweeper(X_train, y_train, X_test[:, :1], y_test)
    with pytest.raises(ValueError, match="same number of samples"):
        CapacitySweeper(X_train, y_train[:-1], X_test, y_test)
    with pytest.raises(TypeError, match="seed must be an int"):
        CapacitySweeper(X_train, y_train, X_test, y_test, seed=1.5)
    with pytest.raises(ValueError, match="max_epochs"):
        CapacitySweeper(X_train, y_train, X_test, y_test, max_epochs=0)
    sweeper = CapacitySweeper(X_train, y_train, X_test, y_test, [1])
    with pytest.raises(ValueError, match="epochs"):
        sweeper.step(0)
    with pytest.raises(TypeError, match="progress must be callable"):
        sweeper.run(progress="loud")
