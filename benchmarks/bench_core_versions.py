"""The playground epoch, this tree against another git version, timed in the same run.

One epoch of ``Network.fit`` (2 → 8 → 8 → 1, tanh hidden units, sigmoid output, ``bce``, SGD lr 0.03,
batch 10, shuffling on) over 500 circle points, shuffled once so that both classes are present — the
epoch TensorFlow Playground runs per frame, and what ``bench_core.py`` calls "epoch". The same epoch is
also timed through ``train_step`` (one update per call, as the step button does), and ``trace`` over a
100 × 100 grid in float32 (what the neuron heatmaps compute per frame).

The other version is exported with ``git archive`` into a temporary folder; the two versions run in
alternating subprocesses (``PYTHONPATH`` pointing at each tree), so that the machine's load affects both
alike. Each subprocess prints the median and the fastest of its runs; the median over rounds of the
medians, the fastest run of all, and the ratios new/old are printed at the end (on a loaded machine the
fastest run shows the cost of the work itself, the median also the load).

The grid figure moves by ±25 % with glibc's dynamic mmap threshold (whether the 10,000 × 8 arrays come
from fresh pages or reused heap memory, which depends on the allocation history of the process, not on
the work done); ``--pin-malloc`` fixes the threshold at 1 MB in both versions so that they compare alike.

Run: ``python benchmarks/bench_core_versions.py [--ref 1b11e65] [--rounds 7] [--repeat 200] [--pin-malloc]``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: the main commit the core-v2 work started from
DEFAULT_REF = "1b11e65"

CHILD = r"""
import statistics, sys, time
import numpy as np
from nnviz.core import SGD, Network
from nnviz.data import make_dataset

repeat = int(sys.argv[1])
X, y = make_dataset("circle", n=1000, seed=0)
perm = np.random.default_rng(0).permutation(len(X))[:500]
X, y = X[perm], y[perm]
assert 0 < y.mean() < 1
net = Network.mlp(2, [8, 8], activation="tanh", loss="bce", optimizer=SGD(0.03), seed=0)

def epoch():
    net.fit(X, y, epochs=1, batch_size=10)

def steps():
    for s in range(0, 500, 10):
        net.train_step(X[s:s + 10], y[s:s + 10])

grid = np.stack(np.meshgrid(np.linspace(-6, 6, 100), np.linspace(-6, 6, 100)), -1).reshape(-1, 2)

def trace():
    net.trace(grid, dtype=np.float32)

out = []
for fn in (epoch, steps, trace):
    fn(); fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    out += [statistics.median(times) * 1e3, min(times) * 1e3]
print(" ".join(f"{t:.6f}" for t in out))
"""


def export(ref: str, folder: str) -> None:
    """Write the tree of ``ref`` into ``folder`` (``git archive``)."""
    archive = os.path.join(folder, "tree.tar")
    with open(archive, "wb") as fh:
        subprocess.run(["git", "-C", ROOT, "archive", "--format=tar", ref], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    os.unlink(archive)


def run(tree: str, repeat: int, pin_malloc: bool = False) -> list[float]:
    env = dict(os.environ, PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1")
    if pin_malloc:
        env["MALLOC_MMAP_THRESHOLD_"] = str(1 << 20)
    res = subprocess.run([sys.executable, "-c", CHILD, str(repeat)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return [float(v) for v in res.stdout.split()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default=DEFAULT_REF, help=f"git version to compare with (default {DEFAULT_REF})")
    parser.add_argument("--rounds", type=int, default=7, help="alternating subprocess pairs (default 7)")
    parser.add_argument("--repeat", type=int, default=200, help="timed epochs per subprocess (default 200)")
    parser.add_argument("--pin-malloc", action="store_true", help="fix glibc's mmap threshold at 1 MB in both")
    args = parser.parse_args(argv)
    names = ("epoch (fit)", "epoch (50 train_step calls)", "trace, 100 x 100 grid, float32")
    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as old_tree:
        export(args.ref, old_tree)
        new, old = [], []
        for r in range(args.rounds):
            pair = [("new", ROOT), ("old", old_tree)]
            if r % 2:
                pair.reverse()  # alternate which goes first
            for label, tree in pair:
                (new if label == "new" else old).append(run(tree, args.repeat, args.pin_malloc))
            print(f"round {r + 1}: new {new[-1][0]:.3f} ms, old {old[-1][0]:.3f} ms (fit epoch, median)", flush=True)
    pinned = " (malloc mmap threshold pinned at 1 MB)" if args.pin_malloc else ""
    print(f"\nplayground epoch, 500 shuffled circle points, 2-8-8-1 tanh/sigmoid, bce, SGD 0.03, batch 10{pinned}")
    print("median: the median over rounds of each subprocess's median; best: the fastest run of all "
          "(the work itself, without the machine's other load)")
    print(f"{'':32s}{'new (this tree)':>17s}{'old (' + args.ref + ')':>17s}{'new/old':>9s}"
          f"{'best new':>12s}{'best old':>12s}{'new/old':>9s}")
    for k, name in enumerate(names):
        n = statistics.median(t[2 * k] for t in new)
        o = statistics.median(t[2 * k] for t in old)
        bn = min(t[2 * k + 1] for t in new)
        bo = min(t[2 * k + 1] for t in old)
        print(f"{name:32s}{n:14.3f} ms{o:14.3f} ms{n / o:9.3f}{bn:9.3f} ms{bo:9.3f} ms{bn / bo:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
