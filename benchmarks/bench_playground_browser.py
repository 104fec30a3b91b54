"""Benchmark of the live Playground in a real browser (issue 3, part b).

Starts JupyterLab on loopback and headless Chromium (Debian's ``/usr/bin/chromium`` through
Playwright), runs a notebook holding the default ``nnviz.Playground()``, presses play for
``--seconds`` (default 10) and prints:

* visible decision-boundary updates per second: the canvas map's raster stamps the number of each
  frame it draws (``putImageData``) as ``data-frame`` on its ``<canvas>``; counted are changes of
  that attribute (a ``MutationObserver``), ``putImageData`` calls on that canvas (the prototype
  hooked), and animation frames (``requestAnimationFrame`` samples) in which it had changed since
  the previous one — the issue's figure: animation frames that show a new image;
* epochs per second (on screen and in the kernel) and the kernel's frames per second, with the
  Python time per frame (the loop's ``frame()`` wrapped with a timer);
* bytes per frame, kernel -> browser: every ``comm_msg`` as the browser received it (JSON of the
  message without its buffers + the binary buffers, from the kernel connection's ``anyMessage``
  signal), and the same counted in the kernel (``session.send`` wrapped); browser -> kernel too;
* the browser's main-thread busy time (Chrome DevTools ``Performance.getMetrics``: TaskDuration,
  ScriptDuration, Layout, RecalcStyle) and long tasks (> 50 ms, ``PerformanceObserver``);
* pause latency: from the click on pause (page clock, capture listener) to the last change of the
  epoch counter or the heatmap on screen, over ``--trials`` play/pause rounds.

Targets (issues 3 and 7): >= 30 animation frames/s showing a new decision boundary (stretch 60);
pause visible within 0.3 s.

Run: ``.venv/bin/python benchmarks/bench_playground_browser.py [--seconds 10] [--trials 5]
[--screenshot out.png]``. Experiments: ``--max-fps N`` (the loop's frame cap, default the
Playground's), ``--hide-graph`` (the network graph ``display: none``: its share of the browser's
work is the difference), ``--mute-status`` (JupyterLab ignores busy/idle: the indicator's
share), ``--max-in-flight N``, ``--setup CODE`` (run in the kernel first),
``--profile S`` (a JS CPU profile). A same-run reference follows (``--reference-seconds``, default
5; 0 skips it): the same kind of 100 x 100 frames sent at 60 Hz to a bare canvas map and to the bqplot
image the decision plot used before, in a second notebook of the same browser.

Everything it starts (server, kernel, browser) is stopped at the end and
its temporary folder removed.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

from jupyterlab_helpers import (  # noqa: E402
    kernel_eval,
    lab_in_chromium,
    kernel_execute,
    open_and_run_notebook,
    record_clicks,
    recorded_clicks,
    wait_for_page_time,
    watch_changes,
    watched_changes,
    write_notebook,
)

TARGET_FPS = 30.0
TARGET_PAUSE_MS = 300.0

PG = ".jp-Notebook .nnviz-playground"
RASTER = f"{PG} .nnviz-decision canvas.nnviz-map-raster"

# Page-side probes: rAF sampling of the heatmap's href, long tasks, widget messages both ways.
_JS_INSTALL_PROBES = """() => {
  const b = window.__bench = {running: false, raf: 0, rafChanged: 0, last: null, prevT: null, gaps: [],
    longtasks: [], recv: {n: 0, json: 0, buf: 0}, send: {n: 0, json: 0, buf: 0}, types: {}};
  const raster = () => document.querySelector('.jp-Notebook .nnviz-playground .nnviz-decision canvas.nnviz-map-raster');
  b.puts = 0;
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    if (b.running && this.canvas === raster()) b.puts++;
    return put.apply(this, args);
  };
  const tick = (t) => {
    if (!b.running) { b.prevT = null; return; }
    b.raf++;
    const href = raster() && raster().dataset.frame;
    if (b.last !== null && href !== b.last) b.rafChanged++;
    b.last = href;
    if (b.prevT !== null) b.gaps.push(t - b.prevT);
    b.prevT = t;
    requestAnimationFrame(tick);
  };
  b.start = () => { b.running = true; b.last = null; requestAnimationFrame(tick); };
  b.stop = () => { b.running = false; };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (b.running) b.longtasks.push(e.duration);
    }).observe({type: 'longtask'});
  } catch (e) { b.longtasks = null; }
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  // JupyterLab's busy/idle indicator: time its listeners (they run inside _updateStatus) and count the
  // DOM changes outside the Playground (toolbar, status bar, tab, favicon) while playing
  b.status = {n: 0, ms: 0, mutations: 0, where: {}};
  if (typeof kernel._updateStatus === 'function') {
    const update = kernel._updateStatus.bind(kernel);
    kernel._updateStatus = (status) => {
      if (b.running && b.muteStatus && (status === 'busy' || status === 'idle')) return;  // experiment
      const t0 = performance.now();
      try { return update(status); } finally { if (b.running) { b.status.n++; b.status.ms += performance.now() - t0; } }
    };
  }
  new MutationObserver((records) => {
    if (!b.running) return;
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && !el.closest('.nnviz-playground')) {
        b.status.mutations++;
        const owner = el.closest('[class]');
        const key = (owner ? owner.tagName.toLowerCase() + '.' + String(owner.className.baseVal ?? owner.className)
          .split(' ').filter(c => c && !c.startsWith('lm-mod')).slice(0, 2).join('.') : el.tagName) + ' ' + r.type;
        b.status.where[key] = (b.status.where[key] || 0) + 1;
      }
    }
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  kernel.anyMessage.connect((_, args) => {
    const m = args.msg;
    if (!b.running) return;
    const key = args.direction + ' ' + m.header.msg_type;
    b.types[key] = (b.types[key] || 0) + 1;
    if (m.header.msg_type !== 'comm_msg') return;
    const side = args.direction === 'recv' ? b.recv : b.send;
    let buf = 0;
    for (const x of (m.buffers || [])) buf += x.byteLength;
    const {buffers, ...rest} = m;
    side.n++; side.json += JSON.stringify(rest).length; side.buf += buf;
  });
  return true;
}"""

# Kernel-side probes: time each frame, count the comm messages the kernel sends.
_PY_INSTALL_PROBES = """
import json as _json, time as _time
__bench = {"frame_s": [], "n": 0, "json": 0, "buf": 0, "on": False}
_bench_frame = pg._loop._frame
def _bench_timed_frame():
    t0 = _time.perf_counter()
    try:
        return _bench_frame()
    finally:
        if __bench["on"]:
            __bench["frame_s"].append(_time.perf_counter() - t0)
pg._loop._frame = _bench_timed_frame
_bench_session = get_ipython().kernel.session
_bench_send = _bench_session.send
def _bench_counting_send(stream, msg_or_type, content=None, *args, **kwargs):
    msg_type = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get("header", {}).get("msg_type")
    if __bench["on"] and msg_type == "comm_msg":
        __bench["n"] += 1
        __bench["json"] += len(_json.dumps(content, default=str))
        __bench["buf"] += sum(memoryview(b).nbytes for b in (kwargs.get("buffers") or []))
    return _bench_send(stream, msg_or_type, content, *args, **kwargs)
_bench_session.send = _bench_counting_send
"""

_PY_STATE = ("{'epoch': pg.network.epoch_, 'frames': pg._loop.frames, 'playing': pg.playing, "
             "'decision_frames': pg.decision_plot.map.frames, 'graph_frames': pg.graph.atlas.frames, "
             "'round_trip_ms': pg._loop.round_trip * 1e3, 'loop_fps': pg._loop.fps, "
             "'rss_mb': __import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss / 1024}")

_CDP_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def cdp_metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
            if m["name"] in _CDP_METRICS}


def profile_summary(profile: dict, top: int = 14) -> list[tuple[str, float]]:
    """Self time (ms) by function and script of a CDP ``Profiler.stop`` profile, largest first."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_us: dict[str, float] = {}
    deltas = profile.get("timeDeltas", [])
    for sample, dt in zip(profile.get("samples", []), deltas[1:] + [0]):
        frame = nodes[sample]["callFrame"]
        script = frame.get("url", "").rsplit("/", 1)[-1][:40]
        key = f"{frame.get('functionName') or '(anonymous)'} [{script}]" if script else frame.get("functionName", "?")
        self_us[key] = self_us.get(key, 0.0) + dt
    return sorted(((k, v / 1e3) for k, v in self_us.items()), key=lambda kv: -kv[1])[:top]


# ------------------------------------------------------------------ the same-run reference
# In a second notebook of the same server and browser: the same 100 x 100 frames (500 points on top) sent
# at 60 Hz from a kernel task to (a) a bare CanvasMap, the decision plot's technique, and (b) a bqplot
# Image mark fed PNGs through the ImageFeed, the technique it replaced. What the screen shows of each is
# what this machine allows right now, so the Playground's figure is also printed as a ratio to (a).
_REFERENCE_CELLS = [
    """\
import asyncio, time
import numpy as np, bqplot
from ipywidgets import HBox, Layout
from nnviz.analysis import HEATMAP_ALPHA, diverging_rgba, encode_png, raster_rgba
from nnviz.widgets.canvas_map import CanvasMap
from nnviz.widgets._image_feed import ImageFeed
yy, xx = np.mgrid[-6:6:100j, -6:6:100j]
FRAMES = [diverging_rgba(np.tanh(np.sin(0.5 * xx + 0.1 * k) + np.cos(0.4 * yy - 0.07 * k))) for k in range(60)]
rng = np.random.default_rng(0)
PX, PY = rng.uniform(-6, 6, 500), rng.uniform(-6, 6, 500)
COLS = np.where(rng.random(500) < 0.5, "#f59322", "#0877bd").tolist()
canvas = CanvasMap(width=300, height=300)
canvas.add_class("bench-ref-canvas")
canvas.show_image(FRAMES[0], alpha=HEATMAP_ALPHA)
canvas.set_points("train", PX, PY, COLS)
sx, sy = bqplot.LinearScale(min=-6, max=6, allow_padding=False), bqplot.LinearScale(min=-6, max=6, allow_padding=False)
feed = ImageFeed({"x": sx, "y": sy}, x=(-6, 6), y=(-6, 6))
feed.show(encode_png(raster_rgba(FRAMES[0], alpha=HEATMAP_ALPHA)[..., :3], flip_vertical=False))
dots = bqplot.Scatter(x=PX, y=PY, colors=COLS, stroke="white", default_size=26, scales={"x": sx, "y": sy})
fig = bqplot.Figure(marks=[feed.mark, dots], padding_x=0, padding_y=0, animation_duration=0,
                    fig_margin=dict(top=6, bottom=26, left=32, right=6), layout=Layout(width="340px", height="332px"))
fig.add_class("bench-ref-bqplot")
ref_py_ms = {"canvas": [], "bqplot": []}
def send_canvas(k):
    canvas.show_image(FRAMES[k % 60], alpha=HEATMAP_ALPHA)
def send_bqplot(k):
    feed.show(encode_png(raster_rgba(FRAMES[k % 60], alpha=HEATMAP_ALPHA)[..., :3], flip_vertical=False))
async def ref_drive(name, send, seconds, fps=60.0):
    t_end, k = time.perf_counter() + seconds, 1
    while time.perf_counter() < t_end:
        t0 = time.perf_counter(); send(k); ref_py_ms[name].append(1e3 * (time.perf_counter() - t0)); k += 1
        await asyncio.sleep(max(0.001, 1 / fps - (time.perf_counter() - t0)))
HBox([canvas, fig])""",
]

_JS_REF_PROBE = """([sel, attr]) => {
  const r = window.__ref = {raf: 0, fresh: 0, last: null, running: true};
  const read = () => { const el = document.querySelector(sel); return el && el.getAttribute(attr); };
  const tick = () => { if (!r.running) return; r.raf++; const v = read();
    if (r.last !== null && v !== r.last) r.fresh++; r.last = v; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""


def reference(context, server, seconds: float) -> dict:
    """Frames/s on screen for the canvas map and for the bqplot image feed, fed the same 60 Hz stream."""
    page = context.new_page()
    write_notebook(server.root_dir / "reference.ipynb", _REFERENCE_CELLS)
    open_and_run_notebook(page, server, "reference.ipynb")
    page.wait_for_selector(".bench-ref-canvas canvas.nnviz-map-raster")
    page.wait_for_selector(".bench-ref-bqplot image")
    page.wait_for_timeout(1000)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "timeTicks"})
    out = {}
    for name, sel, attr in (("canvas", ".bench-ref-canvas canvas.nnviz-map-raster", "data-frame"),
                            ("bqplot", ".bench-ref-bqplot image", "href")):
        page.evaluate(_JS_REF_PROBE, [sel, attr])
        before = cdp_metrics(cdp)
        t0 = page.evaluate("() => performance.now()")
        kernel_execute(page, "_ref = asyncio.get_running_loop().create_task("
                             f"ref_drive({name!r}, send_{name}, {seconds}))")
        time.sleep(seconds)
        wall = (page.evaluate("() => performance.now()") - t0) / 1000
        busy = cdp_metrics(cdp)["TaskDuration"] - before["TaskDuration"]
        probe = page.evaluate("() => { window.__ref.running = false; return window.__ref; }")
        sent, py_ms = kernel_eval(page, f"[len(ref_py_ms[{name!r}]), float(np.median(ref_py_ms[{name!r}]))]")
        page.wait_for_timeout(800)  # let the queue drain before the next one
        out[name] = {"fresh_per_s": probe["fresh"] / wall, "sent_per_s": sent / wall, "py_send_ms": py_ms,
                     "busy_fraction": busy / wall, "busy_ms_per_sent_frame": 1e3 * busy / max(sent, 1)}
    page.close()
    return out


def pause_latency(page, name: str, settle_ms: float = 1500.0) -> dict:
    """Click pause; return ms from the click to the last on-screen change of the epoch or heatmap
    (and whether the frame on screen is the kernel's last one)."""
    record_clicks(page, name, f"{PG} .nnviz-pause")
    page.locator(f"{PG} .nnviz-pause").click()
    (clicked,) = recorded_clicks(page, name)
    wait_for_page_time(page, clicked + settle_ms)
    out = {}
    for what in ("epoch", "heatmap"):
        times = [t for t, _ in watched_changes(page, what)]
        after = [t - clicked for t in times if t > clicked]
        out[what] = max(after) if after else 0.0
        out[f"{what}_changes_after"] = len(after)
    out["ms"] = max(out["epoch"], out["heatmap"])
    shown = page.locator(RASTER).get_attribute("data-frame")
    out["screen_is_kernel_frame"] = int(shown) == kernel_eval(page, "pg.decision_plot.map.frames")
    return out


def play(page) -> None:
    page.locator(f"{PG} .nnviz-play").click()
    page.locator(f"{PG} .nnviz-pause:not([disabled])").wait_for(timeout=30_000)


def run(seconds: float, trials: int, screenshot: str | None, max_in_flight: int | None = None,
        viewport=(1280, 1000), max_fps: float | None = None, hide_graph: bool = False,
        profile_s: float = 0.0, reference_s: float = 5.0, setup: str | None = None,
        mute_status: bool = False) -> dict:
    t0 = time.perf_counter()
    with lab_in_chromium("nnviz-bench-browser-", viewport) as (server, context):
        write_notebook(server.root_dir / "bench.ipynb", ["import nnviz\n\npg = nnviz.Playground()\npg"])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        open_and_run_notebook(page, server, "bench.ipynb")
        page.wait_for_function(
            "(sel) => Number(document.querySelector(sel)?.dataset.frame || 0) > 0",
            arg=RASTER, timeout=60_000)
        ready_s = time.perf_counter() - t0

        page.evaluate(_JS_INSTALL_PROBES)
        if mute_status:  # an experiment: JupyterLab does not react to busy/idle while playing
            page.evaluate("() => { window.__bench.muteStatus = true; }")
        kernel_execute(page, _PY_INSTALL_PROBES)
        if max_in_flight is not None:  # an experiment: the loop's pacing (see nnviz/widgets/_loop.py)
            kernel_execute(page, f"pg._loop.max_in_flight = {int(max_in_flight)}")
        if max_fps is not None:  # an experiment: the loop's frame cap
            kernel_execute(page, f"pg._loop.max_fps = {float(max_fps)}")
        if hide_graph:  # an experiment: what the network graph costs the browser
            kernel_execute(page, "pg.graph.layout.display = 'none'")
        if setup:  # an experiment: any code, run in the kernel before playing
            kernel_execute(page, setup)
        in_flight = kernel_eval(page, "pg._loop.max_in_flight")
        loop_max_fps = kernel_eval(page, "pg._loop.max_fps")
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "timeTicks"})
        watch_changes(page, "heatmap", f"{PG} .nnviz-decision", target="canvas.nnviz-map-raster",
                      attribute="data-frame")
        watch_changes(page, "epoch", f"{PG} .nnviz-epoch", target=".nnviz-epoch-value")

        # ---------------------------------------------------------------- the long run
        kernel_execute(page, "__bench['on'] = True")
        page.evaluate("() => window.__bench.start()")
        before_cdp, before_py = cdp_metrics(cdp), kernel_eval(page, _PY_STATE)
        play(page)
        t_start = page.evaluate("() => performance.now()")
        rss_start = before_py["rss_mb"]
        if profile_s > 0:  # a JS CPU profile of the middle of the run (sampling costs a little)
            time.sleep(max(0.0, (seconds - profile_s) / 2))
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 500})
            cdp.send("Profiler.start")
            time.sleep(profile_s)
            profile = cdp.send("Profiler.stop")["profile"]
            time.sleep(max(0.0, (seconds - profile_s) / 2))
        else:
            profile = None
            time.sleep(seconds)
        t_end = page.evaluate("() => performance.now()")
        after_py = kernel_eval(page, _PY_STATE)
        after_cdp = cdp_metrics(cdp)
        page.evaluate("() => window.__bench.stop()")
        kernel_execute(page, "__bench['on'] = False")
        wall = (t_end - t_start) / 1000
        probes = page.evaluate("""() => { const b = window.__bench;
          return {raf: b.raf, rafChanged: b.rafChanged, puts: b.puts, status: b.status,
                  gaps: b.gaps, longtasks: b.longtasks,
                  recv: b.recv, send: b.send, types: b.types}; }""")
        kernel_side = kernel_eval(page, "{k: v for k, v in __bench.items() if k != 'on'}")
        heat = [t for t, _ in watched_changes(page, "heatmap") if t_start <= t <= t_end]
        epochs = [(t, int(v.replace(",", ""))) for t, v in watched_changes(page, "epoch")
                  if t_start <= t <= t_end and v]
        first_pause = pause_latency(page, "pause0")
        after_pause_py = kernel_eval(page, _PY_STATE)

        if screenshot:
            page.locator(".jp-OutputArea-output:has(.nnviz-playground)").screenshot(path=screenshot)

        # ---------------------------------------------------------------- more pause trials
        pauses = [first_pause]
        for i in range(1, trials):
            play(page)
            time.sleep(2.0)
            pauses.append(pause_latency(page, f"pause{i}"))

        frames = after_py["frames"] - before_py["frames"]
        frame_ms = sorted(1e3 * s for s in kernel_side["frame_s"])
        recv_bytes = probes["recv"]["json"] + probes["recv"]["buf"]
        busy = {k: after_cdp[k] - before_cdp[k] for k in _CDP_METRICS}
        gaps = probes["gaps"] or [0.0]
        results = {
            "startup_s": ready_s,
            "wall_s": wall,
            "visible_updates_per_s": len(heat) / wall,
            "raf_frames_with_new_image_per_s": probes["rafChanged"] / wall,
            "put_image_data_per_s": probes["puts"] / wall,
            "raf_per_s": probes["raf"] / wall,
            "raf_gap_ms_p50": statistics.median(gaps),
            "raf_gap_ms_max": max(gaps),
            "kernel_frames_per_s": frames / wall,
            "decision_frames_sent_per_s": (after_py["decision_frames"] - before_py["decision_frames"]) / wall,
            "graph_pngs_sent_per_s": (after_py["graph_frames"] - before_py["graph_frames"]) / wall,
            "epochs_per_s_kernel": (after_py["epoch"] - before_py["epoch"]) / wall,
            "epochs_per_s_screen": ((epochs[-1][1] - epochs[0][1]) / ((epochs[-1][0] - epochs[0][0]) / 1000)
                                    if len(epochs) > 1 and epochs[-1][0] > epochs[0][0] else 0.0),
            "epoch_text_updates_per_s": len(epochs) / wall,
            "python_frame_ms_p50": statistics.median(frame_ms) if frame_ms else 0.0,
            "python_frame_ms_p90": frame_ms[int(0.9 * (len(frame_ms) - 1))] if frame_ms else 0.0,
            "python_busy_fraction": sum(frame_ms) / 1e3 / wall,
            "echo_round_trip_ms": after_py["round_trip_ms"],
            "recv_msgs_per_frame": probes["recv"]["n"] / max(frames, 1),
            "recv_bytes_per_frame": recv_bytes / max(frames, 1),
            "recv_binary_bytes_per_frame": probes["recv"]["buf"] / max(frames, 1),
            "recv_bytes_per_visible_update": recv_bytes / max(len(heat), 1),
            "recv_kB_per_s": recv_bytes / 1e3 / wall,
            "kernel_sent_bytes_per_frame": (kernel_side["json"] + kernel_side["buf"]) / max(frames, 1),
            "kernel_sent_msgs_per_frame": kernel_side["n"] / max(frames, 1),
            "browser_to_kernel_msgs_per_s": probes["send"]["n"] / wall,
            "kernel_messages_per_s": {k: v / wall for k, v in sorted(probes["types"].items())},
            "main_thread_busy_fraction": busy["TaskDuration"] / wall,
            "script_fraction": busy["ScriptDuration"] / wall,
            "layout_style_fraction": (busy["LayoutDuration"] + busy["RecalcStyleDuration"]) / wall,
            "main_thread_ms_per_visible_update": 1e3 * busy["TaskDuration"] / max(len(heat), 1),
            "status_updates_per_s": probes["status"]["n"] / wall,
            "status_listener_ms_per_s": probes["status"]["ms"] / wall,
            "dom_mutations_outside_playground_per_s": probes["status"]["mutations"] / wall,
            "dom_mutations_outside_where": sorted(((k, v / wall) for k, v in probes["status"]["where"].items()),
                                                  key=lambda kv: -kv[1])[:6],
            "long_tasks": None if probes["longtasks"] is None else len(probes["longtasks"]),
            "long_task_ms_total": None if probes["longtasks"] is None else sum(probes["longtasks"]),
            "pause_ms": [p["ms"] for p in pauses],
            "pause_epoch_ms": [p["epoch"] for p in pauses],
            "pause_heatmap_ms": [p["heatmap"] for p in pauses],
            "stopped_after_pause": not after_pause_py["playing"],
            "screen_is_kernel_frame": [p["screen_is_kernel_frame"] for p in pauses],
            "kernel_rss_mb_max": max(rss_start, after_pause_py["rss_mb"]),
            "epochs_trained": after_py["epoch"],
            "max_in_flight": in_flight,
            "max_fps": loop_max_fps,
            "graph_hidden": hide_graph,
            "setup": setup,
            "status_muted": mute_status,
            "page_errors": errors,
            "profile_s": profile_s,
            "profile_top_self_ms": profile_summary(profile) if profile else [],
        }
        if reference_s > 0:
            page.close()
            server.shutdown_kernels()
            results["reference"] = reference(context, server, reference_s)
        return results


def report(r: dict, seconds: float) -> None:
    def line(label, value, target=None, ok=None):
        mark = "" if ok is None else ("  OK" if ok else "  MISSES TARGET")
        tgt = f"   (target {target})" if target else ""
        print(f"  {label:<52} {value}{tgt}{mark}")

    print(f"\nnnviz.Playground() in JupyterLab + headless Chromium, {r['wall_s']:.1f} s of play "
          f"(ready {r['startup_s']:.1f} s after start; frames in flight <= {r['max_in_flight']}, "
          f"loop max_fps {r['max_fps']:g}{'; graph hidden' if r['graph_hidden'] else ''}"
          f"{'; setup: ' + r['setup'] if r['setup'] else ''}"
          f"{'; busy/idle muted' if r['status_muted'] else ''})")
    print("visible decision-boundary updates")
    line("animation frames showing a new image / s (rAF)", f"{r['raf_frames_with_new_image_per_s']:.1f}",
         f">= {TARGET_FPS:.0f}", r["raf_frames_with_new_image_per_s"] >= TARGET_FPS)
    line("raster canvas frames drawn / s (data-frame changes)", f"{r['visible_updates_per_s']:.1f}")
    line("putImageData on the raster / s", f"{r['put_image_data_per_s']:.1f}")
    line("animation frames / s (rAF), gap median / max ms",
         f"{r['raf_per_s']:.1f}, {r['raf_gap_ms_p50']:.1f} / {r['raf_gap_ms_max']:.0f}")
    print("training")
    line("epochs / s (kernel)", f"{r['epochs_per_s_kernel']:.1f}")
    line("epochs / s (epoch counter on screen)", f"{r['epochs_per_s_screen']:.1f}")
    line("epoch-counter updates / s on screen", f"{r['epoch_text_updates_per_s']:.1f}")
    line("kernel frames / s (loop)", f"{r['kernel_frames_per_s']:.1f}")
    line("decision frames sent / s, graph atlases sent / s",
         f"{r['decision_frames_sent_per_s']:.1f}, {r['graph_pngs_sent_per_s']:.1f}")
    line("Python frame ms (train + draw) median / p90",
         f"{r['python_frame_ms_p50']:.1f} / {r['python_frame_ms_p90']:.1f}")
    line("kernel busy in frames (fraction of wall time)", f"{r['python_busy_fraction']:.2f}")
    line("echo round trip (kernel -> browser -> kernel) ms", f"{r['echo_round_trip_ms']:.0f}")
    print("bytes (kernel -> browser widget messages)")
    line("bytes / kernel frame (browser count)",
         f"{r['recv_bytes_per_frame']:,.0f} ({r['recv_binary_bytes_per_frame']:,.0f} binary, "
         f"{r['recv_msgs_per_frame']:.1f} msgs)")
    line("bytes / kernel frame (kernel count)",
         f"{r['kernel_sent_bytes_per_frame']:,.0f} ({r['kernel_sent_msgs_per_frame']:.1f} msgs)")
    line("bytes / visible update", f"{r['recv_bytes_per_visible_update']:,.0f}")
    line("kB / s", f"{r['recv_kB_per_s']:.0f}")
    line("browser -> kernel widget msgs / s", f"{r['browser_to_kernel_msgs_per_s']:.1f}")
    line("all kernel messages / s, by direction and type",
         ", ".join(f"{k} {v:.1f}" for k, v in r["kernel_messages_per_s"].items()))
    print("browser main thread")
    line("busy (TaskDuration / wall)", f"{r['main_thread_busy_fraction']:.2f}")
    line("  script / layout+style", f"{r['script_fraction']:.2f} / {r['layout_style_fraction']:.2f}")
    line("main-thread ms per visible update", f"{r['main_thread_ms_per_visible_update']:.1f}")
    line("kernel busy/idle updates / s; their listeners ms / s",
         f"{r['status_updates_per_s']:.1f}; {r['status_listener_ms_per_s']:.1f}")
    line("DOM mutations / s outside the Playground", f"{r['dom_mutations_outside_playground_per_s']:.0f}")
    for where, n in r["dom_mutations_outside_where"]:
        line(f"  {where[:50]}", f"{n:.0f}")
    line("long tasks (> 50 ms): count, total ms",
         "n/a" if r["long_tasks"] is None else f"{r['long_tasks']}, {r['long_task_ms_total']:.0f}")
    print("pause")
    worst = max(r["pause_ms"])
    line("click -> last change on screen, ms (each trial)", ", ".join(f"{x:.0f}" for x in r["pause_ms"]),
         f"<= {TARGET_PAUSE_MS:.0f}", worst <= TARGET_PAUSE_MS)
    line("  of which epoch counter / heatmap (ms)",
         "; ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(r["pause_epoch_ms"], r["pause_heatmap_ms"])))
    line("loop stopped in Python", str(r["stopped_after_pause"]))
    line("frame on screen == kernel's last frame (each trial)", str(r["screen_is_kernel_frame"]))
    print("kernel")
    line("max RSS MB", f"{r['kernel_rss_mb_max']:.0f}")
    line("epochs trained in the long run", str(r["epochs_trained"]))
    ref = r.get("reference")
    if ref:
        print("reference, same run: the same 100 x 100 frames + 500 points sent at 60 Hz for a few seconds")
        for name, label in (("canvas", "CanvasMap (raw RGBA, putImageData)"),
                            ("bqplot", "bqplot Image (PNG via ImageFeed)")):
            x = ref[name]
            line(f"{label}: new frames / s on screen", f"{x['fresh_per_s']:.1f} of {x['sent_per_s']:.1f} sent; "
                 f"kernel {x['py_send_ms']:.2f} ms/frame; browser {x['busy_ms_per_sent_frame']:.1f} ms/frame "
                 f"(busy {x['busy_fraction']:.2f})")
        canvas_fps, bqplot_fps = ref["canvas"]["fresh_per_s"], max(ref["bqplot"]["fresh_per_s"], 1e-9)
        line("ratio canvas / bqplot (new frames on screen)", f"{canvas_fps / bqplot_fps:.2f}x")
        line("ratio Playground / bare canvas map",
             f"{r['raf_frames_with_new_image_per_s'] / max(canvas_fps, 1e-9):.2f}")
    if r["profile_top_self_ms"]:
        print(f"browser JS profile, {r['profile_s']:g} s: self time by function [script], ms")
        for name, ms in r["profile_top_self_ms"]:
            line(name[:52], f"{ms:.0f}")
    if r["page_errors"]:
        print("page errors:\n  " + "\n  ".join(r["page_errors"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of play (default 10)")
    parser.add_argument("--trials", type=int, default=5, help="play/pause rounds for the pause latency")
    parser.add_argument("--screenshot", help="save the Playground after the long run to this PNG")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--max-in-flight", type=int, help="experiment: set the loop's max_in_flight first")
    parser.add_argument("--max-fps", type=float, help="experiment: set the loop's max_fps first")
    parser.add_argument("--hide-graph", action="store_true", help="experiment: hide the network graph")
    parser.add_argument("--profile", type=float, default=0.0, metavar="S",
                        help="also take a JS CPU profile of S seconds in the middle of the run")
    parser.add_argument("--mute-status", action="store_true",
                        help="experiment: JupyterLab ignores the kernel's busy/idle while playing")
    parser.add_argument("--setup", help="experiment: Python run in the kernel before playing (pg is the Playground)")
    parser.add_argument("--reference-seconds", type=float, default=5.0,
                        help="seconds of each same-run reference stream (0: none)")
    args = parser.parse_args(argv)
    results = run(args.seconds, max(1, args.trials), args.screenshot, args.max_in_flight,
                  max_fps=args.max_fps, hide_graph=args.hide_graph, profile_s=args.profile,
                  reference_s=args.reference_seconds, setup=args.setup, mute_status=args.mute_status)
    report(results, args.seconds)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
