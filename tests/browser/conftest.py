"""Fixtures for tests that render notebooks in JupyterLab in headless Chromium.

Fixtures
--------
jupyter_server (session)
    A running JupyterLab (:class:`jupyterlab_helpers.JupyterServer`: ``url``, ``token``,
    ``root_dir``). Write notebooks into ``root_dir`` and open them by name.
browser_context (session)
    A Playwright persistent Chromium context (Debian's ``/usr/bin/chromium``), 1280 x 1000 viewport.
    Sets Playwright's default timeout to 60 s and ``expect``'s to 20 s.
voila_app (function)
    A factory: ``voila_app(cells)`` writes a notebook of those code cells, serves it with
    ``voila <notebook>`` and returns the :class:`jupyterlab_helpers.VoilaServer` (``url`` opens the
    app); every app it started is stopped after the test.
browser_page (function)
    A fresh Playwright ``Page`` whose uncaught errors and console errors are collected from the
    start (:func:`jupyterlab_helpers.page_errors`).

After each test that used ``jupyter_server``, its kernels are shut down.

Tests marked ``browser`` are skipped when Chromium, Playwright or JupyterLab is missing, unless the
environment variable ``CI`` is set: then they fail, so CI can never pass by skipping them.
"""
from __future__ import annotations

import importlib.util
import os

import pytest

from jupyterlab_helpers import (
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    ci_is_set,
    start_jupyter_server,
    start_voila_server,
    stop_jupyter_server,
    stop_server_process,
    watch_page,
    write_notebook,
)


def _missing_browser_tools() -> list[str]:
    missing = []
    if not os.access(CHROMIUM_PATH, os.X_OK):
        missing.append(f"{CHROMIUM_PATH} (apt-get install chromium)")
    for module in ("playwright", "jupyterlab", "nbformat", "voila"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {module} (pip install -e '.[test]')")
    return missing


def require_browser_tools() -> None:
    """Skip (or, when CI is set, fail) the current test if the browser tools are missing."""
    missing = _missing_browser_tools()
    if not missing:
        return
    reason = "browser test needs " + " and ".join(missing)
    if ci_is_set():
        pytest.fail(f"{reason}; CI is set, so browser tests may not be skipped", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is not None:
        require_browser_tools()


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory):
    """A JupyterLab server for the whole session; see :class:`jupyterlab_helpers.JupyterServer`."""
    require_browser_tools()
    server = start_jupyter_server(tmp_path_factory.mktemp("jupyter"))
    yield server
    stop_jupyter_server(server)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """A headless Chromium persistent context, shared by the tests of one module.

    Module scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread
    while it is started, and tests after the browser modules (the widgets' play/pause tests) need the
    thread to have no running loop.
    """
    require_browser_tools()
    from playwright.sync_api import expect, sync_playwright

    base = tmp_path_factory.mktemp("chromium")
    home = base / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(base)}
    playwright = sync_playwright().start()
    try:
        context = playwright.chromium.launch_persistent_context(
            str(base / "profile"),
            executable_path=CHROMIUM_PATH,
            headless=True,
            args=list(CHROMIUM_ARGS),
            env=env,
            viewport={"width": 1280, "height": 1000},
        )
    except BaseException:
        playwright.stop()
        raise
    # Generous waits: CI machines have two cores and a notebook start is CPU-bound.
    context.set_default_timeout(60_000)
    expect.set_options(timeout=20_000)
    yield context
    context.close()
    playwright.stop()


@pytest.fixture
def browser_page(browser_context):
    """A new page in the shared context, with its errors collected from the start."""
    page = browser_context.new_page()
    watch_page(page)
    yield page
    page.close()


@pytest.fixture
def voila_app(tmp_path_factory):
    """``voila_app(cells, name="app.ipynb")`` -> a running Voila server for a notebook of those cells."""
    require_browser_tools()
    started = []

    def start(cells, name: str = "app.ipynb"):
        base = tmp_path_factory.mktemp("voila")
        notebook = write_notebook(base / "notebooks" / name, cells)
        server = start_voila_server(base / "server", notebook)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server_process(server.process)


@pytest.fixture(autouse=True)
def _shutdown_kernels_after_test(request):
    """Shut down the kernels a test started (runs after ``browser_page`` has closed its page)."""
    yield
    if "jupyter_server" in request.fixturenames:
        server = request.getfixturevalue("jupyter_server")
        if server.process.poll() is None:
            server.shutdown_kernels()
