"""Toy 2-D data sets: TensorFlow Playground's six, plus moons, k-arm spirals and blobs.

The six playground sets follow ``src/dataset.ts`` of github.com/tensorflow/playground
formula for formula, with two changes: class labels are {0, 1} instead of {-1, +1}, and an
odd ``n`` gives exactly ``n`` points (the playground's two loops of ``n / 2`` give ``n + 1``).
Every set is drawn in (or, for gaussian noise, mostly in) the playground's view
[-6, 6] x [-6, 6].

Use :func:`make_dataset` with a name from :data:`DATASETS`; :func:`dataset_info` tells the
UI which task (and so which output layer and loss) a set poses.

Points come out grouped by class, in the playground's order; shuffle them with
:func:`nnviz.data.train_test_split` (as the playground does before splitting).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from nnviz.core._validation import check_int, check_rng

from ._validation import TASKS, check_choice, check_noise

__all__ = [
    "DATASETS",
    "DATASET_INFO",
    "DatasetInfo",
    "TASKS",
    "blobs",
    "circle",
    "dataset_info",
    "gauss",
    "make_dataset",
    "moons",
    "reg_gauss",
    "reg_plane",
    "spiral",
    "spirals",
    "xor",
]

N_CLASSIFY = 500  # the playground's NUM_SAMPLES_CLASSIFY
N_REGRESS = 1200  # the playground's NUM_SAMPLES_REGRESS

CIRCLE_RADIUS = 5.0
XOR_HALF_WIDTH = 5.0
XOR_PADDING = 0.3
GAUSS_CENTRE = 2.0
SPIRAL_RADIUS = 5.0
SPIRAL_TURNS = 1.75
REGRESS_RADIUS = 6.0
REGRESS_GAUSSIANS = np.array(  # (cx, cy, sign), as in the playground
    [
        [-4.0, 2.5, 1.0],
        [0.0, 2.5, -1.0],
        [4.0, 2.5, 1.0],
        [-4.0, -2.5, -1.0],
        [0.0, -2.5, 1.0],
        [4.0, -2.5, -1.0],
    ]
)
MOONS_SCALE = 3.5  # sklearn's moons span [-1, 2] x [-0.5, 1]; scaled to [-5.25, 5.25] wide
MOONS_CENTRE = np.array([0.5, 0.25])
BLOBS_RADIUS = 3.5


# ----------------------------------------------------------------------------- helpers


def _prepare(n, noise, seed):
    """Check the arguments every generator shares; return ``(n, noise, rng)``."""
    return check_int("n", n, low=1), check_noise(noise), check_rng("seed", seed)


def _halves(n):
    """Split ``n`` into (first, second) groups: ``(ceil(n / 2), floor(n / 2))``."""
    return n - n // 2, n // 2


def _class_sizes(n, n_classes):
    """Split ``n`` samples into ``n_classes`` groups whose sizes differ by at most one."""
    sizes = np.full(n_classes, n // n_classes)
    sizes[: n % n_classes] += 1
    return sizes


def _polar(r, angle):
    """Points ``(r sin a, r cos a)`` of shape (n_samples, 2), the playground's convention."""
    return np.column_stack((r * np.sin(angle), r * np.cos(angle)))


def _dist(points, centre):
    """Euclidean distance of each row of ``points`` (n_samples, 2) to ``centre`` (2,)."""
    d = points - centre
    return np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])


def _gauss_variance(noise):
    """Map noise in [0, 0.5] linearly onto a variance in [0.5, 4] (the playground's d3 scale)."""
    return 0.5 + noise / 0.5 * (4.0 - 0.5)


def _labels(sizes):
    """int64 labels 0, 0, ..., 1, 1, ... with ``sizes[k]`` copies of class ``k``."""
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


# ---------------------------------------------------------- TensorFlow Playground sets


def circle(n=N_CLASSIFY, noise=0.0, seed=None):
    """A disc of class 1 inside a ring of class 0 (playground "circle").

    Parameters
    ----------
    n : int, default=500
        Number of points; ``ceil(n / 2)`` in the disc, ``floor(n / 2)`` in the ring.
    noise : float in [0, 0.5], default=0.0
        Label noise: the label is computed at a point shifted by ``U(-5, 5) * noise`` in
        each coordinate, so points near the border may get the other class.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Labels in {0, 1}.

    Notes
    -----
    With R = 5: radius ``r ~ U(0, R/2)`` for the disc and ``r ~ U(0.7 R, R)`` for the ring,
    angle ``a ~ U(0, 2 pi)``, point ``p = (r sin a, r cos a)``, and
    ``y = 1 if ||p + U(-R, R) * noise|| < R/2 else 0`` (jitter drawn per coordinate).
    Draw order: all radii (disc, then ring), all angles, then the (n, 2) label jitter.
    """
    n, noise, rng = _prepare(n, noise, seed)
    n_in, n_out = _halves(n)
    r = np.concatenate(
        (
            rng.uniform(0.0, CIRCLE_RADIUS * 0.5, n_in),
            rng.uniform(CIRCLE_RADIUS * 0.7, CIRCLE_RADIUS, n_out),
        )
    )
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = _polar(r, angle)
    jitter = rng.uniform(-CIRCLE_RADIUS, CIRCLE_RADIUS, size=(n, 2)) * noise
    y = (_dist(X + jitter, np.zeros(2)) < CIRCLE_RADIUS * 0.5).astype(np.int64)
    return X, y


def xor(n=N_CLASSIFY, noise=0.0, seed=None):
    """Four quadrants, class 1 where x1 and x2 have the same sign (playground "xor").

    Parameters
    ----------
    n : int, default=500
        Number of points.
    noise : float in [0, 0.5], default=0.0
        Label noise: the label is computed at a point shifted by ``U(-5, 5) * noise``.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Labels in {0, 1}.

    Notes
    -----
    Each coordinate ``u ~ U(-5, 5)`` is pushed 0.3 away from its axis
    (``u + 0.3`` if ``u > 0`` else ``u - 0.3``), and
    ``y = 1 if (x1 + n1)(x2 + n2) >= 0 else 0`` with ``n1, n2 ~ U(-5, 5) * noise``.
    Draw order: the (n, 2) points, then the (n, 2) label jitter.
    """
    n, noise, rng = _prepare(n, noise, seed)
    X = rng.uniform(-XOR_HALF_WIDTH, XOR_HALF_WIDTH, size=(n, 2))
    X += np.where(X > 0, XOR_PADDING, -XOR_PADDING)
    jitter = rng.uniform(-XOR_HALF_WIDTH, XOR_HALF_WIDTH, size=(n, 2)) * noise
    shifted = X + jitter
    y = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return X, y


def gauss(n=N_CLASSIFY, noise=0.0, seed=None):
    """Two gaussian clouds: class 1 around (2, 2), class 0 around (-2, -2) (playground "gauss").

    Parameters
    ----------
    n : int, default=500
        Number of points; ``ceil(n / 2)`` of class 1 first, then ``floor(n / 2)`` of class 0.
    noise : float in [0, 0.5], default=0.0
        Spread: the variance of each coordinate goes linearly from 0.5 (noise 0) to 4
        (noise 0.5).
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Labels in {0, 1}.

    Notes
    -----
    ``variance = 0.5 + 7 noise`` and ``x = centre + sqrt(variance) * N(0, 1)`` per
    coordinate. Draw order: one (n, 2) block of standard normals.
    """
    n, noise, rng = _prepare(n, noise, seed)
    sizes = _halves(n)
    y = 1 - _labels(sizes)  # class 1 first, as in the playground
    centres = np.where(y[:, None] == 1, GAUSS_CENTRE, -GAUSS_CENTRE)
    X = centres + np.sqrt(_gauss_variance(noise)) * rng.standard_normal((n, 2))
    return X, y


def _spiral_arms(sizes, noise, rng):
    """Points of ``len(sizes)`` interleaved spiral arms and the arm index of each point.

    Arm ``j`` of ``k`` has ``sizes[j]`` points ``i = 0, 1, ...`` with
    ``r = i / (n/k) * 5`` and ``t = 1.75 * i / (n/k) * 2 pi + 2 pi j / k``; the point is
    ``(r sin t, r cos t) + U(-1, 1) * noise`` per coordinate. For ``k = 2`` this is the
    playground's spiral exactly (same operation order).
    """
    n, k = int(np.sum(sizes)), len(sizes)
    per_arm = n / k
    arm = _labels(sizes)
    i = np.concatenate([np.arange(m, dtype=np.float64) for m in sizes])
    r = i / per_arm * SPIRAL_RADIUS
    t = SPIRAL_TURNS * i / per_arm * 2 * np.pi + 2 * np.pi * arm / k
    jitter = rng.uniform(-1.0, 1.0, size=(n, 2)) * noise
    return _polar(r, t) + jitter, arm


def spiral(n=N_CLASSIFY, noise=0.0, seed=None):
    """Two interleaved spirals (playground "spiral").

    Parameters
    ----------
    n : int, default=500
        Number of points; ``ceil(n / 2)`` on the class-1 arm first, then ``floor(n / 2)``
        on the class-0 arm.
    noise : float in [0, 0.5], default=0.0
        Each coordinate is shifted by ``U(-1, 1) * noise``.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Labels in {0, 1}.

    Notes
    -----
    For ``i = 0, 1, ...`` on each arm: ``r = 5 i / (n/2)``,
    ``t = 1.75 * 2 pi * i / (n/2) + delta`` with ``delta = 0`` (class 1) or ``pi``
    (class 0), point ``(r sin t, r cos t) + U(-1, 1) * noise``.
    Draw order: one (n, 2) block of jitter.
    """
    n, noise, rng = _prepare(n, noise, seed)
    X, arm = _spiral_arms(_halves(n), noise, rng)
    return X, 1 - arm


def _regression_inputs(n, noise, rng):
    """Points ``U(-6, 6)`` of shape (n, 2) and the jittered points the target is read at."""
    X = rng.uniform(-REGRESS_RADIUS, REGRESS_RADIUS, size=(n, 2))
    jitter = rng.uniform(-REGRESS_RADIUS, REGRESS_RADIUS, size=(n, 2)) * noise
    return X, X + jitter


def reg_plane(n=N_REGRESS, noise=0.0, seed=None):
    """A tilted plane: target ``(x1 + x2) / 10`` (playground "reg-plane").

    Parameters
    ----------
    n : int, default=1200
        Number of points.
    noise : float in [0, 0.5], default=0.0
        The target is read at a point shifted by ``U(-6, 6) * noise`` per coordinate.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
        Uniform on [-6, 6] x [-6, 6].
    y : ndarray of shape (n_samples,), dtype float64
        Targets, in [-1.2, 1.2] without noise.

    Notes
    -----
    ``y = (x1 + n1 + x2 + n2) / 10`` with ``n1, n2 ~ U(-6, 6) * noise``.
    Draw order: the (n, 2) points, then the (n, 2) jitter.
    """
    n, noise, rng = _prepare(n, noise, seed)
    X, shifted = _regression_inputs(n, noise, rng)
    return X, (shifted[:, 0] + shifted[:, 1]) / 10.0


def _reg_gauss_target(points):
    """The multi-gauss target at each row of ``points`` (n_samples, 2); values in [-1, 1].

    Each of the six centres gives ``sign * clip(1 - d / 2, 0, 1)``; the target is the one of
    largest magnitude (the first of equals, as in the playground).
    """
    centres, signs = REGRESS_GAUSSIANS[:, :2], REGRESS_GAUSSIANS[:, 2]
    bumps = np.column_stack(
        [sign * np.clip(1.0 - _dist(points, c) / 2.0, 0.0, 1.0) for c, sign in zip(centres, signs)]
    )
    strongest = np.argmax(np.abs(bumps), axis=1)
    return bumps[np.arange(len(points)), strongest]


def reg_gauss(n=N_REGRESS, noise=0.0, seed=None):
    """Six bumps of alternating sign (playground "reg-gauss", the multi-gaussian).

    Parameters
    ----------
    n : int, default=1200
        Number of points.
    noise : float in [0, 0.5], default=0.0
        The target is read at a point shifted by ``U(-6, 6) * noise`` per coordinate.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
        Uniform on [-6, 6] x [-6, 6].
    y : ndarray of shape (n_samples,), dtype float64
        Targets in [-1, 1].

    Notes
    -----
    Centres ``(-4, 2.5, +)``, ``(0, 2.5, -)``, ``(4, 2.5, +)``, ``(-4, -2.5, -)``,
    ``(0, -2.5, +)``, ``(4, -2.5, -)``. At distance ``d`` from a centre its bump is
    ``sign * clip(1 - d/2, 0, 1)`` (a cone of radius 2); the target is the bump of largest
    magnitude. Draw order: the (n, 2) points, then the (n, 2) jitter.
    """
    n, noise, rng = _prepare(n, noise, seed)
    X, shifted = _regression_inputs(n, noise, rng)
    return X, _reg_gauss_target(shifted)


# ------------------------------------------------------------------- beyond the playground


def moons(n=N_CLASSIFY, noise=0.0, seed=None):
    """Two interleaving half circles, like ``sklearn.datasets.make_moons``, scaled to the view.

    Parameters
    ----------
    n : int, default=500
        Number of points; ``floor(n / 2)`` on the upper moon (class 0) first, then
        ``ceil(n / 2)`` on the lower moon (class 1), as in scikit-learn.
    noise : float in [0, 0.5], default=0.0
        Standard deviation of gaussian noise in units of the moon radius (scikit-learn's
        ``noise``); in view units it is ``3.5 * noise``.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
        Without noise within [-5.25, 5.25] x [-2.625, 2.625].
    y : ndarray of shape (n_samples,), dtype int64
        Labels in {0, 1}.

    Notes
    -----
    scikit-learn's moons ``(cos s, sin s)`` and ``(1 - cos s, 0.5 - sin s)``, ``s`` evenly
    spaced on [0, pi], plus ``N(0, noise^2)``, are centred on (0.5, 0.25) and scaled by 3.5.
    Draw order: one (n, 2) block of standard normals.
    """
    n, noise, rng = _prepare(n, noise, seed)
    n_upper, n_lower = n // 2, n - n // 2
    s_upper = np.linspace(0.0, np.pi, n_upper)
    s_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack((np.cos(s_upper), np.sin(s_upper)))
    lower = np.column_stack((1.0 - np.cos(s_lower), 1.0 - np.sin(s_lower) - 0.5))
    X = np.vstack((upper, lower)) + noise * rng.standard_normal((n, 2))
    return (X - MOONS_CENTRE) * MOONS_SCALE, _labels((n_upper, n_lower))


def spirals(n=N_CLASSIFY, noise=0.0, seed=None, n_classes=3):
    """``n_classes`` interleaved spiral arms, one class per arm (multiclass).

    Parameters
    ----------
    n : int, default=500
        Number of points, shared between the arms (sizes differ by at most one).
    noise : float in [0, 0.5], default=0.0
        Each coordinate is shifted by ``U(-1, 1) * noise``, as in the playground spiral.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.
    n_classes : int >= 2, default=3
        Number of arms and classes.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Labels 0 .. n_classes - 1, grouped by class.

    Notes
    -----
    The playground spiral with the arms turned by ``2 pi j / k`` instead of 0 and pi: for
    ``i = 0, 1, ...`` on arm ``j``, ``r = 5 i / (n/k)`` and
    ``t = 1.75 * 2 pi * i / (n/k) + 2 pi j / k``. With ``n_classes=2`` the points equal
    :func:`spiral`'s, with the labels swapped. Draw order: one (n, 2) block of jitter.
    """
    n, noise, rng = _prepare(n, noise, seed)
    n_classes = check_int("n_classes", n_classes, low=2)
    return _spiral_arms(_class_sizes(n, n_classes), noise, rng)


def _blob_centres(n_classes):
    """``n_classes`` centres evenly spaced on a circle of radius 3.5, the first at (0, 3.5)."""
    angle = 2 * np.pi * np.arange(n_classes) / n_classes
    return _polar(np.full(n_classes, BLOBS_RADIUS), angle)


def blobs(n=N_CLASSIFY, noise=0.0, seed=None, n_classes=3):
    """``n_classes`` gaussian clusters on a circle, one class each (multiclass).

    Parameters
    ----------
    n : int, default=500
        Number of points, shared between the clusters (sizes differ by at most one).
    noise : float in [0, 0.5], default=0.0
        Spread, mapped to a variance exactly as in :func:`gauss` (0.5 to 4).
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.
    n_classes : int >= 2, default=3
        Number of clusters and classes.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        Labels 0 .. n_classes - 1, grouped by class.

    Notes
    -----
    Centre ``j`` is ``3.5 (sin(2 pi j / k), cos(2 pi j / k))``; each point is its centre plus
    ``sqrt(0.5 + 7 noise) * N(0, 1)`` per coordinate. Draw order: one (n, 2) block of
    standard normals.
    """
    n, noise, rng = _prepare(n, noise, seed)
    n_classes = check_int("n_classes", n_classes, low=2)
    y = _labels(_class_sizes(n, n_classes))
    spread = np.sqrt(_gauss_variance(noise)) * rng.standard_normal((n, 2))
    return _blob_centres(n_classes)[y] + spread, y


# ------------------------------------------------------------------------------ registry


@dataclass(frozen=True)
class DatasetInfo:
    """What a data set is, for the UI: its task, classes, default size and options.

    Attributes
    ----------
    name : str
        Key in :data:`DATASETS`.
    generator : callable
        ``generator(n, noise, seed, **params) -> (X, y)``.
    task : {"binary", "multiclass", "regression"}
        Decides the output layer and loss.
    n_classes : int or None
        Number of classes; None for regression.
    default_n : int
        Number of points when ``n`` is not given (500 classification, 1200 regression).
    description : str
        One line for a dropdown tooltip.
    params : tuple of str
        Extra keyword arguments the generator accepts (e.g. ``("n_classes",)``).
    """

    name: str
    generator: Callable = field(repr=False, compare=False)
    task: str = "binary"
    n_classes: int | None = 2
    default_n: int = N_CLASSIFY
    description: str = ""
    params: tuple[str, ...] = ()


def _regression(name, generator, description):
    return DatasetInfo(name, generator, "regression", None, N_REGRESS, description)


def _multiclass(name, generator, description):
    return DatasetInfo(name, generator, "multiclass", 3, N_CLASSIFY, description, ("n_classes",))


#: Metadata of every data set, in the order a dropdown shows them.
DATASET_INFO = {
    info.name: info
    for info in (
        DatasetInfo("circle", circle, description="a disc inside a ring"),
        DatasetInfo("xor", xor, description="four quadrants, same sign = class 1"),
        DatasetInfo("gauss", gauss, description="two gaussian clouds"),
        DatasetInfo("spiral", spiral, description="two interleaved spirals"),
        _regression("reg_plane", reg_plane, "a tilted plane, (x1 + x2) / 10"),
        _regression("reg_gauss", reg_gauss, "six bumps of alternating sign"),
        DatasetInfo("moons", moons, description="two interleaving half circles"),
        _multiclass("spirals", spirals, "k interleaved spiral arms"),
        _multiclass("blobs", blobs, "k gaussian clusters on a circle"),
    )
}

#: Registry of data-set generators: name -> ``generator(n, noise, seed, **params)``.
DATASETS = {name: info.generator for name, info in DATASET_INFO.items()}


def _check_params(info, params):
    """Raise ``TypeError`` for keyword arguments the data set does not take."""
    unknown = sorted(set(params) - set(info.params))
    if unknown:
        accepted = ", ".join(info.params) or "none"
        raise TypeError(
            f"unexpected keyword argument {unknown[0]!r} for dataset {info.name!r}; "
            f"accepted: {accepted}"
        )


def dataset_info(name, **params):
    """Return the :class:`DatasetInfo` of a data set.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    **params
        The extra options you will pass to :func:`make_dataset`; ``n_classes`` updates the
        returned ``n_classes`` of a multiclass set.

    Returns
    -------
    info : DatasetInfo

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the known names).
    TypeError
        If ``name`` is not a str or an option does not belong to the set.
    """
    check_choice(name, "name", tuple(DATASET_INFO), "dataset")
    info = DATASET_INFO[name]
    _check_params(info, params)
    if "n_classes" in params:
        n_classes = check_int("n_classes", params["n_classes"], low=2)
        info = replace(info, n_classes=n_classes)
    return info


def make_dataset(name, n=None, noise=0.0, seed=None, **params):
    """Generate a named toy 2-D data set.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`: ``"circle"``, ``"xor"``, ``"gauss"``, ``"spiral"``,
        ``"reg_plane"``, ``"reg_gauss"``, ``"moons"``, ``"spirals"``, ``"blobs"``.
    n : int or None, default=None
        Number of points; None uses the set's default (500, or 1200 for regression).
    noise : float in [0, 0.5], default=0.0
        The playground's noise slider divided by 100; what it does depends on the set.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness. The same int gives the same data bit for bit; None draws
        fresh entropy; a Generator is used (and advanced) as is.
    **params
        Options of a set, e.g. ``n_classes`` for ``"spirals"`` and ``"blobs"``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,)
        int64 labels for classification sets, float64 targets for regression sets.

    Raises
    ------
    ValueError
        If ``name`` is unknown, ``n < 1``, ``noise`` is outside [0, 0.5] or an option has
        a bad value.
    TypeError
        If an argument has the wrong type or an option does not belong to the set.

    Examples
    --------
    >>> X, y = make_dataset("xor", n=200, noise=0.1, seed=0)
    >>> X.shape, y.shape, dataset_info("xor").task
    ((200, 2), (200,), 'binary')
    """
    info = dataset_info(name, **params)
    if n is None:
        n = info.default_n
    return info.generator(n=n, noise=noise, seed=seed, **params)
