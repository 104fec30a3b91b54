"""Every bad input gets a TypeError/ValueError naming the argument, the expected and the received."""
import numpy as np
import pytest

from nnviz.core import SGD, Adam, Dense, Dropout, Network, get_activation, get_loss, make_optimizer


@pytest.fixture
def net():
    return Network.mlp(2, [3], seed=0)


X_OK = np.zeros((4, 2))
Y_OK = np.array([0, 1, 0, 1])


@pytest.mark.parametrize(
    "X, y, exc, match",
    [
        (np.zeros((4, 3)), Y_OK, ValueError, r"X must have 2 columns .*got shape \(4, 3\)"),
        (np.zeros(4), Y_OK, ValueError, r"X must be 2-D of shape \(n_samples, 2\), got shape \(4,\)"),
        (np.zeros((0, 2)), [], ValueError, r"X must have at least one sample"),
        ("abc", Y_OK, TypeError, r"X must be a 2-D numeric array, got 'abc'"),
        (np.array([[0, 1], [np.nan, 1], [0, 0], [1, 1]]), Y_OK, ValueError, r"X must contain only finite values, got 1 NaN/inf"),
        (X_OK, np.array([0, 1, np.inf, 0]), ValueError, r"y must contain only finite values"),
        (X_OK, np.array([0, 1, 0]), ValueError, r"X and y must have the same number of samples, got 4 and 3"),
        (X_OK, np.array([0, 1, 2, 0]), ValueError, r"y must hold labels 0 or 1 .*got 2"),
        (X_OK, np.array([0, -1, 0, 1]), ValueError, r"y must hold labels 0 or 1 .*got -1"),
        (X_OK, np.zeros((4, 2)), ValueError, r"y must be 1-D of shape \(n_samples,\), got shape \(4, 2\)"),
        (X_OK, ["a", "b", "c", "d"], TypeError, r"y must hold numbers"),
    ],
)
def test_bad_training_data(net, X, y, exc, match):
    with pytest.raises(exc, match=match):
        net.train_step(X, y)
    with pytest.raises(exc, match=match):
        net.fit(X, y)


def test_multiclass_labels_out_of_range_or_not_integers():
    net = Network.mlp(2, [3], n_outputs=3, loss="cross_entropy")
    with pytest.raises(ValueError, match=r"y must hold class labels in 0\.\.2 \(the network has 3 outputs\), got 3"):
        net.fit(X_OK, [0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"y must hold integer class labels for loss 'cross_entropy', got 1\.5"):
        net.fit(X_OK, [0, 1.5, 2, 1])
    net.fit(X_OK, np.array([0.0, 1.0, 2.0, 1.0]))  # integral floats are fine


def test_mse_target_shape():
    net = Network.mlp(2, [3], n_outputs=2, loss="mse")
    with pytest.raises(ValueError, match=r"y must have shape \(n_samples, 2\) for 2 output\(s\), got shape \(4,\)"):
        net.fit(X_OK, np.zeros(4))


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"epochs": -1}, ValueError, r"epochs must be an integer >= 0, got -1"),
        ({"epochs": 2.5}, TypeError, r"epochs must be an integer >= 0, got 2\.5"),
        ({"batch_size": 0}, ValueError, r"batch_size must be an integer >= 1, got 0"),
        ({"batch_size": "10"}, TypeError, r"batch_size must be an integer >= 1, got '10'"),
        ({"validation_data": X_OK}, TypeError, r"validation_data must be a pair \(X_val, y_val\)"),
        ({"validation_data": (np.zeros((2, 5)), [0, 1])}, ValueError, r"X_val must have 2 columns"),
        ({"callbacks": [1]}, TypeError, r"callbacks\[0\] must be callable"),
    ],
)
def test_bad_fit_arguments(net, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        net.fit(X_OK, Y_OK, **kwargs)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: SGD(0.0), ValueError, r"lr must be a finite number > 0, got 0\.0"),
        (lambda: SGD(-1), ValueError, r"lr must be a finite number > 0, got -1\.0"),
        (lambda: SGD(float("nan")), ValueError, r"lr must be a finite number .*got nan"),
        (lambda: SGD(float("inf")), ValueError, r"lr must be a finite number .*got inf"),
        (lambda: SGD("fast"), TypeError, r"lr must be a real number, got 'fast'"),
        (lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must be a finite number in \[0, 1\), got 1\.0"),
        (lambda: SGD(0.1, momentum=-0.1), ValueError, r"momentum must be .*got -0\.1"),
        (lambda: Adam(betas=(0.9,)), TypeError, r"betas must be a pair"),
        (lambda: Adam(eps=0), ValueError, r"eps must be a finite number > 0"),
        (lambda: make_optimizer("rmsprop"), ValueError, r"unknown optimizer 'rmsprop'; expected one of 'sgd', 'adam'"),
        (lambda: make_optimizer(3), TypeError, r"optimizer must be None, an Optimizer, a name"),
        (lambda: get_activation("gelu"), ValueError, r"unknown activation 'gelu'; expected one of 'linear', 'sigmoid', 'tanh', 'relu'"),
        (lambda: get_loss("hinge"), ValueError, r"unknown loss 'hinge'; expected one of 'mse', 'bce', 'cross_entropy'"),
        (lambda: Dense(2, 0), ValueError, r"n_out must be an integer >= 1, got 0"),
        (lambda: Dense(2.0, 3), TypeError, r"n_in must be an integer >= 1, got 2\.0"),
        (lambda: Dense(2, 3, init="zeros"), ValueError, r"unknown init 'zeros'; expected one of 'glorot', 'he', 'playground'"),
        (lambda: Dropout(1.0), ValueError, r"p must be a finite number in \[0, 1\), got 1\.0"),
        (lambda: Dropout(-0.2), ValueError, r"p must be .*got -0\.2"),
        (lambda: Network([Dense(2, 3), Dense(4, 1, "sigmoid")]), ValueError, r"layers\[1\] \(Dense\(4 → 1, 'sigmoid'\)\), after layers\[0\] \(Dense\(2 → 3, 'tanh'\)\): expects 4 inputs per sample, shape \(4,\), got shape \(3,\)"),
        (lambda: Network([Dense(2, 1, "tanh")], loss="bce"), ValueError, r"loss 'bce' needs a 'sigmoid' output layer, got 'tanh'"),
        (lambda: Network([Dense(2, 2, "sigmoid")], loss="bce"), ValueError, r"loss 'bce' needs exactly 1 output unit, got 2"),
        (lambda: Network([Dense(2, 1, "softmax")], loss="cross_entropy"), ValueError, r"needs >= 2 output units"),
        (lambda: Network([Dense(2, 3), Dropout(0.1)]), ValueError, r"loss 'bce' needs a 'sigmoid' output layer, got Dropout\(p=0\.1\) without an activation"),
        (lambda: Network([Dropout(0.1)]), ValueError, r"the input shape cannot be inferred from layers\[0\] \(Dropout\(p=0\.1\)\); pass input_shape="),
        (lambda: Network([]), ValueError, r"layers must contain at least one layer, got none"),
        (lambda: Network(Dense(2, 1, "sigmoid")), TypeError, r"layers must be a list of layers"),
        (lambda: Network(["dense"]), TypeError, r"layers\[0\] must be a Layer"),
        (lambda: Network([Dense(2, 1, "sigmoid")], loss="bce", optimizer="nadam"), ValueError, r"unknown optimizer 'nadam'"),
        (lambda: Network([Dense(2, 1, "sigmoid")], l2=-1), ValueError, r"l2 must be a finite number >= 0, got -1\.0"),
        (lambda: Network([Dense(2, 1, "sigmoid")], l1=float("nan")), ValueError, r"l1 must be a finite number"),
        (lambda: Network([Dense(2, 1, "sigmoid")], seed="x"), TypeError, r"seed must be None, an int or a numpy.random.Generator"),
        (lambda: Network([Dense(2, 1, "sigmoid")], dtype=np.int32), ValueError, r"dtype must be float32 or float64, got int32"),
        (lambda: Network.mlp(2, [4, 0]), ValueError, r"hidden\[1\] must be an integer >= 1, got 0"),
        (lambda: Network.mlp(2, [4, 4], activation=["tanh"]), ValueError, r"activation must be one name or one per hidden layer \(2\), got 1 names"),
    ],
)
def test_bad_construction(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_live_settings_are_validated_on_assignment(net):
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -0\.5"):
        net.optimizer.lr = -0.5
    assert net.optimizer.lr == 0.03
    with pytest.raises(ValueError, match=r"l2 must be .*got -0\.1"):
        net.l2 = -0.1
    with pytest.raises(ValueError, match=r"W must have shape \(2, 3\), got shape \(3, 2\)"):
        net.layers[0].W = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"b must contain only finite values"):
        net.layers[0].b = [0, np.nan, 0]


def test_predict_proba_needs_classification():
    net = Network.mlp(2, [3], loss="mse")
    with pytest.raises(ValueError, match=r"predict_proba needs a classification loss .*got 'mse'"):
        net.predict_proba(X_OK)
