"""``fit`` reuses the last call's checked arguments while the same arrays come back unchanged.

A Playground calls ``fit`` every frame with the same arrays; the checks and conversions of those
arrays are kept (``Network._fit_memo``) and only what can change in place is checked again. These
tests prove that the shortcut changes nothing a user can see: the same training as with fresh arrays,
in-place edits noticed, bad values still refused with the usual messages, on both paths.
"""
import numpy as np
import pytest

from nnviz.core import Network, use_backend
from nnviz.data import make_dataset


def data(n=60, seed=0):
    X, y = make_dataset("xor", n=n, noise=0.1, seed=seed)
    return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y)


def net(loss="bce", seed=0):
    out = "sigmoid" if loss != "cross_entropy" else "softmax"
    return Network.mlp(2, [5], activation="tanh", loss=loss, output_activation=out, seed=seed)


@pytest.fixture(params=["numpy", "auto"])
def path(request):
    """Both paths: NumPy, and the compiled one when numba is there (else NumPy again)."""
    use_backend(request.param)
    if request.param == "auto":
        from nnviz.core import backend

        backend(wait=True)
    yield request.param
    use_backend(None)


def test_repeated_fits_on_the_same_arrays_equal_fits_on_fresh_copies(path):
    X, y = data()
    Xv, yv = data(seed=1)
    memo_net, fresh_net = net(), net()
    for _ in range(6):
        memo_net.fit(X, y, batch_size=7, validation_data=(Xv, yv))
        fresh_net.fit(X.copy(), y.copy(), batch_size=7, validation_data=(Xv.copy(), yv.copy()))
    memo = memo_net._fit_memo
    assert memo is not None and memo.X is X and memo.Xv is Xv
    np.testing.assert_array_equal(memo_net._params, fresh_net._params)
    assert memo_net.history.as_dict() == fresh_net.history.as_dict()
    assert memo_net.rng.bit_generator.state == fresh_net.rng.bit_generator.state
    memo_net.fit(X, y, batch_size=7, validation_data=(Xv, yv))
    assert memo_net._fit_memo is memo  # kept while the arrays are the same
    from nnviz.core import backend

    if path == "auto" and backend(memo_net).name == "numba":
        runner = memo.runner
        assert runner is not None  # the compiled runner is kept too
        memo_net.fit(X, y, batch_size=7, validation_data=(Xv, yv))
        assert memo_net._fit_memo.runner is runner


def test_labels_changed_in_place_are_trained_on(path):
    X, y = data()
    a, b = net(), net()
    a.fit(X, y)
    b.fit(X.copy(), y.copy())
    y[:10] = 1 - y[:10]  # the learner relabels some points in place
    a.fit(X, y, epochs=3)
    b.fit(X.copy(), y.copy(), epochs=3)
    np.testing.assert_array_equal(a._params, b._params)
    assert a.history["loss"] == b.history["loss"]


def test_inputs_changed_in_place_are_trained_on_and_checked(path):
    X, y = data()
    a, b = net(), net()
    a.fit(X, y)
    b.fit(X.copy(), y.copy())
    X[:, 0] *= 2.0
    a.fit(X, y, epochs=2)
    b.fit(X.copy(), y.copy(), epochs=2)
    np.testing.assert_array_equal(a._params, b._params)
    X[3, 1] = np.nan
    before = a._params.copy()
    state = a.rng.bit_generator.state
    with pytest.raises(ValueError, match="X must contain only finite values, got 1 NaN/inf value"):
        a.fit(X, y)
    np.testing.assert_array_equal(a._params, before)  # nothing trained, nothing drawn
    assert a.rng.bit_generator.state == state and a.epoch_ == 3


def test_bad_values_in_validation_data_and_labels_are_still_refused(path):
    X, y = data()
    Xv, yv = data(seed=1)
    n = net()
    n.fit(X, y, validation_data=(Xv, yv))
    Xv[0, 0] = np.inf
    with pytest.raises(ValueError, match="X_val must contain only finite values"):
        n.fit(X, y, validation_data=(Xv, yv))
    Xv[0, 0] = 0.0
    n.fit(X, y, validation_data=(Xv, yv))
    y[0] = 7
    with pytest.raises(ValueError, match="0 or 1"):
        n.fit(X, y, validation_data=(Xv, yv))


def test_reshaped_or_retyped_arrays_take_the_full_checks(path):
    X, y = data(n=60)
    n, ref = net(), net()
    n.fit(X, y)
    ref.fit(X.copy(), y.copy())
    X.shape = (30, 4)  # same object, new shape
    with pytest.raises(ValueError, match=r"X must have 2 columns .* got shape \(30, 4\)"):
        n.fit(X, y)
    X.shape = (60, 2)
    y.dtype = np.float64 if y.dtype == np.int64 else np.int64  # same bytes, another meaning
    n.fit(X, y)  # int64 0/1 read as float64: tiny probabilities, valid for bce, and trained on as such
    ref.fit(X.copy(), y.copy())
    np.testing.assert_array_equal(n._params, ref._params)
    assert n._fit_memo.y.dtype == y.dtype


def test_other_arguments_do_not_reuse_the_memo(path):
    X, y = data()
    n = net()
    n.fit(X, y)
    memo = n._fit_memo
    n.fit(X, y, batch_size=5)
    assert n._fit_memo is not memo and n._fit_memo.batch_size == 5
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        n.fit(X, y, batch_size=5.0)  # equal to 5, but not an integer: the full check refuses it
    n.fit(X.astype(np.float32), y)
    assert n._fit_memo is None  # converted inputs: nothing of the caller's to watch
    n.fit(list(map(list, X)), y)
    assert n._fit_memo is None


def test_changes_to_the_network_between_fits_still_apply(path):
    X, y = data()
    a, b = net(), net()
    for n, Xi, yi in ((a, X, y), (b, X.copy(), y.copy())):
        n.fit(Xi, yi)
        n.optimizer.lr = 0.3
        n.layers[0].W[0, 0] = 0.25  # assigned in place between frames
        n.l2 = 0.01
        n.fit(Xi, yi, epochs=2)
    np.testing.assert_array_equal(a._params, b._params)


def test_callbacks_run_and_are_checked_on_the_reused_arguments(path):
    X, y = data()
    a, b = net(), net()
    a.fit(X, y)
    b.fit(X.copy(), y.copy())
    memo = a._fit_memo
    epochs, updates = [], []
    a.fit(X, y, epochs=2, callbacks=[lambda n, logs: epochs.append(logs["epoch"])],
          batch_callbacks=[lambda n, logs: updates.append(logs["batch"])])
    b.fit(X.copy(), y.copy(), epochs=2)
    assert a._fit_memo is memo and epochs == [2, 3] and len(updates) == 2 * 6
    # batch callbacks train on the NumPy path; b may have trained on the compiled one (within 1e-12)
    np.testing.assert_allclose(a._params, b._params, rtol=0, atol=1e-12)
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be callable"):
        a.fit(X, y, callbacks=[1])
    a.fit(X, y, callbacks=[lambda n, logs: setattr(n, "stop_training", True)], epochs=5)
    assert a.epoch_ == 4  # stopped after the first of the five
