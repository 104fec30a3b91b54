"""nnviz.core: an exact, fast NumPy neural-network core. Imports NumPy only."""
from .activations import ACTIVATIONS, Activation, get_activation
from .backend import Backend, backend, use_backend
from .callbacks import EarlyStopping
from .dense import Dense
from .conv import Conv2D
from .dropout import Dropout
from .epoch import EpochIterator
from .flatten import Flatten
from .errors import DivergedError
from .gradcheck import check_network_gradients, network_gradients, numerical_gradient
from .history import History
from .initializers import INITIALIZERS, default_init
from .layer import Layer
from .losses import LOSSES, Loss, get_loss
from .lstm import LSTM
from .network import LayerTrace, Network
from .optimizers import OPTIMIZERS, SGD, Adam, Optimizer, make_optimizer
from .parameters import parameters_to_vector, vector_to_parameters
from .pooling import MaxPool2D
from .recurrent import SimpleRNN

__all__ = [
    "ACTIVATIONS", "Activation", "Adam", "Dense", "DivergedError", "Dropout", "History", "INITIALIZERS",
    "LOSSES", "Layer", "LayerTrace", "Loss", "Network", "OPTIMIZERS", "Optimizer", "SGD",
    "check_network_gradients", "default_init", "network_gradients", "get_activation", "get_loss", "make_optimizer",
    "numerical_gradient", "parameters_to_vector", "vector_to_parameters",
    "Conv2D", "Flatten", "LSTM", "MaxPool2D", "SimpleRNN",
    "Backend", "backend", "use_backend",
    "EarlyStopping",
    "EpochIterator",
]
