"""nnviz.analysis: pure functions that turn a network + data into arrays a view draws.

NumPy only (plus :mod:`nnviz.core` and :mod:`nnviz.data`); the widgets and the matplotlib plots both
draw what these return::

    grid = make_grid(resolution=100)                         # the playground's 100×100 view of [-6, 6]²
    image = decision_grid(net, grid, features)               # (100, 100): row 0 is y = -6
    rgba = output_rgba(image, net.task, discretize=False)    # (100, 100, 4) uint8, playground colours
    png = encode_png(rgba)                                   # bytes for a bqplot Image / <img>
    thumbs = neuron_grids(net, make_grid(resolution=24), features)   # one (units, 24, 24) per layer
    first_hidden = layer_rgba(thumbs[0])                     # (units, 24, 24, 4); the output level:
    output_units = layer_rgba(thumbs[-1], task=net.task)     # coloured as the output heatmap
    src_level, i, j, w = edge_arrays(net); widths, signs = edge_style(w)
"""
from .colors import (
    CLASS_COLORS,
    HEATMAP_ALPHA,
    PLAYGROUND_COLORS,
    class_rgba,
    colors_to_rgba,
    data_to_pixel,
    diverging_rgba,
    encode_png,
    hex_to_rgb,
    layer_rgba,
    output_rgba,
    pixel_to_data,
    raster_rgba,
    sequential_rgba,
    tick_pixels,
    to_signed,
)
from .graph import Edge, edge_arrays, edge_curves, edge_list, edge_style, graph_layout
from .grid import Grid, decision_grid, feature_grids, input_matrix, make_grid, neuron_grids
from .metrics import accuracy, confusion_matrix, gradient_norms
from .confusion_cells import confusion_cell_indices, confusion_cells
from .activation_stats import BOUNDED_RANGES, LayerStats, activation_curves, activation_stats
from .backprop import BackpropStep, BackpropTrace, Factor, Symbol, Term, backprop_steps
from .capacity import (
    DEFAULT_WIDTHS,
    CapacityPoint,
    CapacitySweep,
    CapacitySweeper,
    capacity_sweep,
    iter_capacity_sweep,
)
from .layer_space import LayerSpace, grid_lines, layer_space
from .lr_finder import LR_RULES, LRFinderResult, copy_network, lr_find, lr_minimum_over_10, lr_steepest, lr_valley
from .landscape import (
    LossLandscape,
    OptimizerPath,
    filter_normalized_direction,
    loss_landscape,
    optimizer_path,
    two_parameter_landscape,
    two_parameter_model,
)
from .stability import STABILITY_MESSAGES, loss_stability
from .lr_regime import (
    REGIME_TEXT,
    REGIMES,
    ClippedPath,
    clip_path,
    loss_bands,
    path_regime,
    sharpness,
    step_variance,
    steps_per_epoch,
)

__all__ = [
    "CLASS_COLORS",
    "Edge",
    "Grid",
    "HEATMAP_ALPHA",
    "PLAYGROUND_COLORS",
    "STABILITY_MESSAGES",
    "accuracy",
    "class_rgba",
    "colors_to_rgba",
    "confusion_matrix",
    "data_to_pixel",
    "decision_grid",
    "diverging_rgba",
    "edge_arrays",
    "edge_curves",
    "edge_list",
    "edge_style",
    "encode_png",
    "feature_grids",
    "gradient_norms",
    "graph_layout",
    "hex_to_rgb",
    "input_matrix",
    "layer_rgba",
    "loss_stability",
    "make_grid",
    "neuron_grids",
    "output_rgba",
    "pixel_to_data",
    "raster_rgba",
    "sequential_rgba",
    "tick_pixels",
    "to_signed",
    # loss landscapes
    "LossLandscape",
    "OptimizerPath",
    "filter_normalized_direction",
    "loss_landscape",
    "optimizer_path",
    "two_parameter_landscape",
    "two_parameter_model",
    # the learning-rate finder
    "LR_RULES",
    "LRFinderResult",
    "copy_network",
    "lr_find",
    "lr_minimum_over_10",
    "lr_steepest",
    "lr_valley",
    # the capacity sweep
    "DEFAULT_WIDTHS",
    "CapacityPoint",
    "CapacitySweep",
    "CapacitySweeper",
    "capacity_sweep",
    "iter_capacity_sweep",
    # the backprop stepper's numbers
    "BackpropStep",
    "BackpropTrace",
    "Factor",
    "Symbol",
    "Term",
    "backprop_steps",
    # activation and gradient statistics, layer spaces
    "BOUNDED_RANGES",
    "LayerSpace",
    "LayerStats",
    "activation_curves",
    "activation_stats",
    "grid_lines",
    "layer_space",
    # a confusion matrix's cells (the overfitting demo)
    "confusion_cell_indices",
    "confusion_cells",
    # learning-rate regimes (the learning-rate and batch explorers)
    "REGIMES",
    "REGIME_TEXT",
    "ClippedPath",
    "clip_path",
    "loss_bands",
    "path_regime",
    "sharpness",
    "step_variance",
    "steps_per_epoch",
]
