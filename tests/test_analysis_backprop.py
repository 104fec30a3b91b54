"""The backprop stepper's numbers: every value is the core's own (forward, loss, deltas, gradients,
update), every breakdown adds up to it, and the gradients match central differences and PyTorch."""
import numpy as np
import pytest

from nnviz.analysis import BackpropTrace, backprop_steps, copy_network
from nnviz.core import SGD, Dense, Dropout, Network, parameters_to_vector, vector_to_parameters

XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

CASES = {  # name: (network, X, y)
    "2-2-1 sigmoid mse": (lambda: Network.mlp(2, [2], activation="sigmoid", loss="mse",
                                               output_activation="sigmoid", seed=0), XOR, np.array([0.0, 1, 1, 0])),
    "2-3-1 tanh bce": (lambda: Network.mlp(2, [3], activation="tanh", seed=1), XOR, np.array([0, 1, 1, 0])),
    "2-3-3 relu cross_entropy": (lambda: Network.mlp(2, [3], n_outputs=3, activation="relu", loss="cross_entropy",
                                                      seed=2), np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]]),
                                 np.array([0, 2, 1])),
    "2-2-2-1 with l1 and l2": (lambda: Network.mlp(2, [2, 2], activation="tanh", l1=0.01, l2=0.1, seed=3),
                               XOR, np.array([0, 1, 1, 0])),
}


def product(step, n):
    """Π factors × Σ terms, per sample, as the step documents it."""
    value = np.ones(n)
    for f in step.factors:
        value = value * f.value
    if step.terms:
        value = value * sum(t.value for t in step.terms)
    return value


@pytest.fixture(params=list(CASES))
def case(request):
    make, X, y = CASES[request.param]
    net = make()
    return net, X, y, backprop_steps(net, X, y, lr=0.5)


def test_forward_steps_are_the_cores_forward_pass(case):
    net, X, y, trace = case
    core = net.trace(X)
    n = len(X)
    for k, layer_trace in enumerate(core):
        np.testing.assert_array_equal(trace.z[k], layer_trace.z)
        np.testing.assert_array_equal(trace.a[k], layer_trace.a)
    for step in trace.steps:
        if step.kind == "weighted_sum":
            np.testing.assert_array_equal(step.value, core[step.layer].z[:, step.unit])
            for t in step.terms:  # each term is the product of its factors
                np.testing.assert_array_equal(t.value, np.prod([np.broadcast_to(f.value, (n,)) for f in t.factors], axis=0))
            np.testing.assert_allclose(product(step, n), step.value, rtol=1e-12, atol=1e-15)
        elif step.kind == "activation":
            np.testing.assert_array_equal(step.value, core[step.layer].a[:, step.unit])
            np.testing.assert_array_equal(step.inputs["z"], core[step.layer].z[:, step.unit])


def test_loss_step_is_the_cores_loss(case):
    net, X, y, trace = case
    step = trace.find("loss")
    assert step.total == net.evaluate(X, y)[0] == trace.loss
    assert np.mean(step.value) == pytest.approx(step.total, rel=1e-13)


def test_deltas_and_gradients_are_the_cores_and_add_up(case):
    net, X, y, trace = case
    core = net.trace(X, y)
    grads = net.gradients(X, y)
    n = len(X)
    for step in trace.steps:
        if step.kind == "delta":
            np.testing.assert_array_equal(step.value, core[step.layer].delta[:, step.unit])
            np.testing.assert_allclose(product(step, n), step.value, rtol=1e-12, atol=1e-16)
        elif step.kind == "weight_gradient":
            assert step.total == grads[step.layer]["W"][step.source, step.unit]
            np.testing.assert_allclose(product(step, n), step.value, rtol=1e-12, atol=1e-16)
            assert step.value.sum() + step.penalty == pytest.approx(step.total, rel=1e-12, abs=1e-15)
        elif step.kind == "bias_gradient":
            assert step.total == grads[step.layer]["b"][step.unit]
            assert step.value.sum() == pytest.approx(step.total, rel=1e-12, abs=1e-15)
    assert sum(s.kind == "weight_gradient" for s in trace.steps) == sum(l.params["W"].size for l in net.mlp_levels())


def test_gradients_match_central_differences(case):
    net, X, y, trace = case
    theta = parameters_to_vector(net)
    probe = copy_network(net)
    eps = 1e-6

    def objective(v):
        vector_to_parameters(v, probe)
        return probe.evaluate(X, y)[0] + probe.penalty()

    numeric = np.array([(objective(theta + eps * e) - objective(theta - eps * e)) / (2 * eps)
                        for e in np.eye(theta.size)])
    analytic = np.concatenate([np.concatenate([g["W"].ravel(), g["b"]]) for g in trace.grads])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_update_is_one_sgd_step_of_the_core(case):
    net, X, y, trace = case
    twin = copy_network(net)
    twin.optimizer = SGD(0.5)
    twin.train_step(X, y)
    np.testing.assert_allclose(trace.new_vector, parameters_to_vector(twin), rtol=1e-15, atol=1e-17)
    for k, step in enumerate(s for s in trace.steps if s.kind == "update"):
        old, grad, new = step.update["W"]
        np.testing.assert_array_equal(old, net.mlp_levels()[k].params["W"])
        np.testing.assert_array_equal(new, old - 0.5 * grad)
        assert step.update["lr"] == 0.5 and len(step.edges) == old.size


def test_steps_come_in_backprop_order(case):
    net, X, y, trace = case
    phases = [s.phase for s in trace.steps]
    order = ["forward", "loss", "backward", "update"]
    assert sorted(phases, key=order.index) == phases
    assert [s.index for s in trace.steps] == list(range(len(trace)))
    backward = [s for s in trace.steps if s.phase == "backward"]
    layers = [s.layer for s in backward]
    assert layers == sorted(layers, reverse=True)  # from the output down
    for k in set(layers):  # within a layer: its deltas, then its gradients
        kinds = [s.kind for s in backward if s.layer == k]
        n_units = net.mlp_levels()[k].params["b"].size
        assert kinds[:n_units] == ["delta"] * n_units and "delta" not in kinds[n_units:]
    assert trace.phase_start("loss") == phases.index("loss")
    first = trace.steps[0]
    assert str(first.symbol) == "z₁⁽¹⁾" and first.formula.startswith("z₁⁽¹⁾ = w₁₁⁽¹⁾·x₁ + w₂₁⁽¹⁾·x₂ + b₁⁽¹⁾")
    assert first.edges == ((0, 0, 0), (0, 1, 0)) and (1, 0) in first.nodes
    assert isinstance(trace, BackpropTrace) and "BackpropTrace(" in repr(trace) and "BackpropStep(0" in repr(first)


def test_network_is_left_unchanged():
    make, X, y = CASES["2-3-1 tanh bce"]
    net = make()
    net.fit(X, y, epochs=2, batch_size=2)
    before, deltas = net.state_dict(), net.deltas()
    backprop_steps(net, X, y)
    for k, v in before.items():
        np.testing.assert_array_equal(net.state_dict()[k], v)
    for d0, d1 in zip(deltas, net.deltas()):
        np.testing.assert_array_equal(d0, d1)


def test_lr_defaults_to_the_optimisers():
    make, X, y = CASES["2-3-1 tanh bce"]
    net = make()
    net.optimizer.lr = 0.125
    assert backprop_steps(net, X, y).lr == 0.125


def test_gradients_match_pytorch_in_float64():
    torch = pytest.importorskip("torch")
    make, X, y = CASES["2-2-1 sigmoid mse"]
    net = make()
    trace = backprop_steps(net, X, y)
    W1, W2 = (torch.tensor(l.params["W"], dtype=torch.float64, requires_grad=True) for l in net.mlp_levels())
    b1, b2 = (torch.tensor(l.params["b"], dtype=torch.float64, requires_grad=True) for l in net.mlp_levels())
    out = torch.sigmoid(torch.sigmoid(torch.tensor(X) @ W1 + b1) @ W2 + b2)
    loss = 0.5 * ((out[:, 0] - torch.tensor(y)) ** 2).mean()
    loss.backward()
    assert trace.loss == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(trace.grads[0]["W"], W1.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(trace.grads[1]["b"], b2.grad.numpy(), rtol=1e-12)


def test_bad_input_is_named():
    X, y = XOR, np.array([0, 1, 1, 0])
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        backprop_steps("net", X, y)
    with pytest.raises(ValueError, match="at most 64 parameters"):
        backprop_steps(Network.mlp(2, [8, 8], seed=0), X, y)
    with pytest.raises(ValueError, match="at most 16 samples"):
        backprop_steps(Network.mlp(2, [2], seed=0), np.zeros((17, 2)), np.zeros(17, dtype=int))
    with pytest.raises(ValueError, match="Dense layers only"):
        backprop_steps(Network([Dense(2, 2), Dropout(0.5), Dense(2, 1, "sigmoid")], seed=0), X, y)
    with pytest.raises(ValueError, match="softmax only as the output"):
        backprop_steps(Network.mlp(2, [2], n_outputs=2, loss="mse", output_activation="softmax", seed=0),
                       X, np.eye(2)[y])
    with pytest.raises(ValueError, match="lr"):
        backprop_steps(Network.mlp(2, [2], seed=0), X, y, lr=0.0)
    with pytest.raises(ValueError, match="X"):
        backprop_steps(Network.mlp(2, [2], seed=0), X[:, :1], y)
    trace = backprop_steps(Network.mlp(2, [2], seed=0), X, y)
    with pytest.raises(KeyError, match="no 'delta' step for layer=5"):
        trace.find("delta", layer=5)
    with pytest.raises(ValueError, match="phase must be one of"):
        trace.phase_start("sideways")
