"""The compiled training path (numba) against the NumPy path, the reference.

Each comparison trains the same network from the same seed twice, once on each path, and checks that
the compiled kernel really ran (or really did not): parameters within 1e-12, the same history, the same
generator state afterwards, the same divergence. The suite runs with NNVIZ_BACKEND=numpy (conftest);
these tests choose the path with ``use_backend``.
"""
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from nnviz.core import (SGD, Adam, Backend, Dense, DivergedError, Dropout, Network, backend,
                        use_backend)
from nnviz.core.activations import Tanh
from nnviz.data import make_dataset

backend_module = sys.modules["nnviz.core.backend"]
TOL = 1e-12


@pytest.fixture(scope="module")
def compiled():
    """Compile the kernel (or load it from numba's cache) once, synchronously."""
    pytest.importorskip("numba")
    use_backend("auto")
    try:
        info = backend(wait=True)
    finally:
        use_backend(None)
    assert info.name == "numba" and info.compiled, info
    return info


@pytest.fixture
def kernel_runs(monkeypatch):
    """Counts the epochs the compiled kernel ran."""
    runs = []
    real = backend_module.FusedEpochs.run

    def spy(self, order):
        try:
            ran = real(self, order)
        except DivergedError:
            runs.append(True)  # the kernel ran and stopped at the failing step
            raise
        runs.append(ran)
        return ran

    monkeypatch.setattr(backend_module.FusedEpochs, "run", spy)
    return runs


@pytest.fixture(autouse=True)
def _restore_backend():
    yield
    use_backend(None)


def _circle(n=200, seed=0):
    X, y = make_dataset("circle", n=n, seed=seed)
    order = np.random.default_rng(seed + 1).permutation(n)  # make_dataset groups the points by class
    return X[order], y[order]


def _fit(path, make, X, y, runs, epochs=20, **fit_kw):
    use_backend(path)
    net = make()
    before = len(runs)
    net.fit(X, y, epochs=epochs, **fit_kw)
    ran = [r for r in runs[before:] if r]
    use_backend(None)
    return net, len(ran)


def _assert_same_run(a, b):
    np.testing.assert_allclose(b._params, a._params, rtol=0, atol=TOL)
    assert (a.step_, a.epoch_) == (b.step_, b.epoch_)
    ha, hb = a.history.as_dict(), b.history.as_dict()
    assert ha["epoch"] == hb["epoch"] and ha["step"] == hb["step"]
    for key in ("loss", "val_loss"):
        if ha[key][0] is None:
            assert hb[key] == ha[key]
        else:
            np.testing.assert_allclose(hb[key], ha[key], rtol=TOL, atol=TOL)
    assert ha["accuracy"] == hb["accuracy"] and ha["val_accuracy"] == hb["val_accuracy"]
    assert a.rng.bit_generator.state == b.rng.bit_generator.state  # the same permutations were drawn


def _both(make, X, y, runs, epochs=20, **fit_kw):
    ref, n_ref = _fit("numpy", make, X, y, runs, epochs, **fit_kw)
    fast, n_fast = _fit("numba", make, X, y, runs, epochs, **fit_kw)
    assert n_ref == 0
    assert n_fast == fast.epoch_ > 0, "the compiled kernel did not run"
    return ref, fast


HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "swish"]
OUTPUTS = [("mse", "sigmoid", 1), ("mse", "linear", 1), ("bce", None, 1), ("cross_entropy", None, 3)]


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("loss, out, k", OUTPUTS, ids=["mse-sigmoid", "mse-linear", "bce", "cross_entropy"])
def test_activations_and_losses_match_numpy(compiled, kernel_runs, activation, loss, out, k):
    X, y = _circle()
    if k == 3:
        y = (np.arctan2(X[:, 1], X[:, 0]) > 0).astype(int) + y  # three classes
    make = lambda: Network.mlp(2, [8, 8], n_outputs=k, activation=activation, loss=loss,
                               output_activation=out, seed=0)
    ref, fast = _both(make, X, y, kernel_runs, validation_data=(X[:50], y[:50]))
    _assert_same_run(ref, fast)


OPTIMIZERS = {
    "sgd": lambda: SGD(0.03),
    "momentum": lambda: SGD(0.03, momentum=0.9),
    "adam": lambda: Adam(0.01),
}


@pytest.mark.parametrize("opt", OPTIMIZERS)
@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (0.003, 0.0), (0.0, 0.01), (0.001, 0.003)])
def test_optimizers_and_regularisation_match_numpy(compiled, kernel_runs, opt, l1, l2):
    X, y = _circle()
    make = lambda: Network.mlp(2, [8, 8], activation="tanh", loss="bce", optimizer=OPTIMIZERS[opt](),
                               l1=l1, l2=l2, seed=3)
    ref, fast = _both(make, X, y, kernel_runs)
    _assert_same_run(ref, fast)
    # the optimiser's state is the NumPy optimiser's, so NumPy steps can carry on from it
    sa, sb = ref.optimizer.get_state(), fast.optimizer.get_state()
    assert sa.keys() == sb.keys()
    for key in sa:
        np.testing.assert_allclose(sb[key], sa[key], rtol=1e-9, atol=TOL)
    for a, b in zip(ref.gradients(), fast.gradients()):  # the last step's gradients, with the penalty
        for name in a:
            np.testing.assert_allclose(b[name], a[name], rtol=0, atol=TOL)
    Xb, yb = X[:10], y[:10]
    ref.train_step(Xb, yb)
    fast.train_step(Xb, yb)
    np.testing.assert_allclose(fast._params, ref._params, rtol=0, atol=TOL)


def test_playground_network_matches_numpy_for_100_epochs(compiled, kernel_runs):
    X, y = _circle(500)
    make = lambda: Network.mlp(2, [8, 8], activation="tanh", loss="mse", output_activation="sigmoid",
                               optimizer=SGD(0.03), seed=0)
    ref, fast = _both(make, X, y, kernel_runs, epochs=100)
    _assert_same_run(ref, fast)


@pytest.mark.parametrize("fit_kw", [
    {"batch_size": 1},
    {"batch_size": 7},  # a smaller last batch (200 = 28 × 7 + 4)
    {"batch_size": 500},  # one batch of all the samples
    {"batch_size": 10, "shuffle": False},
], ids=["batch-1", "batch-7", "batch-all", "no-shuffle"])
def test_batching_and_shuffling_match_numpy(compiled, kernel_runs, fit_kw):
    X, y = _circle()
    make = lambda: Network.mlp(2, [4, 3], activation="relu", loss="bce", seed=5)
    ref, fast = _both(make, X, y, kernel_runs, epochs=5, **fit_kw)
    _assert_same_run(ref, fast)


def test_deeper_wider_and_regression_targets_match_numpy(compiled, kernel_runs):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 5))
    Y = np.stack([np.sin(X[:, 0]) + X[:, 1] * X[:, 2], X[:, 3] - X[:, 4]], axis=1)
    make = lambda: Network([Dense(5, 12, "tanh"), Dense(12, 9, "relu"), Dense(9, 10, "swish"), Dense(10, 2, "linear")],
                           loss="mse", optimizer=Adam(0.003), l2=0.001, seed=1)
    ref, fast = _both(make, X, Y, kernel_runs, epochs=10, batch_size=16)
    _assert_same_run(ref, fast)
    assert ref.history["accuracy"][-1] is None  # regression targets: no accuracy on either path


@pytest.mark.parametrize("sizes", [(1, 6, 3), (6, 7, 5), (7, 3, 9), (9, 1, 8), (2, 16, 11), (4, 13, 2)],
                         ids=lambda s: "-".join(map(str, s)))
def test_every_layer_width_matches_numpy(compiled, kernel_runs, sizes):
    """The dense products take up to four inputs or outputs per pass (and the weight gradients eight
    outputs at a time), with separate code for the remainders: every width from 1 to 16 goes through
    one of these networks' layers, forward and backward."""
    n0, h1, h2 = sizes
    rng = np.random.default_rng(n0 * 100 + h1)
    X = rng.normal(size=(43, n0))
    y = (X.sum(axis=1) > 0).astype(int)
    make = lambda: Network([Dense(n0, h1, "tanh"), Dense(h1, h2, "elu"), Dense(h2, 1, "sigmoid")], loss="bce",
                           optimizer=SGD(0.1, momentum=0.5), seed=2)
    ref, fast = _both(make, X, y, kernel_runs, epochs=12, batch_size=7)
    _assert_same_run(ref, fast)


@pytest.mark.parametrize("case", ["no hidden layer", "custom alphas", "one sample", "softmax with mse"])
def test_edge_architectures_match_numpy(compiled, kernel_runs, case):
    from nnviz.core.activations import ELU, LeakyReLU

    rng = np.random.default_rng(0)
    X = rng.normal(size=(37, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    make = lambda: Network.mlp(3, [4], loss="bce", seed=0)
    if case == "no hidden layer":
        make = lambda: Network.mlp(3, [], loss="bce", seed=0)
    elif case == "custom alphas":
        make = lambda: Network([Dense(3, 5, LeakyReLU(0.2)), Dense(5, 4, ELU(0.5)), Dense(4, 1, "sigmoid")],
                               loss="bce", seed=0)
    elif case == "one sample":
        X, y = X[:1], y[:1]
    else:
        make = lambda: Network([Dense(3, 4, "softplus"), Dense(4, 2, "softmax")], loss="mse", seed=0)
        y = np.eye(2)[y]
    ref, fast = _both(make, X, y, kernel_runs, epochs=15, batch_size=4)
    _assert_same_run(ref, fast)


def test_one_hot_mse_targets_count_accuracy_by_arg_max(compiled, kernel_runs):
    X, y = _circle()
    Y = np.eye(2)[y]
    make = lambda: Network.mlp(2, [6], n_outputs=2, activation="tanh", loss="mse",
                               output_activation="softmax", seed=2)
    ref, fast = _both(make, X, Y, kernel_runs, epochs=5)
    _assert_same_run(ref, fast)
    assert ref.history["accuracy"][-1] is not None


def test_same_seed_gives_the_same_run_bit_for_bit(compiled, kernel_runs):
    X, y = _circle()
    make = lambda: Network.mlp(2, [8, 8], activation="tanh", loss="bce", seed=11)
    a, _ = _fit("numba", make, X, y, kernel_runs, epochs=10)
    b, _ = _fit("numba", make, X, y, kernel_runs, epochs=10)
    np.testing.assert_array_equal(a._params, b._params)
    assert a.history.as_dict() == b.history.as_dict()


def test_dropout_zero_is_the_identity_and_runs_compiled(compiled, kernel_runs):
    X, y = _circle()
    make = lambda: Network([Dense(2, 8, "tanh"), Dropout(0.0), Dense(8, 1, "sigmoid")], loss="bce", seed=0)
    ref, fast = _both(make, X, y, kernel_runs, epochs=5)
    _assert_same_run(ref, fast)


def test_callbacks_may_change_the_learning_rate_and_the_optimizer(compiled, kernel_runs):
    X, y = _circle()

    def schedule(net, logs):
        net.optimizer.lr = 0.03 / logs["epoch"]
        if logs["epoch"] == 4:
            net.optimizer = Adam(0.005)
        if logs["epoch"] == 7:
            net.l2 = 0.01

    make = lambda: Network.mlp(2, [8], activation="tanh", loss="bce", seed=4)
    ref, fast = _both(make, X, y, kernel_runs, epochs=10, callbacks=[schedule])
    _assert_same_run(ref, fast)


# -- divergence --------------------------------------------------------------------------------
def _diverge(path, make, X, y, **fit_kw):
    use_backend(path)
    net = make()
    with pytest.raises(DivergedError) as info:
        net.fit(X, y, **fit_kw)
    use_backend(None)
    return net, info.value


@pytest.mark.parametrize("case", ["non-finite parameter", "exploding loss", "after good epochs"])
def test_divergence_is_the_same_on_both_paths(compiled, kernel_runs, case):
    X, y = _circle()
    if case == "non-finite parameter":  # inf within the first epoch, caught by the per-step check
        make = lambda: Network.mlp(2, [8, 8], activation="linear", loss="mse", optimizer=SGD(0.3), seed=0)
        fit_kw = {"epochs": 30}
    elif case == "exploding loss":  # huge but finite: caught at the end of the epoch
        make = lambda: Network.mlp(2, [8, 8], activation="relu", loss="mse", optimizer=SGD(3.0), seed=0)
        fit_kw = {"epochs": 30}
    else:  # good epochs, then a learning rate too high: back to the best epoch end
        def raise_lr(net, logs):
            if logs["epoch"] == 3:
                net.optimizer.lr = 0.5
        make = lambda: Network.mlp(2, [8, 8], activation="linear", loss="mse", optimizer=SGD(0.01), seed=0)
        fit_kw = {"epochs": 30, "callbacks": [raise_lr]}
    ref, e_ref = _diverge("numpy", make, X, y, **fit_kw)
    n = len(kernel_runs)
    fast, e_fast = _diverge("numba", make, X, y, **fit_kw)
    assert any(kernel_runs[n:])
    assert (e_fast.step, e_fast.lr, str(e_fast)) == (e_ref.step, e_ref.lr, str(e_ref))
    assert fast.diverged_ == ref.diverged_
    np.testing.assert_allclose(fast._params, ref._params, rtol=0, atol=TOL)  # the same rolled-back ones
    assert (fast.step_, fast.epoch_, len(fast.history)) == (ref.step_, ref.epoch_, len(ref.history))
    if case == "after good epochs":
        assert ref.epoch_ > 0 and "rolled back to epoch" in str(e_ref)
    assert fast.optimizer.state == {}


# -- what stays on NumPy -------------------------------------------------------------------------
class MyTanh(Tanh):
    name = "tanh"


@pytest.mark.parametrize("make, why", [
    (lambda: Network.mlp(2, [8], dropout=0.2, seed=0), "dropout 0.2"),
    (lambda: Network.mlp(2, [8], dtype=np.float32, seed=0), "float32"),
    (lambda: Network([Dense(2, 8, MyTanh()), Dense(8, 1, "sigmoid")], seed=0), "custom activation"),
], ids=["dropout", "float32", "custom-activation"])
def test_other_networks_run_on_numpy(compiled, kernel_runs, make, why):
    X, y = _circle()
    use_backend("numba")
    net = make()
    info = backend(net)
    assert info.name == "numpy" and why in info.reason
    net.fit(X, y, epochs=2)
    assert not any(kernel_runs)


@pytest.mark.parametrize("opt", ["sgd", "momentum"])
def test_frozen_layers_match_numpy_with_sgd(compiled, kernel_runs, opt):
    X, y = _circle()

    def make():
        net = Network.mlp(2, [8, 8], activation="tanh", loss="bce", optimizer=OPTIMIZERS[opt](), l2=0.01, seed=6)
        net.layers[0].trainable = False
        return net

    def unfreeze(net, logs):  # frozen for 3 epochs, then all train, then the output layer is frozen
        if logs["epoch"] == 3:
            net.layers[0].trainable = True
        if logs["epoch"] == 6:
            net.layers[2].trainable = False

    ref, fast = _both(make, X, y, kernel_runs, epochs=9, callbacks=[unfreeze])
    _assert_same_run(ref, fast)
    sa, sb = ref.optimizer.get_state(), fast.optimizer.get_state()
    assert sa.keys() == sb.keys()
    for key in sa:
        np.testing.assert_allclose(sb[key], sa[key], rtol=0, atol=TOL)


def test_adam_with_frozen_layers_and_batch_callbacks_run_on_numpy(compiled, kernel_runs):
    X, y = _circle()
    use_backend("numba")
    net = Network.mlp(2, [8], optimizer=Adam(0.01), seed=0)
    net.layers[0].trainable = False
    assert backend(net).name == "numpy" and "Adam with frozen layers" in backend(net).reason
    net.fit(X, y, epochs=2)
    assert not any(kernel_runs)
    net.layers[0].trainable = True  # Adam now keeps a step count per parameter: still NumPy
    net.fit(X, y, epochs=1)
    assert not any(kernel_runs)
    net = Network.mlp(2, [8], seed=0)
    assert backend(net).name == "numba"
    seen = []
    net.fit(X, y, epochs=1, batch_callbacks=[lambda n, logs: seen.append(logs["step"])])
    assert len(seen) == 20 and not any(kernel_runs)
    net.fit(X, y, epochs=1)
    assert sum(kernel_runs) == 1 and kernel_runs[-1] is True


def test_custom_optimizer_runs_on_numpy(compiled):
    class MySGD(SGD):
        pass

    net = Network.mlp(2, [3], optimizer=MySGD(0.1), seed=0)
    use_backend("numba")
    info = backend(net)
    assert info.name == "numpy" and "is not SGD or Adam" in info.reason


# -- PyTorch on the compiled path -------------------------------------------------------------------
def test_matches_torch_on_the_compiled_path(compiled, kernel_runs):
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 3, 40)
    use_backend("numba")
    for make_opt, make_torch in [
        (lambda: SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        (lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ]:
        net = Network([Dense(2, 5, "tanh"), Dense(5, 3, "softmax")], loss="cross_entropy", optimizer=make_opt(),
                      seed=1, l2=0.01)
        l1, l2 = torch.nn.Linear(2, 5), torch.nn.Linear(5, 3)
        with torch.no_grad():
            for tl, dl in ((l1, net.layers[0]), (l2, net.layers[1])):
                tl.weight.copy_(torch.tensor(dl.W.T))
                tl.bias.copy_(torch.tensor(dl.b))
        opt = make_torch(list(l1.parameters()) + list(l2.parameters()))
        before = len(kernel_runs)
        net.fit(X, y, epochs=3, batch_size=8, shuffle=False)
        assert kernel_runs[before:] == [True] * 3
        for _ in range(3):
            for start in range(0, 40, 8):
                xb, yb = X[start : start + 8], y[start : start + 8]
                opt.zero_grad()
                logits = l2(torch.tanh(l1(torch.tensor(xb))))
                loss = torch.nn.functional.cross_entropy(logits, torch.tensor(yb))
                loss = loss + 0.5 * 0.01 * (l1.weight.pow(2).sum() + l2.weight.pow(2).sum())
                loss.backward()
                opt.step()
        np.testing.assert_allclose(net.layers[0].W, l1.weight.detach().numpy().T, atol=1e-10)
        np.testing.assert_allclose(net.layers[1].W, l2.weight.detach().numpy().T, atol=1e-10)
        np.testing.assert_allclose(net.layers[1].b, l2.bias.detach().numpy(), atol=1e-10)


# -- the backend API ---------------------------------------------------------------------------------
def test_backend_and_kernel_agree_on_codes(compiled):
    from nnviz.core import _fused as fused
    assert backend_module._ACTIVATION_CODES == fused.ACTIVATION_CODES
    assert backend_module._LOSS_CODES == fused.LOSS_CODES
    from nnviz.core import ACTIVATIONS, LOSSES
    assert set(fused.ACTIVATION_CODES) == set(ACTIVATIONS) and set(fused.LOSS_CODES) == set(LOSSES)


def test_exp_is_within_one_ulp_of_numpy(compiled):
    import numba

    from nnviz.core._fused import _exp as exp
    x = np.concatenate([np.random.default_rng(0).normal(size=20000) * s for s in (1, 30, 300)])
    x = np.concatenate([x, [-800, -745.2, -745.0, -708.5, 0.0, 709.7, 709.8, np.inf, -np.inf, np.nan]])

    @numba.njit
    def run(x, out):
        for i in range(x.size):
            out[i] = exp(x[i])

    out = np.empty_like(x)
    run(x, out)
    with np.errstate(all="ignore"):
        ref = np.exp(x)
    finite = np.isfinite(ref)
    assert np.max(np.abs(out[finite] - ref[finite]) / np.spacing(ref[finite])) <= 1.0  # subnormals too
    np.testing.assert_array_equal(out[~finite], ref[~finite])  # inf and NaN as NumPy


def test_tanh_is_the_formula_with_exp_and_saturates_exactly(compiled):
    """The kernel's tanh skips exp's range handling by clamping 2z to ±40: the results must be those of
    ``1 − 2 / (1 + exp(2z))`` with the full exp bit for bit, at and beyond the clamp too."""
    import numba

    from nnviz.core import _fused as fused
    exp, tanh = fused._exp, fused._tanh
    z = np.concatenate([np.random.default_rng(1).normal(size=20000) * s for s in (0.1, 3, 30)])
    edge = [0.0, -0.0, 1e-300, 5e-324, 18.7, 19.0, 19.99, 20.0, 20.000001, 21.0, 300.0, 400.0, 1e300]
    z = np.concatenate([z, edge, [-v for v in edge], [np.inf, -np.inf, np.nan]])

    @numba.njit
    def run(z, fast, full):
        for i in range(z.size):
            fast[i] = tanh(z[i])
            full[i] = -2.0 / (exp(z[i] * 2.0) + 1.0) + 1.0

    fast, full = np.empty_like(z), np.empty_like(z)
    run(z, fast, full)
    np.testing.assert_array_equal(fast, full)
    assert np.all(fast[z >= 20.0] == 1.0) and np.all(fast[z <= -20.0] == -1.0)
    finite = np.isfinite(z)
    assert np.max(np.abs(fast[finite] - np.tanh(z[finite]))) <= 4.5e-16  # the formula: 2 ulp of 1 at most
    assert np.isnan(fast[np.isnan(z)]).all()
def test_float32_tanh_is_the_formula_with_exp32_and_saturates_exactly(compiled):
    import numba

    from nnviz.core import _fused as fused
    exp32, tanh32 = fused._exp32, fused._tanh32
    f32 = np.float32
    z = np.concatenate([np.random.default_rng(2).normal(size=20000) * s for s in (0.1, 3, 30)]).astype(f32)
    edge = [0.0, 1e-30, 1e-45, 8.9, 9.0, 9.99, 10.0, 10.0001, 11.0, 50.0, 100.0, 3e38]
    z = np.concatenate([z, np.array(edge + [-v for v in edge] + [np.inf, -np.inf, np.nan], dtype=f32)])

    @numba.njit
    def run(z, fast, full):
        for i in range(z.size):
            fast[i] = tanh32(z[i])
            full[i] = -f32(2.0) / (exp32(z[i] * f32(2.0)) + f32(1.0)) + f32(1.0)

    fast, full = np.empty_like(z), np.empty_like(z)
    run(z, fast, full)
    np.testing.assert_array_equal(fast, full)
    assert fast.dtype == np.float32
    assert np.all(fast[z >= 10.0] == 1.0) and np.all(fast[z <= -10.0] == -1.0)
    finite = np.isfinite(z)
    assert np.max(np.abs(fast[finite] - np.tanh(z[finite].astype(np.float64)))) <= 3e-7


def test_backend_reports_the_path_and_why(compiled):
    use_backend("auto")
    info = backend()
    assert isinstance(info, Backend)
    assert (info.name, info.requested, info.status, info.compiled) == ("numba", "auto", "ready", True)
    assert info.compile_seconds > 0 and isinstance(info.from_cache, bool)
    assert repr(info).startswith("Backend('numba': ")
    use_backend("numpy")
    info = backend()
    assert (info.name, info.status, info.compiled) == ("numpy", "off", False)
    assert repr(info) == "Backend('numpy': NumPy requested (use_backend('numpy')))"


def test_nnviz_backend_environment_variable(monkeypatch, compiled, kernel_runs):
    X, y = _circle()
    use_backend(None)
    monkeypatch.setenv("NNVIZ_BACKEND", "numpy")
    assert backend().name == "numpy" and "NNVIZ_BACKEND=numpy" in backend().reason
    Network.mlp(2, [3], seed=0).fit(X, y, epochs=2)
    assert not any(kernel_runs)
    monkeypatch.setenv("NNVIZ_BACKEND", "Numba")
    assert backend().name == "numba"
    Network.mlp(2, [3], seed=0).fit(X, y, epochs=2)
    assert kernel_runs == [True, True]
    monkeypatch.setenv("NNVIZ_BACKEND", "gpu")
    with pytest.raises(ValueError, match=r"NNVIZ_BACKEND must be one of auto, numba, numpy, got 'gpu'"):
        backend()


def test_use_backend_checks_its_argument():
    with pytest.raises(ValueError, match="unknown name 'fortran'; expected one of 'auto', 'numba', 'numpy'"):
        use_backend("fortran")


def _run_python(code, **env):
    import os

    full_env = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=full_env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_without_numba_everything_runs_on_numpy():
    out = _run_python("""
        import sys
        sys.modules["numba"] = None  # import numba now raises ImportError
        import numpy as np
        from nnviz.core import Network, backend
        net = Network.mlp(2, [4], seed=0)
        net.fit(np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2, epochs=3)
        info = backend(wait=True)
        assert (info.name, info.status) == ("numpy", "unavailable"), info
        assert "numba is not installed" in info.reason, info
        net.fit(np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2, epochs=3)
        assert net.epoch_ == 6
        print("ok")
    """, NNVIZ_BACKEND="auto")
    assert out == "ok"


def test_import_does_not_import_numba_and_the_first_fit_compiles_in_the_background():
    pytest.importorskip("numba")
    out = _run_python("""
        import sys
        import numpy as np
        import nnviz.core
        from nnviz.core import Network, backend
        assert "numba" not in sys.modules
        assert backend().status == "not compiled"
        net = Network.mlp(2, [4], seed=0)
        X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2
        net.fit(X, y, epochs=1)  # starts the compilation, trains on NumPy meanwhile
        assert backend().status in ("compiling", "ready"), backend()
        info = backend(wait=True)
        assert info.name == "numba", info
        import os, shutil, sysconfig
        buildable = (sys.platform.startswith("linux") and (shutil.which("cc") or shutil.which("gcc"))
                     and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))
        if buildable:  # the kernels built ahead of time: no numba, no LLVM in this process
            assert "ahead of time" in info.reason, info
            assert "numba" not in sys.modules and "llvmlite" not in sys.modules
        print("ok")
    """, NNVIZ_BACKEND="auto")
    assert out == "ok"


def test_built_kernels_are_looked_for_in_every_folder_before_a_build(compiled, tmp_path, monkeypatch):
    """Whoever installs nnviz on a shared machine can build the kernels once next to the package; a user
    who cannot write there finds them there (or in their own cache) instead of building again."""
    import os
    import shutil

    if not backend_module._KERNEL.ahead_of_time:
        pytest.skip("the kernels are not built ahead of time on this machine")
    from nnviz.core import _fused_aot

    name = backend_module._aot_name()
    file = name + _fused_aot.suffix()
    built = next(os.path.join(d, file) for d in backend_module._aot_dirs() if os.path.exists(os.path.join(d, file)))
    shared, user = tmp_path / "shared", tmp_path / "user"
    shared.mkdir()
    user.mkdir()
    shutil.copy(built, user / file)
    monkeypatch.setattr(backend_module, "_aot_dirs", lambda: [str(shared), str(user)])
    builds = []
    monkeypatch.setattr(backend_module.subprocess, "run", lambda *a, **k: builds.append(a))
    module, from_disk = backend_module._built_kernels()
    assert from_disk and not builds and not os.listdir(shared)  # found in the second folder, nothing built
    assert callable(module.train_epoch) and callable(module.forward_output32)


def test_builds_in_one_folder_wait_for_each_other_and_build_once(tmp_path, monkeypatch):
    """Two kernels starting at once (a teacher opening two lessons) build the module once: the second
    build waits for the first and finds the module there."""
    import threading

    from nnviz.core import _fused_aot

    builds = []

    def fake_build(directory, name, final):
        builds.append(name)
        time.sleep(0.3)  # a build in progress
        with open(final, "w") as f:
            f.write("built")
        return final

    monkeypatch.setattr(_fused_aot, "_build", fake_build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(_fused_aot.build(str(tmp_path), "_nnviz_kernels_x")))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builds == ["_nnviz_kernels_x"] and len(set(results)) == 1 and len(results) == 3


def test_work_folders_left_by_killed_builds_are_removed(tmp_path):
    import os

    from nnviz.core import _fused_aot

    old, fresh, other = (tmp_path / n for n in ("._nnviz_kernels_a-1", "._nnviz_kernels_b-2", ".cache-3"))
    for folder in (old, fresh, other):
        folder.mkdir()
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    _fused_aot._remove_stale_work(str(tmp_path))
    assert not old.exists() and fresh.exists() and other.exists()  # a build in progress is left alone


def test_the_jit_fallback_trains_as_numpy_does():
    """Where the kernels cannot be built ahead of time (no C compiler, not Linux; NNVIZ_AOT=0 here),
    numba's JIT compiles the same source: the same run as NumPy, to 1e-12."""
    pytest.importorskip("numba")
    out = _run_python("""
        import sys
        import numpy as np
        from nnviz.core import Network, SGD, backend, use_backend
        from nnviz.data import make_dataset
        X, y = make_dataset("spiral", n=200, seed=0)
        make = lambda: Network.mlp(2, [8, 5], activation="tanh", loss="bce", optimizer=SGD(0.1, momentum=0.9), seed=0)
        use_backend("numpy")
        ref = make().fit(X, y, epochs=10, batch_size=10)
        use_backend("numba")
        info = backend(wait=True)
        assert info.name == "numba" and "ahead of time" not in info.reason, info
        assert "numba" in sys.modules
        fast = make()
        assert backend(fast).name == "numba"
        fast.fit(X, y, epochs=10, batch_size=10)
        assert np.max(np.abs(fast._params - ref._params)) <= 1e-12
        assert abs(fast.history["loss"][-1] - ref.history["loss"][-1]) <= 1e-12
        print("ok")
    """, NNVIZ_BACKEND="auto", NNVIZ_AOT="0")
    assert out == "ok"


# -- the compiled forward pass for drawing -------------------------------------------------------------
def test_float32_grid_pass_is_compiled_and_matches_numpy(compiled, monkeypatch):
    from nnviz.analysis import decision_grid, make_grid

    calls = []
    real = backend_module._KERNEL.module.forward_output32
    monkeypatch.setattr(backend_module._KERNEL.module, "forward_output32",
                        lambda *a: (calls.append(1), real(*a))[1])
    grid = make_grid(resolution=100)
    for net in (Network.mlp(2, [8, 8], activation="tanh", loss="bce", seed=0),
                Network.mlp(2, [6, 5], n_outputs=3, activation="relu", loss="cross_entropy", seed=1)):
        use_backend("numpy")
        ref = decision_grid(net, grid)
        ref64 = net.forward(grid.points)
        use_backend("numba")
        n = len(calls)
        img = decision_grid(net, grid)
        assert len(calls) == n + 1 and img.dtype == np.float32 and img.shape == ref.shape
        np.testing.assert_allclose(img, ref, rtol=0, atol=1e-6)  # both float32
        np.testing.assert_allclose(img.reshape(ref64.shape), ref64, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(net.forward(grid.points), ref64)  # float64 passes stay on NumPy
        assert len(calls) == n + 1
