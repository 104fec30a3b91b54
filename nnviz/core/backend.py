"""Which path trains a network: the NumPy reference, or the compiled (numba) kernel in ``_fused``.

``Network.fit`` runs each epoch through one compiled call when it can: dense layers with the registry's
activations (softmax on the output), the three losses, SGD (with or without momentum) or Adam, L1/L2,
float64, no per-batch callbacks, frozen layers with SGD. Anything else (dropout, other layers, float32,
Adam with frozen layers, custom activations, losses or optimisers) takes the NumPy path, which is the
reference the compiled path is tested against: the same seed gives the same run on both (parameters
within ~1e-12 after many epochs), the same permutations are drawn from the network's generator, and a
divergence stops at the same step with the same roll-back and the same
:class:`~nnviz.core.DivergedError`. ``Network.forward`` with ``dtype=numpy.float32`` over many points (a
decision grid) is compiled too.

numba is optional (``pip install "nnviz-lab[fast]"``) and never imported by ``import nnviz.core``. The
first ``fit`` that could use it starts the compilation in the background and trains on NumPy until it is
ready. On Linux a child process builds the kernels ahead of time into an extension module for this
machine's CPU (:mod:`nnviz.core._fused_aot`, once per version and machine, about 20 s), which this process
then imports in milliseconds: numba and LLVM are never loaded here (about 130 MB less per kernel
process, which counts on a JupyterHub). Where that cannot be built (no C compiler, another system, or
``NNVIZ_AOT=0``), numba's JIT compiles the same source (the first time in a child process that fills
numba's disk cache; later sessions only load the machine code, in a thread). ``backend(wait=True)``
compiles at once and waits; ``NNVIZ_BACKEND=numpy`` (or ``use_backend("numpy")``) keeps everything on
NumPy, and ``NNVIZ_BACKEND=numba`` compiles at the first use instead of in the background.

Examples
--------
>>> from nnviz.core import backend
>>> backend()                      # doctest: +SKIP
Backend('numpy': numba not compiled yet (compiles in the background at the first fit))
>>> backend(wait=True)             # doctest: +SKIP
Backend('numba': loaded the kernels compiled ahead of time in 0.02 s)
"""
from __future__ import annotations

import atexit
import glob
import hashlib
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import weakref
from dataclasses import dataclass

import numpy as np

from ._validation import check_choice
from .activations import ACTIVATIONS
from .dense import Dense
from .dropout import Dropout
from .losses import LOSSES
from .optimizers import SGD, Adam

__all__ = ["Backend", "backend", "use_backend"]

#: NNVIZ_BACKEND values: "auto" compiles in the background at first use, "numba" compiles at first use
#: and waits, "numpy" never uses the compiled path
CHOICES = {"auto": "auto", "numba": "numba", "numpy": "numpy"}
ENV = "NNVIZ_BACKEND"
#: the key under which Network keeps its one flat parameter vector's optimiser state
_STATE_KEY = "params"


@dataclass(frozen=True)
class Backend:
    """What trains an eligible network right now (returned by :func:`backend`).

    Attributes
    ----------
    name : {"numba", "numpy"}
        The path ``fit`` takes (for the network asked about, if one was given).
    requested : {"auto", "numba", "numpy"}
        ``use_backend(...)`` if called, else ``NNVIZ_BACKEND``, else ``"auto"``.
    status : str
        State of the compiled kernel: ``"not compiled"``, ``"compiling"``, ``"ready"``, ``"unavailable"``
        (numba cannot be imported), ``"failed"`` (compilation raised) or ``"off"`` (NumPy requested).
    compiled : bool
        Whether the compiled kernel is ready.
    reason : str
        Why ``name`` is what it is, in a few words.
    compile_seconds : float or None
        Time to compile (or load from numba's disk cache) the kernel, once done.
    from_cache : bool or None
        Whether the machine code came from numba's disk cache.
    """

    name: str
    requested: str
    status: str
    reason: str
    compile_seconds: float | None = None
    from_cache: bool | None = None

    @property
    def compiled(self) -> bool:
        return self.status == "ready"

    def __repr__(self) -> str:
        return f"Backend({self.name!r}: {self.reason})"


# -- process-wide state of the compiled kernel ---------------------------------------------------
class _Kernel:
    """The one compiled kernel of the process: status, timing, and the module once loaded."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status = "not compiled"
        self.error: str | None = None
        self.seconds: float | None = None
        self.from_cache: bool | None = None
        self.thread: threading.Thread | None = None
        self.started_at: float | None = None
        self.module = None  # the kernels once ready: the built extension module, or nnviz.core._fused
        self.ahead_of_time = False  # whether the module is the extension built ahead of time

    def start(self) -> None:
        """Start compiling in a daemon thread, unless already started."""
        with self.lock:
            if self.status != "not compiled":
                return
            self.status = "compiling"
            self.started_at = time.perf_counter()
            self.thread = threading.Thread(target=self._compile, name="nnviz-numba-compile", daemon=True)
            self.thread.start()

    def wait(self, timeout: float | None = None) -> None:
        self.start()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _compile(self) -> None:
        t0 = time.perf_counter()
        built = _built_kernels()
        if built is not None:  # the extension module: no numba, no LLVM in this process
            self.module, from_disk = built
            self.ahead_of_time = True
            self.from_cache = from_disk
            self._finish("ready", None, t0)
            return
        try:
            _ensure_cache_dir()
            primed = _numba_findable() and _prime_cache()
            from . import _fused  # the only import of numba in nnviz
        except ImportError as exc:
            self._finish("unavailable", f"numba is not installed ({exc}); pip install 'nnviz-lab[fast]'", t0)
            return
        except Exception as exc:  # a broken numba install
            self._finish("failed", f"importing numba failed: {type(exc).__name__}: {exc}", t0)
            return
        try:
            from_cache = _fused.warm_up()
        except Exception as exc:
            self._finish("failed", f"compiling the kernel failed: {type(exc).__name__}: {exc}", t0)
            warnings.warn(f"nnviz: the compiled training path is off, NumPy trains instead ({self.error})",
                          RuntimeWarning, stacklevel=1)
            return
        self.module = _fused
        self.from_cache = from_cache and not primed
        self._finish("ready", None, t0)

    def _finish(self, status, error, t0) -> None:
        with self.lock:
            self.seconds = time.perf_counter() - t0
            self.error = error
            self.status = status


_KERNEL = _Kernel()
_override: str | None = None


@atexit.register
def _join_compiler() -> None:
    # an interpreter that exits while LLVM compiles in a daemon thread can crash on the way out
    thread = _KERNEL.thread
    if thread is not None and thread.is_alive():
        thread.join(120.0)


def _ensure_cache_dir() -> None:
    """Make sure numba can write its cache: next to this package, else its user cache, else a temp dir."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    if os.access(here, os.W_OK):
        return
    user = os.path.join(os.path.expanduser("~"), ".cache")
    if os.access(user if os.path.isdir(user) else os.path.expanduser("~"), os.W_OK):
        return  # numba's own fallback: ~/.cache/numba
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "nnviz-numba-cache")


def _cached() -> bool:
    """Whether numba's disk cache seems to hold the kernels: an index file of ``train_epoch`` newer than
    the source (numba itself checks the source's stamp when it loads)."""
    here = os.path.dirname(os.path.abspath(__file__))
    pattern = "_fused.train_epoch-*.nbi"
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        found = glob.glob(os.path.join(root, "**", pattern), recursive=True)
    elif os.access(here, os.W_OK):
        found = glob.glob(os.path.join(here, "__pycache__", pattern))
    else:  # numba's user-wide cache
        found = glob.glob(os.path.join(os.path.expanduser("~"), ".cache", "numba", "**", pattern), recursive=True)
    try:
        source = os.path.getmtime(os.path.join(here, "_fused.py"))
        return any(os.path.getmtime(f) >= source for f in found)
    except OSError:
        return False


def _numba_findable() -> bool:
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # ValueError: sys.modules["numba"] is None
        return False


# -- the kernels built ahead of time ------------------------------------------------------------
#: NNVIZ_AOT=0 skips the extension module built ahead of time and uses numba's JIT (and its cache)
AOT_ENV = "NNVIZ_AOT"
_CPU_KEYS = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags", "Features",
             "CPU implementer", "CPU architecture", "CPU variant", "CPU part", "CPU revision")


def _aot_name() -> str | None:
    """The module name of the kernels built for this source, numba, Python, NumPy and CPU, or None
    where they are not built ahead of time (not Linux, numba not installed, ``NNVIZ_AOT=0``).

    The CPU is told by ``/proc/cpuinfo`` (the code is compiled for the host's instruction set, and a
    home directory may be shared by machines of several kinds): no import of numba or LLVM for it."""
    if os.environ.get(AOT_ENV, "1").strip() == "0" or not sys.platform.startswith("linux"):
        return None
    if not _numba_findable():  # the module would run without numba, but it is built and keyed by it
        return None
    try:
        import importlib.metadata

        numba_version = importlib.metadata.version("numba")
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            first_cpu = f.read().split("\n\n", 1)[0]
        here = os.path.dirname(os.path.abspath(__file__))
        digest = hashlib.sha256()
        for source in ("_fused.py", "_fused_aot.py"):
            with open(os.path.join(here, source), "rb") as f:
                digest.update(f.read())
    except (OSError, ImportError, ValueError):  # PackageNotFoundError is an ImportError
        return None
    cpu = [line for line in first_cpu.splitlines() if line.split(":", 1)[0].strip() in _CPU_KEYS]
    for part in ("\n".join(cpu), numba_version, sys.version, np.__version__):
        digest.update(part.encode())
    return "_nnviz_kernels_" + digest.hexdigest()[:24]


def _aot_dirs() -> list:
    """Where built kernels are looked for, in order: with numba's cache if ``NUMBA_CACHE_DIR`` is set;
    else next to this package (where whoever installed nnviz can build them once for every user of a
    shared installation), the user's cache, a temporary folder. A build goes to the first writable."""
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        return [os.path.join(root, "nnviz-kernels")]
    return [os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__"),
            os.path.join(os.path.expanduser("~"), ".cache", "nnviz"),
            os.path.join(tempfile.gettempdir(), "nnviz-kernels")]


def _writable(directory: str) -> bool:
    while not os.path.isdir(directory):  # the nearest folder that exists decides
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent
    return os.access(directory, os.W_OK)


def _built_kernels():
    """``(module, from_disk)``: the kernels built ahead of time, building them first in a child process
    if no folder has them; None when they cannot be (then numba's JIT is tried)."""
    name = _aot_name()
    if name is None:
        return None
    from . import _fused_aot  # no numba: the build itself runs in the child

    file = name + _fused_aot.suffix()
    dirs = _aot_dirs()
    found = [d for d in dirs if os.path.exists(os.path.join(d, file))]
    from_disk = bool(found)
    if found:
        directory = found[0]
    else:
        writable = [d for d in dirs if _writable(d)]
        if not writable:
            return None
        directory = writable[0]
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        try:
            # a session of its own: a kernel shut down during the build does not take the build with it
            subprocess.run([sys.executable, "-m", "nnviz.core._fused_aot", directory, name], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600, check=True,
                           start_new_session=True)
        except (OSError, subprocess.SubprocessError):  # no C compiler, a crash, a timeout: the JIT then
            return None
        if not os.path.exists(os.path.join(directory, file)):
            return None
    try:
        return _fused_aot.load(os.path.join(directory, file), name), from_disk
    except Exception:  # an unreadable file: the JIT then
        return None


def _prime_cache() -> bool:
    """Compile the kernels into numba's disk cache in a child process when the cache is empty.

    Compiling is mostly Python code; in a thread of this process it would share the interpreter lock
    with the notebook (frames of the first play stall for a while, and the compilation takes several
    times longer). The child has a core of its own; this process then only loads the result. Best
    effort: if the child fails, the thread compiles. Returns whether a child compiled."""
    if _cached():
        return False
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run([sys.executable, "-c", "from nnviz.core import _fused; _fused.warm_up()"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _requested() -> str:
    if _override is not None:
        return _override
    value = os.environ.get(ENV, "auto") or "auto"
    key = value.strip().lower()
    if key not in CHOICES:
        raise ValueError(f"{ENV} must be one of {', '.join(CHOICES)}, got {value!r}")
    return key


def use_backend(name: str | None) -> None:
    """Choose the path for this process, over ``NNVIZ_BACKEND``.

    Parameters
    ----------
    name : {"auto", "numba", "numpy"} or None
        ``"auto"``: compiled path once compiled in the background; ``"numba"``: compile at the first use
        and wait; ``"numpy"``: the NumPy path only; ``None``: back to ``NNVIZ_BACKEND`` (default "auto").
    """
    global _override
    _override = None if name is None else check_choice("name", name, CHOICES)


def backend(network=None, wait: bool = False) -> Backend:
    """Which path ``fit`` takes: ``"numba"`` (compiled) or ``"numpy"``, and why.

    Parameters
    ----------
    network : Network or None
        Ask about this network: ``name`` is ``"numpy"`` if it has something the compiled path does not
        run (dropout, float32, a custom layer, ...), and ``reason`` says what.
    wait : bool, default False
        Compile now (or wait for the background compilation) before answering: then the next ``fit``
        uses the compiled path. Tests and benchmarks use this to be deterministic.

    Returns
    -------
    Backend
    """
    requested = _requested()
    if requested == "numpy":
        src = "use_backend('numpy')" if _override else f"{ENV}=numpy"
        return Backend("numpy", requested, "off", f"NumPy requested ({src})")
    if wait:
        _KERNEL.wait()
    k = _KERNEL
    status, seconds, cache = k.status, k.seconds, k.from_cache
    if status == "ready":
        if k.ahead_of_time:
            how = ("loaded the kernels compiled ahead of time" if cache
                   else "compiled the kernels ahead of time (kept on disk)")
        else:
            how = "loaded from the disk cache" if cache else "compiled (and kept in the disk cache)"
        info = Backend("numba", requested, status, f"{how} in {seconds:.2f} s", seconds, cache)
    elif status == "compiling":
        since = time.perf_counter() - (k.started_at or time.perf_counter())
        info = Backend("numpy", requested, status,
                       f"numba compiling in the background for {since:.1f} s, NumPy until it is ready")
    elif status == "not compiled":
        when = "at the first fit" if requested == "numba" else "in the background at the first fit"
        info = Backend("numpy", requested, status, f"numba not compiled yet (compiles {when})")
    else:
        info = Backend("numpy", requested, status, k.error or status)
    if network is not None:
        plan = _plan(network)
        if isinstance(plan, str):
            return Backend("numpy", requested, info.status, f"this network runs on NumPy: {plan}",
                           info.compile_seconds, info.from_cache)
        opt = _optimizer_code(network.optimizer)
        if opt == 2 and plan.train.size:
            return Backend("numpy", requested, info.status,
                           "this network runs on NumPy: Adam with frozen layers (a step count per parameter)",
                           info.compile_seconds, info.from_cache)
        if opt is None:
            return Backend("numpy", requested, info.status,
                           f"this network runs on NumPy: optimizer {network.optimizer!r} is not SGD or Adam",
                           info.compile_seconds, info.from_cache)
    return info


# -- what the compiled path can run --------------------------------------------------------------
_plans: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# _fused's codes, mirrored so that planning needs no numba import (tests check that they agree)
_ACTIVATION_CODES = {name: i for i, name in enumerate(
    ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "swish", "softmax"))}
_LOSS_CODES = {"mse": 0, "bce": 1, "cross_entropy": 2}


class _Plan:
    """The compiled kernel's view of one network: layer sizes, activation codes, parameter offsets."""

    def __init__(self, key, meta, activations, n_params, train):
        self.key = key
        self.train = train  # empty, or 1 for the parameters the optimiser moves, 0 for frozen ones
        self.meta = meta  # int64 template, see _fused's layout (codes filled in; per-run fields later)
        self.activations = activations  # the Activation objects, for their alpha at each run
        self.n_params = n_params
        # per-run arrays, reused by every fit of this network (one fit runs at a time)
        self.run_meta = meta.copy()
        self.hyper = np.zeros(7 + len(activations))
        self.res = np.zeros(4)


def _plan_key(net):
    key = [id(net._params), net.dtype, id(net.loss)]
    for l in net.layers:
        key += (id(l), id(getattr(l, "activation", None)), getattr(l, "p", None), l.trainable)
    return key


def _plan(net):
    """A :class:`_Plan` for ``net``, or a string saying why the compiled path cannot run it."""
    try:
        key = _plan_key(net)
    except AttributeError as exc:
        return f"it lacks what the compiled path reads ({exc})"
    cached = _plans.get(net)
    if cached is not None and cached.key == key:
        return cached
    plan = _build_plan(net, key)
    if not isinstance(plan, str):
        _plans[net] = plan
    return plan


def _build_plan(net, key):
    if net.dtype != np.float64:
        return f"dtype {net.dtype} (the compiled path is float64)"
    if type(net.loss) is not type(LOSSES.get(net.loss.name)):
        return f"loss {net.loss!r} is not one of the built-in losses"
    dense = []
    for i, layer in enumerate(net.layers):
        if type(layer) is Dropout and layer.p == 0.0:
            continue  # the identity, drawing nothing from the generator
        if type(layer) is not Dense:
            what = f"dropout {layer.p:g}" if isinstance(layer, Dropout) else repr(layer)
            return f"layers[{i}] is {what} (the compiled path runs Dense layers)"
        act = layer.activation
        registry = ACTIVATIONS.get(act.name)
        if registry is None or type(act) is not type(registry):
            return f"layers[{i}] has a custom activation {act!r}"
        dense.append(layer)
    if not dense:
        return "it has no Dense layer"
    for layer in dense[:-1]:
        if layer.activation.name == "softmax":
            return "softmax in a hidden layer"
    params = net._params
    if params.ndim != 1 or not params.flags.c_contiguous or not params.flags.writeable:
        return "its parameters are not one writable flat vector"
    base, item = params.ctypes.data, params.itemsize
    offsets, off = [], 0
    for layer in dense:
        W, b = layer.W, layer.b
        if (not W.flags.c_contiguous or W.ctypes.data != base + off * item
                or b.ctypes.data != base + (off + W.size) * item or W.shape != (layer.n_in, layer.n_out)):
            return "its parameters are not laid out layer by layer (W, then b) in one vector"
        offsets.append(off)
        off += W.size + b.size
    if off != params.size:
        return "it has parameters outside its Dense layers"
    train = _EMPTY
    index = getattr(net, "_train_index", None)
    if index is not None:
        if not index.size:
            return "every layer is frozen"
        train = np.zeros(params.size)
        train[index] = 1.0
    L = len(dense)
    sizes = [dense[0].n_in] + [l.n_out for l in dense]
    header = [L, _LOSS_CODES[net.loss.name], 0, 0, 0, 0, 0, 0, 0, 0, 0]
    codes = [_ACTIVATION_CODES[l.activation.name] for l in dense]
    meta = np.array(header + sizes + codes + offsets, dtype=np.int64)
    return _Plan(key, meta, [l.activation for l in dense], params.size, train)


def _optimizer_code(opt):
    if type(opt) is SGD:
        return 1 if opt.momentum else 0
    if type(opt) is Adam:
        return 2
    return None


def _accuracy_mode(loss_name) -> int:
    """How ``Loss.correct`` counts: 1 threshold (bce), 2 arg-max (cross_entropy), 3 as ``MSE.correct``
    decides from the targets, in the kernel (see _fused)."""
    return {"bce": 1, "cross_entropy": 2}.get(loss_name, 3)


def _flat(a: np.ndarray) -> np.ndarray:
    """``a`` as a writable C-ordered float64 vector (a view when it already is one)."""
    if a.dtype != np.float64 or not a.flags.c_contiguous or not a.flags.writeable:
        a = np.array(a, dtype=np.float64, order="C")
    return a.reshape(-1)


class FusedEpochs:
    """Runs one network's epochs on the compiled kernel for one ``fit`` call.

    Built by :func:`fused_epochs`; :meth:`run` does the steps of one epoch over a permutation and the
    end-of-epoch evaluation, leaving ``loss``, ``accuracy`` and ``val`` for the network's epoch loop.
    """

    def __init__(self, net, plan, X, T, batch_size, val):
        self.net, self.plan = net, plan
        self.kernel = _KERNEL.module.train_epoch
        self.X, self.T = _flat(X), _flat(T)
        self.n = len(X)
        self.meta = plan.run_meta
        self.meta[3] = min(batch_size, self.n)
        self.meta[4] = _accuracy_mode(net.loss.name)
        if val is not None:
            self.Xv, self.Tv = _flat(val[0]), _flat(val[1])
            self.meta[5] = _accuracy_mode(net.loss.name)
            self.meta[6] = 1
        else:
            self.Xv = self.Tv = _EMPTY
            self.meta[5] = self.meta[6] = 0
        self.hyper, self.res = plan.hyper, plan.res
        self.order = None
        self._fresh = True
        self.loss = self.accuracy = None
        self.val = (None, None)

    def run(self, perm) -> bool:
        """One epoch over ``perm`` (None: in order). Returns False, doing nothing, when the network
        changed (e.g. in a callback) into something the compiled path does not run.

        Raises
        ------
        DivergedError
            Through ``Network._diverged``, exactly as the NumPy steps raise it.
        """
        net, meta, hyper = self.net, self.meta, self.hyper
        plan = self.plan if self._fresh else _plan(net)  # a callback may have changed the network
        self._fresh = False
        if plan is not self.plan:
            if isinstance(plan, str):
                return False
            self.plan = plan
            plan.run_meta[3:7] = meta[3:7]
            self.meta = meta = plan.run_meta
            self.hyper = hyper = plan.hyper
        opt = net.optimizer
        code = _optimizer_code(opt)
        if code is None:
            return False
        n_params = plan.n_params
        st1 = st2 = _EMPTY
        meta[2] = code
        meta[7] = 0
        hyper[0] = opt.lr
        state = opt.state.get(_STATE_KEY)
        frozen = plan.train.size > 0
        if code == 1:
            hyper[1] = opt.momentum
            if state is None:
                if frozen:  # SGD.update(where=): a zero buffer, moved only where parameters train
                    st1 = np.zeros(n_params)
                else:
                    st1 = np.empty(n_params)
                    meta[7] = 1  # the first step copies the gradient into the buffer
            else:
                st1 = state["momentum_buffer"]
                if not _usable(st1, n_params):
                    return False
        elif code == 2:
            if frozen:
                return False  # Adam keeps a step count per parameter then: the NumPy path
            hyper[2], hyper[3] = opt.betas
            hyper[4] = opt.eps
            if state is None:
                state = opt.state[_STATE_KEY] = {"step": 0, "exp_avg": np.zeros(n_params),
                                                 "exp_avg_sq": np.zeros(n_params)}
            st1, st2 = state["exp_avg"], state["exp_avg_sq"]
            if np.ndim(state["step"]) or not (_usable(st1, n_params) and _usable(st2, n_params)):
                return False  # a step count per parameter (after frozen layers): the NumPy path
            meta[8] = int(state["step"])
        hyper[5], hyper[6] = net.l1, net.l2
        for i, act in enumerate(plan.activations):
            hyper[7 + i] = getattr(act, "alpha", 0.0)
        if perm is None:
            if self.order is None:
                self.order = np.arange(self.n, dtype=np.int64)
            perm = self.order
        elif perm.dtype != np.int64:
            perm = perm.astype(np.int64)
        try:
            self.kernel(net._params, net._grads, net._weight_mask, plan.train, self.X, self.T, perm, self.Xv,
                        self.Tv, meta, hyper, st1, st2, self.res)
        except TypeError:  # arguments of types it was not compiled for (it never compiles again): NumPy
            return False
        net.step_ += int(meta[9])
        if code == 1 and meta[7] == 0 and state is None and meta[9]:
            opt.state[_STATE_KEY] = {"momentum_buffer": st1}
        elif code == 2:
            state["step"] = int(meta[8])
        if meta[10]:
            net._diverged(f"a parameter became NaN or infinite, first in {net._where_not_finite()}")
        res = self.res
        self.loss = float(res[0])
        self.accuracy = None if math.isnan(res[1]) else float(res[1])
        if meta[6]:
            self.val = (float(res[2]), None if math.isnan(res[3]) else float(res[3]))
        return True


_EMPTY = np.zeros(0)


def _usable(a, n) -> bool:
    return (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (n,)
            and a.flags.c_contiguous and a.flags.writeable)


def fused_epochs(net, X, T, batch_size, val, batch_callbacks=()) -> FusedEpochs | None:
    """The compiled path for this ``fit`` call, or None for the NumPy path.

    Cheap when it says no. The first call that could use the kernel starts its compilation (in the
    background, or at once with ``NNVIZ_BACKEND=numba``); until it is ready the answer is None.
    """
    requested = _requested()
    if requested == "numpy" or batch_callbacks:
        return None
    status = _KERNEL.status
    if status != "ready" and status != "not compiled" and status != "compiling":
        return None  # unavailable or failed
    plan = _plan(net)
    if isinstance(plan, str) or _optimizer_code(net.optimizer) is None:
        return None
    if status != "ready":
        if requested == "numba":
            _KERNEL.wait()
        else:
            _KERNEL.start()
        if _KERNEL.status != "ready":
            return None
    return FusedEpochs(net, plan, X, T, batch_size, val)


#: fewer rows than this are not worth a compiled forward pass (NumPy's overhead is small then)
FORWARD_MIN_ROWS = 2048


def fused_forward(net, X) -> np.ndarray | None:
    """``Network.forward``'s compiled path for drawing: float32 passes over many points (a decision
    grid), computed in float32 as the NumPy path computes them; None for the NumPy path."""
    if X.dtype != np.float32 or len(X) < FORWARD_MIN_ROWS or _KERNEL.status != "ready":
        return None
    if _requested() == "numpy":
        return None
    plan = _plan(net)
    if isinstance(plan, str):
        return None
    hyper = np.zeros(7 + len(plan.activations), dtype=np.float32)
    for i, act in enumerate(plan.activations):
        hyper[7 + i] = getattr(act, "alpha", 0.0)
    out = np.empty((len(X), net.n_outputs), dtype=np.float32)
    if not X.flags.c_contiguous or not X.flags.writeable:
        X = np.array(X, order="C")
    _KERNEL.module.forward_output32(net._params.astype(np.float32), plan.meta, hyper, X.reshape(-1),
                                    out.reshape(-1))
    return out
