"""Benchmark of the compiled training path (issue 9) against NumPy, all in one run.

Prints medians in ms (timed round-robin, so that the machine's load hits every figure alike; BLAS on
one thread, as the Playground runs), under two protocols: **one call per turn**, where every call
starts with caches and branch predictors taken by the other functions (a Playground frame: the widgets
and the drawing run between two epochs), and **back to back**, five calls per turn with the first
untimed (the explorers' sweeps, ``fit(epochs=n)``). Each timed function trains a network of its own,
called with the same arguments every time, as a Playground calls ``fit``. The figures:

* **careful NumPy epoch** — the reference: the playground epoch written carefully in plain NumPy
  (shuffle, 50 mini-batches of forward/backward/update with in-place updates, then the training loss
  and accuracy on all 500 points, as ``fit`` reports them);
* **fit epoch** — ``Network.fit(epochs=1)`` of the playground network (2-8-8-1 tanh, sigmoid output,
  mse, 500 shuffled circle points, batch 10, SGD 0.03), on the NumPy path and on the compiled path, and
  the compiled kernel's call alone (the rest of ``fit`` is the same Python on both paths);
* **frame** — what one Playground frame costs: that epoch with the test set as ``validation_data``
  (train and test loss), plus the 100 × 100 decision grid (``decision_grid``, float32); and
  ``bench_core.py``'s frame (epoch + grid + ``evaluate`` on train and test); each on both paths;
* **compile time** of the kernels, cold (an empty cache) and cached, in fresh interpreters, and how
  long the first ``fit`` blocks while the compilation runs in the background;
* **memory** — the resident size of an interpreter with the kernels loaded after 1,000 playground
  epochs;

the last two for the kernels built ahead of time (the default on Linux) and for numba's JIT (the
fallback, ``NNVIZ_AOT=0``).

Run: ``PYTHONPATH=. python benchmarks/bench_fused.py [--repeat N]``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
from threadpoolctl import threadpool_limits

from nnviz.analysis import decision_grid, make_grid
from nnviz.core import SGD, Network, backend, use_backend
from nnviz.data import make_dataset, train_test_split

TARGETS = {"fit epoch": 0.1, "frame": 0.3}  # compiled / reference
RSS_TARGET_MB = 200.0


def careful_epoch(X, T, params, rng, lr=0.03, batch=10):
    """The playground epoch in plain NumPy, written with care: one shuffle, matrix products with the
    bias added once, in-place updates, and the end-of-epoch training loss and accuracy."""
    W1, b1, W2, b2, W3, b3 = params
    perm = rng.permutation(len(X))
    Xs, Ts = X[perm], T[perm]
    for s in range(0, len(X), batch):
        x, t = Xs[s : s + batch], Ts[s : s + batch]
        a1 = np.tanh(x @ W1 + b1)
        a2 = np.tanh(a1 @ W2 + b2)
        o = 1.0 / (1.0 + np.exp(-(a2 @ W3 + b3)))
        d3 = (o - t) * (o * (1.0 - o)) / len(x)  # mse ½(o − t)² through the sigmoid
        d2 = (d3 @ W3.T) * (1.0 - a2 * a2)
        d1 = (d2 @ W2.T) * (1.0 - a1 * a1)
        W3 -= lr * (a2.T @ d3)
        b3 -= lr * d3.sum(0)
        W2 -= lr * (a1.T @ d2)
        b2 -= lr * d2.sum(0)
        W1 -= lr * (x.T @ d1)
        b1 -= lr * d1.sum(0)
    o = 1.0 / (1.0 + np.exp(-(np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2) @ W3 + b3)))
    return 0.5 * float(((o - T) ** 2).sum()) / len(X), float(((o > 0.5) == (T > 0.5)).mean())


def careful_grid(G, params):
    """The 100 × 100 grid forward pass in plain NumPy, float32."""
    W1, b1, W2, b2, W3, b3 = (p.astype(np.float32) for p in params)
    return 1.0 / (1.0 + np.exp(-(np.tanh(np.tanh(G @ W1 + b1) @ W2 + b2) @ W3 + b3)))


def round_robin(fns: dict, repeat: int, block: int = 1) -> dict:
    """Median ms of each function, timed in turns (two warm-up calls each).

    ``block=1``: one call per turn, so every call starts with caches and predictors taken by the other
    functions (as a Playground frame, where drawing and the widgets run between two epochs).
    ``block > 1``: ``block`` calls in a row per turn, the first untimed (as the explorers' sweeps and
    ``fit(epochs=n)``, where epochs follow each other). Either way the machine's load hits every
    figure alike."""
    for fn in fns.values():
        fn()
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            for k in range(block):
                t0 = time.perf_counter()
                fn()
                if k or block == 1:
                    times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def run_python(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=600)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


COMPILE = """
    import json, time
    t0 = time.perf_counter()
    from nnviz.core import backend
    info = backend(wait=True)
    print(json.dumps({"seconds": time.perf_counter() - t0, "kernel": info.compile_seconds,
                      "from_cache": info.from_cache, "name": info.name, "reason": info.reason}))
"""

FIRST_FIT = """
    import json, time
    import numpy as np
    from nnviz.core import SGD, Network, backend
    from nnviz.data import make_dataset, train_test_split
    X, y = make_dataset("circle", n=1000, seed=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, train_ratio=0.5, seed=0)
    net = Network.mlp(2, [8, 8], activation="tanh", loss="mse", output_activation="sigmoid",
                      optimizer=SGD(0.03), seed=0)
    times = []
    t_start = time.perf_counter()
    while True:  # play: one epoch per frame until the compiled path takes over
        t0 = time.perf_counter()
        net.fit(Xtr, ytr, epochs=1, validation_data=(Xte, yte))
        times.append(time.perf_counter() - t0)
        if backend().name == "numba" or time.perf_counter() - t_start > 120:
            break
    print(json.dumps({"first": times[0], "longest": max(times), "epochs": len(times),
                      "until_compiled": time.perf_counter() - t_start}))
"""

MEMORY = """
    import json
    import numpy as np
    def rss():
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    from nnviz.analysis import decision_grid, make_grid
    from nnviz.core import SGD, Network, backend
    from nnviz.data import make_dataset, train_test_split
    X, y = make_dataset("circle", n=1000, seed=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, train_ratio=0.5, seed=0)
    net = Network.mlp(2, [8, 8], activation="tanh", loss="mse", output_activation="sigmoid",
                      optimizer=SGD(0.03), seed=0)
    before = rss()[0]
    info = backend(wait=True)
    loaded = rss()[0]
    grid = make_grid(resolution=100)
    for _ in range(1000):  # 1,000 playground frames of one epoch
        net.fit(Xtr, ytr, epochs=1, validation_data=(Xte, yte))
        decision_grid(net, grid)
    now, peak = rss()
    import sys
    print(json.dumps({"before_numba": before, "numba_loaded": loaded, "after": now, "peak": peak,
                      "name": info.name, "epochs": net.epoch_, "numba": "numba" in sys.modules}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="timed runs per figure (default 300)")
    parser.add_argument("--skip-subprocesses", action="store_true", help="no compile-time or memory runs")
    args = parser.parse_args(argv)

    info = backend(wait=True)
    if info.name != "numba":
        print(f"the compiled path is not available: {info!r}")
        return 1
    X, y = make_dataset("circle", n=1000, seed=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, train_ratio=0.5, seed=0)  # shuffled: both classes each side
    grid = make_grid(resolution=100)
    G = grid.points.astype(np.float32)

    def make():
        return Network.mlp(2, [8, 8], activation="tanh", loss="mse", output_activation="sigmoid",
                           optimizer=SGD(0.03), seed=0)

    rng = np.random.default_rng(0)
    params = [rng.uniform(-0.5, 0.5, s) for s in ((2, 8), (8,), (8, 8), (8,), (8, 1), (1,))]
    Ttr = ytr.astype(float)[:, None]

    def on(path, fn):
        def run():
            use_backend(path)
            fn()
        return run

    fns = {"careful NumPy epoch": lambda: careful_epoch(Xtr, Ttr, params, rng),
           "careful NumPy grid": lambda: careful_grid(G, params)}
    # each figure trains a network of its own: a Playground repeats one call with the same arrays every
    # frame (and fit reuses that call's checked arguments), which one network shared by calls with
    # different arguments would not show
    nets = {}
    for path in ("numpy", "numba"):
        net = nets[f"fit epoch, {path}"] = make()
        fns[f"fit epoch, {path}"] = on(path, lambda net=net: net.fit(Xtr, ytr, epochs=1))
        net = nets[f"frame, {path}"] = make()
        fns[f"frame, {path}"] = on(path, lambda net=net: (
            net.fit(Xtr, ytr, epochs=1, validation_data=(Xte, yte)), decision_grid(net, grid)))
        net = nets[f"bench_core frame, {path}"] = make()
        fns[f"bench_core frame, {path}"] = on(path, lambda net=net: (
            net.fit(Xtr, ytr, epochs=1), net.forward(grid.points, dtype=np.float32),
            net.evaluate(Xtr, ytr), net.evaluate(Xte, yte)))
        fns[f"grid, {path}"] = on(path, lambda net=nets[f"frame, {path}"]: decision_grid(net, grid))
    # the kernel call alone (one epoch's 50 updates and the evaluation), without fit's Python around it
    kernel_net = make()
    use_backend("numba")
    runner = sys.modules["nnviz.core.backend"].fused_epochs(
        kernel_net, Xtr, kernel_net.loss.prepare_targets(ytr, 1), 10, None)
    order = kernel_net.rng.permutation(len(Xtr))
    fns["kernel call alone, numba"] = lambda: runner.run(order)
    # BLAS on one thread, as the Playground trains and draws (widgets/_common.one_blas_thread): on shared
    # cores, multithreaded OpenBLAS makes the NumPy figures swing by 5x
    with np.errstate(all="ignore"), threadpool_limits(limits=1, user_api="blas"):
        protocols = {"one call per turn": round_robin(fns, args.repeat),
                     "back to back": round_robin(fns, max(args.repeat // 4, 10), block=5)}
    use_backend(None)

    print(f"\nnnviz compiled path (numba) against NumPy (numpy {np.__version__}; kernel {info.reason}); medians "
          f"in ms, timed round-robin:\n  one call per turn ({args.repeat} turns: each call starts cold, as a "
          f"Playground frame)\n  back to back ({max(args.repeat // 4, 10)} turns of 5 calls, the first untimed: "
          f"warm, as the explorers' sweeps and fit(epochs=n))")
    print(f"  {'':32s} {'one call':>10s} {'back to back':>13s}")
    for name in fns:
        print(f"  {name:32s} {protocols['one call per turn'][name]:10.3f} {protocols['back to back'][name]:13.3f}")
    for protocol, res in protocols.items():
        ref = res["careful NumPy epoch"]
        print(f"\nratios, {protocol} (compiled path / reference):")
        rows = [
            ("fit epoch", res["fit epoch, numba"] / ref, "careful NumPy epoch"),
            ("fit epoch", res["fit epoch, numba"] / res["fit epoch, numpy"], "nnviz fit epoch on NumPy"),
            ("kernel call alone", res["kernel call alone, numba"] / ref, "careful NumPy epoch"),
            ("frame", res["frame, numba"] / res["frame, numpy"], "the same frame on NumPy"),
            ("frame", res["frame, numba"] / (ref + res["careful NumPy grid"]), "careful NumPy epoch + grid"),
            ("bench_core frame", res["bench_core frame, numba"] / res["bench_core frame, numpy"], "on NumPy"),
            ("grid", res["grid, numba"] / res["grid, numpy"], "decision_grid on NumPy"),
        ]
        for name, ratio, against in rows:
            target = TARGETS.get(name) if against in ("careful NumPy epoch", "careful NumPy epoch + grid",
                                                      "the same frame on NumPy") else None
            flag = "" if target is None else (f"  (target <= {target}x: {'ok' if ratio <= target else 'over'})")
            print(f"  {name:18s} {ratio:6.3f}x  vs {against}{flag}")
    net = nets["fit epoch, numba"]
    acc = net.evaluate(Xte, yte)[1]
    print(f"  (the compiled network after {net.epoch_} epochs: test accuracy {acc:.3f})")

    if args.skip_subprocesses:
        return 0
    # the kernels built ahead of time into an extension module (the default on Linux), then numba's JIT
    # (NNVIZ_AOT=0: where there is no C compiler, or not Linux)
    for label, aot in (("built ahead of time (an extension module, no numba in the process)", "1"),
                       ("numba's JIT (NNVIZ_AOT=0, the fallback)", "0")):
        with tempfile.TemporaryDirectory() as cache:
            env = {"NUMBA_CACHE_DIR": cache, "NNVIZ_BACKEND": "auto", "NNVIZ_AOT": aot, "PYTHONPATH": os.getcwd()}
            cold = run_python(COMPILE, env)
            cached = [run_python(COMPILE, env) for _ in range(3)]
            with tempfile.TemporaryDirectory() as cache2:
                play_cold = run_python(FIRST_FIT, {**env, "NUMBA_CACHE_DIR": cache2})
            play_cached = run_python(FIRST_FIT, env)
            memory = run_python(MEMORY, env)
        print(f"\nkernels {label}:")
        print(f"  compile (fresh interpreter, backend(wait=True)): cold (empty cache) {cold['seconds']:.2f} s, "
              f"cached {statistics.median(c['seconds'] for c in cached):.2f} s (median of 3; from the cache: "
              f"{all(c['from_cache'] for c in cached)}; {cached[0]['reason']})")
        for which, p in (("cold", play_cold), ("cached", play_cached)):
            print(f"  first play, {which} cache: first fit {p['first'] * 1e3:.1f} ms, longest fit while "
                  f"compiling {p['longest'] * 1e3:.1f} ms, {p['epochs']} epochs on NumPy until the compiled path "
                  f"took over after {p['until_compiled']:.2f} s")
        print(f"  memory (VmRSS): {memory['before_numba']:.0f} MB before the kernels, {memory['numba_loaded']:.0f} "
              f"MB with them loaded, {memory['after']:.0f} MB after {memory['epochs']} playground epochs + grids "
              f"(peak {memory['peak']:.0f} MB; numba imported: {memory['numba']}; target <= {RSS_TARGET_MB:.0f} "
              f"MB: {'ok' if memory['after'] <= RSS_TARGET_MB else 'over'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
