"""Headless tests of the BackpropStepper: press its buttons as a learner would and check what it shows
against the core's own forward pass, gradients and update."""
import numpy as np
import pytest

from nnviz.analysis import copy_network
from nnviz.core import SGD, Network, parameters_to_vector
from nnviz.widgets import BackpropStepper
from nnviz.widgets._owned import models_under
from nnviz.widgets.backprop_stepper import XOR_X, fmt


def levels(net):
    return net.mlp_levels()


def test_defaults_a_2_2_1_sigmoid_net_on_four_points():
    stepper = BackpropStepper()
    net = stepper.network
    assert net.units_per_level() == [2, 2, 1] and net.loss.name == "mse"
    assert all(l.activation.name == "sigmoid" for l in levels(net))
    np.testing.assert_array_equal(stepper.X, XOR_X)
    assert len(stepper.trace) == 21 and stepper.position == 0 and stepper.current is None
    assert repr(stepper) == "BackpropStepper(2-2-1 network, 4 samples, step 0 of 21: not started, lr 0.5, 0 updates)"
    assert "step 0 of 21" in stepper.title.value and "0 updates applied" in stepper.title.value and stepper.back_button.disabled and not stepper.step_button.disabled
    assert len(stepper.handles.x) == 2 * 2 + 2 * 1 and len(stepper.node_scatter.x) == 5
    again = BackpropStepper()  # seeded: the same first weights
    np.testing.assert_array_equal(parameters_to_vector(again.network), parameters_to_vector(net))


def test_stepping_shows_the_cores_numbers_on_the_diagram_and_in_the_panel():
    stepper = BackpropStepper()
    net, X, y = stepper.network, stepper.X, stepper.y
    core = net.trace(X, y)
    grads = net.gradients(X, y)
    loss = net.evaluate(X, y)[0]
    n = stepper.sample.value
    node_index = {node: k for k, node in enumerate(stepper._nodes)}
    for position in range(1, len(stepper.trace) + 1):
        stepper.step_button.click()
        step = stepper.current
        assert stepper.position == position and step.index == position - 1
        assert f"step {position} of 21" in stepper.title.value
        panel = stepper.panel.value
        if step.kind == "weighted_sum":
            z = core[step.layer].z[:, step.unit]
            assert all(fmt(v) in panel for v in z)
            assert f"z {fmt(z[n])}" == stepper.z_labels.text[node_index[(step.layer + 1, step.unit)]]
        elif step.kind == "activation":
            a = core[step.layer].a[:, step.unit]
            assert all(fmt(v) in panel for v in a)
            assert f"a {fmt(a[n])}" == stepper.a_labels.text[node_index[(step.layer + 1, step.unit)]]
        elif step.kind == "loss":
            assert f"<b>{fmt(loss)}</b>" in panel
        elif step.kind == "delta":
            d = core[step.layer].delta[:, step.unit]
            assert all(fmt(v) in panel for v in d)
            assert f"δ {fmt(d[n])}" == stepper.delta_labels.text[node_index[(step.layer + 1, step.unit)]]
        elif step.kind == "weight_gradient":
            g = grads[step.layer]["W"][step.source, step.unit]
            assert f"<b>{fmt(g)}</b>" in panel
            edge = stepper._edges.index((step.layer, step.source, step.unit))
            assert stepper.grad_labels.text[edge] == f"∂ {fmt(g)}"
        elif step.kind == "bias_gradient":
            assert f"<b>{fmt(grads[step.layer]['b'][step.unit])}</b>" in panel
        elif step.kind == "update":
            W, G = levels(net)[step.layer].params["W"], grads[step.layer]["W"]
            for i, j in np.ndindex(W.shape):
                new = fmt(W[i, j] - 0.5 * G[i, j])
                assert f"<b>{new}</b>" in panel
                assert stepper.weight_labels.text[stepper._edges.index((step.layer, i, j))] == f"{fmt(W[i, j])} → {new}"
        # the operation is highlighted: its edges drawn over, its nodes coloured
        assert stepper.highlight_lines.visible == bool(step.edges)
        if len(step.edges) == 1:
            k = stepper._edges.index(step.edges[0])
            np.testing.assert_array_equal(stepper.highlight_lines.x, stepper._edge_x[k])
        for node in step.nodes:
            assert stepper.node_scatter.colors[node_index[node]] == "#f59322"
    assert stepper.step_button.disabled and stepper.run_button.disabled
    np.testing.assert_array_equal(parameters_to_vector(net), stepper._initial)  # stepping changes nothing


def test_back_run_to_end_and_the_sample_shown():
    stepper = BackpropStepper()
    stepper.step(3)
    stepper.back_button.click()
    assert stepper.position == 2 and stepper.current.kind == "activation"
    stepper.run_button.click()
    assert stepper.position == len(stepper.trace) and all(t for t in stepper.grad_labels.text)
    stepper.back(100)
    assert stepper.position == 0 and not any(stepper.grad_labels.text) and "One step of gradient descent" in stepper.panel.value
    stepper.step(1)
    stepper.sample.value = 3  # the diagram shows sample 4: x = (1, 1)
    z = stepper.network.trace(stepper.X)[0].z[3, 0]
    assert stepper.a_labels.text[0] == "x = 1" and stepper.z_labels.text[2] == f"z {fmt(z)}"
    assert "font-weight:600;background:#fff4e5'><td style='padding:1px 6px;font-variant-numeric:tabular-nums'>4" \
        in stepper.panel.value


def test_apply_update_is_one_sgd_step_of_the_core_and_reset_goes_back():
    stepper = BackpropStepper(lr=0.8)
    net = stepper.network
    twin = copy_network(net)
    twin.optimizer = SGD(0.8)
    before = twin.train_step(stepper.X, stepper.y)
    stepper.run_to_end()
    stepper.update_button.click()
    np.testing.assert_allclose(parameters_to_vector(net), parameters_to_vector(twin), rtol=1e-15, atol=1e-17)
    assert stepper.updates == 1 and stepper.position == 0 and stepper.status.kind == "success"
    after = net.evaluate(stepper.X, stepper.y)[0]
    assert f"from {fmt(before)} to {fmt(after)}" in stepper.status.text and f"loss {fmt(after)}" in stepper.title.value
    stepper.update_button.click()  # an update needs no stepping first
    assert stepper.updates == 2
    stepper.reset_button.click()
    np.testing.assert_array_equal(parameters_to_vector(net), stepper._initial)
    assert stepper.updates == 0 and stepper.position == 0


def test_edit_a_weight_by_clicking_its_edge_and_step_again():
    stepper = BackpropStepper()
    net = stepper.network
    stepper.step(5)
    k = stepper._edges.index((1, 1, 0))  # hidden unit 2 → the output
    stepper._on_handle_click(stepper.handles, {"event": "element_click", "data": {"index": k}})
    assert stepper.selected_weight == (1, 1, 0) and not stepper.weight_input.disabled
    assert stepper.weight_input.value == pytest.approx(levels(net)[1].params["W"][1, 0], abs=1e-4)
    stepper.weight_input.value = -2.0
    stepper.weight_button.click()
    assert levels(net)[1].params["W"][1, 0] == -2.0 and stepper.position == 0
    assert stepper.weight_labels.text[k] == "−2" and "set to −2" in stepper.status.text
    stepper.step(7)  # forward and loss again, from the edited weight
    assert stepper.current.kind == "loss" and stepper.current.total == net.evaluate(stepper.X, stepper.y)[0]
    assert f"<b>{fmt(stepper.current.total)}</b>" in stepper.panel.value
    stepper.set_weight(0, 0, 1, 0.25)
    assert levels(net)[0].params["W"][0, 1] == 0.25


def test_learning_rate_box_changes_the_update_and_a_bad_value_is_reported():
    stepper = BackpropStepper()
    stepper.lr_input.value = 2.0
    assert stepper.lr == 2.0 and stepper.trace.lr == 2.0
    stepper.run_to_end()
    old, grad, new = stepper.current.update["W"]
    np.testing.assert_array_equal(new, old - 2.0 * grad)
    assert "η = 2" in stepper.panel.value
    stepper.lr_input.value = 0.0
    assert stepper.status.kind == "error" and "η must be a number > 0" in stepper.status.text and stepper.lr == 2.0


def test_takes_a_network_and_data():
    net = Network.mlp(2, [3], activation="tanh", seed=4)
    X = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]])
    y = np.array([1, 0, 1])
    stepper = BackpropStepper(net, X, y, lr=0.1)
    assert stepper.network is net and len(stepper.handles.x) == 2 * 3 + 3
    stepper.step(2 * 3 + 2 + 1)  # 3 hidden units and the output unit (z and a each), then the loss
    assert stepper.current.kind == "loss" and f"<b>{fmt(net.evaluate(X, y)[0])}</b>" in stepper.panel.value
    assert "3 samples" in repr(stepper)
    multi = BackpropStepper(Network.mlp(2, [2], n_outputs=3, loss="cross_entropy", seed=0))
    assert multi.y.tolist() == [0, 1, 1, 0] and multi.trace.targets.shape == (4, 3)
    multi.step(2 * 2 + 2)  # the hidden layer, then z and a of the first softmax output
    z = multi.network.trace(multi.X)[1].z
    assert multi.current.inputs["activation"] == "softmax"
    assert f"exp({fmt(z[0, 0])}) / (exp({fmt(z[0, 0])}) + exp({fmt(z[0, 1])}) + exp({fmt(z[0, 2])}))" in multi.panel.value


def test_close_closes_every_model():
    stepper = BackpropStepper()
    models = models_under(stepper)
    assert stepper.figure in models and stepper.node_scatter in models and stepper.x_scale in models
    assert stepper.step_button.layout in models and len(models) > 40
    stepper.close()
    assert stepper.comm is None and all(m.comm is None for m in models)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="at most 64 parameters"):
        BackpropStepper(Network.mlp(2, [8, 8], seed=0))
    with pytest.raises(TypeError, match="takes X and y together"):
        BackpropStepper(Network.mlp(2, [2], seed=0), XOR_X)
    with pytest.raises(ValueError, match="must have 2 inputs"):
        BackpropStepper(Network.mlp(3, [2], seed=0))
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        BackpropStepper("net")
    with pytest.raises(ValueError, match="lr"):
        BackpropStepper(lr=-1)
    stepper = BackpropStepper()
    with pytest.raises(ValueError, match=r"j must be"):
        stepper.select_weight(1, 0, 5)
    with pytest.raises(ValueError, match="value must be a finite number"):
        stepper.set_weight(0, 0, 0, float("nan"))
