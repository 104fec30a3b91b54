"""nnviz as a Voila app: ``voila notebook.ipynb`` renders a Playground in a stand-alone page and trains it
live (issue 7). Headless Chromium, driven as a learner would: play, watch the decision boundary animate
and the epoch counter advance, pause.
"""
from __future__ import annotations

import io

import pytest

from jupyterlab_helpers import FORBIDDEN_NOTEBOOK_TEXT, page_errors, watch_changes, watched_changes

APP_CELLS = [
    "import nnviz",
    "pg = nnviz.Playground()\npg",
]

PG = ".nnviz-playground"
RASTER = f"{PG} .nnviz-decision canvas.nnviz-map-raster"
EPOCH = f"{PG} .nnviz-epoch .nnviz-epoch-value"


def _n_colours(png: bytes) -> int:
    from PIL import Image

    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 24))


def _epoch(page) -> int:
    return int(page.locator(EPOCH).inner_text().replace(",", ""))


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_voila_renders_a_playground_and_trains_it(voila_app, browser_page, tmp_path):
    from playwright.sync_api import expect

    server = voila_app(APP_CELLS, name="playground_app.ipynb")
    page = browser_page
    page.goto(server.url, timeout=120_000)
    playground = page.locator(PG)
    expect(playground).to_be_visible(timeout=120_000)
    page.wait_for_function("(sel) => Number(document.querySelector(sel)?.dataset.frame || 0) > 0",
                           arg=RASTER, timeout=60_000)
    for selector in (".nnviz-decision", ".nnviz-graph", ".nnviz-loss-chart", ".nnviz-play", ".nnviz-lr"):
        expect(playground.locator(selector).first, selector).to_be_visible()
    expect(playground.locator(".nnviz-epoch")).to_have_text("Epoch 000,000")
    # a Voila page shows no code, and nothing went wrong
    assert page.locator(".jp-InputArea, .CodeMirror, .cm-editor").count() == 0
    body = page.locator("body").inner_text()
    for text in FORBIDDEN_NOTEBOOK_TEXT:
        assert text not in body, f"{text!r} on the Voila page:\n{body[:3000]}"
    assert _n_colours(playground.locator(".nnviz-decision").screenshot()) > 50
    playground.screenshot(path=str(tmp_path / "voila_initial.png"))

    # ---------------------------------------------------------------- play: the map animates, epochs advance
    watch_changes(page, "heatmap", RASTER, attribute="data-frame", whole_page=True)
    watch_changes(page, "epoch", f"{PG} .nnviz-epoch", target=".nnviz-epoch-value", whole_page=True)
    playground.locator(".nnviz-play").click()
    expect(playground.locator(".nnviz-pause")).to_be_enabled()
    page.wait_for_function(
        "() => { const w = window.__nnvizWatch; return w.heatmap.log.length > 10 && w.epoch.log.length > 5; }",
        timeout=60_000, polling=100)
    frames = [int(v) for _, v in watched_changes(page, "heatmap")]
    epochs = [int(v.replace(",", "")) for _, v in watched_changes(page, "epoch")]
    assert frames == sorted(frames) and len(set(frames)) > 10, frames
    assert epochs == sorted(epochs) and epochs[-1] > epochs[0], epochs
    playground.screenshot(path=str(tmp_path / "voila_playing.png"))

    # ---------------------------------------------------------------- pause: it stops
    playground.locator(".nnviz-pause").click()
    expect(playground.locator(".nnviz-play")).to_be_enabled()
    page.wait_for_timeout(500)
    stopped_at, frame = _epoch(page), page.locator(RASTER).get_attribute("data-frame")
    page.wait_for_timeout(1000)
    assert _epoch(page) == stopped_at > 0 and page.locator(RASTER).get_attribute("data-frame") == frame
    shot = tmp_path / "voila_paused.png"
    playground.screenshot(path=str(shot))
    assert _n_colours(shot.read_bytes()) > 100
    import shutil

    shutil.copyfile(shot, "/tmp/voila_playground.png")
    errors = page_errors(page)
    assert not errors.page_errors, errors.page_errors
