"""Benchmark of the explorers' analysis functions (issue 8: learning explorers).

Prints medians of repeated runs, each with a reference timed in the same run:

* landscape: ``loss_landscape`` 100 × 100 of a 2 → 8 → 8 → 1 tanh/sigmoid network on 250 circle points,
  batched (target <= 300 ms), against the exact loop (one ``network.evaluate`` per grid point) run once
  in full; the largest difference between the two;
* lr_find on the default playground network (``Network.mlp(2, [4, 2])``, circle data, 250 training
  points, batch 10, 100 steps; target <= 2 s), against the same 100 ``train_step`` calls alone;
* the capacity sweep of 8 widths (1 … 128 hidden units, each to convergence, full-batch Adam) on a
  small noisy circle set (target <= 30 s), with the longest single ``CapacitySweeper.step(20)`` slice:
  the longest the kernel is busy between two slices when a widget runs the sweep.

Run: ``python benchmarks/bench_explorers.py [--repeat N]``.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from nnviz.analysis import CapacitySweeper, capacity_sweep, copy_network, loss_landscape, lr_find
from nnviz.core import Network
from nnviz.data import make_dataset, train_test_split

TARGETS_MS = {"landscape": 300.0, "lr_find": 2000.0, "capacity sweep": 30000.0}


def timed(fn, repeat: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def report(name: str, ms: float, ref_name: str, ref_ms: float) -> None:
    target = TARGETS_MS.get(name)
    verdict = "" if target is None else f"  target <= {target:g} ms: {'OK' if ms <= target else 'MISSED'}"
    print(f"{name:>16}: {ms:9.1f} ms   {ref_name}: {ref_ms:9.1f} ms   ratio {ref_ms / ms:6.1f}x{verdict}")


def bench_landscape(repeat: int) -> None:
    X, y = make_dataset("circle", n=250, noise=0.1, seed=0)
    net = Network.mlp(2, [8, 8], activation="tanh", seed=0)
    fast = timed(lambda: loss_landscape(net, X, y, resolution=100, seed=1), repeat)
    t0 = time.perf_counter()
    loop = loss_landscape(net, X, y, resolution=100, seed=1, method="loop")
    loop_ms = (time.perf_counter() - t0) * 1e3
    batched = loss_landscape(net, X, y, resolution=100, seed=1)
    diff = float(np.max(np.abs(batched.loss - loop.loss)))
    report("landscape", fast, "loop (once)", loop_ms)
    print(f"{'':>16}  100 x 100 = 10,000 forward passes; max |batched - loop| = {diff:.1e}")


def bench_lr_find(repeat: int) -> None:
    X, y = make_dataset("circle", noise=0.0, seed=0)
    X_train, _, y_train, _ = train_test_split(X, y, train_ratio=0.5, seed=0)
    net = Network.mlp(2, [4, 2], seed=0)

    def steps_alone():
        twin = copy_network(net)
        order = twin.rng.permutation(len(X_train))
        for i, lr in enumerate(np.geomspace(1e-7, 10.0, 100)):
            twin.optimizer.lr = lr
            batch = order[(i * 10) % 250 : (i * 10) % 250 + 10]
            twin.train_step(X_train[batch], y_train[batch])

    found = lr_find(net, X_train, y_train)
    ms = timed(lambda: lr_find(net, X_train, y_train), repeat)
    ref = timed(steps_alone, repeat)
    report("lr_find", ms, "100 train_steps", ref)
    print(f"{'':>16}  {found!r}")


def bench_capacity(repeat: int) -> None:
    X, y = make_dataset("circle", n=200, noise=0.3, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.5, seed=0)
    widths = (1, 2, 4, 8, 16, 32, 64, 128)
    sweep = capacity_sweep(X_train, y_train, X_test, y_test, widths)
    ms = timed(lambda: capacity_sweep(X_train, y_train, X_test, y_test, widths), max(1, repeat // 3), warmup=0)
    epochs = int(sweep.epochs.sum())

    def same_epochs_one_width():  # the reference: as many epochs of the width-8 network alone
        net = Network.mlp(2, [8], optimizer={"type": "adam", "lr": 0.01}, seed=0)
        net.fit(X_train, y_train, epochs=epochs, batch_size=len(X_train))

    ref = timed(same_epochs_one_width, 1, warmup=0)
    sweeper = CapacitySweeper(X_train, y_train, X_test, y_test, widths)
    slices = []
    while not sweeper.done:
        t0 = time.perf_counter()
        sweeper.step(20)
        slices.append((time.perf_counter() - t0) * 1e3)
    report("capacity sweep", ms, f"{epochs} epochs of width 8", ref)
    print(f"{'':>16}  {sweep!r}")
    print(f"{'':>16}  widths {sweep.widths.tolist()}: epochs {sweep.epochs.tolist()}, "
          f"test error {np.round(sweep.test_error, 3).tolist()}")
    print(f"{'':>16}  step(20) slices: {len(slices)}, median {statistics.median(slices):.1f} ms, "
          f"longest {max(slices):.1f} ms (the kernel answers between slices)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info())
    except Exception:  # noqa: BLE001 - informational only
        blas = "unknown"
    print(f"nnviz explorers benchmark (median of {args.repeat}; BLAS: {blas})")
    bench_landscape(args.repeat)
    bench_lr_find(args.repeat)
    bench_capacity(args.repeat)


if __name__ == "__main__":
    main()
