"""Headless tests of the Playground's parts, each used on its own: set a control as a user would and
assert on the network and on the mark data the browser would receive."""
import io
import warnings

import numpy as np
import pytest
from PIL import Image

from nnviz.core import History, Network
from nnviz.data import make_dataset, train_test_split
from nnviz.widgets import (
    ActivationHeatmaps,
    ArchitectureBuilder,
    DecisionBoundaryPlot,
    LearningRateControl,
    LossChart,
    NetworkGraph,
    StatusArea,
)


@pytest.fixture(scope="module")
def circle():
    X, y = make_dataset("circle", noise=0.1, seed=0)
    return train_test_split(X, y, train_ratio=0.5, seed=0)


@pytest.fixture
def net():
    return Network.mlp(2, [4, 2], activation="tanh", seed=0)


def decode(png: bytes) -> np.ndarray:
    """The PNG as an RGB(A) array, as the browser would show it."""
    return np.asarray(Image.open(io.BytesIO(png)))


# ------------------------------------------------------------------------------- StatusArea
def test_status_area_shows_kinds_and_escapes_html():
    status = StatusArea()
    assert status.kind == "info" and status.text == "" and "nnviz-status" in status._dom_classes
    status.error("<b>boom</b>")
    assert status.kind == "error" and "&lt;b&gt;boom" in status.value and "nnviz-status-error" in status._dom_classes
    status.success("ok")
    assert "nnviz-status-error" not in status._dom_classes and "nnviz-status-success" in status._dom_classes
    with pytest.raises(ValueError, match="kind must be one of"):
        status.show("x", kind="loud")
    try:
        raise RuntimeError("inner")
    except RuntimeError as exc:
        status.exception(exc)
    assert status.text == "RuntimeError: inner" and "Traceback" in status.value
    status.error("Short.", title="the <whole> 'story'")  # a tooltip with the long text
    assert status.title == "the <whole> 'story'" and "title='the &lt;whole&gt; &#x27;story&#x27;'" in status.value
    status.clear()
    assert status.value == "" and repr(status) == "StatusArea(empty)" and status.title is None


# ------------------------------------------------------------------------------- LearningRateControl
def test_learning_rate_slider_sets_optimizer_lr_only(net):
    control = LearningRateControl(net)
    assert control.value == 0.03 and "nnviz-lr" in control.slider._dom_classes
    assert [label for label, _ in control.slider.options][0] == "0.00001"
    W = net.dense_layers[0].W.copy()
    control.slider.value = 0.3
    assert net.optimizer.lr == 0.3
    np.testing.assert_array_equal(net.dense_layers[0].W, W)  # nothing else touched
    control.value = 10.0
    assert net.optimizer.lr == 10.0
    assert "lr=10" in repr(control)


def test_learning_rate_follows_a_new_network_without_writing_back(net):
    control = LearningRateControl(net, value=0.1)
    assert net.optimizer.lr == 0.1  # the slider shows what trains (issue 7: it showed 0.1, trained at 0.03)
    other = Network.mlp(2, [3], seed=1, optimizer={"type": "sgd", "lr": 0.005})
    control.network = other
    assert control.value == 0.005 and 0.005 in control.rates and other.optimizer.lr == 0.005
    control.value = 1.0
    assert other.optimizer.lr == 1.0 and net.optimizer.lr == 0.1


def test_learning_rate_validation(net):
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        LearningRateControl("net")
    with pytest.raises(ValueError, match="value must be a learning rate > 0"):
        LearningRateControl(net, value=-1)
    with pytest.raises(ValueError, match="value must be one of the slider's rates"):
        LearningRateControl(net).value = 0.02
    with pytest.raises(TypeError, match="rates must be a sequence"):
        LearningRateControl(net, rates="fast")


# ------------------------------------------------------------------------------- ArchitectureBuilder
def test_builder_buttons_change_the_spec_and_the_built_network():
    builder = ArchitectureBuilder(hidden=[4, 2])
    builder.add_layer_button.click()
    assert builder.spec["hidden"] == [4, 2, 2] and builder.spec["activations"] == ["tanh"] * 3
    builder.add_neuron_buttons[0].click()
    builder.remove_neuron_buttons[1].click()
    assert builder.hidden == [5, 1, 2]
    assert builder.remove_neuron_buttons[1].disabled  # a layer keeps one neuron
    builder.remove_layer_button.click()
    assert builder.hidden == [5, 1]
    net = builder.build("binary", seed=0)
    assert net.sizes == [2, 5, 1, 1] and net.loss.name == "bce"
    assert builder.build("multiclass", n_classes=3).sizes[-1] == 3
    assert builder.build("regression").loss.name == "mse"


def test_builder_limits_and_zero_layers():
    builder = ArchitectureBuilder(hidden=[8], max_layers=2, max_neurons=8)
    assert builder.add_neuron_buttons[0].disabled
    with pytest.raises(ValueError, match="already has 8 neurons"):
        builder.add_neuron(0)
    builder.add_layer()
    assert builder.add_layer_button.disabled
    builder.remove_layer()
    builder.remove_layer()
    assert builder.hidden == [] and builder.remove_layer_button.disabled
    assert builder.build("binary").sizes == [2, 1]  # logistic regression
    builder.remove_layer_button.click()  # disabled in the browser; a forced click reports, not raises
    assert builder.status.kind == "error" and "no hidden layer" in builder.status.text


def test_builder_feature_toggles_and_activations():
    builder = ArchitectureBuilder()
    builder.feature_buttons["x1^2"].value = True
    builder.feature_buttons["sin(x2)"].value = True
    assert builder.features == ["x1", "x2", "x1^2", "sin(x2)"]
    assert builder.build("binary").n_inputs == 4
    for name in ("x1", "x2", "x1^2"):
        builder.feature_buttons[name].value = False
    builder.feature_buttons["sin(x2)"].value = False  # the last one: refused, put back
    assert builder.features == ["sin(x2)"] and builder.feature_buttons["sin(x2)"].value
    assert builder.status.kind == "warning"
    builder.activation_dropdown.value = "relu"
    assert builder.activations == ["relu", "relu"]
    builder.layer_activation_dropdowns[1].value = "sigmoid"
    net = builder.build("binary")
    assert [l.activation.name for l in net.dense_layers] == ["relu", "sigmoid", "sigmoid"]


def test_builder_from_network_lock_and_validation(net):
    builder = ArchitectureBuilder(net)
    assert builder.hidden == [4, 2] and "4 tanh → 2 tanh" in repr(builder)
    builder.lock(["layers", "features"])
    assert builder.add_layer_button.disabled and builder.feature_buttons["x1"].disabled
    assert not builder.add_neuron_buttons[0].disabled
    with pytest.raises(ValueError, match="unknown control 'colour'; valid names: features, layers"):
        builder.lock(["colour"])
    with pytest.raises(ValueError, match="features must name one input per network input"):
        ArchitectureBuilder(net, features=["x1"])
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        ArchitectureBuilder(features=["x3"])
    with pytest.raises(ValueError, match=r"hidden\[0\] must be .*\[1, 8\], got 9"):
        ArchitectureBuilder(hidden=[9])
    with pytest.raises(ValueError, match="activation must be one of"):
        ArchitectureBuilder(activation="softmax")


# ------------------------------------------------------------------------------- DecisionBoundaryPlot
def test_decision_plot_draws_the_data_and_the_output(net, circle):
    X_train, X_test, y_train, y_test = circle
    plot = DecisionBoundaryPlot(net, X_train, y_train, X_test, y_test)
    np.testing.assert_allclose(plot.train_scatter.x, X_train[:, 0], rtol=1e-6)
    np.testing.assert_allclose(plot.test_scatter.y, X_test[:, 1], rtol=1e-6)
    assert plot.train_scatter.colors[int(np.argmax(y_train == 0))] == "#f59322"  # class 0 orange
    assert plot.train_scatter.colors[int(np.argmax(y_train == 1))] == "#0877bd"
    assert plot.train_scatter.x.dtype == np.float32
    assert plot.map.extent == (-6.0, 6.0, -6.0, 6.0)  # a fixed view, never auto-scaled
    image = decode(plot.png)
    assert image.shape == (100, 100, 3)
    before = plot.png
    net.fit(X_train, y_train, epochs=20)
    assert plot.update() and plot.png != before
    # the centre (class 1) turns blue: image row 0 is the top (y = +6)
    centre = decode(plot.png)[50, 50].astype(int)
    assert centre[2] > centre[0]
    assert "nnviz-decision" in plot.figure._dom_classes


def test_decision_plot_discretize_show_test_and_focus(net, circle):
    X_train, X_test, y_train, y_test = circle
    net.fit(X_train, y_train, epochs=10)
    plot = DecisionBoundaryPlot(net, X_train, y_train, X_test, y_test, show_test=False)
    assert not plot.test_scatter.visible
    plot.show_test = True
    assert plot.test_scatter.visible
    smooth = plot.png
    plot.discretize = True
    colors = np.unique(decode(plot.png).reshape(-1, 3), axis=0)
    assert plot.png != smooth and len(colors) == 2  # two flat colours
    plot.show_neuron(1, 2)
    assert plot.focus == (1, 2) and "Layer 1, neuron 3" in plot.title.value
    assert plot.output_button.layout.display is None
    plot.output_button.click()
    assert plot.focus is None and plot.output_button.layout.display == "none"
    plot.show_neuron(0, 1)
    assert "Input X₂" in plot.title.value
    plot.show_neuron(3, 0)  # the single output unit is the output itself
    assert plot.focus is None
    with pytest.raises(ValueError, match=r"unit must be .*\[0, 3\], got 4"):
        plot.show_neuron(1, 4)


def test_decision_plot_never_draws_non_finite_values(circle):
    X_train, X_test, y_train, y_test = circle
    net = Network.mlp(2, [4], activation="relu", seed=0)
    plot = DecisionBoundaryPlot(net, X_train, y_train)
    before = plot.png
    # hidden units overflow float32 (not float64): the grid is redone in float64, a real picture
    net.dense_layers[0].W = np.full((2, 4), 1e38)
    net.dense_layers[1].W = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    assert plot.update() is True
    assert plot.png != before and plot.status.kind == "info"
    before = plot.png
    # hidden units overflow to +inf even in float64, and inf - inf is NaN at the output
    net.dense_layers[0].W = np.full((2, 4), 1e308)
    assert plot.update() is False
    assert plot.png == before and plot.status.kind == "warning"


def test_decision_plot_multiclass_and_regression_colours():
    X, y = make_dataset("blobs", n=120, seed=0, n_classes=3)
    net = Network.mlp(2, [5], n_outputs=3, loss="cross_entropy", seed=0)
    plot = DecisionBoundaryPlot(net, X, y)
    assert set(plot.train_scatter.colors) == {"#f59322", "#0877bd", "#2e9e4f"}
    assert "class 2" in plot.legend.value
    plot.show_neuron(2, 1)
    assert "P(class 1)" in plot.title.value
    Xr, yr = make_dataset("reg_plane", n=100, seed=0)
    reg = Network.mlp(2, [3], loss="mse", seed=0)
    plot = DecisionBoundaryPlot(reg, Xr, yr)
    assert len(set(plot.train_scatter.colors)) > 10  # targets on the orange-blue scale


def test_decision_plot_validation(net, circle):
    X_train, X_test, y_train, y_test = circle
    with pytest.raises(ValueError, match="X_train, y_train:"):
        DecisionBoundaryPlot(net, X_train[:, :1], y_train)
    with pytest.raises(ValueError, match="X_test and y_test must be given together"):
        DecisionBoundaryPlot(net, X_train, y_train, X_test)
    with pytest.raises(ValueError, match="features must name one input per network input"):
        DecisionBoundaryPlot(net, X_train, y_train, features=["x1", "x2", "x1^2"])
    with pytest.raises(TypeError, match="discretize must be True or False"):
        DecisionBoundaryPlot(net, X_train, y_train, discretize="yes")


# ------------------------------------------------------------------------------- ActivationHeatmaps
def test_activation_heatmaps_click_shows_neuron_large(net, circle):
    X_train, X_test, y_train, y_test = circle
    plot = DecisionBoundaryPlot(net, X_train, y_train)
    heat = ActivationHeatmaps(net, main_plot=plot)
    assert heat.nodes == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (3, 0)]
    assert len(heat.node_scatter.x) == 7 and heat.thumbnail % 2 == 0
    image = decode(heat.png)
    assert image.ndim == 3 and image.shape[2] == 3
    heat._on_node_click(heat.node_scatter, {"event": "element_click", "data": {"index": 4}})
    assert heat.selected == (2, 0) and plot.focus == (2, 0) and heat.selection_frame.visible
    heat._on_node_click(heat.node_scatter, {"event": "element_click", "data": {"index": 4}})
    assert heat.selected is None and plot.focus is None
    heat.select(1, 3)
    plot.output_button.click()  # going back in the big plot clears the selection here too
    assert heat.selected is None and not heat.selection_frame.visible
    before = heat.png
    net.fit(X_train, y_train, epochs=10)
    assert heat.update() and heat.png != before
    with pytest.raises(ValueError, match=r"level must be .*\[1, 3\], got 0"):
        heat.select(0, 0)


# ------------------------------------------------------------------------------- NetworkGraph
def test_network_graph_links_by_weight(net):
    graph = NetworkGraph(net)
    n_links = 2 * 4 + 4 * 2 + 2 * 1
    assert len(graph.handles.x) == n_links
    # one link per row (bqplot squeezes a single line to 1-D)
    drawn = sum(mark.x.shape[0] if mark.x.ndim == 2 else 1 for mark in graph.link_marks if mark.visible)
    assert drawn == n_links
    # the widest link is the largest |w|, coloured by its sign on the fixed [-1, 1] scale
    net.dense_layers[0].W = np.array([[4.9, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -0.01]])
    graph.update()
    widest = graph.link_marks[-1]
    assert widest.visible and widest.x.ndim == 1 and list(widest.color) == [1.0]
    assert graph.link_colors.min == -1 and graph.link_colors.max == 1
    assert graph.nodes[0] == (0, 0) and graph.input_labels.text[0] == "X₁"


def test_network_graph_click_link_and_type_weight(net):
    graph = NetworkGraph(net)
    seen = []
    graph.on_weight_change.append(lambda *args: seen.append(args))
    assert graph.weight_input.disabled
    k = 2 * 4 + 1 * 2 + 1  # link (layer 1, i=1, j=1) in edge_arrays order (the order of the dots)
    graph._on_handle_click(graph.handles, {"event": "element_click", "data": {"index": k}})
    assert graph.selected_link == (1, 1, 1) and not graph.weight_input.disabled
    assert graph.weight_input.value == pytest.approx(net.dense_layers[1].W[1, 1], abs=1e-4)
    assert "neuron 2 of layer 1 → neuron 2 of layer 2" in graph.weight_label.value
    graph.weight_input.value = 2.5
    assert net.dense_layers[1].W[1, 1] == 2.5 and seen == [(1, 1, 1, 2.5)]
    assert "2.500" in graph.weight_label.value and graph.selected_mark.visible
    graph.set_weight(-1.0, layer=0, i=0, j=3)
    assert net.dense_layers[0].W[0, 3] == -1.0
    graph.select_link(None)
    with pytest.raises(ValueError, match="no link selected"):
        graph.set_weight(1.0)
    with pytest.raises(ValueError, match=r"j must be .*\[0, 1\], got 2"):
        graph.select_link(1, 0, 2)
    graph.select_link(0, 0, 0)
    graph.weight_button.click()  # "Set weight" with the value shown
    with pytest.raises(ValueError, match="value must be a finite number"):
        graph.set_weight(float("inf"))


def test_network_graph_many_layers_fits(circle):
    net = Network.mlp(7, [8] * 6, seed=0)
    features = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    graph = NetworkGraph(net, features)
    assert len(graph.nodes) == 7 + 48 + 1
    xs = np.asarray(graph.node_scatter.x)
    assert xs.min() - graph.thumbnail / 2 >= 0 and xs.max() + graph.thumbnail / 2 <= graph.width
    assert graph.thumbnail >= 8


# ------------------------------------------------------------------------------- LossChart
def test_loss_chart_follows_history(net, circle):
    X_train, X_test, y_train, y_test = circle
    chart = LossChart(net)
    assert "–" in chart.summary.value and len(chart.train_line.x) == 0
    net.fit(X_train, y_train, epochs=12, validation_data=(X_test, y_test))
    chart.update()
    h = net.history
    np.testing.assert_allclose(chart.train_line.y, h["loss"], rtol=1e-6)
    np.testing.assert_allclose(chart.test_line.y, h["val_loss"], rtol=1e-6)
    assert f"{h['val_loss'][-1]:.3f}" in chart.summary.value and f"{h['loss'][-1]:.3f}" in chart.summary.value
    assert "accuracy" in chart.summary.value
    assert chart.x_scale.max == 20 and chart.y_scale.max >= max(h["loss"])
    assert repr(chart).startswith("LossChart(12 epochs")


def test_loss_chart_thins_long_runs(net, circle):
    X_train, _, y_train, _ = circle
    net.fit(X_train, y_train, epochs=450, batch_size=250)
    chart = LossChart(net)
    assert len(chart.train_line.x) <= 400 and chart.train_line.x[-1] == 450
    assert len(chart.test_line.x) == 0  # no validation data: no test curve


def test_loss_chart_draws_huge_and_non_finite_losses_at_a_cap_without_warnings():
    from nnviz.widgets.loss_chart import FLOAT32_CAP

    h = History()
    for epoch, (loss, val) in enumerate([(0.7, None), (0.5, 0.6), (1e90, float("inf")), (float("nan"), 2e300)], 1):
        h.append(epoch=epoch, step=10 * epoch, loss=loss, val_loss=val)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "overflow encountered in cast"
        chart = LossChart(history=h)
    for line in (chart.train_line, chart.test_line):
        assert line.y.dtype == np.float32 and np.isfinite(line.y).all() and line.y.max() == np.float32(FLOAT32_CAP)
    np.testing.assert_array_equal(chart.test_line.x, [2, 3, 4])  # the epoch without a test loss is left out
    assert "2e+300" in chart.summary.value and "nan" in chart.summary.value  # not 301 digits
    assert chart.y_scale.max == 1e30 and chart.y_axis.tick_format == ".2~e"


@pytest.mark.parametrize("top, fmt, labels", [
    (1.0, ".1f", ["0.0", "0.5", "1.0"]), (0.8, ".1f", ["0.0", "0.4", "0.8"]), (0.5, ".2f", ["0.00", "0.25", "0.50"]),
    (0.04, ".2f", ["0.00", "0.02", "0.04"]), (5.0, ".1f", ["0.0", "2.5", "5.0"]), (40.0, ".0f", ["0", "20", "40"]),
])
def test_loss_chart_y_ticks_have_the_same_decimals(top, fmt, labels):
    from nnviz.widgets.loss_chart import _tick_format

    assert _tick_format(top) == fmt
    assert [format(v, fmt) for v in (0.0, top / 2, top)] == labels  # Python's format reads d3's "f" alike


def test_loss_chart_axis_follows_the_losses():
    h = History()
    h.append(epoch=1, step=1, loss=0.7, val_loss=0.75)
    chart = LossChart(history=h)
    assert chart.y_scale.max == 0.8 and chart.y_axis.tick_format == ".1f"
    np.testing.assert_allclose(chart.y_axis.tick_values, [0.0, 0.4, 0.8])
    h.append(epoch=2, step=2, loss=0.3, val_loss=0.45)
    h.append(epoch=3, step=3, loss=0.3, val_loss=0.45)
    chart.history = History({k: v[1:] for k, v in h.as_dict().items()})
    assert chart.y_scale.max == 0.5 and chart.y_axis.tick_format == ".2f"


# ------------------------------------------------------------------------------- the frame loop
def test_frame_loop_keeps_frames_in_flight_bounded():
    """A slow browser (echo after 0.1 s) slows the frames down instead of letting them pile up."""
    import asyncio

    from nnviz.widgets._loop import FrameLoop

    async def scenario(max_in_flight):
        loop = FrameLoop(lambda: True, max_fps=200, max_in_flight=max_in_flight)

        async def slow_browser():  # echoes every frame counter it receives, 0.1 s later
            seen = 0
            while True:
                if loop._sent.value > seen:
                    seen = loop._sent.value
                    asyncio.get_running_loop().call_later(0.1, setattr, loop._echo, "value", seen)
                await asyncio.sleep(0.002)

        browser = asyncio.ensure_future(slow_browser())
        loop.browser_seen = True
        loop.start()
        await asyncio.sleep(1.0)
        in_flight = loop.frames - loop.acked
        loop.stop()
        browser.cancel()
        return loop.frames, in_flight, loop.round_trip

    frames_1, in_flight_1, rtt = asyncio.run(scenario(1))
    frames_3, in_flight_3, _ = asyncio.run(scenario(3))
    assert 5 <= frames_1 <= 12 and in_flight_1 <= 1  # about one frame per round trip
    assert 1.8 * frames_1 <= frames_3 <= 40 and in_flight_3 <= 3
    assert 0.09 <= rtt <= 0.2


def test_frame_loop_stops_when_the_browser_goes_away():
    import asyncio

    from nnviz.widgets import Playground

    async def scenario():
        pg = Playground(config={"seed": 1, "net_seed": 2, "speed": 1})
        pg._loop.ack_timeout, pg._loop.gone_after = 0.05, 0.3
        pg.play()
        pg._loop.browser_seen = True  # a browser was drawing, then never answers again
        await asyncio.sleep(0.9)
        return pg

    pg = asyncio.run(scenario())
    assert not pg.playing and pg._loop.browser_gone and "no browser" in pg.status.text
    assert not pg.training_controls.play_button.disabled


def test_one_blas_thread_is_a_harmless_context():
    from nnviz.widgets._common import one_blas_thread

    with one_blas_thread():
        assert np.dot(np.ones((3, 2)), np.ones((2, 4))).sum() == 24.0


def test_geometry_is_pixel_exact_and_dots_do_not_overlap(net):
    graph = NetworkGraph(net)
    assert graph.x_scale.allow_padding is False and graph.figure.display_toolbar is False
    assert (graph.x_scale.min, graph.x_scale.max) == (0.0, graph.width)
    xy = np.stack([graph.handles.x, graph.handles.y], axis=1)
    gaps = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() >= 7.0
