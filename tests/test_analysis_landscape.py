"""Loss landscapes: the batched grid equals a plain loop over network.evaluate, the directions are
filter-normalised as Li et al. (2018), the network is left bit-exactly as it was, and paths project."""
import numpy as np
import pytest

from nnviz.analysis import (
    LossLandscape,
    filter_normalized_direction,
    loss_landscape,
    two_parameter_landscape,
    two_parameter_model,
)
from nnviz.core import SGD, Dense, Dropout, Network, parameters_to_vector, vector_to_parameters
from nnviz.data import make_dataset


@pytest.fixture(scope="module")
def circle():
    return make_dataset("circle", n=60, noise=0.1, seed=0)


def copy_of(net):
    other = Network.from_config(net.to_config())
    other.load_state_dict(net.state_dict())
    return other


def loss_at(net, X, y, vector):
    other = copy_of(net)
    vector_to_parameters(vector, other)
    return other.evaluate(X, y)[0]


NETWORKS = {  # name: (network, targets from the 0/1 labels)
    "bce tanh 2-8-8-1": (lambda: Network.mlp(2, [8, 8], activation="tanh", seed=0), lambda y: y),
    "cross_entropy relu 2-6-3": (
        lambda: Network.mlp(2, [6], n_outputs=3, activation="relu", loss="cross_entropy", seed=1),
        lambda y: (y + np.arange(len(y))) % 3),
    "mse sigmoid output": (
        lambda: Network.mlp(2, [5], activation="sigmoid", loss="mse", output_activation="sigmoid", seed=2),
        lambda y: y.astype(float)),
    "with dropout": (lambda: Network([Dense(2, 4, "tanh"), Dropout(0.5), Dense(4, 1, "sigmoid")], seed=3),
                     lambda y: y),
    "mse softmax (loop only)": (
        lambda: Network.mlp(2, [4], n_outputs=3, loss="mse", output_activation="softmax", seed=4),
        lambda y: np.eye(3)[y]),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_batched_grid_equals_the_loop(circle, name):
    X, y = circle
    make, to_targets = NETWORKS[name]
    net, y = make(), to_targets(y)
    loop = loss_landscape(net, X, y, resolution=7, span=1.5, seed=5, method="loop")
    auto = loss_landscape(net, X, y, resolution=7, span=1.5, seed=5, chunk=4)
    np.testing.assert_allclose(auto.loss, loop.loss, rtol=1e-12, atol=1e-13)
    if "loop only" in name:
        with pytest.raises(ValueError, match="method 'batched' needs"):
            loss_landscape(net, X, y, resolution=3, method="batched")
    else:
        batched = loss_landscape(net, X, y, resolution=7, span=1.5, seed=5, method="batched")
        np.testing.assert_array_equal(batched.loss, auto.loss)


def test_loss_entries_are_the_data_loss_at_theta_plus_alpha_d1_plus_beta_d2(circle):
    X, y = circle
    net = Network.mlp(2, [8, 8], activation="tanh", seed=0, l2=0.5)  # the penalty is not in the loss
    land = loss_landscape(net, X, y, resolution=9, span=2.0, seed=1)
    assert land.alphas.shape == land.betas.shape == (9,) and land.loss.shape == (9, 9)
    np.testing.assert_allclose(land.alphas, np.linspace(-2, 2, 9))
    theta = parameters_to_vector(net)
    np.testing.assert_array_equal(land.theta, theta)
    for j, i in [(0, 8), (2, 7), (8, 1), (4, 4)]:  # rows are beta, columns alpha
        expected = loss_at(net, X, y, theta + land.alphas[i] * land.d1 + land.betas[j] * land.d2)
        assert land.loss[j, i] == pytest.approx(expected, rel=1e-12)
    assert land.loss[4, 4] == pytest.approx(net.evaluate(X, y)[0], rel=1e-12)  # the centre is θ itself
    np.testing.assert_allclose(land.point(land.alphas[2], land.betas[7]),
                               theta + land.alphas[2] * land.d1 + land.betas[7] * land.d2)
    a, b, lo = land.minimum
    assert lo == land.loss.min() and land.alphas[0] <= a <= land.alphas[-1]
    assert "LossLandscape(9×9, filter-normalised" in repr(land)


@pytest.mark.parametrize("method", ["batched", "loop"])
def test_network_is_left_bit_exactly_unchanged(circle, method):
    X, y = circle
    net = Network.mlp(2, [8, 8], activation="tanh", seed=0, optimizer=SGD(0.1, momentum=0.9))
    net.fit(X, y, epochs=2)
    before = net.state_dict()
    grads = net.gradients()
    history = net.history.as_dict()
    loss_landscape(net, X, y, resolution=5, seed=0, method=method)
    after = net.state_dict()
    assert before.keys() == after.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])
    for g0, g1 in zip(grads, net.gradients()):
        for k in g0:
            np.testing.assert_array_equal(g0[k], g1[k])
    assert net.history.as_dict() == history


def test_directions_are_filter_normalised_with_zero_biases():
    net = Network.mlp(2, [8, 8], activation="tanh", seed=0)
    d = filter_normalized_direction(net, 7)
    assert d.shape == (net.n_params,)
    offset = 0
    for layer in net.layers:
        W, b = layer.params["W"], layer.params["b"]
        dW = d[offset : offset + W.size].reshape(W.shape)
        db = d[offset + W.size : offset + W.size + b.size]
        offset += W.size + b.size
        np.testing.assert_allclose(np.linalg.norm(dW, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12)
        assert not np.allclose(dW, W) and np.all(db == 0)
    assert offset == net.n_params


def test_same_seed_same_directions_and_a_zero_column_stays_zero(circle):
    X, y = circle
    net = Network.mlp(2, [4], seed=0)
    net.layers[0].W[:, 2] = 0.0  # a neuron with no incoming weights: its direction is 0 too
    a = loss_landscape(net, X, y, resolution=4, seed=3)
    b = loss_landscape(net, X, y, resolution=4, seed=3)
    c = loss_landscape(net, X, y, resolution=4, seed=4)
    np.testing.assert_array_equal(a.d1, b.d1)
    np.testing.assert_array_equal(a.d2, b.d2)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert a.seed == 3 and not np.allclose(a.d1, c.d1) and not np.allclose(a.d1, a.d2)
    assert np.all(a.d1[[2, 6]] == 0)  # W[:, 2] in C order: entries 2 and 4 + 2
    gen = loss_landscape(net, X, y, resolution=4, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(gen.d1, a.d1)
    assert gen.seed is None


def test_project_puts_points_of_the_plane_back_on_their_coordinates(circle):
    X, y = circle
    net = Network.mlp(2, [8, 8], seed=0)
    land = loss_landscape(net, X, y, resolution=5, seed=2)
    coords = np.array([[0.0, 0.0], [0.3, -0.7], [-1.2, 0.4], [2.0, 2.0]])
    path = [land.point(a, b) for a, b in coords]
    np.testing.assert_allclose(land.project(path), coords, atol=1e-12)
    np.testing.assert_allclose(land.project(path[1]), coords[1], atol=1e-12)
    np.testing.assert_allclose(land.distance(path), 0.0, atol=1e-10)
    # off the plane: the residual is orthogonal to both directions (a least-squares projection)
    rng = np.random.default_rng(0)
    off = land.theta + rng.normal(size=land.theta.size)
    ab = land.project(off)
    residual = off - land.point(*ab)
    assert abs(residual @ land.d1) < 1e-9 and abs(residual @ land.d2) < 1e-9
    assert land.distance(off) == pytest.approx(np.linalg.norm(residual))


def test_project_of_a_real_training_path(circle):
    X, y = circle
    net = Network.mlp(2, [4, 2], seed=0, optimizer=SGD(0.3))
    land = loss_landscape(net, X, y, resolution=5, seed=0)
    path = [parameters_to_vector(net)]
    for _ in range(5):
        net.fit(X, y, epochs=1)
        path.append(parameters_to_vector(net))
    coords = land.project(np.array(path))
    assert coords.shape == (6, 2) and np.allclose(coords[0], 0.0)
    assert np.all(land.distance(path)[1:] > 0)  # training leaves the random plane


def test_exact_two_parameter_surface_is_the_quadratic_bowl():
    net, X, y = two_parameter_model(n_samples=30, seed=1)
    assert net.n_params == 2 and X.shape == (30, 1) and y.shape == (30,)
    land = two_parameter_landscape(net, X, y, resolution=11, extent=(-3, 5, -4, 2))
    assert land.kind == "parameters"
    np.testing.assert_allclose(land.alphas, np.linspace(-3, 5, 11))
    np.testing.assert_allclose(land.betas, np.linspace(-4, 2, 11))
    w, b = np.meshgrid(land.alphas, land.betas)
    expected = 0.5 * np.mean((w[..., None] * X[:, 0] + b[..., None] - y) ** 2, axis=-1)
    np.testing.assert_allclose(land.loss, expected, rtol=1e-12)
    path = np.array([[0.0, 0.0], [1.0, -0.5], [2.2, -1.1]])
    np.testing.assert_allclose(land.project(path), path, atol=1e-14)
    default = two_parameter_landscape(resolution=5)
    assert default.loss.shape == (5, 5) and np.isfinite(default.loss).all()


def test_gradient_descent_on_the_bowl_converges_below_2_over_L_and_diverges_above():
    net, X, y = two_parameter_model(n_samples=40, seed=0)
    features = np.hstack([X, np.ones_like(X)])
    L = np.linalg.eigvalsh(features.T @ features / len(X)).max()  # Hessian of ½ mean((w x + b − y)²)
    best = np.linalg.lstsq(features, y, rcond=None)[0]
    land = two_parameter_landscape(net, X, y, resolution=81, extent=(-4, 4, -4, 4))
    a, b, _ = land.minimum
    assert abs(a - best[0]) <= 0.1 and abs(b - best[1]) <= 0.1

    def run(lr, steps=150):
        n = copy_of(net)
        n.optimizer = SGD(lr)
        path = [parameters_to_vector(n)]
        for _ in range(steps):
            n.train_step(X, y)
            path.append(parameters_to_vector(n))
        return land.project(path)

    good = run(1.9 / L)
    bad = run(2.1 / L)
    assert np.linalg.norm(good[-1] - best) < 1e-3
    assert np.linalg.norm(bad[-1] - best) > 10 * np.linalg.norm(bad[0] - best)


def test_overflow_gives_inf_never_nan(circle):
    X, y = circle
    net = Network.mlp(2, [4], activation="relu", loss="mse", seed=0)
    land = loss_landscape(net, X, y.astype(float), resolution=5, span=1e300, seed=0)
    assert not np.isnan(land.loss).any() and np.isinf(land.loss).any()


def test_bad_input_is_named(circle):
    X, y = circle
    net = Network.mlp(2, [4], seed=0)
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        loss_landscape("net", X, y)
    with pytest.raises(ValueError, match="resolution"):
        loss_landscape(net, X, y, resolution=1)
    with pytest.raises(ValueError, match="span"):
        loss_landscape(net, X, y, span=0.0)
    with pytest.raises(ValueError, match="method"):
        loss_landscape(net, X, y, method="fast")
    with pytest.raises(ValueError, match="X"):
        loss_landscape(net, X[:, :1], y)
    with pytest.raises(ValueError, match="same number of samples"):
        loss_landscape(net, X, y[:-1])
    land = loss_landscape(net, X, y, resolution=3, seed=0)
    with pytest.raises(ValueError, match=r"path must have shape \(n_points, 17\)"):
        land.project(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="path must contain only finite"):
        land.project(np.full(17, np.nan))
    with pytest.raises(ValueError, match="exactly 2 parameters"):
        two_parameter_landscape(net, X, y)
    with pytest.raises(ValueError, match="extent must have min < max"):
        two_parameter_landscape(extent=(1, -1, 0, 1))
    with pytest.raises(TypeError, match="pass X and y together with a network"):
        two_parameter_landscape(None, X, y)
    assert isinstance(land, LossLandscape)


def test_optimizer_paths_from_the_same_start(circle):
    from nnviz.analysis import OptimizerPath, optimizer_path

    net, X, y = two_parameter_model(n_samples=40, seed=0)
    vector_to_parameters(np.array([-3.0, 3.0]), net)
    features = np.hstack([X, np.ones_like(X)])
    L = np.linalg.eigvalsh(features.T @ features / len(X)).max()
    best = np.linalg.lstsq(features, y, rcond=None)[0]
    before = net.state_dict()
    good = optimizer_path(net, X, y, {"type": "sgd", "lr": 1.9 / L}, steps=150)
    bad = optimizer_path(net, X, y, {"type": "sgd", "lr": 2.1 / L}, steps=150)
    momentum = optimizer_path(net, X, y, {"type": "sgd", "lr": 0.1, "momentum": 0.9}, steps=150)
    adam = optimizer_path(net, X, y, {"type": "adam", "lr": 0.1}, steps=150)
    for k, v in before.items():  # the network itself never moved
        np.testing.assert_array_equal(net.state_dict()[k], v)
    for path in (good, bad, momentum, adam):
        assert isinstance(path, OptimizerPath) and path.vectors.shape == (151, 2)
        np.testing.assert_array_equal(path.vectors[0], [-3.0, 3.0])
        assert path.losses[0] == net.evaluate(X, y)[0]
    assert np.linalg.norm(good.vectors[-1] - best) < 1e-3 and good.losses[-1] < good.losses[0]
    assert np.linalg.norm(bad.vectors[-1] - best) > 10 * np.linalg.norm(bad.vectors[0] - best)
    assert np.linalg.norm(momentum.vectors[-1] - best) < 0.05 and np.linalg.norm(adam.vectors[-1] - best) < 0.1
    # each step is the core's: the first SGD step by hand
    twin = Network.from_config(net.to_config())
    twin.load_state_dict(net.state_dict())
    twin.optimizer = SGD(1.9 / L)
    twin.train_step(X, y)
    np.testing.assert_array_equal(good.vectors[1], parameters_to_vector(twin))
    assert "OptimizerPath(SGD(lr=" in repr(good) and good.n_steps == 150
    # a path that blows up ends at the last finite point, caught
    wild = optimizer_path(net, X, y * 1e100, {"type": "sgd", "lr": 1e3}, steps=200)
    assert wild.diverged and wild.n_steps < 200 and np.isfinite(wild.vectors).all()
    # mini-batches, shuffled by the seed
    X2, y2 = circle
    mlp = Network.mlp(2, [4], seed=0)
    a = optimizer_path(mlp, X2, y2, steps=5, batch_size=10, seed=1)
    b = optimizer_path(mlp, X2, y2, steps=5, batch_size=10, seed=1)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    with pytest.raises(ValueError, match="steps"):
        optimizer_path(mlp, X2, y2, steps=0)
