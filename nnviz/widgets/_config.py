"""The Playground's whole state as plain data: defaults, allowed values and one place that checks them.

A configuration is a ``dict`` of JSON-safe values (str, int, float, bool, lists), like the playground's
URL. ``Playground(config=pg.config)`` rebuilds the same data, network (same initial weights) and
settings. Allowed values are declared here as data, and :func:`check_config` is the only checker.
"""
from __future__ import annotations

import numbers

import numpy as np

from nnviz.core import ACTIVATIONS
from nnviz.data import DATASET_INFO, FEATURES

from ._common import check_bool, check_float, check_int, describe, format_number

__all__ = [
    "ACTIVATION_CHOICES",
    "BATCH_SIZE_RANGE",
    "CONTROLS",
    "CHECKS",
    "CUSTOM",
    "DATASET_LABELS",
    "DEFAULTS",
    "LEARNING_RATES",
    "LOSS_FOR_TASK",
    "MAX_LAYERS",
    "MAX_NEURONS",
    "OPTIMIZER_CHOICES",
    "REGULARIZATIONS",
    "REG_RATES",
    "SPEEDS",
    "check_config",
    "check_dataset_name",
    "check_controls",
    "new_seed",
]

#: The playground's learning rates (``state.ts``); the slider moves over these.
LEARNING_RATES = (1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: The playground's regularisation rates.
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: Optimiser choices shown in the dropdown: config value -> label ("Momentum" is SGD with momentum).
OPTIMIZER_CHOICES = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
#: Regularisation choices: config value -> label.
REGULARIZATIONS = {"none": "None", "l1": "L1", "l2": "L2"}
#: Hidden-layer activations offered (softmax only makes sense on an output layer).
ACTIVATION_CHOICES = tuple(name for name in ACTIVATIONS if name != "softmax")
#: Output loss for each problem type.
LOSS_FOR_TASK = {"binary": "bce", "multiclass": "cross_entropy", "regression": "mse"}
#: Training speed: epochs per frame, or "auto" (about 15 ms of training per frame).
SPEEDS = ("auto", 1, 2, 5, 10, 25)
BATCH_SIZE_RANGE = (1, 30)
TRAIN_RATIO_RANGE = (0.1, 0.9)
NOISE_MAX = 0.5
DROPOUT_MAX = 0.9
MAX_LAYERS = 8
MAX_NEURONS = 8
MOMENTUM_RANGE = (0.0, 0.99)
N_CLASSES_RANGE = (2, 8)
#: The dataset name of data passed as ``Playground(data=(X, y))``.
CUSTOM = "custom"

DATASET_LABELS = {
    "circle": "Circle",
    "xor": "Exclusive or",
    "gauss": "Gaussian",
    "spiral": "Spiral",
    "reg_plane": "Plane (regression)",
    "reg_gauss": "Multi-Gaussian (regression)",
    "moons": "Moons",
    "spirals": "Spirals (multi-class)",
    "blobs": "Blobs (multi-class)",
}

#: Default configuration (``seed`` and ``net_seed`` are drawn at random when not given).
DEFAULTS = {
    "dataset": "circle",
    "n_classes": 3,
    "noise": 0.0,
    "seed": None,
    "train_ratio": 0.5,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "activations": None,
    "lr": 0.03,
    "batch_size": 10,
    "optimizer": "sgd",
    "momentum": 0.9,
    "regularization": "none",
    "reg_rate": 0.0,
    "dropout": 0.0,
    "discretize": False,
    "show_test": False,
    "speed": "auto",
    "net_seed": None,
}

#: Controls a lesson can lock (disable) or hide, and what each one is.
CONTROLS = {
    "dataset": "the data-set dropdown",
    "n_classes": "the number of classes (multi-class data sets)",
    "noise": "the noise slider",
    "train_ratio": "the train/test ratio slider",
    "regenerate": "the regenerate button",
    "show_test": "the 'show test data' checkbox",
    "discretize": "the 'discretize output' checkbox",
    "features": "the input-feature toggles",
    "layers": "the +/- hidden-layer buttons",
    "neurons": "the +/- neuron buttons",
    "activation": "the activation dropdowns (network and per layer)",
    "play": "the play and pause buttons",
    "step": "the step button",
    "reset": "the reset button",
    "lr": "the learning-rate slider",
    "batch_size": "the batch-size slider",
    "optimizer": "the optimiser dropdown",
    "momentum": "the momentum slider",
    "regularization": "the regularisation dropdown",
    "reg_rate": "the regularisation-rate slider",
    "dropout": "the dropout slider",
    "speed": "the epochs-per-frame dropdown",
    "weights": "editing a weight by clicking a link of the graph",
    "select_neuron": "showing a neuron large by clicking its thumbnail",
}


def new_seed(rng=None) -> int:
    """A fresh seed in [0, 2**31)."""
    rng = np.random.default_rng() if rng is None else rng
    return int(rng.integers(0, 2**31 - 1))


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"config[{name!r}] must be one of {valid}; got {describe(value)}")
    return value


def _check_from(name, value, allowed):
    """A number that must be one of ``allowed`` (compared with a tiny tolerance)."""
    value = check_float(f"config[{name!r}]", value)
    for a in allowed:
        if abs(value - a) <= 1e-9 * max(1.0, abs(a)):
            return a
    shown = ", ".join(format_number(a) for a in allowed)
    raise ValueError(f"config[{name!r}] must be one of {shown}; got {value!r}")


def _check_names(name, values, choices, low=0, high=None):
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise TypeError(f"config[{name!r}] must be a list, got {describe(values)}")
    values = list(values)
    if len(values) < low or (high is not None and len(values) > high):
        raise ValueError(f"config[{name!r}] must have between {low} and {high} entries, got {len(values)}")
    for v in values:
        _check_choice(name, v, choices)
    return values


def _check_hidden(hidden):
    if isinstance(hidden, numbers.Integral) or isinstance(hidden, str) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"config['hidden'] must be a list of layer sizes such as [4, 2], got {describe(hidden)}")
    hidden = list(hidden)
    if len(hidden) > MAX_LAYERS:
        raise ValueError(f"config['hidden'] must have at most {MAX_LAYERS} layers, got {len(hidden)}")
    return [check_int(f"config['hidden'][{i}]", h, low=1, high=MAX_NEURONS) for i, h in enumerate(hidden)]


def _check_features(features):
    out = _check_names("features", features, tuple(FEATURES), low=1, high=len(FEATURES))
    if len(set(out)) != len(out):
        raise ValueError(f"config['features'] must not repeat a feature, got {out}")
    # keep the playground's order of features whatever order they came in
    return [f for f in FEATURES if f in out]


def _check_speed(speed):
    if speed not in SPEEDS or isinstance(speed, bool):
        raise ValueError(f"config['speed'] must be one of {', '.join(map(repr, SPEEDS))}; got {describe(speed)}")
    return speed


#: One checker per key (``activations`` is also checked against ``hidden`` by :func:`check_config`).
CHECKS = {
    "n_classes": lambda v: check_int("config['n_classes']", v, low=N_CLASSES_RANGE[0], high=N_CLASSES_RANGE[1]),
    "noise": lambda v: check_float("config['noise']", v, low=0.0, high=NOISE_MAX),
    "seed": lambda v: new_seed() if v is None else check_int("config['seed']", v, low=0),
    "train_ratio": lambda v: check_float("config['train_ratio']", v, low=TRAIN_RATIO_RANGE[0],
                                         high=TRAIN_RATIO_RANGE[1]),
    "features": _check_features,
    "hidden": _check_hidden,
    "activation": lambda v: _check_choice("activation", v, ACTIVATION_CHOICES),
    "activations": lambda v: _check_names("activations", v, ACTIVATION_CHOICES),
    "lr": lambda v: _check_from("lr", v, LEARNING_RATES),
    "batch_size": lambda v: check_int("config['batch_size']", v, low=BATCH_SIZE_RANGE[0], high=BATCH_SIZE_RANGE[1]),
    "optimizer": lambda v: _check_choice("optimizer", v, tuple(OPTIMIZER_CHOICES)),
    "momentum": lambda v: check_float("config['momentum']", v, low=MOMENTUM_RANGE[0], high=MOMENTUM_RANGE[1]),
    "regularization": lambda v: _check_choice("regularization", v, tuple(REGULARIZATIONS)),
    "reg_rate": lambda v: _check_from("reg_rate", v, REG_RATES),
    "dropout": lambda v: check_float("config['dropout']", v, low=0.0, high=DROPOUT_MAX),
    "discretize": lambda v: check_bool("config['discretize']", v),
    "show_test": lambda v: check_bool("config['show_test']", v),
    "speed": _check_speed,
    "net_seed": lambda v: new_seed() if v is None else check_int("config['net_seed']", v, low=0),
}


def check_dataset_name(value, has_custom_data: bool = False) -> str:
    """Check ``config['dataset']``: a data set's name, or ``"custom"`` when data were passed."""
    datasets = tuple(DATASET_INFO) + ((CUSTOM,) if has_custom_data else ())
    if value == CUSTOM and not has_custom_data:
        raise ValueError("config['dataset'] is 'custom' (your own data): pass data=(X, y) as well")
    return _check_choice("dataset", value, datasets)


def check_config(config, has_custom_data: bool = False) -> dict:
    """Complete ``config`` with the defaults and check every entry; return a new dict.

    Raises
    ------
    TypeError, ValueError
        Naming the key, what was expected and what came; unknown keys are refused (listing valid ones).
    """
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict (such as pg.config) or None, got {describe(config)}")
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown config key {unknown[0]!r}; valid keys: {', '.join(DEFAULTS)}")
    c = {**DEFAULTS, **config}
    if c["activations"] is None:
        c["activations"] = [c["activation"]] * (len(c["hidden"]) if hasattr(c["hidden"], "__len__") else 0)
    out = {"dataset": check_dataset_name(c["dataset"], has_custom_data)}
    for key in DEFAULTS:
        if key != "dataset":
            out[key] = CHECKS[key](c[key])
    if len(out["activations"]) != len(out["hidden"]):
        raise ValueError(
            f"config['activations'] must name one activation per hidden layer ({len(out['hidden'])}), "
            f"got {len(out['activations'])}"
        )
    return out


def check_controls(name: str, names) -> list[str]:
    """Check a list of control names (``locked=``/``hidden=``); the message lists the valid ones."""
    if names is None:
        return []
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"{name} must be a list of control names such as ['dataset', 'lr'], got {describe(names)}")
    names = list(names)
    for n in names:
        if not isinstance(n, str) or n not in CONTROLS:
            raise ValueError(f"unknown control {n!r} in {name}; valid names: {', '.join(CONTROLS)}")
    return names
