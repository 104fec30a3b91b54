"""Benchmark of the convolutional and recurrent layers against PyTorch (issue 6), in the same run.

Prints medians in milliseconds and the ratio nnviz / PyTorch (lower is better), timing the two
alternately (one nnviz run, one PyTorch run, ...) so that a change in the machine's load hits both:

* **CNN epoch**: Conv(1→8, 3x3, pad 1)-ReLU-MaxPool2-Conv(8→16, 3x3, pad 1)-ReLU-MaxPool2-Flatten-
  Dense(64→10) on the 1,437 training digits of a seeded stratified split, batch 32 (45 steps),
  SGD(0.05), cross-entropy. nnviz: the 45 training steps (what ``fit`` runs per epoch; ``fit`` adds
  an evaluation of the training set at the end of the epoch, printed separately). Target <= 0.6x.
  The same in float32 (nnviz ``dtype=np.float32`` against torch float32) is printed for information.
* **SimpleRNN step** / **LSTM step**: one BPTT step (forward, backward, SGD update) of
  SimpleRNN(1, 16) / LSTM(1, 16) → Dense(16, 1) on the last state, mse, T = 30, batch 32.
  nnviz: the internal step and ``train_step`` (which also checks its inputs). Targets <= 0.35x / 0.5x.

PyTorch runs in float64 like nnviz, with ``torch.set_num_threads(1)`` (the fair single-core
comparison, nnviz's products stay on one BLAS thread) and with its default thread count; the ratio
checked against the targets is the single-thread one. Without torch only nnviz's figures print.

Run: ``python benchmarks/bench_layers.py [--repeat N]``.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from nnviz.core import LSTM, SGD, Conv2D, Dense, Flatten, MaxPool2D, Network, SimpleRNN

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None

TARGETS = {"CNN epoch": 0.6, "SimpleRNN step": 0.35, "LSTM step": 0.5}


def alternate(fns: dict, repeat: int) -> dict:
    """Median wall time (ms) of each function, timed in turn ``repeat`` times after one warm-up."""
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def digits_training_set():
    try:
        from nnviz.data import load_digits, train_test_split

        X, y = load_digits()
        X, _, y, _ = train_test_split(X, y, train_ratio=0.8, seed=0, stratify=True)
        return X, y, "digits"
    except ImportError:  # pragma: no cover - before nnviz.data.load_digits existed
        rng = np.random.default_rng(0)
        return rng.random((1437, 1, 8, 8)), rng.integers(0, 10, 1437), "random 8x8 images"


def cnn_benchmarks():
    X, y, source = digits_training_set()
    fns = {}
    for dtype, tag in ((np.float64, ""), (np.float32, " f32")):
        net = Network(
            [Conv2D(1, 8, 3, padding=1, activation="relu"), MaxPool2D(2),
             Conv2D(8, 16, 3, padding=1, activation="relu"), MaxPool2D(2), Flatten(), Dense(64, 10, "softmax")],
            loss="cross_entropy", optimizer=SGD(0.05), seed=0, input_shape=(1, 8, 8), dtype=dtype,
        )
        Xc = net._check_X(X)
        T = net.loss.prepare_targets(y, 10, net.dtype)

        def nnviz_steps(net=net, Xc=Xc, T=T):
            for s in range(0, len(Xc), 32):
                net._forward_training(Xc[s : s + 32])
                net._backward(T[s : s + 32])
                net._update()

        fns["nnviz steps" + tag] = nnviz_steps
        if not tag:
            fns["nnviz fit"] = lambda net=net: net.fit(X, y, epochs=1, batch_size=32, shuffle=False)
        if torch is None:
            continue
        conv1, _, conv2, _, _, dense = net.layers
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(64, 10),
        ).to(torch.float64 if not tag else torch.float32)
        with torch.no_grad():
            for p, a in zip(model.parameters(), [conv1.W, conv1.b, conv2.W, conv2.b, dense.W.T, dense.b]):
                p.copy_(torch.tensor(np.ascontiguousarray(a)))
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        Xt, yt = torch.tensor(X.astype(dtype)), torch.tensor(y)

        def torch_epoch(model=model, opt=opt, Xt=Xt, yt=yt):
            for s in range(0, len(Xt), 32):
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(Xt[s : s + 32]), yt[s : s + 32]).backward()
                opt.step()

        fns["torch" + tag] = torch_epoch
    return fns, f"{len(X)} {source}, {(len(X) + 31) // 32} steps"


def recurrent_benchmarks(cls):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 30, 1)), rng.normal(size=(32, 1))
    net = Network([cls(1, 16), Dense(16, 1, "linear")], loss="mse", optimizer=SGD(0.01), seed=0,
                  input_shape=(30, 1))
    Xc = net._check_X(X)
    T = net.loss.prepare_targets(y, 1, net.dtype)

    def nnviz_step():
        net._forward_training(Xc)
        net._backward(T)
        net._update()

    fns = {"nnviz step": nnviz_step, "nnviz train_step": lambda: net.train_step(X, y)}
    if torch is not None:
        rec = (torch.nn.RNN if cls is SimpleRNN else torch.nn.LSTM)(1, 16, batch_first=True).double()
        head = torch.nn.Linear(16, 1).double()
        opt = torch.optim.SGD(list(rec.parameters()) + list(head.parameters()), lr=0.01)
        Xt, yt = torch.tensor(X), torch.tensor(y)

        def torch_step():
            opt.zero_grad()
            out = head(rec(Xt)[0][:, -1])
            (0.5 * ((out - yt) ** 2).sum(dim=1).mean()).backward()
            opt.step()

        fns["torch"] = torch_step
    return fns, "T = 30, batch 32, H = 16"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=0,
                        help="timed runs per figure (default: 15 for the CNN epoch, 300 for a step)")
    args = parser.parse_args(argv)
    default_threads = torch.get_num_threads() if torch is not None else 0
    threads = [1] if default_threads == 1 else [1, default_threads]
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} (float64; default threads "
                                       f"{default_threads})" if torch is not None else ", torch not installed"))
    ok = True
    for name, (fns, what), repeat in [
        ("CNN epoch", cnn_benchmarks(), args.repeat or 15),
        ("SimpleRNN step", recurrent_benchmarks(SimpleRNN), args.repeat or 300),
        ("LSTM step", recurrent_benchmarks(LSTM), args.repeat or 300),
    ]:
        print(f"\n{name} ({what}; median of {repeat}):")
        for n in threads if torch is not None else [None]:
            if n is not None:
                torch.set_num_threads(n)  # once per block: switching per call costs torch milliseconds
            ms = alternate(fns, repeat)
            refs = {k: v for k, v in ms.items() if k.startswith("torch")}
            for k, v in refs.items():
                print(f"  {k}, {n} thread(s): {v:9.3f} ms")
            for k, v in ms.items():
                if not k.startswith("torch"):
                    ref = refs.get("torch f32" if k.endswith(" f32") else "torch")
                    print(f"    {k:18s} {v:9.3f} ms" + ("" if ref is None else f"   {v / ref:.2f}x that torch"))
            ref = refs.get("torch")
            if n == 1:
                ratio = next(iter(ms.values())) / ref
                met = ratio <= TARGETS[name]
                ok &= met
                print(f"    target <= {TARGETS[name]}x torch (1 thread): {ratio:.2f}x {'met' if met else 'NOT met'}")
        if torch is not None:
            torch.set_num_threads(default_threads)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
