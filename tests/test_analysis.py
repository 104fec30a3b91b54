"""Tests for nnviz.analysis: grids match the network, colours match the playground, PNGs decode.

Grid tests compare against ``Network.forward``/``trace`` at the grid points; orientation tests use
hand-set weights whose output depends on one coordinate only, so a transposed or flipped image fails.
"""
import io
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from PIL import Image

from nnviz.analysis import (
    CLASS_COLORS,
    HEATMAP_ALPHA,
    PLAYGROUND_COLORS,
    Edge,
    Grid,
    accuracy,
    class_rgba,
    confusion_matrix,
    decision_grid,
    diverging_rgba,
    edge_arrays,
    edge_curves,
    edge_list,
    edge_style,
    encode_png,
    feature_grids,
    gradient_norms,
    graph_layout,
    hex_to_rgb,
    input_matrix,
    layer_rgba,
    make_grid,
    neuron_grids,
    output_rgba,
    sequential_rgba,
    to_signed,
)
from nnviz.core import Dense, Dropout, Network
from nnviz.data import make_features

ORANGE, GREY, BLUE = (hex_to_rgb(c) for c in ("#f59322", "#e8eaeb", "#0877bd"))


def one_unit_net(w1, w2, activation="sigmoid", loss="bce", features=2):
    """A single Dense unit with hand-set weights ``[w1, w2]`` and bias 0."""
    layer = Dense(features, 1, activation)
    net = Network([layer], loss=loss)
    layer.W = [[w1], [w2]]
    layer.b = [0.0]
    return net


# ------------------------------------------------------------------------------------- grid
def test_make_grid_cell_centres_and_point_order():
    g = make_grid((-6, 6, -6, 6), resolution=4)
    assert isinstance(g, Grid)
    np.testing.assert_allclose(g.xs, [-4.5, -1.5, 1.5, 4.5])
    np.testing.assert_allclose(g.ys, [-4.5, -1.5, 1.5, 4.5])
    assert g.points.shape == (16, 2) and g.points.dtype == np.float64
    # points[i * res + j] == (xs[j], ys[i]): rows along y, ascending
    for i in range(4):
        for j in range(4):
            np.testing.assert_array_equal(g.points[i * 4 + j], [g.xs[j], g.ys[i]])
    assert g.extent == (-6.0, 6.0, -6.0, 6.0) and g.resolution == 4 and g.shape == (4, 4)


def test_make_grid_is_read_only_and_cached():
    g = make_grid(resolution=10)
    assert make_grid(resolution=10) is g
    with pytest.raises(ValueError):
        g.points[0, 0] = 1.0
    assert "10×10" in repr(g)


def test_make_grid_asymmetric_extent():
    g = make_grid((0, 2, 10, 14), resolution=2)
    np.testing.assert_allclose(g.xs, [0.5, 1.5])
    np.testing.assert_allclose(g.ys, [11.0, 13.0])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"resolution": 1}, ValueError, r"resolution must be an integer >= 2, got 1"),
        ({"resolution": 2.5}, TypeError, r"resolution must be an integer >= 2, got 2.5 \(float\)"),
        ({"extent": (1, -1, 0, 1)}, ValueError, r"extent must be finite .* xmin < xmax"),
        ({"extent": (0, 1, 0)}, TypeError, r"extent must be a tuple \(xmin, xmax, ymin, ymax\)"),
        ({"extent": (0, 1, 0, "a")}, TypeError, r"extent must hold 4 real numbers"),
    ],
)
def test_make_grid_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_grid(**kwargs)


def test_input_matrix_applies_features():
    pts = np.array([[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(input_matrix(pts), pts)
    np.testing.assert_array_equal(
        input_matrix(pts, ("x1^2", "x1*x2", "sin(x2)")),
        np.column_stack([pts[:, 0] ** 2, pts[:, 0] * pts[:, 1], np.sin(pts[:, 1])]),
    )


def test_decision_grid_equals_predict_proba_binary():
    net = Network.mlp(2, [4, 2], activation="tanh", loss="bce", seed=0)
    g = make_grid(resolution=30)
    expected = net.predict_proba(g.points)[:, 1].reshape(30, 30)
    exact = decision_grid(net, g, dtype=np.float64)
    assert exact.shape == (30, 30) and exact.dtype == np.float32
    np.testing.assert_allclose(exact, expected, rtol=1e-6, atol=1e-7)
    fast = decision_grid(net, g)  # float32 inference
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, expected, atol=1e-5)


def test_decision_grid_orientation_x1_varies_along_columns():
    g = make_grid(resolution=20)
    img = decision_grid(one_unit_net(1.0, 0.0), g, dtype=np.float64)
    # constant down each column, increasing left to right
    np.testing.assert_allclose(img, np.broadcast_to(img[0], img.shape), atol=1e-7)
    assert np.all(np.diff(img[0]) > 0)
    np.testing.assert_allclose(img[0], 1 / (1 + np.exp(-g.xs)), rtol=1e-6)


def test_decision_grid_orientation_row_zero_is_ymin():
    g = make_grid(resolution=20)
    img = decision_grid(one_unit_net(0.0, 1.0), g, dtype=np.float64)
    np.testing.assert_allclose(img, np.broadcast_to(img[:, :1], img.shape), atol=1e-7)
    assert np.all(np.diff(img[:, 0]) > 0)  # increases with the row: row 0 is the bottom
    assert img[0, 0] < 0.01 and img[-1, 0] > 0.99  # y = ymin → class 0, y = ymax → class 1


def test_decision_grid_multiclass_and_regression_shapes():
    g = make_grid(resolution=12)
    net = Network.mlp(2, [5], n_outputs=3, loss="cross_entropy", seed=1)
    img = decision_grid(net, g, dtype=np.float64)
    assert img.shape == (12, 12, 3)
    np.testing.assert_allclose(img.sum(axis=-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(img, net.predict_proba(g.points).reshape(12, 12, 3), atol=1e-6)
    reg = Network.mlp(2, [3], loss="mse", seed=2)
    out = decision_grid(reg, g, dtype=np.float64)
    assert out.shape == (12, 12)
    np.testing.assert_allclose(out, reg.forward(g.points)[:, 0].reshape(12, 12), atol=1e-6)
    reg2 = Network.mlp(2, [3], n_outputs=2, loss="mse", seed=2)
    assert decision_grid(reg2, g).shape == (12, 12, 2)


def test_decision_grid_uses_the_features():
    # a linear unit on (x1², x2²) with weights 1, 1 outputs x1² + x2²
    net = one_unit_net(1.0, 1.0, activation="linear", loss="mse")
    g = make_grid(resolution=8)
    img = decision_grid(net, g, features=("x1^2", "x2^2"), dtype=np.float64)
    np.testing.assert_allclose(img, g.ys[:, None] ** 2 + g.xs[None, :] ** 2, rtol=1e-6)


def test_neuron_grids_match_trace_and_skip_dropout():
    net = Network.mlp(3, [4, 3], activation="relu", dropout=0.3, loss="bce", seed=3)
    assert sum(isinstance(l, Dropout) for l in net.layers) == 2
    feats = ("x1", "x2", "x1*x2")
    g = make_grid(resolution=9)
    grids = neuron_grids(net, g, feats, dtype=np.float64)
    assert [a.shape for a in grids] == [(4, 9, 9), (3, 9, 9), (1, 9, 9)]
    assert all(a.dtype == np.float32 for a in grids)
    dense_traces = [t for l, t in zip(net.layers, net.trace(make_features(g.points, feats))) if isinstance(l, Dense)]
    for a, t in zip(grids, dense_traces):
        for unit in range(a.shape[0]):
            np.testing.assert_allclose(a[unit], t.a[:, unit].reshape(9, 9), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grids[-1][0], decision_grid(net, g, feats, dtype=np.float64), atol=1e-7)


def test_feature_grids():
    g = make_grid(resolution=5)
    fg = feature_grids(g, ("x1", "x2", "x1^2"))
    assert fg.shape == (3, 5, 5) and fg.dtype == np.float32
    np.testing.assert_allclose(fg[0], np.broadcast_to(g.xs, (5, 5)))
    np.testing.assert_allclose(fg[1], np.broadcast_to(g.ys[:, None], (5, 5)))
    np.testing.assert_allclose(fg[2], np.broadcast_to(g.xs**2, (5, 5)), rtol=1e-6)


def test_grids_redo_in_float64_what_overflows_float32():
    # weights finite in float64 but beyond float32's range (a run close to diverging): a float32 pass
    # gives inf - inf = NaN in the hidden layer; the grids fall back to float64 and stay finite
    net = Network.mlp(2, [3], activation="tanh", loss="bce", seed=0)
    hidden = net.dense_layers[0]
    hidden.W = [[1e39, -1e39, 2e39], [-1e39, 1e39, 1e39]]
    g = make_grid(resolution=10)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning on the way either
        fast = decision_grid(net, g)
        grids = neuron_grids(net, g)
    assert fast.dtype == np.float32 and np.isfinite(fast).all()
    np.testing.assert_allclose(fast, net.predict_proba(g.points)[:, 1].reshape(10, 10), atol=1e-6)
    assert all(a.dtype == np.float32 and np.isfinite(a).all() for a in grids)
    np.testing.assert_array_equal(np.abs(grids[0]), 1.0)  # tanh saturated at ±1, as in float64
    np.testing.assert_allclose(grids[-1][0], fast, atol=1e-7)


def test_grids_clip_outputs_beyond_float32_to_its_range():
    net = one_unit_net(1e39, 0.0, activation="linear", loss="mse")  # output 1e39 * x1
    g = make_grid(resolution=4)
    top = np.finfo(np.float32).max
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float32, np.float64):
            img = decision_grid(net, g, dtype=dtype)
            assert img.dtype == np.float32 and np.isfinite(img).all()
            np.testing.assert_array_equal(img, np.broadcast_to(np.sign(g.xs) * top, (4, 4)))
            (out,) = neuron_grids(net, g, dtype=dtype)
            np.testing.assert_array_equal(out[0], img)


def test_grid_inputs_are_computed_once_per_grid_and_features(monkeypatch):
    import nnviz.analysis.grid as grid_module

    calls = []

    def counting_make_features(points, features):
        calls.append(tuple(features))
        return make_features(points, features)

    monkeypatch.setattr(grid_module, "make_features", counting_make_features)
    g = make_grid((-6.0, 6.0, -6.0, 6.5), resolution=17)  # a grid no other test uses
    net = Network.mlp(3, [4], loss="bce", seed=4)
    feats = ("x1", "sin(x2)", "x1*x2")
    first = decision_grid(net, g, list(feats))
    for _ in range(3):  # redraws: no new feature matrix
        np.testing.assert_array_equal(decision_grid(net, g, feats), first)
        neuron_grids(net, g, feats)
    assert calls == [feats]
    X = grid_module._grid_inputs(g, feats, np.dtype(np.float32))
    assert not X.flags.writeable and X.dtype == np.float32
    np.testing.assert_array_equal(X, make_features(g.points, feats).astype(np.float32))
    with pytest.raises(ValueError):
        X[0, 0] = 1.0  # read-only: shared by every view of this grid
    # other features, another dtype: their own matrices, and right
    other = ("x1^2", "x2^2", "x1")
    np.testing.assert_allclose(
        decision_grid(net, g, other, dtype=np.float64),
        net.forward(make_features(g.points, other))[:, 0].reshape(17, 17), rtol=1e-6)
    decision_grid(net, g, feats, dtype=np.float64)
    np.testing.assert_array_equal(feature_grids(g, feats)[1], np.sin(g.ys[:, None]).astype(np.float32)
                                  * np.ones((1, 17), np.float32))
    assert calls == [feats, other, feats]
    assert decision_grid(net, g, feats).tobytes() == first.tobytes()  # the first one still cached
    # a grid keeps only the latest few
    names = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    for a, b in zip(names, names[1:] + names[:1]):  # 7 more pairs
        feature_grids(g, (a, b))
    assert len(g._inputs) == grid_module.INPUTS_PER_GRID


def test_grid_functions_reject_bad_arguments():
    net = Network.mlp(2, [3], seed=0)
    g = make_grid(resolution=4)
    with pytest.raises(TypeError, match=r"network must be an nnviz.core.Network, got 'net' \(str\)"):
        decision_grid("net", g)
    with pytest.raises(TypeError, match=r"grid must be a Grid from make_grid\(\)"):
        decision_grid(net, g.points)
    with pytest.raises(ValueError, match=r"features must name one input per network input \(2\), got 3"):
        neuron_grids(net, g, ("x1", "x2", "x1^2"))
    with pytest.raises(TypeError, match=r"features must be a sequence of feature names"):
        decision_grid(net, g, "x1")
    with pytest.raises(ValueError, match=r"unknown feature 'x3'"):
        decision_grid(net, g, ("x1", "x3"))
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64, got int64"):
        decision_grid(net, g, dtype=np.int64)


# ----------------------------------------------------------------------------------- colours
def test_playground_colors():
    assert PLAYGROUND_COLORS == {"negative": "#f59322", "neutral": "#e8eaeb", "positive": "#0877bd"}
    assert len(CLASS_COLORS) == 10 and len(set(CLASS_COLORS)) == 10
    assert CLASS_COLORS[:2] == ("#f59322", "#0877bd")
    assert HEATMAP_ALPHA == 160
    assert hex_to_rgb("#0877bd") == (8, 119, 189)
    with pytest.raises(ValueError, match=r"color must be a hex string like '#0877bd', got 'blue'"):
        hex_to_rgb("blue")


def test_diverging_rgba_end_colours_exact():
    rgba = diverging_rgba([-1.0, 0.0, 1.0])
    assert rgba.dtype == np.uint8 and rgba.shape == (3, 4)
    np.testing.assert_array_equal(rgba, [ORANGE + (255,), GREY + (255,), BLUE + (255,)])
    # a probability: vmin=0 → orange, 0.5 → grey, 1 → blue
    np.testing.assert_array_equal(diverging_rgba([0.0, 0.5, 1.0], 0.0, 1.0)[:, :3], [ORANGE, GREY, BLUE])


def test_diverging_rgba_is_linear_between_and_clipped():
    v = np.linspace(-1, 1, 201)
    got = diverging_rgba(v)[:, :3].astype(float)
    t = v[:, None]
    exact = np.array(GREY) + np.maximum(t, 0) * (np.array(BLUE) - GREY) + np.maximum(-t, 0) * (np.array(ORANGE) - GREY)
    np.testing.assert_allclose(got, exact, atol=1.0)  # within one uint8 level
    np.testing.assert_array_equal(diverging_rgba(0.5)[:3], np.rint((np.array(GREY) + np.array(BLUE)) / 2))
    clipped = diverging_rgba([-7.0, 3.0, -np.inf, np.inf])
    np.testing.assert_array_equal(clipped[:, :3], [ORANGE, BLUE, ORANGE, BLUE])


def test_diverging_rgba_nan_transparent_and_shape_kept():
    v = np.zeros((3, 5), dtype=np.float32)
    v[1, 2] = np.nan
    rgba = diverging_rgba(v)
    assert rgba.shape == (3, 5, 4)
    np.testing.assert_array_equal(rgba[1, 2], [0, 0, 0, 0])
    assert (rgba[..., 3].sum() == 255 * 14)


def test_diverging_rgba_discretize():
    v = np.array([-0.9, -0.01, 0.0, 0.01, 0.7, np.nan])
    rgba = diverging_rgba(v, discretize=True)
    np.testing.assert_array_equal(rgba[:5, :3], [ORANGE, ORANGE, BLUE, BLUE, BLUE])  # playground: >= 0 → +1
    np.testing.assert_array_equal(rgba[5], [0, 0, 0, 0])


def test_diverging_rgba_rejects_bad_range():
    with pytest.raises(ValueError, match=r"vmin must be smaller than vmax, got vmin=1 and vmax=1"):
        diverging_rgba([0.0], 1.0, 1.0)
    with pytest.raises(TypeError, match=r"values must be an array of numbers"):
        diverging_rgba("abc")


def test_class_rgba_fades_by_confidence():
    probs = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.25, 0.75]])
    rgba = class_rgba(probs)
    np.testing.assert_array_equal(rgba[:3, :3], [GREY, ORANGE, BLUE])
    np.testing.assert_array_equal(rgba[3, :3], np.rint(np.array(GREY) + 0.5 * (np.array(BLUE) - GREY)))
    three = class_rgba(np.array([[1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]]))
    np.testing.assert_array_equal(three[:, :3], [GREY, hex_to_rgb(CLASS_COLORS[2])])
    np.testing.assert_array_equal(class_rgba(probs, discretize=True)[3, :3], BLUE)
    img = class_rgba(np.full((4, 6, 3), np.nan))
    assert img.shape == (4, 6, 4) and not img.any()
    with pytest.raises(ValueError, match=r"probs must have a last axis of 2 to 10 class probabilities, got shape \(5, 1\)"):
        class_rgba(np.ones((5, 1)))


def test_sequential_output_and_signed():
    np.testing.assert_array_equal(sequential_rgba([0.0, 1.0], CLASS_COLORS[2])[:, :3], [GREY, hex_to_rgb(CLASS_COLORS[2])])
    np.testing.assert_array_equal(output_rgba(np.array([0.0, 1.0]), "binary")[:, :3], [ORANGE, BLUE])
    np.testing.assert_array_equal(output_rgba(np.array([-1.0, 1.0]), "regression")[:, :3], [ORANGE, BLUE])
    np.testing.assert_array_equal(output_rgba(np.array([[0.0, 1.0]]), "multiclass")[:, :3], [BLUE])
    with pytest.raises(ValueError, match=r"task must be one of"):
        output_rgba([0.0], "ranking")
    np.testing.assert_allclose(to_signed([0.0, 0.5, 1.0], "binary"), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(to_signed([-0.3], "regression"), [-0.3], rtol=1e-6)
    with pytest.raises(ValueError, match=r"class_rgba"):
        to_signed([0.1], "multiclass")


def test_layer_rgba_per_level():
    hidden = np.array([[[-1.0, 0.0]], [[1.0, 5.0]]])  # 2 units of 1x2 pixels
    rgba = layer_rgba(hidden)
    assert rgba.shape == (2, 1, 2, 4)
    np.testing.assert_array_equal(rgba[..., :3].reshape(4, 3), [ORANGE, GREY, BLUE, BLUE])
    out = np.array([[[0.0, 1.0]]])
    np.testing.assert_array_equal(layer_rgba(out, "binary")[0, 0, :, :3], [ORANGE, BLUE])
    probs = np.array([[[0.0, 1.0]], [[1.0, 0.0]], [[0.0, 0.0]]])
    multi = layer_rgba(probs, "multiclass")[..., :3]
    np.testing.assert_array_equal(multi[0, 0], [GREY, ORANGE])  # unit j in class j's colour
    np.testing.assert_array_equal(multi[1, 0], [BLUE, GREY])
    with pytest.raises(ValueError, match=r"grids must have shape \(n_units, res, res\), got shape \(2, 2\)"):
        layer_rgba(np.zeros((2, 2)))


# ---------------------------------------------------------------------------------------- PNG
def decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert(im.mode))


def test_encode_png_round_trips_with_flip():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    png = encode_png(rgba)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    decoded = decode(png)
    assert decoded.shape == (7, 5, 4)
    np.testing.assert_array_equal(decoded, rgba[::-1])  # grid row 0 (ymin) is the bottom image row
    np.testing.assert_array_equal(decode(encode_png(rgba, flip_vertical=False)), rgba)
    rgb = rgba[..., :3].copy()
    np.testing.assert_array_equal(decode(encode_png(rgb, flip_vertical=False)), rgb)


def test_encode_png_of_a_decision_grid_puts_ymax_on_top():
    img = decision_grid(one_unit_net(0.0, 20.0), make_grid(resolution=16))  # a steep step at y = 0
    decoded = decode(encode_png(output_rgba(img, "binary")))
    np.testing.assert_array_equal(decoded[0, :, :3], np.broadcast_to(BLUE, (16, 3)))  # top row: y ≈ 6 → class 1
    np.testing.assert_array_equal(decoded[-1, :, :3], np.broadcast_to(ORANGE, (16, 3)))


def test_encode_png_is_fast():
    rgba = diverging_rgba(np.random.default_rng(1).uniform(-1, 1, (100, 100)))
    encode_png(rgba)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        encode_png(rgba)
        times.append(time.perf_counter() - t)
    assert np.median(times) < 5e-3  # typically ~0.3 ms; a generous bound for slow CI machines


def test_encode_png_rejects_bad_input():
    with pytest.raises(TypeError, match=r"rgba must have dtype uint8, got float64"):
        encode_png(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match=r"rgba must have shape \(height, width, 4\) or \(height, width, 3\), got shape \(2, 2\)"):
        encode_png(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(TypeError, match=r"rgba must be a numpy array"):
        encode_png([[[0, 0, 0, 0]]])


# -------------------------------------------------------------------------------------- graph
def test_graph_layout_columns_and_centring():
    layout = graph_layout([2, 4, 1], width=3.0, height=4.0)
    assert [xy.shape for xy in layout] == [(2, 2), (4, 2), (1, 2)]
    np.testing.assert_allclose([xy[0, 0] for xy in layout], [0.5, 1.5, 2.5])  # evenly spaced columns
    np.testing.assert_allclose(layout[1][:, 1], [3.5, 2.5, 1.5, 0.5])  # unit 0 on top, spacing 4 / 4
    np.testing.assert_allclose(layout[0][:, 1], [2.5, 1.5])  # centred on height / 2
    np.testing.assert_allclose(layout[2][:, 1], [2.0])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be an integer >= 1, got 0"):
        graph_layout([2, 0])
    with pytest.raises(ValueError, match=r"width must be a finite number > 0, got 0.0"):
        graph_layout([2], width=0)


def test_edge_list_follows_W_row_major():
    net = Network.mlp(2, [3, 2], dropout=0.1, seed=4)
    edges = edge_list(net)
    dense = net.dense_layers
    assert len(edges) == sum(l.W.size for l in dense) == 2 * 3 + 3 * 2 + 2 * 1
    assert all(isinstance(e, Edge) for e in edges)
    k = 0
    for level, layer in enumerate(dense):
        for i in range(layer.n_in):
            for j in range(layer.n_out):
                assert edges[k] == (level, i, j, layer.W[i, j])
                k += 1
    src_level, src, dst, w = edge_arrays(net)
    np.testing.assert_array_equal(src_level, [e.layer for e in edges])
    np.testing.assert_array_equal(src, [e.i for e in edges])
    np.testing.assert_array_equal(dst, [e.j for e in edges])
    np.testing.assert_array_equal(w, np.concatenate([l.W.ravel() for l in dense]))
    w[0] = 99.0  # a copy: the network is untouched
    assert dense[0].W[0, 0] != 99.0


def test_edge_style_widths_monotone_and_fixed_scale():
    w = np.array([-6.0, -1.0, 0.0, 0.5, 2.0, 5.0, 10.0])
    widths, signs = edge_style(w, max_width=6.0)
    np.testing.assert_array_equal(signs, [-1, -1, 0, 1, 1, 1, 1])
    assert signs.dtype == np.int8
    order = np.argsort(np.abs(w))
    assert np.all(np.diff(widths[order]) >= 0)
    assert widths[2] == 0.5 and widths[5] == 6.0 and widths[6] == 6.0  # |w| >= 5 saturates
    np.testing.assert_allclose(widths[3], 0.5 + 5.5 * 0.1)
    # the fixed scale keeps widths comparable; scale=None stretches to the largest |w|
    small = np.array([0.1, -0.2])
    assert edge_style(small)[0].max() < 1.0
    assert edge_style(small, scale=None)[0].max() == 6.0
    with pytest.raises(ValueError, match=r"weights must be 1-D"):
        edge_style(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"scale must be a positive number or None"):
        edge_style(small, scale="auto")


def test_edge_curves_join_the_ends_horizontally():
    start = np.array([[0.0, 0.0], [0.0, 1.0]])
    end = np.array([[2.0, 1.0], [2.0, 1.0]])
    curves = edge_curves(start, end, n_points=9)
    assert curves.shape == (2, 9, 2)
    np.testing.assert_allclose(curves[:, 0], start)
    np.testing.assert_allclose(curves[:, -1], end)
    np.testing.assert_allclose(curves[1, :, 1], 1.0)  # a level link stays level
    assert np.all(np.diff(curves[0, :, 0]) > 0)


# ------------------------------------------------------------------------------------ metrics
def test_confusion_matrix_and_accuracy():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    cm = confusion_matrix(y_true, y_pred, 4)
    expected = np.zeros((4, 4), dtype=int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    assert cm.sum() == 6 and np.trace(cm) == 4
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    assert accuracy(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 1.0


@pytest.mark.parametrize(
    "args, error, message",
    [
        (([0, 1], [0], 2), ValueError, r"y_true and y_pred must have the same number of samples, got 2 and 1"),
        (([0, 3], [0, 1], 3), ValueError, r"y_true must hold class labels in 0..2, got 3"),
        (([0, 1], [0.5, 1], 2), TypeError, r"y_pred must hold integer class labels"),
        (([0, 1], [0, 1], 1), ValueError, r"n_classes must be an integer >= 2, got 1"),
        (([], [], 2), ValueError, r"y_true must hold at least one label"),
    ],
)
def test_confusion_matrix_rejects_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        confusion_matrix(*args)


def test_gradient_norms_are_the_frobenius_norms_of_the_last_step():
    net = Network.mlp(2, [4, 3], dropout=0.2, seed=5)
    assert gradient_norms(net) == [0.0, 0.0, 0.0]
    X = np.random.default_rng(0).normal(size=(16, 2))
    y = (X[:, 0] > 0).astype(int)
    net.train_step(X, y)
    norms = gradient_norms(net)
    assert len(norms) == 3 and all(n > 0 for n in norms)
    for n, g in zip(norms, [g for g in net.gradients() if g]):
        assert n == pytest.approx(np.sqrt((g["W"] ** 2).sum()))


# ------------------------------------------------------------------------------- architecture
def test_analysis_imports_no_plotting_or_widget_library():
    code = (
        "import sys, nnviz.analysis\n"
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'bqplot') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
