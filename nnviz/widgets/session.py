"""A training session: one network, its data and its settings, trained live; views observe it.

Every explorer trains a network and redraws views of it. :class:`TrainingSession` is that machinery
once: it owns the network, the data and the training settings (traits), runs play / pause /
step(n) / reset, paces frames to what the browser draws (:class:`~nnviz.widgets._loop.FrameLoop`),
stops at a divergence and warns while the loss is unstable. Views observe its traits (``network``,
``epoch``, ``playing``, ``status``, ``warning``...) and its events (:meth:`on_frame`,
:meth:`on_epoch`, :meth:`on_batch`); an explorer is a layout of views on one (or a few) sessions::

    session = TrainingSession(net, X_train, y_train, X_test, y_test, features=["x1", "x2"])
    session.add_view(DecisionBoundaryPlot(net, X_train, y_train, X_test, y_test))   # redrawn every frame
    session.add_view(LossChart(net), every=0.2)          # at most 5 times a second while playing
    session.observe(lambda change: print(change["new"]), "network")   # a replaced network
    session.on_batch(lambda batch: batch.samples)        # which points formed each mini-batch
    session.step(10)                      # headless: 10 epochs now
    session.play()                        # in Jupyter: trains in the background
    session.track_views(explorer)         # ...and stops when the explorer is shown nowhere any more

Several networks side by side (one per learning rate, say) are several sessions driven by one
:class:`SessionGroup`, so they advance together on one loop.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from traitlets import Bool, HasTraits, Instance, Int, Float, Unicode, Union, observe, validate

from nnviz.analysis import STABILITY_MESSAGES, loss_stability
from nnviz.core import SGD, Adam, DivergedError, Dropout, Network

from ._common import check_float, check_int, describe, format_number, one_blas_thread
from ._loop import FrameLoop

__all__ = ["BatchEvent", "FrameEvent", "SessionGroup", "TrainingSession", "ViewTracker"]

#: Seconds of training per frame aimed at with ``speed="auto"``.
TRAIN_BUDGET = 0.015
MAX_EPOCHS_PER_FRAME = 50
#: Optimiser kinds: ``"momentum"`` is SGD with momentum.
OPTIMIZER_KINDS = ("sgd", "momentum", "adam")
REGULARIZATION_KINDS = ("none", "l1", "l2")
SPEED_CHOICES = ("auto", 1, 2, 5, 10, 25)
#: Epochs the loss must misbehave before the instability warning shows (see nnviz.analysis.loss_stability).
STABILITY_WINDOW = 5
#: The values of :attr:`TrainingSession.status`.
STATUSES = ("paused", "playing", "diverged", "closed")


@dataclass(frozen=True)
class FrameEvent:
    """What :meth:`TrainingSession.on_frame` callbacks receive after every training call.

    Attributes
    ----------
    session : TrainingSession
    epochs : int
        Epochs trained by this call (0 after a divergence in its first epoch).
    playing : bool
        True for a frame of the background loop (a view may then skip a costly redraw now and then),
        False after :meth:`~TrainingSession.step`, a pause or a reset (draw everything).
    """

    session: "TrainingSession"
    epochs: int
    playing: bool


@dataclass(frozen=True)
class BatchEvent:
    """What :meth:`TrainingSession.on_batch` callbacks receive after every mini-batch update.

    Attributes
    ----------
    session : TrainingSession
    epoch : int
        The epoch the batch belongs to, counted from 1.
    batch : int
        Index of the batch in its epoch, from 0.
    samples : numpy.ndarray of shape (batch_size,)
        Indices into the training data (``session.X_train``) of the samples that formed the batch.
    loss : float
        The batch's data loss before the update.
    """

    session: "TrainingSession"
    epoch: int
    batch: int
    samples: np.ndarray
    loss: float


class _View:
    """A view kept on a session, with its redraw interval and when it was last drawn."""

    __slots__ = ("widget", "every", "drawn_at")

    def __init__(self, widget, every: float):
        self.widget, self.every, self.drawn_at = widget, every, 0.0


def _regularization_of(network: Network) -> tuple[str, float]:
    if network.l1 > 0:
        return "l1", float(network.l1)
    if network.l2 > 0:
        return "l2", float(network.l2)
    return "none", 0.0


def _optimizer_kind(network: Network) -> str:
    opt = network.optimizer
    if isinstance(opt, Adam):
        return "adam"
    return "momentum" if isinstance(opt, SGD) and opt.momentum > 0 else "sgd"


class TrainingSession(HasTraits):
    """One network, its data and its training settings, trained step by step or live in the background.

    **One step is one epoch** (a pass over the training set in mini-batches of ``batch_size``). While
    playing, each frame trains ``speed`` epochs (``"auto"``: about 15 ms of training) and then calls the
    :meth:`on_frame` callbacks, where views redraw; frames are paced to what the browser has drawn
    (see :class:`nnviz.widgets._loop.FrameLoop`), so the kernel stays responsive and a pause shows at
    once. Settings apply at the next step and keep the weights (a new optimiser *kind* starts with a
    fresh state).

    Parameters
    ----------
    network : nnviz.core.Network
        The network to train (replace it any time: ``session.network = other``).
    X_train : array-like of shape (n_samples, n_points)
        Training points (for the Playground's views, the 2-D points before the input features).
    y_train : array-like of shape (n_samples,)
        Labels or targets, as the network's loss expects.
    X_test, y_test : array-like or None
        Test data, evaluated after every epoch into ``history["val_loss"]``.
    features : sequence of str or None
        Input features (keys of :data:`nnviz.data.FEATURES`) computed from the points; None feeds the
        points to the network as they are.
    lr, batch_size, optimizer, momentum, regularization, reg_rate, dropout, speed
        Initial settings (see the traits); ``lr``, ``optimizer``, ``momentum``, ``regularization`` and
        ``reg_rate`` default to what ``network`` has, ``batch_size`` to 10, ``speed`` to ``"auto"``.
    max_fps : float, default 40
        Frames per second at most while playing.
    name : str, default "session"
        How messages name it (``"playground"``...).

    Attributes
    ----------
    network : Instance(Network)
        The live network. Assigning one (e.g. ``Network.load(path)``) makes every view follow it:
        observe it with ``session.observe(callback, "network")``.
    lr : Float
        Learning rate (> 0) of ``network.optimizer``.
    batch_size : Int
        Samples per update (>= 1).
    optimizer : Unicode
        ``"sgd"``, ``"momentum"`` (SGD with momentum) or ``"adam"``.
    momentum : Float
        SGD's momentum in [0, 0.99] (used when ``optimizer == "momentum"``).
    regularization : Unicode
        ``"none"``, ``"l1"`` or ``"l2"``; ``reg_rate`` (Float >= 0) is its rate.
    dropout : Float
        Rate in [0, 0.9] of the network's Dropout layers (a network without any is not changed).
    speed : Union(Unicode, Int)
        Epochs per frame while playing, or ``"auto"``.
    epoch : Int (read-only)
        ``network.epoch_``, updated after every training call.
    playing : Bool (read-only)
        True while the background loop runs.
    status : Unicode (read-only)
        ``"paused"``, ``"playing"``, ``"diverged"`` or ``"closed"``.
    diverged : Unicode or None (read-only)
        The core's message of the last divergence (cleared by the next successful step, play or reset).
    warning : Unicode (read-only)
        ``""``, or a plain sentence while the loss is unstable (see
        :func:`nnviz.analysis.loss_stability`): training goes on, the warning clears when it settles.
    message : Unicode (read-only)
        The last thing worth telling the learner (a divergence, why the loop stopped), or "".

    Views and events: :meth:`add_view` keeps a view on the session (it follows ``network`` and the
    data and redraws on frames); :meth:`on_frame`, :meth:`on_epoch` and :meth:`on_batch` register
    callbacks; traits are observed as usual (``session.observe(callback, "network")``).
    :meth:`track_views` stops the loop when the widget showing it is gone; :meth:`close` ends it.

    Examples
    --------
    >>> from nnviz.core import Network
    >>> from nnviz.data import make_dataset, train_test_split
    >>> X, y = make_dataset("xor", seed=0)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, seed=0)
    >>> net = Network.mlp(2, [4], seed=0)
    >>> session = TrainingSession(net, X_tr, y_tr, X_te, y_te, features=["x1", "x2"], lr=0.1)
    >>> session.step(20)          # returns the epochs done
    20
    >>> session.epoch, session.status
    (20, 'paused')
    """

    network = Instance(Network, help="The live network; assign one and every view follows it.")
    lr = Float(0.03, help="Learning rate of network.optimizer (> 0).")
    batch_size = Int(10, help="Samples per update (>= 1).")
    optimizer = Unicode("sgd", help="'sgd', 'momentum' or 'adam'.")
    momentum = Float(0.9, help="SGD momentum in [0, 0.99].")
    regularization = Unicode("none", help="'none', 'l1' or 'l2'.")
    reg_rate = Float(0.0, help="Regularisation rate (>= 0).")
    dropout = Float(0.0, help="Rate of the network's Dropout layers, in [0, 0.9].")
    speed = Union([Unicode(), Int()], default_value="auto", help="Epochs per frame while playing, or 'auto'.")
    epoch = Int(0, read_only=True, help="network.epoch_ after the last training call.")
    playing = Bool(False, read_only=True, help="True while the background loop runs.")
    status = Unicode("paused", read_only=True, help="'paused', 'playing', 'diverged' or 'closed'.")
    diverged = Unicode(None, allow_none=True, read_only=True, help="Message of the last divergence, or None.")
    warning = Unicode("", read_only=True, help="A plain sentence while the loss is unstable, else ''.")
    message = Unicode("", read_only=True, help="The last thing worth telling the learner, or ''.")

    def __init__(self, network, X_train, y_train, X_test=None, y_test=None, *, features=None, lr=None,
                 batch_size: int = 10, optimizer=None, momentum=None, regularization=None, reg_rate=None,
                 dropout=None, speed="auto", max_fps: float = 40.0, name: str = "session"):
        if not isinstance(network, Network):
            raise TypeError(f"network must be an nnviz.core.Network, got {describe(network)}")
        if isinstance(max_fps, bool) or not isinstance(max_fps, (int, float)) or not 0 < max_fps <= 120:
            raise ValueError(f"max_fps must be a number in (0, 120], got {describe(max_fps)}")
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {describe(name)}")
        super().__init__()
        self.name = name
        self._syncing = False
        self._closed = False
        self._epoch_seconds: float | None = None
        self._start_loss: float | None = None  # the training loss before the first epoch
        self._frame_callbacks: list = []
        self._views_shown: list = []  # views kept on this session (add_view)
        self._epoch_callbacks: list = []
        self._batch_callbacks: list = []
        self._epoch_steps = None  # the epoch in progress when stepping batch by batch (an EpochIterator)
        self._features = None
        self._start_loss = None
        self.set_data(X_train, y_train, X_test, y_test, features=features, network=network)
        kind, rate = _regularization_of(network)
        opt = network.optimizer
        self._syncing = True
        try:
            self.network = network
            self.optimizer = optimizer if optimizer is not None else _optimizer_kind(network)
            self.momentum = momentum if momentum is not None else (
                opt.momentum if isinstance(opt, SGD) and opt.momentum > 0 else 0.9)
            self.regularization = regularization if regularization is not None else kind
            self.reg_rate = reg_rate if reg_rate is not None else rate
            self.lr = lr if lr is not None else float(opt.lr)
            self.batch_size = batch_size
            self.dropout = dropout if dropout is not None else self._network_dropout(network)
            self.speed = speed
        finally:
            self._syncing = False
        self._apply_settings(fresh_optimizer=optimizer is not None and optimizer != _optimizer_kind(network))
        self._loop = FrameLoop(self._play_frame, on_finish=self._on_loop_finish, max_fps=max_fps)
        self._views = ViewTracker(self._loop, self._on_views_gone)
        self._set("epoch", network.epoch_)

    # ================================================================== data
    def set_data(self, X_train, y_train, X_test=None, y_test=None, features=None, network=None) -> None:
        """Use new data (and input features, when given) from the next step; the network is kept.

        The arrays are checked against the network: one input per feature (or per column of the
        points when ``features`` is None). ``network``: the network about to be assigned to
        :attr:`network` (checked against the data instead; the views get the data with it). Without
        it, the views added with :meth:`add_view` get the new data at once.
        """
        from nnviz.data import make_features

        current = self._trait_values.get("network")  # None while the session is being built
        network = current if network is None else network
        if features is not None and network is current and len(tuple(features)) != network.n_inputs:
            raise ValueError(f"features must name one input per network input ({network.n_inputs}), "
                             f"got {len(tuple(features))}: pass the new network as well")
        features = self._features if features is None else tuple(features)
        X_train = np.asarray(X_train)
        y_train = np.asarray(y_train)
        if X_train.ndim != 2 or len(X_train) != len(y_train) or len(X_train) == 0:
            raise ValueError(f"X_train must be of shape (n_samples, n_points) with one label per sample, got "
                             f"X_train of shape {X_train.shape} and y_train of shape {y_train.shape}")
        if (X_test is None) != (y_test is None):
            raise ValueError("X_test and y_test must be given together (or both None)")
        F_train = X_train if features is None else make_features(X_train, features)
        F_test = None
        if X_test is not None:
            X_test, y_test = np.asarray(X_test), np.asarray(y_test)
            F_test = X_test if features is None else make_features(X_test, features)
        if F_train.shape[1] != network.n_inputs:
            raise ValueError(f"the network has {network.n_inputs} inputs but the data give {F_train.shape[1]} "
                             f"(features {list(features) if features else None})")
        self._features = features
        self._epoch_steps = None  # an epoch in progress was on the old data: its updates stay, it is not counted
        self.X_train, self.y_train, self.X_test, self.y_test = X_train, y_train, X_test, y_test
        self._F_train, self._F_test = F_train, F_test
        self._start_loss = None  # the yardstick of the stability rule was measured on the old data
        if network is current:  # new data for the same network: the views show them now
            for view in self._views_shown:
                if hasattr(view.widget, "set_data"):
                    view.widget.set_data(X_train, y_train, X_test, y_test)

    @property
    def features(self) -> tuple | None:
        """The input features computed from the points (None: the points themselves)."""
        return self._features

    @property
    def inputs(self) -> tuple:
        """``(F_train, F_test)``: what the network is fed (features of the points)."""
        return self._F_train, self._F_test

    @property
    def history(self):
        """The live network's :class:`~nnviz.core.History`."""
        return self.network.history

    # ================================================================== settings (traits)
    def _set(self, name, value) -> None:
        self.set_trait(name, value)

    @validate("network")
    def _check_network(self, proposal):
        net = proposal["value"]
        self._check_open()
        F = getattr(self, "_F_train", None)
        if F is not None and F.shape[1] != net.n_inputs:
            raise ValueError(
                f"network must have one input per input feature ({F.shape[1]}: "
                f"{', '.join(self._features) if self._features else 'the data columns'}), "
                f"got {describe(net)} with {net.n_inputs}")
        return net

    @validate("lr")
    def _check_lr(self, proposal):
        return check_float("lr", proposal["value"], low=0.0, low_open=True)

    @validate("batch_size")
    def _check_batch_size(self, proposal):
        return check_int("batch_size", proposal["value"], low=1)

    @validate("optimizer")
    def _check_optimizer(self, proposal):
        return self._check_kind("optimizer", proposal["value"], OPTIMIZER_KINDS)

    @validate("momentum")
    def _check_momentum(self, proposal):
        return check_float("momentum", proposal["value"], low=0.0, high=0.99)

    @validate("regularization")
    def _check_regularization(self, proposal):
        return self._check_kind("regularization", proposal["value"], REGULARIZATION_KINDS)

    @validate("reg_rate")
    def _check_reg_rate(self, proposal):
        return check_float("reg_rate", proposal["value"], low=0.0)

    @validate("dropout")
    def _check_dropout(self, proposal):
        return check_float("dropout", proposal["value"], low=0.0, high=0.9)

    @validate("speed")
    def _check_speed(self, proposal):
        value = proposal["value"]
        if isinstance(value, bool) or value not in SPEED_CHOICES:
            raise ValueError(f"speed must be one of {', '.join(map(repr, SPEED_CHOICES))}; got {describe(value)}")
        return value

    @staticmethod
    def _check_kind(name, value, choices):
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {describe(value)}")
        return value

    @staticmethod
    def _network_dropout(network) -> float:
        rates = [layer.p for layer in network.layers if isinstance(layer, Dropout)]
        return float(rates[0]) if rates else 0.0

    def make_optimizer(self):
        """A fresh optimiser for the current settings (``optimizer``, ``lr``, ``momentum``)."""
        if self.optimizer == "adam":
            return Adam(self.lr)
        return SGD(self.lr, momentum=self.momentum if self.optimizer == "momentum" else 0.0)

    def _apply_settings(self, fresh_optimizer: bool = False) -> None:
        """Write every setting into the network (the optimiser object is kept unless its kind changed)."""
        net = self.network
        if fresh_optimizer:
            net.optimizer = self.make_optimizer()
        net.optimizer.lr = self.lr
        if isinstance(net.optimizer, SGD):
            net.optimizer.momentum = self.momentum if self.optimizer == "momentum" else 0.0
        net.l1 = self.reg_rate if self.regularization == "l1" else 0.0
        net.l2 = self.reg_rate if self.regularization == "l2" else 0.0
        for layer in net.layers:
            if isinstance(layer, Dropout):
                layer.p = self.dropout

    @observe("lr", "momentum", "regularization", "reg_rate", "dropout")
    def _on_setting(self, change) -> None:
        if not self._syncing:
            self._apply_settings()

    @observe("optimizer")
    def _on_optimizer(self, change) -> None:
        if self._syncing:
            return
        old, new = change["old"], change["new"]
        # SGD and SGD + momentum are the same object (its state is kept); Adam is another kind
        self._apply_settings(fresh_optimizer=not ({old, new} <= {"sgd", "momentum"}))

    @observe("network")
    def _on_network(self, change) -> None:
        """A new network: the settings traits show its settings (nothing is written back to it)."""
        net = change["new"]
        # a loop that is playing goes on with the new network at its next frame
        self._epoch_steps = None  # the old network's epoch in progress is dropped
        self._epoch_seconds = None
        self._start_loss = None
        self._set("diverged", None)
        self._set("warning", "")
        self._set("message", "")
        self._set("status", "playing" if self.playing else "paused")
        self._set("epoch", net.epoch_)
        if self._syncing:
            self._show_network(net)
            return
        kind, rate = _regularization_of(net)
        wanted = [("optimizer", _optimizer_kind(net)), ("lr", float(net.optimizer.lr)), ("regularization", kind)]
        if isinstance(net.optimizer, SGD) and net.optimizer.momentum > 0:
            wanted.append(("momentum", float(net.optimizer.momentum)))
        if kind != "none":
            wanted.append(("reg_rate", rate))
        if any(isinstance(layer, Dropout) for layer in net.layers):
            wanted.append(("dropout", self._network_dropout(net)))
        refused = []
        self._syncing = True
        try:
            for name, value in wanted:
                try:
                    setattr(self, name, value)
                except (TypeError, ValueError):
                    refused.append(f"{name}={value!r}")
        finally:
            self._syncing = False
        if refused:
            # a setting this session does not offer: the session's own value is written to the network
            self._apply_settings(fresh_optimizer=_optimizer_kind(net) != self.optimizer)
            self._set("message", f"The new network's {', '.join(refused)} is not offered here; it trains with "
                                 f"{', '.join(f'{n.split(chr(61))[0]}={getattr(self, n.split(chr(61))[0])!r}' for n in refused)}.")
        self._show_network(net)

    def config(self) -> dict:
        """The training settings as plain JSON-safe data (``lr``, ``batch_size``... ``speed``)."""
        return {name: getattr(self, name) for name in
                ("lr", "batch_size", "optimizer", "momentum", "regularization", "reg_rate", "dropout", "speed")}

    # ================================================================== events
    @staticmethod
    def _register(registry: list, callback, remove: bool, what: str) -> None:
        if not callable(callback):
            raise TypeError(f"{what} callback must be callable, got {describe(callback)}")
        if remove:
            if callback in registry:
                registry.remove(callback)
        elif callback not in registry:
            registry.append(callback)

    def on_frame(self, callback, remove: bool = False) -> None:
        """Call ``callback(event)`` (a :class:`FrameEvent`) after every training call: each frame
        while playing, each :meth:`step`, a pause, a reset. Views redraw there. ``remove=True``
        unregisters it."""
        self._register(self._frame_callbacks, callback, remove, "on_frame")

    def on_epoch(self, callback, remove: bool = False) -> None:
        """Call ``callback(session, logs)`` after every epoch (``logs`` as in ``network.history``)."""
        self._register(self._epoch_callbacks, callback, remove, "on_epoch")

    def on_batch(self, callback, remove: bool = False) -> None:
        """Call ``callback(event)`` (a :class:`BatchEvent`: which samples formed the batch, its loss)
        after every mini-batch update.

        While any batch callback is registered, ``fit`` reports every update (its ``batch_callbacks``:
        the same shuffling and updates) and trains on the NumPy path, which is slower. :meth:`step_batch`
        calls them too.
        """
        self._register(self._batch_callbacks, callback, remove, "on_batch")

    def add_view(self, view, every: float = 0.0) -> None:
        """Keep ``view`` on this session: it follows :attr:`network` and the data, and redraws on frames.

        Parameters
        ----------
        view : widget
            A view with ``set_network(network, features)`` (or a ``network`` property), optionally
            ``set_data(X_train, y_train, X_test, y_test)`` and ``update()``: every nnviz view
            (:class:`DecisionBoundaryPlot`, :class:`NetworkGraph`, :class:`ActivationHeatmaps`,
            :class:`LossChart`, :class:`LearningRateControl`).
        every : float, default 0
            While playing, redraw it at most this often (seconds); after a step, a pause or a
            replaced network it is always redrawn.
        """
        every = check_float("every", every, low=0.0)
        if not (hasattr(view, "set_network") or hasattr(view, "network")):
            raise TypeError(f"view must have set_network(network, features) or a network property, got {describe(view)}")
        self.remove_view(view)
        self._views_shown.append(_View(view, every))

    def remove_view(self, view) -> None:
        """Stop keeping ``view`` on this session (no-op if it was not added)."""
        self._views_shown = [v for v in self._views_shown if v.widget is not view]

    def redraw(self, playing: bool = False) -> None:
        """Redraw the added views now (while ``playing``, those whose ``every`` has not passed wait)."""
        now = time.perf_counter()
        with one_blas_thread():
            for view in self._views_shown:
                if hasattr(view.widget, "update") and (not playing or now - view.drawn_at >= view.every):
                    view.widget.update()
                    view.drawn_at = now

    def _show_network(self, network) -> None:
        for view in self._views_shown:
            widget = view.widget
            if hasattr(widget, "set_network"):
                if self._features is not None:
                    widget.set_network(network, list(self._features))
                else:
                    widget.set_network(network)
            else:
                widget.network = network
            if hasattr(widget, "set_data"):
                widget.set_data(self.X_train, self.y_train, self.X_test, self.y_test)
        self.redraw()

    def _notify_frame(self, epochs: int, playing: bool) -> None:
        self.redraw(playing)
        event = FrameEvent(self, epochs, playing)
        for callback in list(self._frame_callbacks):
            callback(event)

    # ================================================================== training
    def epochs_per_frame(self) -> int:
        """Epochs the next frame trains: ``speed``, or for ``"auto"`` about 15 ms of them."""
        if self.speed != "auto":
            return int(self.speed)
        if self._epoch_seconds is None:
            return 1
        return int(max(1, min(MAX_EPOCHS_PER_FRAME, TRAIN_BUDGET / max(self._epoch_seconds, 1e-6))))

    def train(self, epochs: int) -> int:
        """Train ``epochs`` epochs now, without redrawing; returns how many were done.

        A divergence stops early: the core rolls the weights back, the session pauses and records it
        (:attr:`status` ``"diverged"``, :attr:`diverged`, :attr:`message`). After training, the loss
        curve is checked for instability (:attr:`warning`).

        An epoch in progress (see :meth:`step_batch`) is finished first, batch by batch, and counts as
        the first of the ``epochs``: after two "step batch" clicks, "step epoch" completes that epoch.
        """
        self._check_open()
        epochs = check_int("epochs", epochs, low=0)
        net = self.network
        before = net.epoch_
        if epochs and self._epoch_steps is not None:
            epochs = epochs - 1 if self._finish_epoch_in_progress() else 0
        fit_from, step_before = net.epoch_, net.step_
        if epochs:
            self._measure_start_loss()
        started = time.perf_counter()
        try:
            if epochs:
                with one_blas_thread():
                    # with batch callbacks the core's fit reports every update (and trains on NumPy)
                    net.fit(self._F_train, self.y_train, epochs=epochs, batch_size=self.batch_size,
                            validation_data=self._validation(), callbacks=self._epoch_hooks(),
                            batch_callbacks=self._batch_hooks())
        except DivergedError as exc:
            steps_per_epoch = math.ceil(len(self._F_train) / self.batch_size)
            self._on_diverged(exc, epoch=fit_from + max(1, math.ceil((exc.step - step_before) / steps_per_epoch)))
        done = net.epoch_ - before
        if done > 0:
            seconds = (time.perf_counter() - started) / done
            self._epoch_seconds = seconds if self._epoch_seconds is None else 0.7 * self._epoch_seconds + 0.3 * seconds
            if self.diverged is None:
                self._set("message", "")
        self._set("epoch", net.epoch_)
        self._check_stability()
        return done

    def _measure_start_loss(self) -> None:
        """Before the first epoch: where training starts, the yardstick of the instability rule (the first
        epoch's loss may already be near the end of a quick descent)."""
        if not len(self.network.history) and self._start_loss is None:
            with one_blas_thread():
                loss = self.network.evaluate(self._F_train, self.y_train)[0]
            self._start_loss = loss if math.isfinite(loss) else None

    # ------------------------------------------------------------------ batch by batch
    def step_batch(self) -> BatchEvent | None:
        """One update on the next mini-batch of the epoch in progress (a new epoch, shuffled as ``fit``
        shuffles it, when none is), then the views redraw; returns its :class:`BatchEvent`.

        The epoch is the core's :meth:`Network.iter_epoch <nnviz.core.Network.iter_epoch>`, so stepping
        every batch of an epoch is :meth:`step` ``(1)`` bit for bit: the :meth:`on_batch` callbacks get
        each update, and after the last batch the epoch ends as in ``fit`` (evaluated, in ``history``,
        :meth:`on_epoch` callbacks, :attr:`epoch` counted, the instability check). ``batch_size`` and the
        other settings act at the next batch, mid-epoch too (the epoch keeps its order).
        :meth:`train`, :meth:`step` and :meth:`play` finish an epoch in progress first; :meth:`reset`,
        new data or a new network drop it (its updates stay, it is not counted).

        Returns
        -------
        BatchEvent or None
            None when training diverged (in this update or at the epoch end it closed): the weights
            were rolled back and :attr:`status` is ``"diverged"``, as after :meth:`train`.
        """
        self._check_open()
        if self._loop.running:
            self.pause(redraw=False)
        self._set("diverged", None)
        if self.status == "diverged":
            self._set("status", "paused")
        before = self.network.epoch_
        event = self._train_batch()
        if self.diverged is None:
            self._set("message", "")
        self._notify_frame(self.network.epoch_ - before if event is not None else 0, playing=False)
        return event

    @property
    def batch_in_epoch(self) -> int:
        """Updates done in the epoch in progress (0 between epochs)."""
        return 0 if self._epoch_steps is None else self._epoch_steps.batches_done

    @property
    def epoch_order(self) -> np.ndarray | None:
        """The order of the training samples (indices into :attr:`X_train`) in the epoch in progress:
        its batches are consecutive slices of it, ``batch_in_epoch`` of them done; None between epochs."""
        return None if self._epoch_steps is None else self._epoch_steps.order.copy()

    def _train_batch(self) -> BatchEvent | None:
        """The next update of the epoch in progress (started if none is); the epoch end after its last."""
        net = self.network
        if self._epoch_steps is None:
            self._measure_start_loss()
            self._epoch_steps = net.iter_epoch(self._F_train, self.y_train, batch_size=self.batch_size,
                                               validation_data=self._validation(), callbacks=self._epoch_hooks())
        steps = self._epoch_steps
        steps.batch_size = self.batch_size
        epoch = net.epoch_ + 1
        try:
            with one_blas_thread():
                logs = next(steps)
            event = BatchEvent(self, logs["epoch"], logs["batch"], logs["batch_indices"], float(logs["loss"]))
            for callback in list(self._batch_callbacks):
                callback(event)
            if steps.at_end:
                with one_blas_thread():
                    next(steps, None)  # the epoch end, exactly fit's
        except DivergedError as exc:
            self._epoch_steps = None
            self._on_diverged(exc, epoch=epoch)
            self._set("epoch", net.epoch_)
            return None
        if steps.finished:
            self._epoch_steps = None
            self._set("epoch", net.epoch_)
            self._check_stability()
        return event

    def _finish_epoch_in_progress(self) -> bool:
        """The rest of the epoch in progress, batch by batch; False if it diverged."""
        while self._epoch_steps is not None:
            if self._train_batch() is None:
                return False
        return True

    def _validation(self):
        return None if self._F_test is None else (self._F_test, self.y_test)

    def _epoch_hooks(self) -> list:
        if not self._epoch_callbacks:
            return []
        return [lambda _net, logs: [cb(self, logs) for cb in list(self._epoch_callbacks)]]

    def _batch_hooks(self) -> list:
        """The core's per-update logs turned into :class:`BatchEvent` for the session's batch callbacks."""
        if not self._batch_callbacks:
            return []

        def hook(_net, logs):
            event = BatchEvent(self, logs["epoch"], logs["batch"], logs["batch_indices"], float(logs["loss"]))
            for callback in list(self._batch_callbacks):
                callback(event)

        return [hook]

    def _on_diverged(self, exc: DivergedError, epoch: int | None = None) -> None:
        self._set("diverged", str(exc))
        when = "" if epoch is None else f" in epoch {epoch}"
        self._set("message", f"Diverged{when}: learning rate {format_number(exc.lr)} is too high. Weights rolled "
                             f"back to epoch {self.network.epoch_} — lower the learning rate and play, or reset.")
        self._loop.stop()
        self._set("playing", False)
        self._set("status", "diverged")

    def _check_stability(self) -> None:
        # the rule reads the first loss and the last few: pass only those (a frame stays O(1) in epochs)
        history = self.network.history["loss"]
        start = history[:1] if self._start_loss is None else [self._start_loss]
        losses = [v for v in start + history[1:][-(STABILITY_WINDOW + 1):] if v is not None and math.isfinite(v)]
        verdict = loss_stability(losses, window=STABILITY_WINDOW) if losses else "stable"
        self._set("warning", STABILITY_MESSAGES[verdict])

    # ================================================================== play / pause / step / reset
    def play(self) -> None:
        """Train continuously in the background (needs a running asyncio loop, as in Jupyter).

        An epoch in progress (:meth:`step_batch`) is finished first, at once.
        """
        self._check_open()
        if self._loop.running:
            return
        if self._epoch_steps is not None:
            self._set("diverged", None)
            self.train(1)
            if self.status == "diverged":
                self._notify_frame(0, playing=False)
                return
        self._loop.start()
        self._set("diverged", None)
        self._set("message", "")
        self._set("playing", True)
        self._set("status", "playing")

    def pause(self, redraw: bool = True) -> None:
        """Stop training after the current frame; ``redraw`` calls the frame callbacks once more."""
        was_running = self._loop.running if hasattr(self, "_loop") else False
        if hasattr(self, "_loop"):
            self._loop.stop()
        if self.playing:
            self._set("playing", False)
        if self.status == "playing":
            self._set("status", "paused")
        if was_running and redraw and not self._closed:
            self._notify_frame(0, playing=False)

    def step(self, n: int = 1) -> int:
        """Train ``n`` epochs now (synchronously), then call the frame callbacks; returns the epochs done."""
        n = check_int("n", n, low=1)
        self._check_open()
        if self._loop.running:
            self.pause(redraw=False)
        self._set("diverged", None)
        if self.status == "diverged":
            self._set("status", "paused")
        done = self.train(n)
        self._notify_frame(done, playing=False)
        return done

    def reset(self, seed=None) -> None:
        """New initial weights (from ``seed``, or the network's generator), epoch 0, empty history;
        data and settings are kept (the network object too)."""
        self._check_open()
        self.pause(redraw=False)
        self._epoch_steps = None  # an epoch in progress is dropped
        self.network.reset(seed)
        self._apply_settings()
        self._epoch_seconds = None
        self._start_loss = None
        for name, value in (("diverged", None), ("warning", ""), ("message", ""), ("status", "paused"),
                            ("epoch", self.network.epoch_)):
            self._set(name, value)
        self._notify_frame(0, playing=False)

    def _play_frame(self) -> bool:
        done = self.train(self.epochs_per_frame())
        self._notify_frame(done, playing=self.diverged is None)
        return self.diverged is None

    def _on_loop_finish(self, error) -> None:
        self._set("playing", False)
        if self.status == "playing":
            self._set("status", "paused")
        if error is not None:
            self._set("message", f"Training stopped: {type(error).__name__}: {error}")
        elif self._loop.browser_gone:
            self._set("message", f"Paused: no browser has drawn this {self.name} for {self._loop.gone_after:g} s.")

    @property
    def loop(self) -> FrameLoop:
        """The background loop (frames, fps, browser round trip)."""
        return self._loop

    # ================================================================== life-cycle
    def track_views(self, widget) -> None:
        """Stop playing when ``widget`` (and every other tracked widget) is shown nowhere any more.

        Sets ``widget._view_count = 0``, which asks the front end to count the widget's views. Once a
        view has been seen, the loop stops when the last one goes: the cell was re-run, its output
        cleared, or the notebook closed.
        """
        self._views.track(widget)

    @property
    def views(self) -> int:
        """Views of the tracked widgets the front end shows now."""
        return self._views.count

    def _on_views_gone(self) -> None:
        if self._loop.running:
            self.pause(redraw=False)
            self._set("message", f"Paused: this {self.name} is no longer shown.")

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if getattr(self, "_closed", False):
            raise RuntimeError(f"this {self.name} is closed: create a new one to train again")

    def close(self) -> None:
        """Stop the loop for good and close its widgets; play and step are refused afterwards."""
        if self._closed:
            return
        self.pause(redraw=False)
        self._loop.close()
        self._closed = True
        self._set("status", "closed")

    def __repr__(self) -> str:
        arch = repr(self.network)[len("Network("):].split(", loss=")[0]
        extra = f", {self.warning.split(':')[0]}" if self.warning else ""
        return (f"TrainingSession({arch}; lr={format_number(self.lr)}, batch {self.batch_size}, {self.optimizer}; "
                f"epoch {self.epoch}, {self.status}{extra})")


class ViewTracker:
    """Count the front end's views of some widgets; call ``on_gone()`` when the last one goes.

    ipywidgets counts a widget's views in its ``_view_count`` trait once it is set to 0 (None: not
    counted): the front end adds one when it shows a view and takes one away when the view is removed
    (the cell re-run, the output cleared, the page closed). Once a view has been seen, ``on_gone`` is
    called each time the total over the tracked widgets drops to 0. A view seen also tells ``loop``
    that a front end is there (:attr:`FrameLoop.views_seen`).
    """

    def __init__(self, loop: FrameLoop, on_gone):
        self._loop = loop
        self._on_gone = on_gone
        self._counts: dict = {}
        self.seen = False

    def track(self, widget) -> None:
        widget._view_count = 0
        self._counts[widget.model_id] = 0
        widget.observe(self._on_count, "_view_count")

    @property
    def count(self) -> int:
        return sum(self._counts.values())

    def _on_count(self, change) -> None:
        self._counts[change["owner"].model_id] = int(change["new"] or 0)
        if self.count > 0:
            self.seen = True
            self._loop.displayed = self._loop.views_seen = True
        elif self.seen:
            self._on_gone()

    def __repr__(self) -> str:
        return f"ViewTracker({len(self._counts)} widgets, {self.count} views)"


class SessionGroup:
    """Several sessions trained side by side by one background loop (e.g. one per learning rate).

    Each frame trains every open, not diverged session for its ``epochs_per_frame()`` and calls its
    frame callbacks, so the networks advance together and the browser echoes one frame counter.

    Parameters
    ----------
    sessions : sequence of TrainingSession
    max_fps : float, default 30

    Examples
    --------
    >>> slow, fast = TrainingSession(net_a, X, y, lr=0.01), TrainingSession(net_b, X, y, lr=1.0)  # doctest: +SKIP
    >>> group = SessionGroup([slow, fast])   # doctest: +SKIP
    >>> group.step(10)          # 10 epochs each  # doctest: +SKIP
    >>> group.play()            # in Jupyter      # doctest: +SKIP
    """

    def __init__(self, sessions, max_fps: float = 30.0):
        sessions = list(sessions)
        for i, s in enumerate(sessions):
            if not isinstance(s, TrainingSession):
                raise TypeError(f"sessions[{i}] must be a TrainingSession, got {describe(s)}")
        if not sessions:
            raise ValueError("sessions must hold at least one TrainingSession, got none")
        self.sessions = sessions
        self._loop = FrameLoop(self._frame, on_finish=lambda error: self._set_playing(False), max_fps=max_fps)
        self._views = ViewTracker(self._loop, lambda: self.pause() if self.playing else None)

    def track_views(self, widget) -> None:
        """Pause when ``widget`` (the explorer showing the sessions) is shown nowhere any more."""
        self._views.track(widget)

    def _active(self) -> list:
        return [s for s in self.sessions if not s.closed and s.status != "diverged"]

    def _set_playing(self, playing: bool) -> None:
        for s in self.sessions:
            if not s.closed:
                s._set("playing", playing)
                if s.status in ("paused", "playing"):
                    s._set("status", "playing" if playing else "paused")

    def _frame(self) -> bool:
        active = self._active()
        for s in active:
            done = s.train(s.epochs_per_frame())
            s._notify_frame(done, playing=True)
        return bool(self._active())

    @property
    def playing(self) -> bool:
        return self._loop.running

    def play(self) -> None:
        """Train every session in one background loop."""
        for s in self.sessions:
            s._check_open()
            s.pause(redraw=False)
        self._loop.start()
        self._set_playing(True)

    def pause(self) -> None:
        self._loop.stop()
        self._set_playing(False)
        for s in self._active():
            s._notify_frame(0, playing=False)

    def step(self, n: int = 1) -> None:
        """``n`` epochs for each session."""
        self.pause()
        for s in self.sessions:
            s.step(n)

    def reset(self) -> None:
        self.pause()
        for s in self.sessions:
            s.reset()

    def close(self) -> None:
        self._loop.close()
        for s in self.sessions:
            s.close()

    def __repr__(self) -> str:
        return f"SessionGroup({len(self.sessions)} sessions, {'playing' if self.playing else 'paused'})"
