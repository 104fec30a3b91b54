"""The OverfittingDemo in a real browser (JupyterLab + headless Chromium): it renders without widget
errors, plays both networks live while the kernel answers, a click on a confusion-matrix cell rings its
points on the map, and the capacity sweep runs in the background with its progress on screen.
Screenshots go to the test's tmp dir and to /tmp/ovf_browser*.png (to look at)."""
from __future__ import annotations

import shutil
import time

import pytest

from jupyterlab_helpers import assert_notebook_healthy, kernel_eval, open_and_run_notebook, wait_for_kernel_value, \
    write_notebook

CELL = ("from nnviz.widgets import OverfittingDemo\n\n"
        "demo = OverfittingDemo(sweep_options={'max_epochs': 600, 'patience': 50})\ndemo")
ROOT = ".jp-Notebook .nnviz-overfitting"
SHOT_COPY = "/tmp/ovf_browser.png"


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not kernel_eval(page, f"bool({expression})"):
        assert time.monotonic() < deadline, f"{expression} still false after {timeout:.0f} s"
        time.sleep(0.2)


def shoot(demo, part, tmp_path, tag=""):
    """Screenshot one part of the demo (``main``: controls, maps, loss; ``bottom``: sweep, confusion)."""
    shot = tmp_path / f"ovf_{part}{tag}.png"
    demo.locator(f".nnviz-overfit-{part}").screenshot(path=str(shot))
    shutil.copy(shot, SHOT_COPY.replace(".png", f"_{part}{tag}.png"))
    return shot


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_overfitting_demo_plays_highlights_a_cell_and_sweeps(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "overfitting.ipynb", [CELL])
    open_and_run_notebook(page, jupyter_server, "overfitting.ipynb")
    demo = page.locator(ROOT)
    expect(demo).to_have_count(1, timeout=60_000)
    expect(demo.locator(".nnviz-decision canvas").first).to_be_visible()
    expect(demo.locator(".nnviz-decision")).to_have_count(2)
    expect(demo.locator(".nnviz-confusion-cell")).to_have_count(4)
    expect(demo.locator(".nnviz-regularised-title")).to_contain_text("L2 0.01")

    # play: both networks train live; the kernel answers while they do
    demo.locator(".nnviz-play").click()
    wait_until(page, "demo.overfit.epoch >= 100")
    assert kernel_eval(page, "demo.playing") is True
    demo.locator(".nnviz-pause").click()
    wait_for_kernel_value(page, "demo.playing", False)
    epochs = kernel_eval(page, "[demo.overfit.epoch, demo.regularised.epoch]")
    assert epochs[0] >= 100 and epochs[1] >= 1
    expect(demo.locator(".nnviz-epoch-value").first).to_have_attribute("data-epoch", str(epochs[0]))

    # a confusion-matrix cell: its points ringed on the over-fitted network's map
    demo.locator(".nnviz-cell-1-0").click()
    wait_for_kernel_value(page, "list(demo.confusion.selected or ())", [1, 0])
    assert kernel_eval(page, "demo.overfit_plot.map.highlighted['test'].tolist() == "
                             "demo.confusion_cell_points(1, 0).tolist()") is True
    shoot(demo, "main", tmp_path, "_trained")

    # log loss axis, then the capacity sweep in the background: the kernel answers between slices
    demo.locator(".nnviz-log-axis input").check()
    wait_for_kernel_value(page, "demo.loss_chart.log", True)
    demo.locator(".nnviz-sweep").click()
    wait_until(page, "demo.sweeping")
    progress = []
    deadline = time.monotonic() + 90
    while kernel_eval(page, "demo.sweeping") and time.monotonic() < deadline:
        progress.append(kernel_eval(page, "demo.sweep_progress.value"))
        time.sleep(0.3)
    assert kernel_eval(page, "demo.sweeper.done") is True
    # it ran in slices (the kernel took messages between them: these very evaluations), and the bar
    # only moved forward; how many samples land mid-sweep depends on the machine's speed (the compiled
    # path finishes it in well under a second), so the count of slices is read from Python
    assert kernel_eval(page, "demo.sweep_slices") >= 3
    assert progress == sorted(progress)
    assert kernel_eval(page, "demo.sweep_progress.value") == 1000
    assert kernel_eval(page, "len(demo.capacity_chart.test_line.x)") == 8
    expect(demo.locator(".nnviz-capacity")).to_contain_text("lowest test error")
    assert_notebook_healthy(page)
    for part in ("main", "bottom"):
        assert shoot(demo, part, tmp_path).stat().st_size > 10_000


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_lesson_4_runs_in_jupyterlab_with_the_demo(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    from jupyterlab_helpers import REPO_ROOT

    page = browser_page
    lesson = "04_overfitting_and_regularisation.ipynb"
    shutil.copy(REPO_ROOT / "notebooks" / lesson, jupyter_server.root_dir / lesson)
    open_and_run_notebook(page, jupyter_server, lesson)
    demo = page.locator(ROOT)
    expect(demo).to_have_count(1, timeout=60_000)
    expect(demo.locator(".nnviz-decision")).to_have_count(2)
    expect(demo.locator(".nnviz-decision canvas").first).to_be_visible()
    assert kernel_eval(page, "demo.overfit.epoch") == 150
    assert_notebook_healthy(page)
    shoot(demo, "main", tmp_path, "_lesson")
