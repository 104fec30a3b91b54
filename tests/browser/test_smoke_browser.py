"""Smoke test of the browser test rig: ipywidgets and bqplot render in JupyterLab and talk to Python."""
from __future__ import annotations

import io
import sys

import pytest

from jupyterlab_helpers import (
    kernel_eval,
    kernel_execute,
    open_and_run_notebook,
    wait_for_kernel_value,
    write_notebook,
)

SLIDER_CELL = """\
import ipywidgets as widgets

slider = widgets.IntSlider(value=5, min=0, max=10, description="steps")
slider
"""

HEATMAP_CELL = """\
import numpy as np
import bqplot as bq

x = np.linspace(-1.0, 1.0, 24)
y = np.linspace(-1.0, 1.0, 16)
color = np.sin(3 * y)[:, None] * np.cos(3 * x)[None, :]  # shape (len(y), len(x))
heatmap = bq.HeatMap(
    x=x, y=y, color=color,
    scales={"x": bq.LinearScale(), "y": bq.LinearScale(), "color": bq.ColorScale(scheme="RdBu")},
)
figure = bq.Figure(
    marks=[heatmap],
    axes=[bq.Axis(scale=heatmap.scales["x"]),
          bq.Axis(scale=heatmap.scales["y"], orientation="vertical")],
    title="smoke heatmap",
    layout=widgets.Layout(width="420px", height="320px"),
)
figure
"""


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_slider_and_heatmap_render_and_reach_the_kernel(jupyter_server, browser_page, tmp_path):
    from PIL import Image
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "smoke.ipynb", [SLIDER_CELL, HEATMAP_CELL])
    open_and_run_notebook(page, jupyter_server, "smoke.ipynb")

    # The kernel runs in the interpreter the tests run in.
    assert kernel_eval(page, "__import__('sys').prefix") == sys.prefix

    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    slider = notebook.locator(".widget-slider")
    readout = slider.locator(".widget-readout")
    heatmap = notebook.locator(".bqplot image.heatmap")
    expect(slider).to_have_count(1)
    expect(readout).to_have_text("5")
    expect(heatmap).to_have_count(1)
    assert heatmap.get_attribute("href").startswith("data:image/")

    # Browser -> Python: a key press on the slider handle changes the value in the kernel.
    handle = slider.locator(".noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    expect(readout).to_have_text("6")
    assert wait_for_kernel_value(page, "slider.value", 6) == 6

    # Python -> browser: setting the value in the kernel moves the slider on the page.
    kernel_execute(page, "slider.value = 2")
    expect(readout).to_have_text("2")

    screenshot = tmp_path / "smoke.png"
    notebook.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 0

    # The heat map is drawn, not an empty box: its pixels span many colours.
    pixels = Image.open(io.BytesIO(heatmap.screenshot())).convert("RGB")
    assert len(pixels.getcolors(maxcolors=1 << 24)) > 50
