"""Ahead-of-time build of the compiled kernels (:mod:`nnviz.core._fused`) into an extension module.

Run only in a child process, by :mod:`nnviz.core.backend` (``python -c "...; build(directory, name)"``):
numba compiles :func:`~nnviz.core._fused.train_epoch` and :func:`~nnviz.core._fused.forward_output32`
for this machine's CPU into ``<directory>/<name><extension suffix>``, an ordinary extension module that
needs only NumPy. The notebook's process then imports it in milliseconds, without importing numba or
LLVM (about 130 MB of memory and ~0.6 s per kernel process when numba's JIT loads its cache instead).

The module is built in a temporary folder and moved into place atomically, then imported and run on
a tiny network by this child before it reports success: a build that fails or crashes never reaches
the notebook. One build runs at a time per folder (a lock file): a second kernel started meanwhile
(a teacher opening several lessons) waits for it and finds the module built. The backend starts the
child in a session of its own, so a build outlives a kernel that is shut down during it. Building needs a C compiler (numba's ``pycc`` links the module); without one the backend
falls back to numba's JIT.
"""
from __future__ import annotations

import fcntl
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile
import time
import warnings

#: the exported signatures: every array C-contiguous and 1-D, as ``backend`` passes them
_F8, _I8, _F4 = "f8[::1]", "i8[::1]", "f4[::1]"
SIGNATURES = {
    "train_epoch": f"void({', '.join([_F8] * 6 + [_I8, _F8, _F8, _I8] + [_F8] * 4)})",
    "forward_output32": f"void({_F4}, {_I8}, {_F4}, {_F4}, {_F4})",
}


def suffix() -> str:
    """The file-name ending of an extension module for this interpreter."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def load(path: str, name: str):
    """Import the extension module ``name`` from the file ``path``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: a work folder this old was left by a build that was killed (a build takes well under a minute)
STALE_SECONDS = 900


def build(directory: str, name: str) -> str:
    """Compile the kernels into ``directory/name<suffix>`` for this machine's CPU; return the path.

    Waits for another build in ``directory`` to finish first, and does nothing if that one built the
    same module."""
    os.makedirs(directory, exist_ok=True)
    final = os.path.join(directory, name + suffix())
    with open(os.path.join(directory, f".{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when this process ends, however it ends
        if os.path.exists(final):
            return final
        _remove_stale_work(directory)
        return _build(directory, name, final)


def _remove_stale_work(directory: str) -> None:
    """Remove the work folders of builds that were killed before they could clean up."""
    now = time.time()
    for entry in os.scandir(directory):
        if (entry.name.startswith("._nnviz_kernels_") and entry.is_dir()
                and now - entry.stat().st_mtime > STALE_SECONDS):
            shutil.rmtree(entry.path, ignore_errors=True)


def _build(directory: str, name: str, final: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending-deprecation notice
        from numba.pycc import CC

    from . import _fused

    work = tempfile.mkdtemp(prefix=f".{name}-", dir=directory)
    try:
        cc = CC(name)
        cc.output_dir = work
        cc.target_cpu = "host"  # the key of the file names this machine's CPU (see backend._aot_name)
        cc.verbose = False
        for export, signature in SIGNATURES.items():
            cc.export(export, signature)(getattr(_fused, export).py_func)
        cc.compile()
        built = os.path.join(work, name + suffix())
        if not os.path.exists(built):
            matches = [f for f in os.listdir(work) if f.startswith(name) and f.endswith(suffix())]
            built = os.path.join(work, matches[0])
        check(load(built, name))
        os.replace(built, final)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check(module) -> None:
    """Run both kernels of ``module`` once on a tiny network (raises if they do not run)."""
    import numpy as np

    from . import _fused

    sizes, codes, offs = [2, 3, 2], [_fused.TANH, _fused.SOFTMAX], [0, 9]
    meta = np.array([2, _fused.CROSS_ENTROPY, _fused.ADAM, 2, _fused.ACC_ARGMAX, _fused.ACC_ARGMAX, 1, 0, 0, 0, 0]
                    + sizes + codes + offs, dtype=np.int64)
    p = np.linspace(-0.5, 0.5, 17)
    X = np.array([0.1, 0.2, -0.3, 0.4, 0.5, -0.6])
    T = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    hyper = np.array([0.01, 0.0, 0.9, 0.999, 1e-8, 0.0, 0.0, 0.0, 0.0])
    res = np.zeros(4)
    module.train_epoch(p, np.zeros(17), np.ones(17), np.zeros(0), X, T, np.arange(3, dtype=np.int64), X, T, meta,
                       hyper, np.zeros(17), np.zeros(17), res)
    if not (np.isfinite(res).all() and meta[_fused.M_DONE] == 2):
        raise RuntimeError(f"the built kernel gave {res} after {meta[_fused.M_DONE]} steps")
    f32 = np.float32
    out = np.zeros(6, dtype=f32)
    module.forward_output32(p.astype(f32), meta, hyper.astype(f32), X.astype(f32), out)
    if not np.isfinite(out).all():
        raise RuntimeError(f"the built grid pass gave {out}")


if __name__ == "__main__":  # python -m nnviz.core._fused_aot DIRECTORY NAME
    print(build(sys.argv[1], sys.argv[2]))
