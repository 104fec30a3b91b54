"""Network.iter_epoch: one epoch of fit, one mini-batch per next(), bit for bit the same as fit(epochs=1)."""
import numpy as np
import pytest

from nnviz.core import SGD, Adam, DivergedError, EarlyStopping, EpochIterator, Network
from nnviz.data import make_dataset


def state(net):
    """Everything training changes: parameters, optimiser state, counters, generator, history, best copy."""
    s = net.state_dict()
    return ({k: v.tolist() for k, v in s.items()}, net.history.as_dict(), net.diverged_,
            None if net._best is None else (net._best[0], net._best[1].tolist(), *net._best[2:]))


def assert_same(a, b):
    sa, sb = state(a), state(b)
    assert sa[0] == sb[0]  # parameters, optimiser, step_/epoch_, rng: bit for bit
    assert sa[1:] == sb[1:]


def pair(optimizer=lambda: SGD(0.1), **kwargs):
    """Two identical networks (each with its own optimiser)."""
    return tuple(Network.mlp(2, [5, 3], seed=3, optimizer=optimizer(), **kwargs) for _ in range(2))


@pytest.fixture(scope="module")
def data():
    X, y = make_dataset("circle", n=90, noise=0.1, seed=1)
    return X[:63], y[:63], X[63:], y[63:]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("with_val", [False, True])
def test_exhausting_it_is_fit_one_epoch_bit_for_bit(data, shuffle, with_val):
    X, y, Xv, yv = data
    a, b = pair(optimizer=lambda: Adam(0.02), l2=1e-3)
    val = (Xv, yv) if with_val else None
    for _ in range(3):  # three epochs in a row: the generator's draws stay in step with fit's
        seen = []
        a.fit(X, y, epochs=1, batch_size=8, shuffle=shuffle, validation_data=val,
              batch_callbacks=[lambda net, logs: seen.append(logs)])
        steps = b.iter_epoch(X, y, batch_size=8, shuffle=shuffle, validation_data=val)
        assert isinstance(steps, EpochIterator) and steps.order is None and b.step_ == len(seen) * (_)
        yielded = list(steps)
        assert [logs.keys() for logs in yielded] == [logs.keys() for logs in seen]
        for got, want in zip(yielded, seen, strict=True):  # the same logs as fit's batch callbacks
            np.testing.assert_array_equal(got.pop("batch_indices"), want.pop("batch_indices"))
            assert got == want
        assert_same(a, b)
        assert steps.finished and steps.logs == {k: v[-1] for k, v in b.history.as_dict().items()}
    assert b.epoch_ == 3 and b.step_ == 3 * 8 and len(b.history) == 3
    assert (b.history["val_loss"][-1] is not None) == with_val
    with pytest.raises(StopIteration):
        next(steps)  # an ended epoch stays ended
    assert b.epoch_ == 3


def test_the_order_is_fits_permutation_and_the_batch_size_can_change_between_steps(data):
    X, y, _, _ = data
    a, b = pair()
    seen = []
    a.fit(X, y, batch_size=10, batch_callbacks=[lambda net, logs: seen.append(logs["batch_indices"])])
    steps = b.iter_epoch(X, y, batch_size=10)
    first = next(steps)
    np.testing.assert_array_equal(steps.order, np.concatenate(seen))  # fit's permutation, drawn at next()
    np.testing.assert_array_equal(first["batch_indices"], seen[0])
    assert (steps.batches_done, steps.samples_done, steps.at_end) == (1, 10, False)
    steps.batch_size = 25  # acts from the next update; the order is kept
    assert [len(logs["batch_indices"]) for logs in steps] == [25, 25, 3]
    assert b.epoch_ == 1 and b.step_ == 4 and repr(steps).endswith("ended)")
    with pytest.raises(ValueError, match="batch_size must be"):
        steps.batch_size = 0
    with pytest.raises(ValueError, match="batch_size must be"):
        b.iter_epoch(X, y, batch_size=0)
    with pytest.raises(TypeError, match="validation_data must be a pair"):
        b.iter_epoch(X, y, validation_data=X)
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be callable"):
        b.iter_epoch(X, y, callbacks=[1])


@pytest.mark.usefixtures("numpy_path")
def test_epoch_callbacks_and_early_stopping_run_as_in_fit(data):
    X, y, Xv, yv = data
    a, b = pair(optimizer=lambda: SGD(0.3))
    sa, sb = EarlyStopping(monitor="val_loss", patience=1), EarlyStopping(monitor="val_loss", patience=1)
    la, lb = [], []
    for _ in range(12):
        a.fit(X, y, epochs=1, validation_data=(Xv, yv), callbacks=[sa, lambda n, logs: la.append(logs)])
        for _logs in b.iter_epoch(X, y, validation_data=(Xv, yv), callbacks=[sb, lambda n, logs: lb.append(logs)]):
            pass
        assert_same(a, b)
        assert a.stop_training == b.stop_training
    assert la == lb and len(la) == 12
    assert (sa.best, sa.best_epoch, sa.stopped_epoch) == (sb.best, sb.best_epoch, sb.stopped_epoch)


def diverging():
    X, y = make_dataset("reg_plane", n=200, seed=0)
    return Network.mlp(2, [8, 8], activation="relu", loss="mse", optimizer=SGD(100.0), seed=0), X, y


def test_a_divergence_mid_epoch_raises_and_rolls_back_as_fit_does():
    (a, X, y), (b, _, _) = diverging(), diverging()
    with pytest.raises(DivergedError) as fitted:
        a.fit(X, y, epochs=1, batch_size=1)
    steps = b.iter_epoch(X, y, batch_size=1)
    with pytest.raises(DivergedError, match="a parameter became NaN or infinite") as stepped:
        for _logs in steps:
            pass
    assert str(stepped.value) == str(fitted.value) and stepped.value.step == fitted.value.step
    assert "rolled back to epoch 0, step 0" in str(stepped.value) and stepped.value.step < 200  # mid-epoch
    assert_same(a, b)
    assert steps.finished and steps.logs is None
    with pytest.raises(StopIteration):
        next(steps)
    assert np.isfinite(b._params).all() and b.epoch_ == 0 and b._rollback_to_best is False


@pytest.mark.usefixtures("numpy_path")
def test_an_explosion_at_the_epoch_end_raises_and_rolls_back_to_the_best_epoch():
    X, y = make_dataset("reg_plane", n=200, seed=0)
    a, b = (Network.mlp(2, [6], loss="mse", optimizer=SGD(0.01), seed=1) for _ in range(2))
    a.fit(X, y, epochs=2)
    for _ in range(2):
        list(b.iter_epoch(X, y))
    assert_same(a, b)
    for net in (a, b):  # huge but finite weights: the epoch ends with a loss 10,000 times the best
        net.layers[-1].params["b"][...] = 1e4
        net._synced[...] = net._params  # not "assigned": the best epoch stays the yardstick
    with pytest.raises(DivergedError, match="at the end of epoch 3") as fitted:
        a.fit(X, y, epochs=1)
    steps = b.iter_epoch(X, y)
    logs = [next(steps) for _ in range(20)]  # every update made and reported...
    assert steps.at_end and not steps.finished and b.epoch_ == 2
    with pytest.raises(DivergedError, match="at the end of epoch 3") as stepped:
        next(steps)  # ...then the epoch end finds the explosion
    assert str(stepped.value) == str(fitted.value) and "rolled back to epoch 2" in str(stepped.value)
    assert len(logs) == 20 and steps.finished
    assert_same(a, b)


def test_an_abandoned_epoch_keeps_its_updates_and_is_not_counted(data):
    X, y, _, _ = data
    net = Network.mlp(2, [5, 3], seed=3)
    list(net.iter_epoch(X, y))
    before = net._params.copy()
    steps = net.iter_epoch(X, y)
    for _ in range(3):
        next(steps)
    steps.close()
    assert not np.array_equal(net._params, before)  # the updates done stay
    assert net.step_ == 7 + 3 and net.epoch_ == 1 and len(net.history) == 1  # the epoch is not counted
    assert net._rollback_to_best is False and np.array_equal(net._synced, net._params)  # consistent
    with pytest.raises(StopIteration):
        next(steps)
    # the network trains on as usual: a new epoch with a new permutation, then a full evaluation
    net.fit(X, y, epochs=1)
    assert net.epoch_ == 2 and net.history["step"] == [7, 7 + 3 + 7]
    # weights written in place while an epoch is under way are noticed, as between two fit calls
    steps = net.iter_epoch(X, y)
    next(steps)
    net.layers[0].params["W"][0, 0] = 0.5
    written = net._params.copy()
    next(steps)
    assert net._best is None  # assigned weights: the old best epoch is no yardstick any more
    np.testing.assert_array_equal(net._backup, written)  # they are the state a divergence rolls back to
