"""The BackpropStepper in a real browser (JupyterLab + headless Chromium): it renders without widget
errors, its buttons step through the operations with the core's numbers on screen, and clicking a
weight's dot on the diagram selects it in Python. Screenshots go to the test's tmp dir and to
/tmp/backprop_stepper_browser.png (to look at)."""
from __future__ import annotations

import shutil

import pytest

from jupyterlab_helpers import assert_notebook_healthy, kernel_eval, open_and_run_notebook, wait_for_kernel_value, \
    write_notebook

CELL = "from nnviz.widgets import BackpropStepper\n\nstepper = BackpropStepper()\nstepper"
ROOT = ".jp-Notebook .nnviz-backprop-stepper"
SHOT_COPY = "/tmp/backprop_stepper_browser.png"


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_backprop_stepper_renders_steps_and_selects_a_weight(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "stepper.ipynb", [CELL])
    open_and_run_notebook(page, jupyter_server, "stepper.ipynb")
    stepper = page.locator(ROOT)
    expect(stepper).to_have_count(1, timeout=60_000)
    expect(stepper.locator(".nnviz-backprop-diagram")).to_be_visible()
    expect(stepper.locator(".nnviz-backprop-title")).to_contain_text("step 0 of 21")

    step = stepper.locator(".nnviz-backprop-step")
    for _ in range(7):  # the forward pass of the 2-2-1 network, then the loss
        step.click()
    wait_for_kernel_value(page, "stepper.position", 7)
    loss = kernel_eval(page, "__import__('nnviz.widgets.backprop_stepper', fromlist=['fmt']).fmt(stepper.trace.loss)")
    panel = stepper.locator(".nnviz-backprop-panel")
    expect(panel).to_contain_text("Loss")
    expect(panel).to_contain_text(loss)
    expect(stepper.locator(".nnviz-backprop-title")).to_contain_text("step 7 of 21")

    # a weight's dot on the diagram (the handles are the first scatter of the figure)
    dots = stepper.locator(".nnviz-backprop-diagram .dot")
    expect(dots.first).to_be_visible()
    dots.nth(4).click(force=True)  # edge 4: hidden unit 1 → the output
    wait_for_kernel_value(page, "list(stepper.selected_weight or ())", [1, 0, 0])
    expect(stepper.locator(".nnviz-backprop-weight-input input")).to_be_enabled()

    for _ in range(5):  # into the backward pass: δ of the output, its gradients, a hidden δ
        step.click()
    wait_for_kernel_value(page, "stepper.position", 12)
    expect(panel).to_contain_text("delta")
    output = page.locator(f".jp-OutputArea-output:has({ROOT.split()[-1]})")
    output.screenshot(path=str(tmp_path / "backprop_stepper_delta.png"))
    shutil.copy(tmp_path / "backprop_stepper_delta.png", SHOT_COPY.replace(".png", "_delta.png"))

    stepper.locator(".nnviz-backprop-run").click()
    wait_for_kernel_value(page, "stepper.position", 21)
    expect(panel).to_contain_text("Update")
    assert_notebook_healthy(page)
    shot = tmp_path / "backprop_stepper.png"
    page.locator(f".jp-OutputArea-output:has({ROOT.split()[-1]})").screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    shutil.copy(shot, SHOT_COPY)
