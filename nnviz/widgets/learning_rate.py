"""The learning-rate slider: the playground's rates, wired to ``network.optimizer.lr``."""
from __future__ import annotations

from ipywidgets import Layout, SelectionSlider, VBox

from ._common import add_class, check_network, describe, format_number, guarded
from ._config import LEARNING_RATES
from ._style import style_widget
from .status import ReportsErrors, StatusArea

__all__ = ["LearningRateControl"]


class LearningRateControl(ReportsErrors, VBox):
    """A slider over the playground's learning rates (1e-5 … 10) that sets ``network.optimizer.lr``.

    Moving the slider sets ``network.optimizer.lr`` **and nothing else**: training continues from the
    current weights with the new rate at the very next step (as in the playground, no reset).

    Parameters
    ----------
    network : nnviz.core.Network or None
        The network to drive; replace it any time with ``control.network = other``.
    value : float or None
        Initial rate, written into ``network.optimizer.lr`` at once (the slider shows what trains);
        None takes the network's current rate (or 0.03 without a network). A rate that is not one of
        ``rates`` is added to the slider.
    rates : sequence of float, default the playground's
        ``(1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)``.
    status : StatusArea or None
        Where errors are shown (a new one, below the slider, when None).

    Attributes
    ----------
    slider : ipywidgets.SelectionSlider
        CSS class ``nnviz-lr``.

    Examples
    --------
    >>> net = Network.mlp(2, [4, 2], seed=0)
    >>> lr = LearningRateControl(net)
    >>> lr.value = 0.3
    >>> net.optimizer.lr
    0.3
    """

    def __init__(self, network=None, value=None, rates=LEARNING_RATES, status: StatusArea | None = None):
        self._network = check_network(network, allow_none=True)
        rates = self._check_rates(rates)
        if value is None:
            value = self._network.optimizer.lr if self._network is not None else 0.03
        value = self._check_value(value)
        self.slider = SelectionSlider(
            options=self._options(rates, value),
            value=value,
            description="Learning rate",
            continuous_update=True,
            style={"description_width": "initial"},
            layout=Layout(width="250px"),
        )
        add_class(self.slider, "nnviz-lr")
        if self._network is not None:
            self._network.optimizer.lr = value  # what the slider shows is what trains
        own_status = status is None
        self.status = StatusArea() if own_status else status
        super().__init__([self.slider] + ([style_widget(), self.status] if own_status else []))
        self.slider.observe(self._on_slider, "value")

    # -- checks ---------------------------------------------------------------------------------
    @staticmethod
    def _check_rates(rates):
        if isinstance(rates, str) or not hasattr(rates, "__iter__"):
            raise TypeError(f"rates must be a sequence of positive numbers, got {describe(rates)}")
        rates = sorted({float(LearningRateControl._check_value(r, "rates")) for r in rates})
        if not rates:
            raise ValueError("rates must contain at least one learning rate, got an empty sequence")
        return rates

    @staticmethod
    def _check_value(value, name="value"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value != value:
            raise ValueError(f"{name} must be a learning rate > 0, got {describe(value)}")
        return float(value)

    @staticmethod
    def _options(rates, value):
        values = sorted(set(rates) | {value})
        return [(format_number(r), r) for r in values]

    # -- public ---------------------------------------------------------------------------------
    @property
    def network(self):
        """The network whose ``optimizer.lr`` the slider sets (or None)."""
        return self._network

    @network.setter
    def network(self, network) -> None:
        self._network = check_network(network, allow_none=True)
        if self._network is None:
            return
        lr = self._network.optimizer.lr
        # show the new network's rate without writing anything back to it (changing the options
        # resets the slider, so the observer is off for both assignments)
        self.slider.unobserve(self._on_slider, "value")
        try:
            if lr not in self.rates:
                self.slider.options = self._options(self.rates, lr)
            self.slider.value = lr
        finally:
            self.slider.observe(self._on_slider, "value")

    @property
    def value(self) -> float:
        """The rate on the slider."""
        return self.slider.value

    @value.setter
    def value(self, value) -> None:
        value = self._check_value(value)
        options = [v for _, v in self.slider.options]
        if value not in options:
            raise ValueError(f"value must be one of the slider's rates {options}, got {value!r}")
        self.slider.value = value

    @property
    def rates(self) -> list[float]:
        return [v for _, v in self.slider.options]

    @guarded
    def _on_slider(self, change) -> None:
        if self._network is not None:
            self._network.optimizer.lr = change["new"]

    def __repr__(self) -> str:
        return f"LearningRateControl(lr={format_number(self.value)}, network={'set' if self._network else 'None'})"
