"""Data for nnviz lessons: toy 2-D data sets, input features and a train/test split.

NumPy only. The main entry points::

    X, y = make_dataset("circle", noise=0.1, seed=0)   # names: DATASETS
    dataset_info("circle").task                        # "binary", "multiclass" or "regression"
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.5, seed=0)
    inputs = make_features(X_train, ["x1", "x2", "x1^2"])   # names: FEATURES

Your own points go through ``check_dataset(X, y)`` and then work everywhere a built-in set does.

Images and sequences, shipped inside the package (nothing is downloaded)::

    X, y = load_digits()                               # (1797, 1, 8, 8) in [0, 1], labels 0..9
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.8, seed=0, stratify=True)
    X, y = make_sequence("memory", length=20, lag=15, seed=0)   # names: SEQUENCES
    net = load_pretrained("digits_cnn_0to4")           # names: PRETRAINED
"""
from ._validation import TASKS, check_dataset
from .features import DEFAULT_FEATURES, FEATURES, Feature, make_features
from .split import train_test_split
from .toy2d import DATASET_INFO, DATASETS, DatasetInfo, dataset_info, make_dataset
from .digits import DIGITS_ATTRIBUTION, load_digits
from .pretrained import PRETRAINED, PretrainedInfo, load_pretrained, pretrained_info
from .sequences import SEQUENCE_INFO, SEQUENCES, SequenceInfo, load_text, make_sequence, sequence_info

__all__ = [
    "DATASETS",
    "DATASET_INFO",
    "DEFAULT_FEATURES",
    "DatasetInfo",
    "FEATURES",
    "Feature",
    "TASKS",
    "check_dataset",
    "dataset_info",
    "make_dataset",
    "make_features",
    "train_test_split",
    "DIGITS_ATTRIBUTION",
    "load_digits",
    "SEQUENCES",
    "SEQUENCE_INFO",
    "SequenceInfo",
    "load_text",
    "make_sequence",
    "sequence_info",
    "PRETRAINED",
    "PretrainedInfo",
    "load_pretrained",
    "pretrained_info",
]
