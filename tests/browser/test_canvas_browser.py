"""The canvas map (nnviz.widgets.canvas_map.CanvasMap) in JupyterLab + headless Chromium.

Issue 7: the map draws what Python sent (raster pixels read back from the canvas, points where their
data coordinates say), animates (frames sent from a kernel task reach the canvas, in order, the last
one last), highlights, and a real mouse click reports data coordinates back to Python.
"""
from __future__ import annotations

import io

import pytest

from jupyterlab_helpers import (
    assert_notebook_healthy,
    kernel_eval,
    kernel_execute,
    open_and_run_notebook,
    page_errors,
    wait_for_kernel_value,
    watch_changes,
    watched_changes,
    write_notebook,
)

MAP_CELL = """\
import asyncio
import numpy as np
from nnviz.widgets.canvas_map import CanvasMap

m = CanvasMap(width=300, height=300)   # the playground's view, [-6, 6]^2, with axes
m.add_class("test-map")
img = np.zeros((10, 10, 4), np.uint8)
img[..., 3] = 255
img[:5, :, 0] = 255                      # rows 0-4: the bottom of the view, red
img[5:, :, 2] = 255                      # rows 5-9: the top, blue
m.show_image(img)
m.set_points("a", [-3.0, 3.0], [-3.0, 3.0], ["#00c000", "#e0e000"], stroke=None, radius=8)
clicks = []
m.on_click(lambda x, y: clicks.append((x, y)))
m
"""

ANIMATE_CELL = """\
async def animate(n=20):
    for k in range(n):
        frame = np.zeros((10, 10, 4), np.uint8)
        frame[..., 1] = 12 * k
        frame[..., 3] = 255
        m.show_image(frame)
        await asyncio.sleep(0.05)
_task = asyncio.get_running_loop().create_task(animate())
"""

MAP = ".jp-Notebook .test-map"

_JS_PIXEL = """([sel, x, y]) => {
  const c = document.querySelector(sel);
  return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data);
}"""


def _n_colours(png: bytes) -> int:
    from PIL import Image

    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 24))


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_canvas_map_draws_animates_highlights_and_reports_clicks(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "canvas_map.ipynb", [MAP_CELL])
    open_and_run_notebook(page, jupyter_server, "canvas_map.ipynb")
    cmap = page.locator(MAP)
    expect(cmap).to_be_visible()
    raster = f"{MAP} canvas.nnviz-map-raster"
    page.wait_for_function("(sel) => document.querySelector(sel)?.dataset.frame === '1'", arg=raster)

    # ---------------------------------------------------------------- drawn: raster, points, axes
    # the raster canvas is the image's own size, scaled up by CSS to the map's 300 px
    size = page.evaluate("(sel) => { const c = document.querySelector(sel); const r = c.getBoundingClientRect();"
                         " return [c.width, c.height, r.width, r.height]; }", raster)
    assert size == [10, 10, 300, 300]
    assert page.evaluate(_JS_PIXEL, [raster, 0, 0]) == [0, 0, 255, 255]   # top row: blue
    assert page.evaluate(_JS_PIXEL, [raster, 0, 9]) == [255, 0, 0, 255]   # bottom row: red
    points = f"{MAP} canvas.nnviz-map-points"
    # (-3, -3) is 75 px from the left and 225 px from the top of a 300 px map of [-6, 6]^2
    assert page.evaluate(_JS_PIXEL, [points, 75, 225])[:3] == [0, 192, 0]
    assert page.evaluate(_JS_PIXEL, [points, 225, 75])[:3] == [224, 224, 0]
    assert page.evaluate(_JS_PIXEL, [points, 150, 150])[3] == 0  # nothing between the points
    shot = tmp_path / "canvas_map.png"
    cmap.screenshot(path=str(shot))
    png = shot.read_bytes()
    assert _n_colours(png) > 10  # red, blue, two points, antialiased edges, the axes' text
    from PIL import Image

    on_screen = Image.open(io.BytesIO(png)).convert("RGB")
    box = cmap.bounding_box()
    plot = page.locator(f"{MAP} .nnviz-map-plot").bounding_box()
    left, top = plot["x"] - box["x"], plot["y"] - box["y"]
    assert on_screen.getpixel((int(left + 150), int(top + 40))) == (0, 0, 255)    # the blue top half
    assert on_screen.getpixel((int(left + 150), int(top + 260))) == (255, 0, 0)   # the red bottom half
    assert on_screen.getpixel((int(left + 75), int(top + 225))) == (0, 192, 0)    # the green point

    # ---------------------------------------------------------------- a real click -> data coordinates
    page.mouse.click(plot["x"] + 225, plot["y"] + 60)
    wait_for_kernel_value(page, "len(clicks)", 1)
    x, y = kernel_eval(page, "list(clicks[-1])")
    assert x == pytest.approx(3.0, abs=0.05) and y == pytest.approx(3.6, abs=0.05)
    assert kernel_eval(page, "list(m.last_click)") == [x, y]
    assert page.evaluate("(sel) => getComputedStyle(document.querySelector(sel)).cursor",
                         f"{MAP} .nnviz-map-plot") == "crosshair"

    # ---------------------------------------------------------------- highlight: one point, the rest dimmed
    kernel_execute(page, "m.highlight('a', [1])")
    highlight = f"{MAP} canvas.nnviz-map-highlight"
    page.wait_for_function("([sel, x, y]) => document.querySelector(sel).getContext('2d')"
                           ".getImageData(x, y, 1, 1).data[3] > 0", arg=[highlight, 225, 75])
    assert page.evaluate(_JS_PIXEL, [highlight, 75, 225])[3] == 0  # the other point is not highlighted
    assert page.evaluate("(sel) => getComputedStyle(document.querySelector(sel)).opacity", points) == "0.35"
    cmap.screenshot(path=str(tmp_path / "canvas_map_highlight.png"))
    kernel_execute(page, "m.clear_highlight()")
    page.wait_for_function("(sel) => getComputedStyle(document.querySelector(sel)).opacity === '1'", arg=points)

    # ---------------------------------------------------------------- hide and show a point set
    kernel_execute(page, "m.show_points('a', False)")
    page.wait_for_function("([sel, x, y]) => document.querySelector(sel).getContext('2d')"
                           ".getImageData(x, y, 1, 1).data[3] === 0", arg=[points, 75, 225])
    kernel_execute(page, "m.show_points('a', True)")
    page.wait_for_function("([sel, x, y]) => document.querySelector(sel).getContext('2d')"
                           ".getImageData(x, y, 1, 1).data[3] > 0", arg=[points, 75, 225])

    # ---------------------------------------------------------------- animate: frames reach the canvas in order
    watch_changes(page, "raster", MAP, target="canvas.nnviz-map-raster", attribute="data-frame")
    kernel_execute(page, ANIMATE_CELL)
    wait_for_kernel_value(page, "_task.done()", True, timeout=30_000)
    last = kernel_eval(page, "m.frames")
    assert last == 21
    page.wait_for_function("([sel, n]) => document.querySelector(sel).dataset.frame === String(n)",
                           arg=[raster, last])
    shown = [int(v) for _, v in watched_changes(page, "raster")]
    assert shown == sorted(shown) and len(shown) >= 10, shown  # most frames drawn, none out of order
    assert page.evaluate(_JS_PIXEL, [raster, 5, 5]) == [0, 12 * 19, 0, 255]  # the last frame's pixels
    cmap.screenshot(path=str(tmp_path / "canvas_map_animated.png"))
    # frames travel raw by default; deflated ones (for a slow link) draw the same
    assert kernel_eval(page, "[m.image_encoding, len(m.image)]") == ["raw", 400]
    kernel_execute(page, "m.image_encoding = 'deflate'; m.show_image(img)")
    page.wait_for_function("([sel, n]) => document.querySelector(sel).dataset.frame === String(n)",
                           arg=[raster, last + 2])
    assert kernel_eval(page, "len(m.image) < 400")
    assert page.evaluate(_JS_PIXEL, [raster, 0, 0]) == [0, 0, 255, 255]
    assert_notebook_healthy(page)
    assert not page_errors(page).page_errors
