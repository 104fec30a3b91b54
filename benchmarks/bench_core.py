"""Benchmark of the network core (issue: foundation).

Prints medians of repeated runs, in milliseconds:

* epoch: one epoch of a 2 → 8 → 8 → 1 tanh/sigmoid network on 500 circle points, batch 10,
  SGD lr 0.03 (50 steps), via ``Network.partial_fit`` (which also measures the train loss/accuracy
  at the end of the epoch), and the 50 training steps alone;
* the same epoch written the straightforward NumPy way (one expression per formula), for a ratio
  that does not depend on the machine's speed;
* grid: the forward pass over a 100 × 100 grid (float32 and float64);
* frame: epoch + grid + train and test loss on 500/500 points (what one playground frame costs);
* scikit-learn ``MLPClassifier.partial_fit`` and PyTorch, when importable, doing the same epoch;
* ``import nnviz.core`` in a fresh interpreter.

Everything here runs on the NumPy path (``use_backend("numpy")``); ``bench_fused.py`` measures the
compiled one against it. The 1,000 circle points are shuffled and split 500/500
(``make_dataset`` returns them grouped by class, so ``X[:500]`` alone would be one class).

Run: ``python benchmarks/bench_core.py [--repeat N]``.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

from nnviz.core import SGD, Network, use_backend
from nnviz.data import make_dataset, train_test_split

TARGETS_MS = {"epoch": 1.7, "grid float32": 1.0, "frame": 4.0, "import nnviz.core": 300.0}


def timed(fn, repeat: int) -> float:
    """Median wall time of ``fn()`` in milliseconds, after two warm-up calls."""
    fn()
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def straightforward_epoch(X, y, params, lr=0.03, batch=10):
    """The textbook NumPy epoch: one expression per formula, no preallocation."""
    W1, b1, W2, b2, W3, b3 = params
    for s in range(0, len(X), batch):
        x, t = X[s : s + batch], y[s : s + batch]
        a1 = np.tanh(x @ W1 + b1)
        a2 = np.tanh(a1 @ W2 + b2)
        o = 1 / (1 + np.exp(-(a2 @ W3 + b3)))
        d3 = (o - t) / len(x)
        gW3, gb3 = a2.T @ d3, d3.sum(0)
        d2 = (d3 @ W3.T) * (1 - a2 * a2)
        gW2, gb2 = a1.T @ d2, d2.sum(0)
        d1 = (d2 @ W2.T) * (1 - a1 * a1)
        gW1, gb1 = x.T @ d1, d1.sum(0)
        for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2), (W3, gW3), (b3, gb3)):
            p -= lr * g


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="timed runs per figure (default 300)")
    args = parser.parse_args(argv)
    rep = args.repeat

    use_backend("numpy")  # this benchmark is the NumPy core's; bench_fused.py compares the compiled path
    X, y = make_dataset("circle", n=1000, seed=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, train_ratio=0.5, seed=0)
    grid = np.stack(np.meshgrid(np.linspace(-6, 6, 100), np.linspace(-6, 6, 100)), -1).reshape(-1, 2)

    net = Network.mlp(2, [8, 8], activation="tanh", loss="bce", optimizer=SGD(0.03), seed=0)
    Xa, T = net._augment(net._check_X(Xtr)), net.loss.prepare_targets(ytr, 1)

    def steps_only():
        for s in range(0, 500, 10):
            net._forward_train(Xa[s : s + 10])
            net._backward(T[s : s + 10])
            net._update()

    def frame():
        net.partial_fit(Xtr, ytr, batch_size=10)
        net.forward(grid, dtype=np.float32)
        net.evaluate(Xtr, ytr)
        net.evaluate(Xte, yte)

    rng = np.random.default_rng(0)
    ref_params = [rng.uniform(-0.5, 0.5, s) for s in ((2, 8), (8,), (8, 8), (8,), (8, 1), (1,))]
    ytr_col = ytr.astype(float)[:, None]

    results = {}
    with np.errstate(all="ignore"):
        results["epoch"] = timed(lambda: net.partial_fit(Xtr, ytr, batch_size=10), rep)
        results["epoch, 50 steps only"] = timed(steps_only, rep)
        results["epoch, straightforward NumPy"] = timed(lambda: straightforward_epoch(Xtr, ytr_col, ref_params), rep)
        results["grid float32"] = timed(lambda: net.forward(grid, dtype=np.float32), rep)
        results["grid float64"] = timed(lambda: net.forward(grid), rep)
        results["frame"] = timed(frame, rep)

    try:
        import warnings

        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(hidden_layer_sizes=(8, 8), activation="tanh", solver="sgd", learning_rate_init=0.03,
                            momentum=0.0, batch_size=10, alpha=0.0, shuffle=True, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(Xtr, ytr, classes=[0, 1])
            results["epoch, scikit-learn"] = timed(lambda: clf.partial_fit(Xtr, ytr), max(rep // 10, 20))
    except ImportError:
        print("scikit-learn not importable: skipped (pip install scikit-learn)")

    try:
        import torch

        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                    torch.nn.Linear(8, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.03)
        lossf = torch.nn.BCEWithLogitsLoss()
        xt = torch.tensor(Xtr, dtype=torch.float32)
        yt = torch.tensor(ytr, dtype=torch.float32)[:, None]

        def torch_epoch():
            perm = torch.randperm(500)
            for s in range(0, 500, 10):
                idx = perm[s : s + 10]
                opt.zero_grad()
                lossf(model(xt[idx]), yt[idx]).backward()
                opt.step()

        results["epoch, PyTorch"] = timed(torch_epoch, max(rep // 10, 20))
    except ImportError:
        print("PyTorch not importable: skipped (pip install torch==2.13.0)")

    imports = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import nnviz.core"], capture_output=True, text=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import nnviz.core"], check=True)
        total = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        imports.append(total - (time.perf_counter() - t0) * 1e3)
    results["import nnviz.core"] = statistics.median(imports)

    # a sanity check of the data: after the timed epochs the network has learnt the circle on both halves
    train_acc, test_acc = net.evaluate(Xtr, ytr)[1], net.evaluate(Xte, yte)[1]
    print(f"\nnnviz core benchmark (median of {rep} runs; numpy {np.__version__})")
    print(f"after {net.epoch_} epochs: train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")
    print(f"{'what':34s} {'ms':>9s} {'target':>8s}")
    for name, ms in results.items():
        target = TARGETS_MS.get(name)
        flag = "" if target is None else ("  ok" if ms <= target else "  over")
        print(f"{name:34s} {ms:9.3f} {'' if target is None else f'{target:8.1f}'}{flag}")
    base = results["epoch"]
    print("\nratios to the nnviz epoch:")
    for name in ("epoch, straightforward NumPy", "epoch, scikit-learn", "epoch, PyTorch"):
        if name in results:
            print(f"  {name:32s} {results[name] / base:6.2f}x slower")
    print(f"  nnviz steps only / straightforward NumPy: {results['epoch, 50 steps only'] / results['epoch, straightforward NumPy']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
