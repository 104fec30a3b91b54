"""EarlyStopping (nnviz.core.callbacks): Keras's semantics, bit-exact restore, state across fit calls."""
import numpy as np
import pytest

from nnviz.core import Adam, EarlyStopping, Network, parameters_to_vector
from nnviz.data import make_dataset, train_test_split


@pytest.fixture(scope="module")
def noisy():
    """A small noisy training set and a big test set: a big network overfits within ~100 epochs."""
    X, y = make_dataset("circle", n=350, noise=0.4, seed=1)
    return train_test_split(X, y, train_ratio=50 / 350, seed=1)


def big_net(seed=0):
    return Network.mlp(2, [32, 32], activation="tanh", optimizer=Adam(0.01), seed=seed)


def logs(epoch, val_loss, loss=1.0):
    return {"epoch": epoch, "step": epoch, "loss": loss, "accuracy": None, "val_loss": val_loss,
            "val_accuracy": None}


class Recorder:
    """Keeps a copy of the parameters after every epoch (runs before the stopper in the list)."""

    def __init__(self):
        self.params = {}

    def __call__(self, network, logs):
        self.params[logs["epoch"]] = parameters_to_vector(network)


def test_hand_worked_sequence_stops_patience_epochs_after_the_best():
    net = big_net()
    stopper = EarlyStopping(patience=3)
    values = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77, 0.5]
    stopped_at = None
    for epoch, v in enumerate(values, start=1):
        net.stop_training = False
        stopper(net, logs(epoch, v))
        if net.stop_training:
            stopped_at = epoch
            break
    # best 0.7 at epoch 5; epochs 6, 7, 8 do not improve -> stop after epoch 8 (Keras: wait >= patience)
    assert (stopper.best, stopper.best_epoch, stopper.wait) == (0.7, 5, 3)
    assert stopped_at == 8 and stopper.stopped_epoch == 8 and stopper.stopped


def test_patience_zero_stops_at_the_first_epoch_that_does_not_improve():
    net = big_net()
    stopper = EarlyStopping(patience=0)
    stopper(net, logs(1, 1.0))
    assert not net.stop_training
    stopper(net, logs(2, 1.0))  # equal is not better
    assert net.stop_training and stopper.stopped_epoch == 2 and stopper.best_epoch == 1


def test_min_delta_and_max_mode():
    net = big_net()
    stopper = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.05)
    stopper(net, {**logs(1, None), "val_accuracy": 0.6})
    stopper(net, {**logs(2, None), "val_accuracy": 0.64})  # +0.04 < min_delta: no improvement
    assert stopper.best == 0.6 and stopper.best_epoch == 1 and net.stop_training
    s2 = EarlyStopping(monitor="val_accuracy", patience=5, min_delta=0.05)
    s2(net, {**logs(1, None), "val_accuracy": 0.6})
    s2(net, {**logs(2, None), "val_accuracy": 0.7})
    assert s2.best == 0.7 and s2.best_epoch == 2 and s2.wait == 0


def test_fit_restores_exactly_the_best_epochs_weights(noisy):
    X_tr, X_te, y_tr, y_te = noisy
    net = big_net()
    recorder, stopper = Recorder(), EarlyStopping(monitor="val_loss", patience=15, restore_best=True)
    net.fit(X_tr, y_tr, epochs=2000, batch_size=10, validation_data=(X_te, y_te), callbacks=[recorder, stopper])
    val = np.array(net.history["val_loss"])
    best = int(np.argmin(val)) + 1  # first lowest: a later equal value is no improvement
    assert stopper.best_epoch == best and stopper.best == val[best - 1]
    # it stopped patience epochs after the best, long before 2000 (the net overfits)
    assert stopper.stopped_epoch == best + 15 == net.epoch_ == len(net.history) < 2000
    assert stopper.restored
    restored = parameters_to_vector(net)
    assert np.array_equal(restored, recorder.params[best])  # bit for bit
    assert not np.array_equal(restored, recorder.params[net.epoch_])
    # and the network evaluates to the best epoch's validation loss again
    assert net.evaluate(X_te, y_te)[0] == val[best - 1]


def test_restore_best_false_keeps_the_last_weights(noisy):
    X_tr, X_te, y_tr, y_te = noisy
    net = big_net()
    recorder, stopper = Recorder(), EarlyStopping(patience=10, restore_best=False)
    net.fit(X_tr, y_tr, epochs=2000, batch_size=10, validation_data=(X_te, y_te), callbacks=[recorder, stopper])
    assert stopper.stopped and not stopper.restored
    assert np.array_equal(parameters_to_vector(net), recorder.params[net.epoch_])
    assert np.array_equal(stopper.best_weights, recorder.params[stopper.best_epoch])
    assert stopper.restore(net) and np.array_equal(parameters_to_vector(net), recorder.params[stopper.best_epoch])


def test_state_carries_over_fit_calls_one_epoch_at_a_time(noisy):
    X_tr, X_te, y_tr, y_te = noisy
    once, stopper_once = big_net(), EarlyStopping(patience=12)
    once.fit(X_tr, y_tr, epochs=1000, batch_size=10, validation_data=(X_te, y_te), callbacks=[stopper_once])
    sliced, stopper_sliced = big_net(), EarlyStopping(patience=12)
    calls = 0
    while not stopper_sliced.stopped and calls < 1000:
        sliced.fit(X_tr, y_tr, epochs=1, batch_size=10, validation_data=(X_te, y_te), callbacks=[stopper_sliced])
        calls += 1
    assert calls == stopper_once.stopped_epoch
    assert (stopper_sliced.best_epoch, stopper_sliced.stopped_epoch) == (stopper_once.best_epoch, stopper_once.stopped_epoch)
    assert np.array_equal(parameters_to_vector(sliced), parameters_to_vector(once))
    # training on after the stop is stopped again after one epoch (no new best came)
    sliced.fit(X_tr, y_tr, epochs=50, batch_size=10, validation_data=(X_te, y_te), callbacks=[stopper_sliced])
    assert sliced.epoch_ == calls + 1
    # raising the patience above the wait lets it go on
    stopper_sliced.patience = stopper_sliced.wait + 5
    assert not stopper_sliced.stopped
    before = sliced.epoch_
    sliced.fit(X_tr, y_tr, epochs=3, batch_size=10, validation_data=(X_te, y_te), callbacks=[stopper_sliced])
    assert sliced.epoch_ == before + 3


def test_starts_over_for_another_network_or_an_earlier_epoch():
    a, b = big_net(0), big_net(1)
    stopper = EarlyStopping(patience=2)
    stopper(a, logs(1, 0.5))
    stopper(a, logs(2, 0.6))
    assert stopper.wait == 1
    stopper(b, logs(1, 0.9))  # another network: a fresh start
    assert (stopper.best, stopper.best_epoch, stopper.wait) == (0.9, 1, 0)
    assert np.array_equal(stopper.best_weights, parameters_to_vector(b))
    stopper(b, logs(2, 1.0))
    b.reset(3)
    stopper(b, logs(1, 2.0))  # the network was reset: epoch 1 again
    assert (stopper.best, stopper.best_epoch, stopper.wait) == (2.0, 1, 0)


def test_non_finite_values_never_improve():
    net = big_net()
    stopper = EarlyStopping(patience=5)
    stopper(net, logs(1, float("nan")))
    assert stopper.best_epoch is None and stopper.best == float("inf") and not stopper.restore(net)
    stopper(net, logs(2, 0.3))
    assert stopper.best_epoch == 2


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="monitor must be one of 'val_loss'.*got 'val_los'"):
        EarlyStopping(monitor="val_los")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(TypeError, match="patience"):
        EarlyStopping(patience=2.5)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(TypeError, match="restore_best must be True or False, got"):
        EarlyStopping(restore_best="yes")
    stopper = EarlyStopping()
    with pytest.raises(ValueError, match="pass validation_data to fit"):
        stopper(big_net(), logs(1, None))
    with pytest.raises(TypeError, match="logs must be the dict fit passes"):
        stopper(big_net(), None)
    stopper(big_net(0), logs(1, 0.5))
    with pytest.raises(ValueError, match="network must be the one this EarlyStopping watched"):
        stopper.restore(Network.mlp(2, [3], seed=0))


def test_fit_without_validation_data_says_what_to_do(noisy):
    X_tr, _, y_tr, _ = noisy
    with pytest.raises(ValueError, match="monitors 'val_loss'.*pass validation_data"):
        big_net().fit(X_tr, y_tr, epochs=3, callbacks=[EarlyStopping()])
    stopper = EarlyStopping(monitor="loss", patience=3)
    big_net().fit(X_tr, y_tr, epochs=3, callbacks=[stopper])
    assert stopper.best_epoch is not None


def test_repr():
    stopper = EarlyStopping(patience=4)
    assert repr(stopper) == "EarlyStopping(monitor='val_loss', patience=4; no epoch yet)"
    stopper(big_net(), logs(1, 0.25))
    assert "best val_loss 0.25 at epoch 1" in repr(stopper)
