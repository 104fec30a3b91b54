"""Benchmark of the LearningRateExplorer (issue 8): 4 learning rates training at once.

Prints medians over ``--repeat`` rounds, each with a reference timed in the same round:

* **updates per second**, Python-side: one update is one frame of the explorer's SessionGroup — every
  run trains its epoch(s) for the frame and the explorer redraws (loss curves, legend, run table, the
  highlighted run's path projected on the landscape), exactly what ``SessionGroup._frame`` does while
  playing, without the browser's pacing. Target >= 15 updates/s. Reference: the same 4 networks
  trained the same epochs with bare ``Network.fit`` (no session, no redraw) — the ratio says what the
  widget costs on top of the training itself.
* **landscape recompute** inside the widget (``LandscapeView.recompute``: the slice, three
  optimiser paths of 50 steps, the PNG), at the default 40 x 40 and at 100 x 100, against one bare
  ``loss_landscape`` call of the same size.

Run: ``python benchmarks/bench_lr_explorer.py [--repeat N] [--frames N]``.
"""
from __future__ import annotations

import argparse
import statistics
import time
import warnings

from nnviz.analysis import copy_network, loss_landscape
from nnviz.widgets import LearningRateExplorer

TARGET_UPDATES = 15.0


def frames_per_second(lrx: LearningRateExplorer, frames: int) -> float:
    group = lrx.group
    t0 = time.perf_counter()
    for _ in range(frames):
        group._frame()  # one frame of the background loop: train every run, then its views redraw
    return frames / (time.perf_counter() - t0)


def session_trains_per_second(lrx: LearningRateExplorer, frames: int) -> float:
    t0 = time.perf_counter()
    for _ in range(frames):
        for s in lrx.sessions:
            s.train(s.epochs_per_frame())  # the sessions' training alone, no frame callbacks, no redraw
    return frames / (time.perf_counter() - t0)


def bare_fits_per_second(lrx: LearningRateExplorer, frames: int) -> float:
    nets = [copy_network(s.network) for s in lrx.sessions]
    data = [(s.inputs[0], s.y_train, s.batch_size, s.epochs_per_frame()) for s in lrx.sessions]
    t0 = time.perf_counter()
    for _ in range(frames):
        for net, (X, y, b, e) in zip(nets, data):
            net.fit(X, y, epochs=e, batch_size=b)
    return frames / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=40)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    lrx = LearningRateExplorer()  # 4 runs at 0.003, 0.03, 0.3, 3 on 150 circle points, batch 10
    lrx.step(2)  # warm up (and the epoch timing the session keeps)
    widget, alone, bare = [], [], []
    for _ in range(args.repeat):
        widget.append(frames_per_second(lrx, args.frames))
        alone.append(session_trains_per_second(lrx, args.frames))
        bare.append(bare_fits_per_second(lrx, args.frames))
    fps, ses, ref = statistics.median(widget), statistics.median(alone), statistics.median(bare)
    epochs = [s.epochs_per_frame() for s in lrx.sessions]
    print(f"LearningRateExplorer, {len(lrx.sessions)} runs, epochs per frame {epochs}, 150 points, batch 10")
    print(f"  updates/s (train + redraw): {fps:7.1f}   bare Network.fit of the same epochs: {ref:7.1f}/s   "
          f"ratio {fps / ref:5.2f}   target >= {TARGET_UPDATES:g}: {'OK' if fps >= TARGET_UPDATES else 'MISSED'}")
    print(f"  the 4 sessions' train() alone (no redraw): {ses:7.1f}/s   widget / sessions ratio {fps / ses:5.2f}")

    view = lrx.landscape
    s = lrx.session
    for resolution in (40, 100):
        view.resolution_slider.unobserve(view._on_control, "value")
        view.resolution_slider.value = resolution
        view.resolution_slider.observe(view._on_control, "value")
        inside, alone = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            lrx._recompute_landscape()
            inside.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            loss_landscape(s.network, s.inputs[0], s.y_train, resolution=resolution, seed=0)
            alone.append(time.perf_counter() - t0)
        ms, ref_ms = statistics.median(inside) * 1e3, statistics.median(alone) * 1e3
        print(f"  landscape recompute {resolution:3d}x{resolution:<3d} in the widget: {ms:7.1f} ms   "
              f"bare loss_landscape: {ref_ms:7.1f} ms   ratio {ms / ref_ms:5.2f}")
    lrx.close()


if __name__ == "__main__":
    main()
