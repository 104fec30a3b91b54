"""Start JupyterLab and drive it from Playwright, for tests that render widgets in a real browser.

The recipe behind every flag here is /work/shared/BROWSER_TESTING.md. In short:

* :func:`start_jupyter_server` runs ``python -m jupyter lab`` from the current interpreter on
  127.0.0.1 with a random token, every Jupyter/IPython/matplotlib directory and ``HOME`` in a
  temporary folder, and settings that keep pop-ups and the network out of the way.
* :func:`open_and_run_notebook` opens a notebook in a Playwright page, runs all cells and fails
  loudly on anything that went wrong: Python errors, widgets that did not render, browser errors.
* :func:`kernel_execute`, :func:`kernel_eval` and :func:`wait_for_kernel_value` run code in the
  notebook's kernel from the test, so a test can check that a browser action reached Python.
* :func:`watch_changes` / :func:`watched_changes` log, with the page's clock, every change of what
  an element shows (an ``<image>``'s ``href``, a counter's text), through a ``MutationObserver``;
  :func:`record_clicks` / :func:`recorded_clicks` time clicks on the same clock, so a test can
  measure from a click to the screen (e.g. pause latency).

The fixtures that wrap these (``jupyter_server``, ``browser_page``) live in ``conftest.py``.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

CHROMIUM_PATH = "/usr/bin/chromium"
#: The checkout these tests belong to (its nnviz is what the servers' kernels import).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Flags for Debian's Chromium: headless, no sandbox (we run as root), and no background traffic
#: (the network is closed; without these Chromium floods it with refused connections).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

#: JupyterLab user settings: no news pop-up over the page, no autosave of the notebook under test,
#: and every cell kept in the DOM (windowing would drop off-screen cells).
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

#: Text that must never appear in a rendered notebook.
FORBIDDEN_NOTEBOOK_TEXT = (
    "Error displaying widget",
    "Loading widget...",
    "model not found",
    "Traceback",
)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def ci_is_set() -> bool:
    """True when the environment variable ``CI`` is set (to anything but "", "0", "false", "no")."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------------------------
# Notebooks
# --------------------------------------------------------------------------------------------


def write_notebook(path: str | os.PathLike, cell_sources: Sequence[str]) -> Path:
    """Write a notebook of code cells, one per string in ``cell_sources``, to ``path``.

    The notebook uses the ``python3`` kernel, which the server started by
    :func:`start_jupyter_server` runs with the same interpreter as the tests.
    Returns ``path`` as a :class:`~pathlib.Path`.
    """
    import nbformat

    path = Path(path)
    if isinstance(cell_sources, str):
        raise TypeError("cell_sources must be a sequence of cell sources, got a single str")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cell_sources],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


# --------------------------------------------------------------------------------------------
# The JupyterLab server
# --------------------------------------------------------------------------------------------


@dataclass
class JupyterServer:
    """A running JupyterLab server.

    Attributes
    ----------
    url : str
        Base URL without a trailing slash, e.g. ``"http://127.0.0.1:38123"``.
    token : str
        The server's authentication token.
    root_dir : pathlib.Path
        The folder the server serves; write or copy notebooks here, then open them by their
        path relative to it.
    process : subprocess.Popen
        The server process.
    log_path : pathlib.Path
        The server's combined stdout and stderr.
    """

    url: str
    token: str
    root_dir: Path
    process: subprocess.Popen
    log_path: Path

    def lab_url(self, nb_name: str) -> str:
        """URL that opens ``nb_name`` (relative to ``root_dir``) in a freshly reset workspace."""
        quoted = urllib.parse.quote(str(nb_name).replace(os.sep, "/"))
        return f"{self.url}/lab/tree/{quoted}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 10.0) -> Any:
        """Call the server's REST API (``path`` like ``"/api/sessions"``); return decoded JSON or None."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel, so tests do not pile up kernel processes."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE", timeout=30)
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE", timeout=30)

    def log_tail(self, n_lines: int = 60) -> str:
        """The last ``n_lines`` lines of the server log, for error messages."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "<no server log>"
        return "\n".join(lines[-n_lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_environment(base: Path) -> dict[str, str]:
    env = os.environ.copy()
    dirs = {
        "HOME": "home",
        "IPYTHONDIR": "ipython",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "MPLCONFIGDIR": "matplotlib",
        "TMPDIR": "tmp",
    }
    for variable, name in dirs.items():
        folder = base / name
        folder.mkdir(parents=True, exist_ok=True)
        env[variable] = str(folder)
    # Kernels started as "python" must resolve to this interpreter, whatever PATH says.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    # Kernels import this checkout's nnviz (the one the tests import), also from a git worktree
    # whose venv has another checkout installed editable.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("JUPYTER_PATH", None)
    return env


def start_jupyter_server(
    base: str | os.PathLike, *, startup_timeout: float = 90.0, attempts: int = 3
) -> JupyterServer:
    """Start JupyterLab with all of its state under ``base``; return once ``/api/status`` answers.

    ``base`` must be an empty temporary folder. The served folder is ``base / "notebooks"``.
    Retries on a new port if the server dies during start-up (another process took the port).
    """
    base = Path(base)
    root_dir = base / "notebooks"
    settings_dir = base / "lab-user-settings"
    workspaces_dir = base / "lab-workspaces"
    for folder in (root_dir, settings_dir, workspaces_dir):
        folder.mkdir(parents=True, exist_ok=True)
    for relative, settings in LAB_USER_SETTINGS.items():
        settings_file = settings_dir / relative
        settings_file.parent.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(json.dumps(settings))
    env = _server_environment(base)

    failures = []
    for attempt in range(1, attempts + 1):
        port = _free_port()
        token = secrets.token_hex(24)
        log_path = base / f"jupyter-server-{attempt}.log"
        command = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root_dir}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={settings_dir}",
            f"--LabApp.workspaces_dir={workspaces_dir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=root_dir,
            )
        server = JupyterServer(
            url=f"http://127.0.0.1:{port}", token=token, root_dir=root_dir,
            process=process, log_path=log_path,
        )
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                server.api("/api/status", timeout=2)
                return server
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        if process.poll() is None:  # still running but never answered
            stop_jupyter_server(server)
            raise RuntimeError(
                f"JupyterLab did not answer /api/status within {startup_timeout:.0f} s.\n"
                f"Server log ({log_path}):\n{server.log_tail()}"
            )
        failures.append(f"attempt {attempt}, port {port}, exit code {process.returncode}:\n"
                        f"{server.log_tail(20)}")
    raise RuntimeError("JupyterLab exited during start-up.\n" + "\n\n".join(failures))


def stop_jupyter_server(server: JupyterServer, timeout: float = 20.0) -> None:
    """Stop the server with SIGTERM (it shuts its kernels down), killing it after ``timeout`` s."""
    stop_server_process(server.process, timeout)


# --------------------------------------------------------------------------------------------
# Voila: a notebook as a stand-alone app
# --------------------------------------------------------------------------------------------


@dataclass
class VoilaServer:
    """A running ``voila <notebook>`` server.

    Attributes
    ----------
    url : str
        The app's address (``GET`` runs the notebook and shows its widgets), e.g.
        ``"http://127.0.0.1:38124/?token=..."``.
    process : subprocess.Popen
    log_path : pathlib.Path
    """

    url: str
    base: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, n_lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n_lines:])
        except OSError:
            return "<no server log>"


@contextlib.contextmanager
def lab_in_chromium(prefix: str, viewport=(1280, 1000)):
    """JupyterLab and a headless Chromium with all their state in a new temporary folder, for scripts
    (the benchmarks) that run outside pytest's fixtures: yields ``(server, context)`` (a Playwright
    persistent browser context, 60 s default timeout) and stops both and removes the folder on exit."""
    from playwright.sync_api import sync_playwright

    base = Path(tempfile.mkdtemp(prefix=prefix))
    server = playwright = context = None
    try:
        server = start_jupyter_server(base / "jupyter")
        playwright = sync_playwright().start()
        (base / "home").mkdir()
        context = playwright.chromium.launch_persistent_context(
            str(base / "profile"), executable_path=CHROMIUM_PATH, headless=True, args=list(CHROMIUM_ARGS),
            env={**os.environ, "HOME": str(base / "home"), "TMPDIR": str(base)},
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        context.set_default_timeout(60_000)
        yield server, context
    finally:
        if context is not None:
            context.close()
        if playwright is not None:
            playwright.stop()
        if server is not None:
            stop_jupyter_server(server)
        shutil.rmtree(base, ignore_errors=True)


def start_voila_server(base: str | os.PathLike, notebook: str | os.PathLike, *,
                       startup_timeout: float = 90.0) -> VoilaServer:
    """Serve ``notebook`` with Voila on 127.0.0.1, with all state under ``base``; return once it answers.

    As a teacher would: ``voila notebook.ipynb``, here with a random port and token and no browser.
    Ready when ``/voila/static/voila.js`` answers (``GET /`` would run the notebook).
    """
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    notebook = Path(notebook)
    env = _server_environment(base)
    port, token = _free_port(), secrets.token_hex(24)
    log_path = base / "voila.log"
    command = [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--token={token}",
        "--show_tracebacks=True",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   env=env, cwd=notebook.parent)
    server = VoilaServer(url=f"http://127.0.0.1:{port}/?token={token}", base=f"http://127.0.0.1:{port}",
                         process=process, log_path=log_path)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            request = urllib.request.Request(f"{server.base}/voila/static/voila.js?token={token}")
            with urllib.request.urlopen(request, timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    stop_server_process(process)
    raise RuntimeError(f"Voila did not answer within {startup_timeout:.0f} s (exit code {process.poll()}).\n"
                       f"Log ({log_path}):\n{server.log_tail()}")


def stop_server_process(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM ``process`` and wait (it shuts its kernels down); kill it after ``timeout`` s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --------------------------------------------------------------------------------------------
# Browser pages
# --------------------------------------------------------------------------------------------


@dataclass
class PageErrors:
    """What went wrong in a page: uncaught exceptions (``pageerror``) and ``console.error`` lines."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


_WATCHED_PAGES: "weakref.WeakKeyDictionary[Any, PageErrors]" = weakref.WeakKeyDictionary()


def watch_page(page) -> PageErrors:
    """Start collecting ``page``'s errors; return the (live) collection. Idempotent."""
    if page in _WATCHED_PAGES:
        return _WATCHED_PAGES[page]
    errors = PageErrors()

    def on_page_error(error) -> None:
        errors.page_errors.append(error.stack or f"{error.name}: {error.message}")

    def on_console(message) -> None:
        if message.type == "error":
            location = message.location or {}
            errors.console_errors.append(
                f"{message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})"
            )

    page.on("pageerror", on_page_error)
    page.on("console", on_console)
    _WATCHED_PAGES[page] = errors
    return errors


def page_errors(page) -> PageErrors:
    """The errors collected for ``page`` (the ``browser_page`` fixture watches from the start)."""
    return watch_page(page)


# JavaScript run in the page. All of it works on the notebook panel that has focus in the shell.

_JS_NOTEBOOK_READY = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.content || !panel.content.model) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return panel.sessionContext.isReady && !!kernel && kernel.status === 'idle';
}"""

# Returns null while running, else {done, errors}: done when every non-empty code cell has an
# execution count and the kernel is idle; stops early once a cell shows an error output.
_JS_RUN_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return null;
  const cells = panel.content.model.cells;
  const errors = [];
  let pending = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++) {
      const output = cell.outputs.get(j).toJSON();
      if (output.output_type === 'error') {
        errors.push({cell: i, ename: output.ename, evalue: output.evalue,
                     traceback: (output.traceback || []).join('\\n')});
      }
    }
    if (cell.sharedModel.getSource().trim() !== '' && cell.executionCount == null) pending++;
  }
  const prompts = Array.from(panel.content.node.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'));
  const running = prompts.some(p => p.textContent.includes('*'));
  if (errors.length) return {done: false, errors};
  if (pending || running) return null;
  return {done: true, errors};
}"""

_JS_NOTEBOOK_HEALTH = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const node = panel.content.node;
  return {
    text: node.innerText,
    errorWidgets: node.querySelectorAll('.jupyter-widgets-error-widget').length,
  };
}"""

_JS_KERNEL_EXECUTE = """async ({code, timeout}) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const out = {status: null, stdout: '', stderr: '', result: null, error: null};
  const future = kernel.requestExecute(
    {code, silent: false, store_history: false, allow_stdin: false, stop_on_error: false});
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type, content = msg.content;
    if (type === 'stream') {
      if (content.name === 'stdout') out.stdout += content.text; else out.stderr += content.text;
    } else if (type === 'execute_result') {
      out.result = content.data['text/plain'] ?? null;
    } else if (type === 'error') {
      out.error = {ename: content.ename, evalue: content.evalue,
                   traceback: (content.traceback || []).join('\\n')};
    }
  };
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`kernel did not reply within ${timeout} ms`)), timeout);
  });
  try {
    const reply = await Promise.race([future.done, expired]);
    out.status = reply.content.status;
  } finally {
    clearTimeout(timer);
  }
  return out;
}"""


def open_notebook(page, server: JupyterServer, nb_name: str, *, timeout: float = 90_000) -> None:
    """Open ``nb_name`` (relative to ``server.root_dir``) and wait until its kernel is idle.

    ``timeout`` is in milliseconds, like every Playwright timeout.
    """
    watch_page(page)
    page.goto(server.lab_url(nb_name), timeout=timeout)
    page.wait_for_function("() => !!window.jupyterapp", timeout=timeout)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=timeout)
    try:
        page.wait_for_function(_JS_NOTEBOOK_READY, timeout=timeout, polling=200)
    except Exception as exc:
        raise AssertionError(
            f"The kernel of {nb_name} was not idle within {timeout / 1000:.0f} s.\n"
            f"Server log:\n{server.log_tail()}"
        ) from exc


def run_all_cells(page, *, timeout: float = 120_000) -> None:
    """Clear outputs, run all cells of the current notebook and wait until they have run.

    Fails with the cell's traceback as soon as a cell raises.
    """
    page.evaluate("""() => {
      const commands = window.jupyterapp.commands;
      return commands.execute('notebook:clear-all-cell-outputs').then(
        () => { commands.execute('notebook:run-all-cells'); });
    }""")
    handle = page.wait_for_function(_JS_RUN_STATE, timeout=timeout, polling=250)
    state = handle.json_value()
    if state["errors"]:
        raise AssertionError("A notebook cell raised:\n" + _format_cell_errors(state["errors"]))


def _format_cell_errors(errors: list[dict]) -> str:
    return "\n\n".join(
        f"cell {e['cell']}: {e['ename']}: {e['evalue']}\n{_ANSI.sub('', e['traceback'])}"
        for e in errors
    )


def assert_notebook_healthy(page, *, settle_timeout: float = 30_000) -> None:
    """Assert that the current notebook shows no error of any kind.

    Waits up to ``settle_timeout`` ms for "Loading widget..." to go, then checks: none of
    :data:`FORBIDDEN_NOTEBOOK_TEXT` in the notebook, no ``.jupyter-widgets-error-widget``, no error
    output in the notebook model, no uncaught exception in the page. Console errors are only
    reported alongside other problems.
    """
    try:
        page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.content.node.innerText"
            ".includes('Loading widget...')",
            timeout=settle_timeout, polling=250,
        )
    except Exception:
        pass  # reported below
    health = page.evaluate(_JS_NOTEBOOK_HEALTH)
    state = page.evaluate(_JS_RUN_STATE) or {"errors": []}
    errors = page_errors(page)

    problems = [f"{text!r} in the notebook" for text in FORBIDDEN_NOTEBOOK_TEXT
                if text in health["text"]]
    if health["errorWidgets"]:
        problems.append(f"{health['errorWidgets']} widget view(s) failed to render "
                        "(.jupyter-widgets-error-widget)")
    if state["errors"]:
        problems.append("error output(s):\n" + _format_cell_errors(state["errors"]))
    if errors.page_errors:
        problems.append("uncaught page error(s):\n" + "\n".join(errors.page_errors))
    if problems:
        if errors.console_errors:
            problems.append("console errors:\n" + "\n".join(errors.console_errors))
        text = health["text"]
        problems.append("notebook text:\n" + (text if len(text) < 4000 else text[:4000] + " ..."))
        raise AssertionError("The notebook is not healthy:\n- " + "\n- ".join(problems))


def open_and_run_notebook(
    page, server: JupyterServer, nb_name: str, *, timeout: float = 180_000
) -> None:
    """Open ``nb_name`` (relative to ``server.root_dir``), run all cells and assert that it is healthy.

    ``timeout`` (ms) applies to each stage: opening and kernel start, running the cells.
    See :func:`assert_notebook_healthy` for what is checked.
    """
    open_notebook(page, server, nb_name, timeout=timeout)
    run_all_cells(page, timeout=timeout)
    assert_notebook_healthy(page)


# --------------------------------------------------------------------------------------------
# Talking to the kernel from the test
# --------------------------------------------------------------------------------------------


@dataclass
class KernelReply:
    """What one execution in the notebook's kernel produced."""

    status: str
    stdout: str
    stderr: str
    result: str | None  # text/plain of the execute_result, if the code ended with an expression
    error: dict | None  # {"ename", "evalue", "traceback"}


def kernel_execute(page, code: str, *, timeout: float = 30_000, check: bool = True) -> KernelReply:
    """Run ``code`` in the kernel of the current notebook, through the page's kernel connection.

    The notebook's outputs are not touched. With ``check`` (the default), a Python exception
    becomes an AssertionError carrying its traceback.
    """
    reply = KernelReply(**page.evaluate(_JS_KERNEL_EXECUTE, {"code": code, "timeout": timeout}))
    if check and reply.status != "ok":
        error = reply.error or {"ename": "?", "evalue": reply.status, "traceback": ""}
        raise AssertionError(
            f"Kernel code failed with {error['ename']}: {error['evalue']}\n"
            f"{_ANSI.sub('', error['traceback'])}\ncode:\n{code}"
        )
    return reply


_JSON_MARK = "__nnviz_kernel_json__:"


def kernel_eval(page, expression: str, *, timeout: float = 30_000) -> Any:
    """Evaluate ``expression`` in the notebook's kernel and return its value, sent back as JSON.

    The value must be JSON-serialisable (convert NumPy values: ``"int(slider.value)"``,
    ``"arr.tolist()"``).
    """
    code = f"print({_JSON_MARK!r} + __import__('json').dumps(({expression}\n)))"
    reply = kernel_execute(page, code, timeout=timeout)
    for line in reversed(reply.stdout.splitlines()):
        if line.startswith(_JSON_MARK):
            return json.loads(line[len(_JSON_MARK):])
    raise AssertionError(f"No value came back for {expression!r}; stdout was {reply.stdout!r}")


def wait_for_kernel_value(
    page, expression: str, expected: Any, *, timeout: float = 15_000, interval: float = 0.2
) -> Any:
    """Poll :func:`kernel_eval` until ``expression`` equals ``expected``; return the value.

    Use it after a browser action: widget messages reach the kernel asynchronously.
    """
    deadline = time.monotonic() + timeout / 1000
    value = kernel_eval(page, expression)
    while value != expected and time.monotonic() < deadline:
        time.sleep(interval)
        value = kernel_eval(page, expression)
    if value != expected:
        raise AssertionError(
            f"In the kernel, {expression} == {value!r} after {timeout / 1000:.0f} s; "
            f"expected {expected!r}"
        )
    return value


# --------------------------------------------------------------------------------------------
# Watching what the page shows over time
# --------------------------------------------------------------------------------------------

# Installs window.__nnvizWatch[name] = {log: [[t, value], ...], observer}. ``root`` is the first
# element matching ``selector`` in the current notebook; the watched value is ``attribute`` of (or,
# without one, the text of) ``root.querySelector(target)`` (``root`` itself when target is null). A
# MutationObserver on root's subtree re-reads the value on every mutation and logs it when it
# differs from the last one logged, with ``performance.now()``; the first entry is the value at the
# time of installing.
_JS_WATCH = """({name, selector, target, attribute, page}) => {
  const node = page ? document : window.jupyterapp.shell.currentWidget.content.node;
  const root = node.querySelector(selector);
  if (!root) return false;
  const read = () => {
    const el = target ? root.querySelector(target) : root;
    if (!el) return null;
    return attribute ? el.getAttribute(attribute) : el.textContent;
  };
  window.__nnvizWatch = window.__nnvizWatch || {};
  const old = window.__nnvizWatch[name];
  if (old) old.observer.disconnect();
  const watch = {log: [[performance.now(), read()]]};
  watch.observer = new MutationObserver(() => {
    const value = read();
    if (value !== watch.log[watch.log.length - 1][1]) watch.log.push([performance.now(), value]);
  });
  watch.observer.observe(root, {subtree: true, childList: true, characterData: true, attributes: true,
                                attributeFilter: attribute ? [attribute] : undefined});
  window.__nnvizWatch[name] = watch;
  return true;
}"""


def watch_changes(
    page, name: str, selector: str, *, target: str | None = None, attribute: str | None = None,
    whole_page: bool = False,
) -> None:
    """Log every change of a value the page shows, with the page's clock, under ``name``.

    The value is ``attribute`` (or, when None, the text) of ``target`` inside the first element
    matching ``selector`` in the current notebook (``target=None``: that element itself). A
    ``MutationObserver`` re-reads it on every DOM mutation below ``selector``, so a frame that
    replaces an ``<image>``'s ``href`` counts once. Read the log with :func:`watched_changes`.
    Watching again under the same name starts a new log. ``whole_page``: look for ``selector`` in
    the whole document instead of the current notebook (a Voila app has no JupyterLab shell).

    Example: ``watch_changes(page, "heatmap", ".nnviz-decision", target="image", attribute="href")``.
    """
    if not page.evaluate(_JS_WATCH, {"name": name, "selector": selector, "target": target,
                                     "attribute": attribute, "page": whole_page}):
        raise AssertionError(f"watch_changes: nothing matches {selector!r} in the notebook")


def watched_changes(page, name: str) -> list[tuple[float, Any]]:
    """``[(t_ms, value), ...]`` logged by :func:`watch_changes`: the first entry is the value when
    watching began, every later one a change (``t_ms`` is the page's ``performance.now()``)."""
    log = page.evaluate("(name) => window.__nnvizWatch && window.__nnvizWatch[name] && "
                        "window.__nnvizWatch[name].log", name)
    if log is None:
        raise AssertionError(f"watched_changes: nothing is watched under {name!r}")
    return [(float(t), value) for t, value in log]


def record_clicks(page, name: str, selector: str) -> None:
    """Record the page time (``performance.now()``, ms) of every click on the first element matching
    ``selector`` in the current notebook; read them with :func:`recorded_clicks`.

    The listener runs in the capture phase, before the widget's own handler sends anything to the
    kernel, so latencies measured from it include the whole round trip.
    """
    ok = page.evaluate("""({name, selector}) => {
      const el = window.jupyterapp.shell.currentWidget.content.node.querySelector(selector);
      if (!el) return false;
      window.__nnvizClicks = window.__nnvizClicks || {};
      const times = window.__nnvizClicks[name] = [];
      el.addEventListener('click', () => times.push(performance.now()), {capture: true});
      return true;
    }""", {"name": name, "selector": selector})
    if not ok:
        raise AssertionError(f"record_clicks: nothing matches {selector!r} in the notebook")


def recorded_clicks(page, name: str) -> list[float]:
    """Page times (ms) of the clicks recorded by :func:`record_clicks` under ``name``."""
    return [float(t) for t in page.evaluate(
        "(name) => (window.__nnvizClicks && window.__nnvizClicks[name]) || []", name)]


def page_time(page) -> float:
    """The page's ``performance.now()`` in ms (the clock of :func:`watched_changes`)."""
    return float(page.evaluate("() => performance.now()"))


def wait_for_page_time(page, t_ms: float) -> None:
    """Sleep until the page's ``performance.now()`` has reached ``t_ms``."""
    while True:
        remaining = t_ms - page_time(page)
        if remaining <= 0:
            return
        time.sleep(min(remaining / 1000, 0.05))
