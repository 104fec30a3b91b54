"""The ActivationExplorer and the LayerSpaceView in a real browser (JupyterLab + headless Chromium): they
render with no widget errors, Play trains and the pictures move on screen, Pause stops. Screenshots go to
the test's tmp dir and to /tmp/activation_explorer_browser.png and /tmp/layer_space_browser.png."""
from __future__ import annotations

import shutil

import pytest

from jupyterlab_helpers import assert_notebook_healthy, kernel_eval, open_and_run_notebook, wait_for_kernel_value, \
    write_notebook

CELLS = [
    "from nnviz.widgets import ActivationExplorer, LayerSpaceView\n\nexplorer = ActivationExplorer()\nexplorer",
    "view = LayerSpaceView()\nview",
]
EXPLORER = ".jp-Notebook .nnviz-activation-explorer"
VIEW = ".jp-Notebook .nnviz-layer-space"


def _play_for_a_while(page, root, session: str) -> int:
    from playwright.sync_api import expect

    root.locator(".nnviz-play").click()
    wait_for_kernel_value(page, f"{session}.playing", True)
    page.wait_for_timeout(2500)
    root.locator(".nnviz-pause").click()
    wait_for_kernel_value(page, f"{session}.playing", False)
    epoch = kernel_eval(page, f"{session}.epoch")
    assert epoch > 0
    expect(root.locator(f".nnviz-epoch-value[data-epoch='{epoch}']")).to_have_count(1, timeout=10_000)
    return epoch


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_activation_explorer_and_layer_space_view_render_and_train(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1500, "height": 1900})  # each widget whole in its screenshot
    write_notebook(jupyter_server.root_dir / "actx.ipynb", CELLS)
    open_and_run_notebook(page, jupyter_server, "actx.ipynb")

    explorer = page.locator(EXPLORER)
    expect(explorer).to_have_count(1, timeout=60_000)
    expect(explorer.locator(".nnviz-activation-curves")).to_be_visible()
    expect(explorer.locator(".nnviz-vanishing-gradients")).to_be_visible()
    expect(explorer.locator(".nnviz-hist-act")).to_have_count(4)
    # the bars of layer 1 are drawn: one rect per bin
    expect(explorer.locator(".nnviz-hist-act").first.locator("rect.bar")).to_have_count(30, timeout=20_000)
    # choosing an activation in the browser reaches the kernel: its curve and a new network
    explorer.locator(".nnviz-activation-choice select").select_option("tanh")
    wait_for_kernel_value(page, "explorer.network.mlp_levels()[0].activation.name", "tanh")
    expect(explorer.locator(".nnviz-activation-formula")).to_contain_text("tanh")
    explorer.locator(".nnviz-activation-choice select").select_option("relu")
    wait_for_kernel_value(page, "explorer.network.mlp_levels()[0].activation.name", "relu")
    _play_for_a_while(page, explorer, "explorer.session")
    assert kernel_eval(page, "explorer.deep_sessions['sigmoid'].epoch") > 0
    assert kernel_eval(page, "bool(explorer.deep_lines['sigmoid'].y[0] / explorer.deep_lines['sigmoid'].y[-1] < 1e-3)")
    expect(explorer.locator(".nnviz-vanishing-summary")).to_contain_text("first / last")
    shot = tmp_path / "activation_explorer.png"
    page.locator(".jp-OutputArea-output:has(.nnviz-activation-explorer)").screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    shutil.copy(shot, "/tmp/activation_explorer_browser.png")

    view = page.locator(VIEW)
    expect(view).to_have_count(1, timeout=60_000)
    big = view.locator(".nnviz-layer-space-big")
    expect(big).to_be_visible()
    expect(view.locator(".nnviz-layer-space-small")).to_have_count(4)
    expect(big.locator(".dot")).to_have_count(200, timeout=20_000)  # the data points
    before = page.evaluate("() => Array.from(document.querySelectorAll('.nnviz-layer-space-big .dot'))"
                           ".slice(0, 5).map(d => { const r = d.getBoundingClientRect(); return [r.x, r.y]; })")
    view.scroll_into_view_if_needed()
    epoch = _play_for_a_while(page, view, "view.session")
    page.wait_for_timeout(500)
    after = page.evaluate("() => Array.from(document.querySelectorAll('.nnviz-layer-space-big .dot'))"
                          ".slice(0, 5).map(d => { const r = d.getBoundingClientRect(); return [r.x, r.y]; })")
    assert before != after  # the points moved on screen
    expect(view.locator(".nnviz-layer-space-title")).to_contain_text(f"epoch {epoch}")
    # the level selector, from the browser
    view.locator(".nnviz-layer-space-level select").select_option(label="hidden layer 1: 2 tanh units")
    wait_for_kernel_value(page, "view.level.value", 1)
    assert_notebook_healthy(page)
    shot = tmp_path / "layer_space.png"
    page.locator(".jp-OutputArea-output:has(.nnviz-layer-space)").screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    shutil.copy(shot, "/tmp/layer_space_browser.png")
