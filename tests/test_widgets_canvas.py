"""The canvas map (nnviz.widgets.canvas_map) and the pure raster helpers behind it, headless.

What the browser would receive is asserted on the synced traits and on the messages the widget's comm
sends; clicks are simulated as the front end sends them (a custom message with pixel coordinates).
"""
import io
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ipywidgets.widgets.widget import _instances as live_models  # every open widget model, by id
from PIL import Image

from nnviz.analysis import (
    HEATMAP_ALPHA,
    colors_to_rgba,
    data_to_pixel,
    decision_grid,
    make_grid,
    output_rgba,
    pixel_to_data,
    raster_rgba,
    tick_pixels,
)
from nnviz.core import Network
from nnviz.data import make_dataset, train_test_split
from nnviz.widgets import DecisionBoundaryPlot
from nnviz.widgets import CanvasMap, PointSet

VIEW = (-6.0, 6.0, -6.0, 6.0)


@pytest.fixture(scope="module")
def circle():
    X, y = make_dataset("circle", noise=0.1, seed=0)
    return train_test_split(X, y, train_ratio=0.5, seed=0)


class Sent:
    """Record what a widget's comm sends (state updates and custom messages), as the browser gets it."""

    def __init__(self, widget):
        self.messages = []
        original = widget.comm.send

        def send(data=None, metadata=None, buffers=None):
            self.messages.append((data, [bytes(b) for b in (buffers or [])]))
            return original(data=data, metadata=metadata, buffers=buffers)

        widget.comm.send = send

    def updates(self) -> list[dict]:
        """The state of each update message, binary values (sent as buffers) named by their path."""
        out = []
        for data, _ in self.messages:
            if data and data.get("method") == "update":
                state = dict(data["state"])
                for path in data.get("buffer_paths", []):
                    state.setdefault(path[0], "<buffer>")
                out.append(state)
        return out

    def keys(self) -> set:
        return {k for state in self.updates() for k in state}

    def buffer_bytes(self) -> int:
        return sum(len(b) for _, bufs in self.messages for b in bufs)


def click(widget, px, py):
    """What the front end sends on a click at (px, py) pixels from the map's top-left corner."""
    widget._handle_msg({"content": {"data": {"method": "custom",
                                             "content": {"event": "click", "px": px, "py": py}}},
                        "buffers": []})


# ------------------------------------------------------------------------------- pixel <-> data
def test_data_to_pixel_puts_the_corners_where_the_screen_has_them():
    px, py = data_to_pixel([-6, 6, 0, -6], [6, -6, 0, -6], VIEW, 300, 200)
    np.testing.assert_allclose(px, [0, 300, 150, 0])
    np.testing.assert_allclose(py, [0, 200, 100, 200])  # y up in data, down on screen
    x, y = pixel_to_data([0, 300, 150], [0, 200, 50], VIEW, 300, 200)
    np.testing.assert_allclose(x, [-6, 6, 0])
    np.testing.assert_allclose(y, [6, -6, 3])
    # outside the extent: outside the box, nothing clipped
    px, py = data_to_pixel(12.0, -12.0, VIEW, 300, 300)
    assert float(px) == 450.0 and float(py) == 450.0


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-1e3, 1e3), y=st.floats(-1e3, 1e3),
    x0=st.floats(-100, 100), w=st.floats(0.01, 100), y0=st.floats(-100, 100), h=st.floats(0.01, 100),
    width=st.integers(10, 2000), height=st.integers(10, 2000),
)
def test_pixel_to_data_inverts_data_to_pixel(x, y, x0, w, y0, h, width, height):
    extent = (x0, x0 + w, y0, y0 + h)
    px, py = data_to_pixel(x, y, extent, width, height)
    x2, y2 = pixel_to_data(px, py, extent, width, height)
    assert x2 == pytest.approx(x, rel=1e-9, abs=1e-9 * (abs(x0) + w + abs(x)))
    assert y2 == pytest.approx(y, rel=1e-9, abs=1e-9 * (abs(y0) + h + abs(y)))


def test_pixel_mapping_validation():
    with pytest.raises(ValueError, match=r"extent must have xmin < xmax and ymin < ymax, got \(1.0, 1.0"):
        data_to_pixel(0, 0, (1.0, 1.0, 0, 1), 10, 10)
    with pytest.raises(TypeError, match="extent must be a tuple"):
        pixel_to_data(0, 0, "view", 10, 10)
    with pytest.raises(ValueError, match=r"width must be a finite number > 0, got 0.0"):
        pixel_to_data(0, 0, VIEW, 0.0, 10)
    with pytest.raises(TypeError, match="x must be an array of numbers"):
        data_to_pixel("a", 0, VIEW, 10, 10)


def test_tick_pixels():
    assert tick_pixels([-6, 0, 6, 8], -6, 6, 300) == [0.0, 150.0, 300.0]  # 8 is off the axis
    assert tick_pixels([-6, 0, 6], -6, 6, 300, flip=True) == [300.0, 150.0, 0.0]
    with pytest.raises(ValueError, match="low must be smaller than high"):
        tick_pixels([0], 1, 1, 300)


# ------------------------------------------------------------------------------- raster colours
def test_raster_rgba_flips_rows_and_flattens_onto_white():
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[0] = (8, 119, 189, 255)  # row 0 = bottom of the view
    rgba[1] = (245, 147, 34, 255)
    plain = raster_rgba(rgba)
    assert plain.shape == (2, 3, 4) and plain.flags.c_contiguous
    np.testing.assert_array_equal(plain[1, 0], (8, 119, 189, 255))  # now at the bottom of the picture
    np.testing.assert_array_equal(raster_rgba(rgba, flip_vertical=False), rgba)
    flat = raster_rgba(rgba, alpha=HEATMAP_ALPHA)
    a = HEATMAP_ALPHA / 255
    expected = np.rint(255 - (255 - np.array([8, 119, 189])) * a)
    np.testing.assert_array_equal(flat[1, 0, :3], expected)
    assert (flat[..., 3] == 255).all()  # opaque: the page behind is white anyway
    # transparent (NaN) cells show white; RGB input works too
    rgba[0, 0, 3] = 0
    assert tuple(raster_rgba(rgba, alpha=HEATMAP_ALPHA)[1, 0]) == (255, 255, 255, 255)
    assert raster_rgba(rgba[..., :3])[..., 3].min() == 255
    with pytest.raises(TypeError, match="rgba must have dtype uint8, got float64"):
        raster_rgba(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="alpha must be an integer in"):
        raster_rgba(rgba, alpha=300)


def test_colors_to_rgba():
    np.testing.assert_array_equal(colors_to_rgba("#0877bd", 2), [[8, 119, 189, 255]] * 2)
    np.testing.assert_array_equal(colors_to_rgba(["#000000", "#ffffff"], 2)[:, :3], [[0, 0, 0], [255, 255, 255]])
    np.testing.assert_array_equal(colors_to_rgba(np.array([[1, 2, 3]], np.uint8), 1), [[1, 2, 3, 255]])
    with pytest.raises(ValueError, match=r"colors must hold one colour per point \(3\), got 2"):
        colors_to_rgba(["#000000", "#ffffff"], 3)
    with pytest.raises(ValueError, match="color must be a hex string"):
        colors_to_rgba(["red"], 1)


# ------------------------------------------------------------------------------- CanvasMap
def test_show_image_sends_raw_rgba_rows_from_the_top_once_per_change():
    m = CanvasMap()
    sent = Sent(m)
    rgba = np.zeros((4, 5, 4), dtype=np.uint8)
    rgba[0, :] = (255, 0, 0, 255)  # the bottom row of the view
    assert m.show_image(rgba) is True
    assert m.image_shape == (4, 5) and m.frames == 1 and m.image_encoding == "raw"
    assert m.image == raster_rgba(rgba).tobytes()  # the pixels as they are
    np.testing.assert_array_equal(m.image_rgba[3, 0], (255, 0, 0, 255))  # the screen's last row
    assert m.show_image(rgba.copy()) is False and m.frames == 1  # same picture: nothing sent
    (state,) = sent.updates()
    assert set(state) == {"image", "image_shape", "image_id"}  # one message per frame
    assert state["image"] == "<buffer>" and sent.buffer_bytes() == len(m.image)  # one binary buffer
    rgba[1, 1] = (0, 0, 255, 255)
    assert m.show_image(rgba) and m.frames == 2 and m.image_id == 2
    with pytest.raises(ValueError, match="rgba must have shape"):
        m.show_image(np.zeros((4, 5), np.uint8))
    # deflate (for a slow link): the frame on screen is sent again deflated; a browser that cannot
    # inflate asks for raw bytes itself
    m2 = CanvasMap()
    m2.show_image(rgba)
    m2.image_encoding = "deflate"
    assert m2.frames == 2 and zlib.decompress(m2.image) == raster_rgba(rgba).tobytes()
    m2.show_image(rgba[::-1].copy())
    assert zlib.decompress(m2.image) == raster_rgba(rgba[::-1].copy()).tobytes()
    m2._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "no-deflate"}}}, "buffers": []})
    assert m2.image_encoding == "raw" and m2.image == raster_rgba(rgba[::-1].copy()).tobytes() and m2.frames == 4


def test_frames_update_in_place_without_new_widgets():
    m = CanvasMap()
    m.set_points("train", [0.0, 1.0], [0.0, 1.0])
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (100, 100, 4), dtype=np.uint8) for _ in range(3)]
    m.show_image(frames[0])
    sent = Sent(m)
    models = len(live_models)
    for k in range(30):
        assert m.show_image(frames[(k + 1) % 3]) is True
    assert len(live_models) == models  # not one widget model more
    assert len(sent.updates()) == 30 and sent.keys() == {"image", "image_id"}  # same shape: not resent
    assert sent.buffer_bytes() == 30 * 100 * 100 * 4  # the raw pixels, nothing else heavy
    assert "point_sets" not in sent.keys()  # the points are not sent again per frame


def test_points_are_sent_in_pixels_once_and_hidden_without_resending(circle):
    X_train, _, y_train, _ = circle
    m = CanvasMap(VIEW, 300, 300)
    colors = np.where(y_train[:, None] == 1, [[8, 119, 189]], [[245, 147, 34]]).astype(np.uint8)
    s = m.set_points("train", X_train[:, 0], X_train[:, 1], colors, stroke="#ffffff")
    assert isinstance(s, PointSet) and len(s) == len(X_train) and s.visible
    assert m.points["train"].colors[int(np.argmax(y_train == 1))] == "#0877bd"
    (layer,) = m.point_sets
    px, py = data_to_pixel(X_train[:, 0], X_train[:, 1], VIEW, 300, 300)
    np.testing.assert_allclose(np.frombuffer(layer["x"], np.float32), px, rtol=1e-6)
    np.testing.assert_allclose(np.frombuffer(layer["y"], np.float32), py, rtol=1e-6)
    assert np.frombuffer(layer["fill"], np.uint8).reshape(-1, 4)[:, 3].min() == 255
    assert layer["stroke"] == "#ffffff"
    sent = Sent(m)
    s.visible = False
    assert not m.points["train"].visible and m.points_visible == {"train": False}
    assert sent.keys() == {"points_visible"} and sent.buffer_bytes() == 0
    m.show_points("train", True)
    assert m.points["train"].visible
    # a new size re-places the points and the axes (Python maps, the browser draws)
    m.width = 600
    np.testing.assert_allclose(np.frombuffer(m.point_sets[0]["x"], np.float32), 2 * px, rtol=1e-6)
    assert m.axes["x"][-1][0] == 600.0 and m.axes["y"][0] == [300.0, "\u22126"]
    m.remove_points("train")
    assert m.point_sets == [] and m.points == {}
    with pytest.raises(KeyError, match="no point set named 'train' on this map; the sets are: none yet"):
        m.show_points("train")
    with pytest.raises(ValueError, match="x and y must have the same length, got 2 and 3"):
        m.set_points("a", [0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="x must be finite"):
        m.set_points("a", [np.nan], [0])
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        m.set_points("", [0], [0])


def test_highlight_api():
    m = CanvasMap()
    m.set_points("train", np.arange(10) - 5.0, np.zeros(10))
    m.set_points("test", [0.0, 1.0], [2.0, 3.0], stroke="#000000")
    m.highlight("train", [7, 2, 2])
    assert {k: v.tolist() for k, v in m.highlighted.items()} == {"train": [2, 7]}
    state = m.highlight_state
    assert np.frombuffer(state["sets"]["train"], np.uint32).tolist() == [2, 7] and state["dim"] == 0.35
    # a mask, added to the other set's highlight
    m.highlight("test", np.array([False, True]), add=True, stroke="#c00000", dim=1.0)
    assert sorted(m.highlighted) == ["test", "train"] and m.highlight_state["stroke"] == "#c00000"
    # per frame (a mini-batch): only the small index buffer travels
    sent = Sent(m)
    m.highlight("train", np.arange(3))
    assert sent.keys() == {"highlight_state"} and sent.buffer_bytes() == 3 * 4
    m.clear_highlight("train")
    assert m.highlighted == {} and m.highlight_state == {}
    m.highlight("train", [1])
    m.set_points("train", [0.0], [0.0])  # new points: old indices mean nothing
    assert m.highlighted == {}
    m.highlight("train", [])
    assert m.highlighted["train"].size == 0
    with pytest.raises(ValueError, match=r"indices for set 'train' must be in \[0, 0\], got values from 0 to 3"):
        m.highlight("train", [0, 3])
    with pytest.raises(ValueError, match=r"a mask for set 'test' must have shape \(2,\), got shape \(3,\)"):
        m.highlight("test", np.ones(3, bool))
    with pytest.raises(TypeError, match="which must be 1-D integer indices or a boolean mask"):
        m.highlight("test", [0.5])
    with pytest.raises(KeyError, match="no point set named 'batch'"):
        m.highlight("batch", [0])


def test_clicks_arrive_in_data_coordinates():
    m = CanvasMap((0.0, 10.0, -1.0, 1.0), 200, 100)
    seen = []
    assert not m.clickable
    m.on_click(lambda x, y: seen.append((x, y)))
    assert m.clickable  # the browser shows a crosshair
    click(m, 50, 25)
    assert seen == [(2.5, 0.5)] and m.last_click == (2.5, 0.5)
    changes = []
    m.observe(lambda change: changes.append(change["new"]), "last_click")
    click(m, 200, 100)
    assert seen[-1] == (10.0, -1.0) and changes == [(10.0, -1.0)]
    # malformed or foreign messages are ignored
    m._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "click", "px": "x"}}}, "buffers": []})
    m._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "hover"}}}, "buffers": []})
    assert len(seen) == 2
    callback = m._click_handlers.callbacks[0]
    m.on_click(callback, remove=True)
    assert not m.clickable
    click(m, 0, 0)
    assert len(seen) == 2 and m.last_click == (0.0, 1.0)
    with pytest.raises(TypeError, match="callback must be callable"):
        m.on_click("print")


def test_canvas_map_validation_and_repr():
    with pytest.raises(ValueError, match="width must be an integer in"):
        CanvasMap(width=5)
    with pytest.raises(TypeError, match="pixelated must be True or False"):
        CanvasMap(pixelated="yes")
    with pytest.raises(TypeError, match="margin must be a dict with keys top, bottom, left, right"):
        CanvasMap(margin={"middle": 3})
    m = CanvasMap((0, 1, 0, 1))
    assert m.axes == {"x": [], "y": []} and m.margin == {"top": 0, "bottom": 0, "left": 0, "right": 0}
    with pytest.raises(ValueError, match="extent must have xmin < xmax"):
        m.extent = (1.0, 0.0, 0.0, 1.0)
    m.set_points("train", [0.5], [0.5])
    m.show_points("train", False)
    assert repr(m) == "CanvasMap(300x300 px over x [0, 1], y [0, 1]; image 0x0, 0 frames; points: train 1 (hidden))"
    assert repr(m.points["train"]) == "PointSet('train', 1 points, stroke #ffffff, hidden)"


def test_the_browser_module_is_shipped_and_draws_what_python_sends():
    from nnviz.widgets import canvas_map

    esm = CanvasMap._esm
    assert "export default" in esm and "putImageData" in esm
    for name in ("image", "image_shape", "image_id", "point_sets", "points_visible", "highlight_state",
                 "axes", "pixelated", "clickable", "width", "height", "margin"):
        assert f'"{name}"' in esm or f"change:{name}" in esm, name
        assert CanvasMap.class_traits()[name].metadata.get("sync"), name
    assert canvas_map.__file__.endswith("canvas_map.py")


# ------------------------------------------------------------------------------- DecisionBoundaryPlot on the map
def test_decision_plot_draws_its_heatmap_and_points_on_the_canvas_map(circle):
    X_train, X_test, y_train, y_test = circle
    net = Network.mlp(2, [4, 2], activation="tanh", seed=0)
    net.fit(X_train, y_train, epochs=20)
    plot = DecisionBoundaryPlot(net, X_train, y_train, X_test, y_test, show_test=False)
    m = plot.map
    assert plot.figure is m and "nnviz-decision" in m._dom_classes
    expected = raster_rgba(output_rgba(decision_grid(net, make_grid(VIEW, 100), ("x1", "x2")), "binary"),
                           alpha=HEATMAP_ALPHA)
    np.testing.assert_array_equal(m.image_rgba, expected)
    assert len(m.image) == 40_000
    m.image_encoding = "deflate"
    assert len(m.image) < 10_000  # deflated, a smooth boundary's 40,000 bytes shrink 4x or more
    m.image_encoding = "raw"
    # the PNG is exactly the pixels on the map
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(plot.png))), expected[..., :3])
    assert [s.name for s in m.points.values()] == ["train", "test"]
    assert m.points["train"].stroke == "#ffffff" and m.points["test"].stroke == "#000000"
    assert not m.points["test"].visible and m.points_visible["test"] is False
    px, _ = data_to_pixel(X_test[:, 0], X_test[:, 1], VIEW, m.width, m.height)
    np.testing.assert_allclose(np.frombuffer(m.point_sets[1]["x"], np.float32), px, rtol=1e-6)
    # discretize: flat colours, drawn as crisp squares
    assert not m.pixelated
    plot.discretize = True
    assert m.pixelated and len(np.unique(m.image_rgba.reshape(-1, 4), axis=0)) == 2
    # playing: the heatmap is replaced in place, the points are not sent again
    sent = Sent(m)
    models = len(live_models)
    plot.discretize = False
    for _ in range(5):
        net.fit(X_train, y_train, epochs=2)
        assert plot.update() is True
    assert len(live_models) == models
    assert sent.keys() <= {"image", "image_shape", "image_id", "pixelated"}
    assert plot.update() is False  # nothing changed: nothing sent


def test_decision_plot_close_closes_its_parts(circle):
    X_train, _, y_train, _ = circle
    net = Network.mlp(2, [3], seed=0)
    before = set(live_models)
    plot = DecisionBoundaryPlot(net, X_train, y_train)
    made = set(live_models) - before
    assert plot.map.model_id in made
    plot.close()
    assert not (set(live_models) & made), "close() left widget models open"
