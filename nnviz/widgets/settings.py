"""The Playground's settings as traits: the data and network ones here, the training ones on its session.

``pg.config`` is the values of these traits (plus the session's training traits), and
``Playground(config=...)`` sets them. Each trait is checked by the same function as a config entry
(:data:`nnviz.widgets._config.CHECKS`), so ``pg.settings.noise = 0.9`` fails with the message
``config['noise'] must be ...`` as the config would. Controls are bound to them with ``link``
(``dlink``/``link(transform=...)`` where a control shows percents). Adding a setting is one trait
here (or on :class:`PlaygroundSession`) and one control.
"""
from __future__ import annotations

from traitlets import Bool, Float, HasTraits, Int, List, Unicode, validate

from ._config import CHECKS, DEFAULTS, check_dataset_name
from .session import TrainingSession

__all__ = ["PlaygroundSession", "PlaygroundSettings", "SESSION_KEYS", "SETTINGS_KEYS"]

#: Config keys held by the session (training) and by :class:`PlaygroundSettings` (data, network, view).
SESSION_KEYS = ("lr", "batch_size", "optimizer", "momentum", "regularization", "reg_rate", "dropout", "speed")
SETTINGS_KEYS = tuple(k for k in DEFAULTS if k not in SESSION_KEYS)


class PlaygroundSettings(HasTraits):
    """Data, network and view settings of a Playground, one trait per config key.

    Parameters
    ----------
    config : dict
        A complete, checked config (:func:`nnviz.widgets._config.check_config`); only the keys of
        :data:`SETTINGS_KEYS` are read.
    has_custom_data : bool
        Whether ``dataset="custom"`` (the data passed to the Playground) is allowed.
    """

    dataset = Unicode(DEFAULTS["dataset"], help="Data set name, or 'custom' (your data).")
    n_classes = Int(DEFAULTS["n_classes"], help="Classes of a multi-class data set (2-8).")
    noise = Float(DEFAULTS["noise"], help="Noise of the generated data, 0-0.5.")
    seed = Int(0, help="Seed of the data (generation and train/test split).")
    train_ratio = Float(DEFAULTS["train_ratio"], help="Fraction of the points used for training, 0.1-0.9.")
    features = List(Unicode(), default_value=list(DEFAULTS["features"]), help="Input features.")
    hidden = List(Int(), default_value=list(DEFAULTS["hidden"]), help="Neurons per hidden layer.")
    activation = Unicode(DEFAULTS["activation"], help="Activation of the whole network.")
    activations = List(Unicode(), default_value=["tanh", "tanh"], help="Activation per hidden layer.")
    discretize = Bool(DEFAULTS["discretize"], help="Show the output as classes, not probabilities.")
    show_test = Bool(DEFAULTS["show_test"], help="Show the test points on the map.")
    net_seed = Int(0, help="Seed of the initial weights.")

    def __init__(self, config: dict, has_custom_data: bool = False):
        super().__init__()
        self.has_custom_data = bool(has_custom_data)
        with self.hold_trait_notifications():
            for key in SETTINGS_KEYS:
                setattr(self, key, config[key])

    @validate("dataset")
    def _v_dataset(self, proposal):
        return check_dataset_name(proposal["value"], getattr(self, "has_custom_data", False))

    @validate("n_classes", "noise", "seed", "train_ratio", "features", "hidden", "activation", "activations",
              "discretize", "show_test", "net_seed")
    def _v_entry(self, proposal):
        return CHECKS[proposal["trait"].name](proposal["value"])

    def values(self) -> dict:
        """``{key: value}`` for :data:`SETTINGS_KEYS` (plain lists, JSON-safe)."""
        return {k: list(getattr(self, k)) if isinstance(getattr(self, k), list) else getattr(self, k)
                for k in SETTINGS_KEYS}

    def __repr__(self) -> str:
        return "PlaygroundSettings(" + ", ".join(f"{k}={v!r}" for k, v in self.values().items()) + ")"


class PlaygroundSession(TrainingSession):
    """The Playground's :class:`TrainingSession`: the same traits, limited to what its controls offer
    (the playground's learning and regularisation rates, batch sizes 1-30...), with the config's
    messages (``config['lr'] must be one of 0.00001, ...``)."""

    @validate("lr")
    def _check_lr(self, proposal):
        return CHECKS["lr"](proposal["value"])

    @validate("batch_size")
    def _check_batch_size(self, proposal):
        return CHECKS["batch_size"](proposal["value"])

    @validate("reg_rate")
    def _check_reg_rate(self, proposal):
        return CHECKS["reg_rate"](proposal["value"])

    @validate("momentum")
    def _check_momentum(self, proposal):
        return CHECKS["momentum"](proposal["value"])

    @validate("dropout")
    def _check_dropout(self, proposal):
        return CHECKS["dropout"](proposal["value"])

    @validate("speed")
    def _check_speed(self, proposal):
        return CHECKS["speed"](proposal["value"])
