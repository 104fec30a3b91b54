"""Benchmark and figures of the OverfittingDemo's defaults (issue 8).

Prints, for the demo's default data and networks (nnviz.widgets.overfitting_demo.DEFAULTS):

* the gap: the over-fitted network's train and test loss (and test accuracy) at its best epoch and
  after 400 epochs, and the regularised network's (L2 0.01, no early stopping) after 400 epochs;
* the capacity sweep of the demo (8 widths, 1 … 128 hidden units, each trained to convergence) run the
  way the widget runs it: in background slices on an asyncio loop, while a second task ("the kernel")
  wakes every 5 ms; its wall time (target <= 30 s), the longest the other task waited between two
  wake-ups (how long the kernel is busy at most), and the ratio to the same sweep run blocking
  (``capacity_sweep``, the reference, timed in the same run); the sweep's train and test error per
  width (a U-shaped test error) and that both runs give the same numbers.

Run: ``python benchmarks/bench_overfitting.py``.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np

from nnviz.analysis import capacity_sweep
from nnviz.widgets import OverfittingDemo
from nnviz.widgets.overfitting_demo import DEFAULTS


def gap_figures() -> None:
    demo = OverfittingDemo(early_stopping=False)
    demo.step(400)
    for name, session in (("over-fitted", demo.overfit), ("regularised (L2 0.01)", demo.regularised)):
        h = session.network.history
        val, train, acc = np.array(h["val_loss"]), np.array(h["loss"]), np.array(h["val_accuracy"])
        b = int(np.argmin(val))
        print(f"{name:22} best test loss {val[b]:.3f} at epoch {b + 1} (train {train[b]:.3f}, test acc {acc[b]:.1%}); "
              f"epoch 400: train {train[-1]:.3f}, test {val[-1]:.3f}, test acc {acc[-1]:.1%}")
    demo.close()
    es = OverfittingDemo(reg_rate=0.0, regularization="none", patience=30)
    for _ in range(40):
        es.step(10)
        if es.stopper.stopped:
            break
    s = es.stopper
    test = es.regularised.network.evaluate(*es.data[2:])
    print(f"early stopping only (patience 30): stopped after epoch {s.stopped_epoch}, best epoch {s.best_epoch}, "
          f"restored test loss {test[0]:.3f}, test acc {test[1]:.1%}")
    es.close()


def sweep_figures() -> None:
    demo = OverfittingDemo()
    waits = []

    def blocking() -> float:
        t0 = time.perf_counter()
        capacity_sweep(*demo.data)
        return time.perf_counter() - t0

    async def run():
        demo.start_sweep()
        last = time.perf_counter()
        while demo.sweeping:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            waits.append(now - last)
            last = now

    # the reference before and after (the first run also warms up whatever compiles)
    refs = [blocking()]
    t0 = time.perf_counter()
    asyncio.run(run())
    sliced = time.perf_counter() - t0
    refs.append(blocking())
    got, ref = demo.sweeper.result(), capacity_sweep(*demo.data)
    same = all(np.array_equal(getattr(got, k), getattr(ref, k)) for k in ("train_error", "test_error", "epochs"))
    reference = float(np.median(refs))
    print(f"capacity sweep, 8 widths: {sliced:.1f} s in {demo.sweep_slices} slices (target <= 30 s); blocking "
          f"reference {reference:.1f} s (runs: {', '.join(f'{r:.1f}' for r in refs)}); ratio {sliced / reference:.2f}; "
          f"the other task waited at most {1e3 * max(waits):.0f} ms (median {1e3 * float(np.median(waits)):.1f} ms, "
          f"95th percentile {1e3 * float(np.percentile(waits, 95)):.0f} ms); same results: {same}")
    print("  widths     ", got.widths.tolist())
    print("  train error", np.round(got.train_error, 3).tolist())
    print("  test error ", np.round(got.test_error, 3).tolist(), f"-> lowest at {got.best_width} units")
    print("  epochs     ", got.epochs.tolist())
    demo.close()


if __name__ == "__main__":
    print("defaults:", {k: DEFAULTS[k] for k in ("dataset", "noise", "n_train", "n_test", "seed", "layers", "neurons",
                                                 "lr", "batch_size")})
    gap_figures()
    sweep_figures()
