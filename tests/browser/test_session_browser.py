"""Re-running a playing Playground's cell in JupyterLab leaves one loop training (issue 7).

The cell builds a Playground, starts it playing and shows it; every Playground it builds is also kept
in a kernel-side list, so the test can read each one's state from the kernel. Re-running the cell
clears its output: the old Playground's view goes, the front end counts its ``_view_count`` down to
0 and the old loop stops; the new one trains. A screenshot of the new one (playing) goes to the
test's tmp dir and to /tmp/session_rerun_browser.png, to look at.
"""
from __future__ import annotations

import re
import shutil
import time

import pytest

from jupyterlab_helpers import (
    assert_notebook_healthy,
    kernel_eval,
    open_and_run_notebook,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RERUN_CELL = (
    "import nnviz\n"
    "pg = nnviz.Playground(config={'seed': 1, 'net_seed': 2})\n"
    "globals().setdefault('_playgrounds', []).append(pg)\n"
    "pg.play()\n"
    "pg"
)
PG = ".jp-Notebook .nnviz-playground"
SHOT_COPY = "/tmp/session_rerun_browser.png"
STATE = "[(p.playing, p.network.epoch_, p.session.views) for p in _playgrounds]"


def _rerun_cell(page) -> None:
    """Run the (only) cell again as a learner does (shift-enter): JupyterLab clears its output when
    the new output comes, without the explicit clear of ``run_all_cells``."""
    page.evaluate("() => { const p = window.jupyterapp.shell.currentWidget; p.content.activeCellIndex = 0;"
                  " return window.jupyterapp.commands.execute('notebook:run-cell'); }")


def _wait_for(page, predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    state = kernel_eval(page, STATE)
    while not predicate(state):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s; kernel state {state}")
        time.sleep(0.3)
        state = kernel_eval(page, STATE)
    return state


def test_rerunning_a_playing_cell_stops_the_old_loop(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "rerun.ipynb", [RERUN_CELL])
    open_and_run_notebook(page, jupyter_server, "rerun.ipynb")
    expect(page.locator(PG)).to_have_count(1, timeout=60_000)
    # the first one trains, and the front end counts its view
    _wait_for(page, lambda s: len(s) == 1 and s[0][0] and s[0][1] > 5 and s[0][2] >= 1,
              "the first Playground playing, shown, past epoch 5")

    _rerun_cell(page)
    state = _wait_for(page, lambda s: len(s) == 2 and s[1][0] and s[1][2] >= 1 and not s[0][0],
                      "the new Playground playing and the old one stopped")
    assert state[0][2] == 0, f"the old Playground still has views: {state}"
    old_epoch = state[0][1]
    expect(page.locator(PG)).to_have_count(1)  # one Playground on screen
    time.sleep(1.5)
    later = kernel_eval(page, STATE)
    assert later[0][1] == old_epoch and not later[0][0], f"the old network still trains: {state} -> {later}"
    assert later[1][1] > state[1][1], f"the new one does not train: {state} -> {later}"
    assert kernel_eval(page, "sum(p.playing for p in _playgrounds)") == 1
    assert kernel_eval(page, "_playgrounds[0].status.text") == "Paused: this playground is no longer shown."

    # and a third run: still one loop
    _rerun_cell(page)
    state = _wait_for(page, lambda s: len(s) == 3 and s[2][0] and not s[1][0],
                      "the third Playground playing and the second stopped")
    assert [p for p, _, _ in state] == [False, False, True]
    assert_notebook_healthy(page)
    shot = tmp_path / "session_rerun.png"
    page.locator(PG).screenshot(path=str(shot))
    shutil.copy(shot, SHOT_COPY)
    epoch_text = page.locator(f"{PG} .nnviz-epoch .nnviz-epoch-value").inner_text()
    assert int(epoch_text.replace(",", "")) > 0
    kernel_eval(page, "[p.close() for p in _playgrounds] and None")
    assert kernel_eval(page, "sum(p.playing for p in _playgrounds)") == 0


UNSTABLE_CELL = (
    "import nnviz\n"
    "pg = nnviz.Playground(config={'seed': 1, 'net_seed': 2, 'lr': 10.0})\n"
    "pg"
)
UNSTABLE_SHOT = "/tmp/session_unstable_browser.png"


def test_a_too_high_learning_rate_warns_while_training_goes_on(jupyter_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    write_notebook(jupyter_server.root_dir / "unstable.ipynb", [UNSTABLE_CELL])
    open_and_run_notebook(page, jupyter_server, "unstable.ipynb")
    expect(page.locator(PG)).to_have_count(1, timeout=60_000)
    page.locator(f"{PG} .nnviz-play").click()  # as a learner does
    status = page.locator(f"{PG} .nnviz-status")
    expect(status).to_have_class(re.compile(r"(^|\s)nnviz-status-warning(\s|$)"), timeout=30_000)
    expect(status).to_contain_text("unstable: the loss is")
    expect(status).to_contain_text("the learning rate may be too high")
    epoch = kernel_eval(page, "pg.network.epoch_")
    time.sleep(1.0)
    assert kernel_eval(page, "pg.playing") and kernel_eval(page, "pg.network.epoch_") > epoch  # it trains on
    assert kernel_eval(page, "pg.diverged") is None
    shot = tmp_path / "session_unstable.png"
    page.locator(PG).screenshot(path=str(shot))
    shutil.copy(shot, UNSTABLE_SHOT)
    page.locator(f"{PG} .nnviz-pause").click()
    kernel_eval(page, "pg.close()")
    assert_notebook_healthy(page)
