"""The data column of the Playground: data set, classes, train/test ratio, noise, regenerate, and the
output options (show test data, discretize output)."""
from __future__ import annotations

from ipywidgets import HTML, Button, Checkbox, Dropdown, IntSlider, Layout, VBox

from nnviz.data import DATASET_INFO

from ._common import add_class, wide_layout
from ._config import CUSTOM, DATASET_LABELS, N_CLASSES_RANGE, NOISE_MAX, TRAIN_RATIO_RANGE

__all__ = ["DataControls"]

_STYLE = {"description_width": "66px"}


class DataControls(VBox):
    """The controls that choose the data; they hold no logic (the :class:`Playground` wires them).

    Parameters
    ----------
    custom_data : bool, default False
        Offer "Your data" (``"custom"``) in the data-set dropdown.

    Attributes
    ----------
    dataset : Dropdown
        Keys of :data:`nnviz.data.DATASETS` (plus ``"custom"``).
    n_classes : IntSlider
        Number of classes of a multi-class set (shown only for those).
    train_ratio, noise : IntSlider
        In percent, as the playground shows them (the config holds fractions).
    regenerate : Button
        New random data (a new seed).
    show_test, discretize : Checkbox
        Output options, placed under the big plot by the Playground (:attr:`output_options`).
    """

    def __init__(self, custom_data: bool = False):
        options = [(label, name) for name, label in DATASET_LABELS.items() if name in DATASET_INFO]
        if custom_data:
            options.insert(0, ("Your data", CUSTOM))
        # no description: the column's header says "Data", and the longest name needs the whole width
        self.dataset = Dropdown(options=options, tooltip="the data set", layout=wide_layout())
        self.n_classes = IntSlider(value=3, min=N_CLASSES_RANGE[0], max=N_CLASSES_RANGE[1], description="Classes",
                                   continuous_update=False, layout=wide_layout(), style=_STYLE)
        self.train_ratio = IntSlider(value=50, min=int(TRAIN_RATIO_RANGE[0] * 100), max=int(TRAIN_RATIO_RANGE[1] * 100),
                                     step=10, description="Train %", continuous_update=False, layout=wide_layout(),
                                     style=_STYLE)
        self.noise = IntSlider(value=0, min=0, max=int(NOISE_MAX * 100), step=5, description="Noise",
                               continuous_update=False, layout=wide_layout(), style=_STYLE)
        self.regenerate = Button(description="Regenerate", icon="refresh", tooltip="new random data (a new seed)",
                                 layout=wide_layout())
        self.show_test = Checkbox(value=False, description="Show test data", indent=False)
        self.discretize = Checkbox(value=False, description="Discretize output", indent=False)
        for widget, name in [
            (self.dataset, "nnviz-dataset"), (self.n_classes, "nnviz-n-classes"), (self.train_ratio, "nnviz-train-ratio"),
            (self.noise, "nnviz-noise"), (self.regenerate, "nnviz-regenerate"), (self.show_test, "nnviz-show-test"),
            (self.discretize, "nnviz-discretize"),
        ]:
            add_class(widget, name)
        self.header = HTML("<div class='nnviz-header'>Data</div>")
        self.column = VBox([self.header, self.dataset, self.n_classes, self.train_ratio, self.noise, self.regenerate])
        self.output_options = VBox([self.show_test, self.discretize], layout=Layout(margin="2px 0 0 30px"))
        super().__init__([self.column, self.output_options])
        add_class(self, "nnviz-data-controls")

    @property
    def controls(self) -> dict:
        """Control name (as ``Playground(locked=...)`` uses it) -> its widgets."""
        return {
            "dataset": [self.dataset], "n_classes": [self.n_classes], "train_ratio": [self.train_ratio],
            "noise": [self.noise], "regenerate": [self.regenerate], "show_test": [self.show_test],
            "discretize": [self.discretize],
        }

    def __repr__(self) -> str:
        return (f"DataControls(dataset={self.dataset.value!r}, train {self.train_ratio.value}%, "
                f"noise {self.noise.value})")
