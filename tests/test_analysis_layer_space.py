"""Layer spaces: the points and the plane's grid lines mapped through each layer, drawn as the layer
itself (2 units), two chosen neurons or the first two principal components; the output's separating line."""
import numpy as np
import pytest

from nnviz.analysis import LayerSpace, grid_lines, layer_space
from nnviz.core import Network
from nnviz.data import make_dataset, make_features


@pytest.fixture(scope="module")
def trained():
    X, y = make_dataset("circle", n=150, noise=0.05, seed=0)
    net = Network.mlp(2, [4, 2], seed=0)
    net.fit(X, y, epochs=40)
    return net, X, y


def test_grid_lines():
    lines = grid_lines((-2, 2, -1, 1), n_lines=3, points_per_line=5)
    assert lines.shape == (6, 5, 2)
    np.testing.assert_array_equal(lines[0, :, 0], -2)  # constant x first
    np.testing.assert_array_equal(lines[0, :, 1], np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(lines[3, :, 1], -1)  # then constant y
    with pytest.raises(ValueError, match="extent must have min < max"):
        grid_lines((1, 0, 0, 1))


def test_each_level_maps_points_and_lines_through_the_network(trained):
    net, X, y = trained
    spaces = layer_space(net, X)
    assert [s.level for s in spaces] == [0, 1, 2, 3] and all(isinstance(s, LayerSpace) for s in spaces)
    assert [s.method for s in spaces] == ["identity", "pca", "identity", "1-d"]
    np.testing.assert_array_equal(spaces[0].points, X)
    np.testing.assert_array_equal(spaces[0].lines, grid_lines())
    traces = net.trace(X)
    np.testing.assert_allclose(spaces[2].points, traces[1].a, rtol=1e-12)
    lines = grid_lines()
    line_trace = net.trace(lines.reshape(-1, 2))
    np.testing.assert_allclose(spaces[2].lines, line_trace[1].a.reshape(lines.shape), rtol=1e-12)
    np.testing.assert_allclose(spaces[3].points[:, 0], traces[2].a[:, 0], rtol=1e-12)
    assert np.all(spaces[3].points[:, 1] == 0)
    assert "LayerSpace(level 1: Dense(2 → 4, 'tanh'), 4 units, pca" in repr(spaces[1])


def test_pca_projection(trained):
    net, X, y = trained
    s = layer_space(net, X)[1]
    A = net.trace(X)[0].a
    np.testing.assert_allclose(s.mean, A.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(s.components @ s.components.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(s.points, (A - s.mean) @ s.components.T, atol=1e-12)
    eigval, eigvec = np.linalg.eigh(np.cov(A.T, bias=True))
    top = eigvec[:, ::-1][:, :2].T
    np.testing.assert_allclose(np.abs(np.sum(top * s.components, axis=1)), 1.0, atol=1e-8)
    assert s.explained[0] >= s.explained[1] > 0 and s.explained.sum() <= 1 + 1e-12
    assert np.allclose(s.explained.sum(), eigval[::-1][:2].sum() / eigval.sum())
    # signs follow the previous frame, so that an animation does not flip
    flipped = [LayerSpace(1, "", 4, "pca", (), s.points, s.lines, -s.components, s.mean, s.explained)]
    again = layer_space(net, X, previous=flipped)[1]
    np.testing.assert_allclose(again.components, -s.components, atol=1e-12)


def test_two_chosen_neurons(trained):
    net, X, y = trained
    s = layer_space(net, X, neurons={1: (3, 0)})[1]
    assert s.method == "neurons" and s.axes == ("unit 4", "unit 1")
    np.testing.assert_allclose(s.points, net.trace(X)[0].a[:, [3, 0]], rtol=1e-12)
    with pytest.raises(ValueError, match="neurons must give two units for level 1"):
        layer_space(net, X, method="neurons")
    with pytest.raises(ValueError, match=r"neurons\[1\]\[1\]"):
        layer_space(net, X, neurons={1: (0, 4)})


def test_the_output_separates_the_last_2_unit_layer_with_a_line(trained):
    net, X, y = trained
    s = layer_space(net, X)[2]
    w, b = s.separator
    side = s.points @ w + b > 0
    np.testing.assert_array_equal(side, net.predict(X) == 1)
    assert layer_space(net, X)[1].separator is None


def test_input_features(trained):
    X, y = make_dataset("circle", n=60, seed=1)
    features = ("x1", "x2", "x1^2", "x2^2")
    net = Network.mlp(4, [2], seed=0)
    s = layer_space(net, X, features)
    np.testing.assert_allclose(s[1].points, net.trace(make_features(X, features))[0].a, rtol=1e-12)
    with pytest.raises(ValueError, match="features must name one input per network input"):
        layer_space(net, X)


def test_bad_input_is_named(trained):
    net, X, y = trained
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        layer_space(net, X[:, :1])
    with pytest.raises(ValueError, match="lines must have shape"):
        layer_space(net, X, lines=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="method"):
        layer_space(net, X, method="tsne")
    with pytest.raises(TypeError, match="neurons must be a dict"):
        layer_space(net, X, neurons=[0, 1])
