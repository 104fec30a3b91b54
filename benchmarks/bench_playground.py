"""Python-side cost of the live Playground: frame time, bytes sent per frame, memory after 1,000 epochs.

Run with ``python benchmarks/bench_playground.py`` (about 30 s). It prints:

(a) **Frame time** — the median over repeated frames of what one animation frame costs the kernel:
    train one frame's epochs, compute every view (decision boundary 100 x 100, neuron thumbnails, links,
    loss curve) and assign the marks. For the default playground (2 → 4 → 2 → 1 on "circle") and for
    6 hidden layers of 8 neurons with all 7 input features. "1 epoch" is the playground's frame (one
    epoch per frame); the views alone are shown too. Target: <= 15 ms with 6 x 8. The reference,
    timed in the same run and interleaved frame by frame, is the same epoch (``net.fit``) and views
    called directly, without the :class:`~nnviz.widgets.TrainingSession`: the ratio is what the
    session (events, stability check, trait updates) adds.
(b) **Bytes per frame** — every message the widgets send, measured by hooking ``Widget._send`` (the JSON
    of the message plus its binary buffers): a full frame (every view) and a decision-only frame, and
    the average while playing (the decision boundary every frame, the graph at most 10 times and the
    loss chart 5 times a second, at 30 frames a second: see ``nnviz.widgets.playground``).
(c) **Memory** — resident memory of a fresh process that has run the default playground frame by frame
    (every view drawn every frame) for 1,000 epochs. Target: <= 200 MB.

The browser side: visible frames per second in Chromium in ``bench_playground_browser.py``; re-running a
playing Playground's cell 20 times (one loop left, kernel idle within 3 s of pause) in
``bench_rerun_browser.py``.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
import time

import numpy as np

ALL_FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
CASES = {
    "default 2-4-2-1": {},
    "6 x 8, 7 features": {"hidden": [8] * 6, "features": ALL_FEATURES},
}


def _median_ms(samples):
    return 1000 * statistics.median(samples)


def frame_times(config: dict, frames: int = 60) -> dict:
    """Median seconds of: one epoch, all views, one epoch + all views, an "auto" frame."""
    from nnviz.widgets import Playground

    pg = Playground(config={"seed": 1, "net_seed": 2, "speed": 1, **config})
    pg.step(5)  # warm caches and buffers
    # the reference, timed in the same run and interleaved frame by frame (so a change of load hits
    # both alike): the same epoch and views called directly, without the session (no events, no
    # stability check, no trait updates)
    from nnviz.widgets._common import one_blas_thread

    net, (F_train, F_test), session = pg.network, pg.session.inputs, pg.session

    def bare_frame():
        with one_blas_thread():
            net.fit(F_train, session.y_train, epochs=1, batch_size=session.batch_size,
                    validation_data=(F_test, session.y_test))
            pg.decision_plot.update()
            pg.graph.update()
        pg.loss_chart.update()
        pg.training_controls.set_epoch(net.epoch_)

    train, views, frame, bare = [], [], [], []
    for _ in range(frames):
        t0 = time.perf_counter()
        pg._train(1)
        t1 = time.perf_counter()
        pg._draw()  # every view, as on a full frame
        t2 = time.perf_counter()
        bare_frame()
        t3 = time.perf_counter()
        train.append(t1 - t0)
        views.append(t2 - t1)
        frame.append(t2 - t0)
        bare.append(t3 - t2)
    pg.session.speed = "auto"
    auto, auto_epochs = [], []
    for _ in range(frames // 2):
        before = pg.network.epoch_
        t0 = time.perf_counter()
        pg._play_frame()
        auto.append(time.perf_counter() - t0)
        auto_epochs.append(pg.network.epoch_ - before)
    return {
        "epoch": _median_ms(train), "views": _median_ms(views), "frame": _median_ms(frame),
        "auto": _median_ms(auto), "auto_epochs": statistics.median(auto_epochs), "bare": _median_ms(bare),
        "arch": pg._arch(),
    }


class SendCounter:
    """Count what widgets send: JSON text of each message plus its binary buffers."""

    def __init__(self):
        import ipywidgets

        self.widget_class = ipywidgets.Widget
        self.original = ipywidgets.Widget._send
        self.bytes = self.messages = 0

    def __enter__(self):
        counter = self

        def counting_send(widget, msg, buffers=None):
            counter.messages += 1
            counter.bytes += len(json.dumps(msg, default=str)) + sum(len(memoryview(b).cast("B")) for b in buffers or ())
            return counter.original(widget, msg, buffers)

        self.widget_class._send = counting_send
        return self

    def __exit__(self, *exc):
        self.widget_class._send = self.original

    def take(self):
        out = (self.bytes, self.messages)
        self.bytes = self.messages = 0
        return out


def bytes_per_frame(config: dict, frames: int = 30) -> dict:
    from nnviz.widgets import Playground

    pg = Playground(config={"seed": 1, "net_seed": 2, "speed": 1, **config})
    pg.step(3)
    with SendCounter() as counter:
        full, decision = [], []
        for _ in range(frames):
            counter.take()
            pg._train(1)
            pg._draw()
            full.append(counter.take())
            pg._train(1)
            pg.decision_plot.update()
            pg.training_controls.set_epoch(pg.network.epoch_)
            pg.session.loop._sent.value += 1  # the frame counter the browser echoes
            decision.append(counter.take())
    full_b = statistics.median(b for b, _ in full)
    dec_b = statistics.median(b for b, _ in decision)
    # at 30 frames/s: the decision plot every frame, the graph 10/s and the chart 5/s
    from nnviz.widgets.playground import CHART_EVERY, GRAPH_EVERY

    graph_and_chart = full_b - dec_b
    playing = dec_b + graph_and_chart * (1 / GRAPH_EVERY + 1 / CHART_EVERY) / 2 / 30
    return {
        "full": full_b, "full_msgs": statistics.median(m for _, m in full),
        "decision": dec_b, "decision_msgs": statistics.median(m for _, m in decision),
        "playing": playing, "png": len(pg.decision_plot.png), "atlas": len(pg.graph.png),
    }


MEMORY_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    from nnviz.widgets import Playground
    def rss_mb():
        try:
            import psutil
            return psutil.Process().memory_info().rss / 2**20
        except ImportError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pg = Playground(config={"seed": 1, "net_seed": 2, "speed": 1})
    start = rss_mb()
    while pg.network.epoch_ < 1000:
        pg._play_frame()
        pg._draw()  # every view every frame: the worst case
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(start, rss_mb(), peak, pg.network.epoch_)
    """
)


def memory_after_1000_epochs() -> tuple[float, float, float, int]:
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], check=True, capture_output=True, text=True)
    start, end, peak, epochs = out.stdout.split()
    return float(start), float(end), float(peak), int(epochs)


def main() -> None:
    np.set_printoptions(precision=3)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"{os.cpu_count()} CPUs, load average {load} (timings grow with other work on the machine)")
    print("(a) Python-side frame time (median over 60 frames)")
    print(f"    {'network':34s} {'1 epoch':>8s} {'views':>8s} {'frame':>8s}   auto frame (epochs)   "
          f"reference: bare frame, ratio")
    for name, config in CASES.items():
        r = frame_times(config)
        verdict = ("target <= 15 ms: " + ("met" if r["frame"] <= 15 else "MISSED")) if "6 x 8" in name else ""
        print(f"    {name + ' ' + r['arch'][:0]:34s} {r['epoch']:6.2f}ms {r['views']:6.2f}ms {r['frame']:6.2f}ms"
              f"   {r['auto']:6.2f}ms ({r['auto_epochs']:.0f})          {r['bare']:6.2f}ms, x{r['frame'] / r['bare']:.2f}"
              f"   {verdict}")
    print("    bare frame = the same epoch (net.fit) and views called directly, without the TrainingSession: "
          "the ratio is the session's overhead")
    print("    frame = train 1 epoch (the playground's frame) + compute every view + assign the marks;")
    print("    auto = the 'auto' speed, which trains ~15 ms of epochs per frame, then draws (target <= 15 ms for 6 x 8 "
          "applies to the 1-epoch frame)")
    print()
    print("(b) bytes sent per frame (JSON + binary buffers of every widget message)")
    for name, config in CASES.items():
        r = bytes_per_frame(config)
        print(f"    {name:20s} full frame {r['full'] / 1024:6.1f} KiB in {r['full_msgs']:.0f} messages; "
              f"decision-only {r['decision'] / 1024:5.1f} KiB in {r['decision_msgs']:.0f}; "
              f"average while playing {r['playing'] / 1024:5.1f} KiB "
              f"(decision PNG {r['png'] / 1024:.1f} KiB, thumbnails PNG {r['atlas'] / 1024:.1f} KiB)")
    print()
    start, end, peak, epochs = memory_after_1000_epochs()
    print(f"(c) resident memory: {start:.0f} MB after building the playground (the reference), {end:.0f} MB after "
          f"{epochs} epochs drawn frame by frame (peak {peak:.0f} MB, x{end / start:.2f} the start); target <= 200 MB: "
          f"{'met' if end <= 200 else 'MISSED'}")
    print()
    print("(d) re-running a playing Playground's cell 20 times: benchmarks/bench_rerun_browser.py (a browser)")


if __name__ == "__main__":
    main()
