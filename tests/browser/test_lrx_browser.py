"""The LearningRateExplorer and the BatchEpochExplorer in a real browser (JupyterLab + headless Chromium):
each renders without widget errors, plays for a few seconds with the clicks reaching Python, and is
screenshotted (to the test's tmp dir and /tmp/lrx_*.png, to look at)."""
from __future__ import annotations

import shutil
import time

import pytest

from jupyterlab_helpers import assert_notebook_healthy, kernel_eval, open_and_run_notebook, wait_for_kernel_value, \
    write_notebook

LRX_CELL = "from nnviz.widgets import LearningRateExplorer\n\nlrx = LearningRateExplorer()\nlrx"
BX_CELL = "from nnviz.widgets import BatchEpochExplorer\n\nbx = BatchEpochExplorer()\nbx"


def _shot(page, root: str, tmp_path, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 1700})  # the whole widget on screen
    path = tmp_path / f"{name}.png"
    page.locator(f".jp-OutputArea-output:has({root})").screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # not an empty box
    shutil.copy(path, f"/tmp/{name}.png")


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_learning_rate_explorer_plays_its_runs_and_runs_the_finder(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "lrx.ipynb", [LRX_CELL])
    open_and_run_notebook(page, jupyter_server, "lrx.ipynb")
    root = page.locator(".jp-Notebook .nnviz-lr-explorer")
    expect(root).to_have_count(1, timeout=60_000)
    expect(root.locator(".nnviz-lr-chart")).to_be_visible()
    expect(root.locator(".nnviz-landscape-figure image")).to_have_count(1)
    expect(root.locator(".nnviz-lr-chart")).to_contain_text("lr 0.003")

    root.locator(".nnviz-lr-play").click()
    wait_for_kernel_value(page, "lrx.playing", True)
    time.sleep(3)
    epochs = kernel_eval(page, "[s.epoch for s in lrx.sessions]")
    assert min(epochs) >= 5, epochs
    root.locator(".nnviz-lr-play").click()
    wait_for_kernel_value(page, "lrx.playing", False)
    expect(root.locator(".nnviz-lr-play")).to_contain_text("Play")
    final = kernel_eval(page, "[s.epoch for s in lrx.sessions]")
    assert len(set(final)) == 1 and final[0] >= max(epochs)  # trained together
    expect(root.locator(".nnviz-lr-runs")).to_contain_text(f"epoch {final[0]} ·")

    expect(root.locator(".nnviz-landscape-legend")).to_contain_text("training path")
    _shot(page, ".nnviz-lr-explorer", tmp_path, "lrx_learning_rate_explorer_slice")

    # the landscape's exact two-weight surface, then the LR finder and its suggestion
    root.locator(".nnviz-landscape-mode button", has_text="two weights").click()
    wait_for_kernel_value(page, "lrx.landscape.mode", "two")
    expect(root.locator(".nnviz-landscape-info")).to_contain_text("2/L")
    root.locator(".nnviz-lr-finder-run").click()
    wait_for_kernel_value(page, "lrx.finder.result is not None", True, timeout=30_000)
    root.locator(".nnviz-lr-finder-use").click()
    wait_for_kernel_value(page, "lrx.session.lr == lrx.finder.suggestion", True)
    expect(root.locator(".nnviz-lr-finder-figure .dot")).to_have_count(3)
    assert_notebook_healthy(page)
    _shot(page, ".nnviz-lr-explorer", tmp_path, "lrx_learning_rate_explorer")


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_batch_explorer_highlights_batches_and_compares_batch_sizes(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "bx.ipynb", [BX_CELL])
    open_and_run_notebook(page, jupyter_server, "bx.ipynb")
    root = page.locator(".jp-Notebook .nnviz-batch-explorer")
    expect(root).to_have_count(1, timeout=60_000)
    expect(root.locator(".nnviz-decision canvas").first).to_be_visible()

    for k in range(3):
        root.locator(".nnviz-batch-step-batch").click()
        wait_for_kernel_value(page, "bx.session.network.step_", k + 1)
    expect(root.locator(".nnviz-batch-counters")).to_contain_text("step 3 of 10 of epoch 1")
    assert kernel_eval(page, "sorted(bx.plot.map.highlighted['train'].tolist()) == sorted(bx.batch.tolist())")

    root.locator(".nnviz-batch-play").click()
    wait_for_kernel_value(page, "bx.session.playing", True)
    time.sleep(2)
    root.locator(".nnviz-batch-play").click()
    wait_for_kernel_value(page, "bx.session.playing", False)
    assert kernel_eval(page, "bx.session.epoch") >= 3

    root.locator(".nnviz-compare-step").click()
    wait_for_kernel_value(page, "[c.epoch for c in bx.compare.sessions]", [5, 5, 5])
    expect(root.locator(".nnviz-batch-compare")).to_contain_text("full batch")
    assert_notebook_healthy(page)
    _shot(page, ".nnviz-batch-explorer", tmp_path, "lrx_batch_explorer")
