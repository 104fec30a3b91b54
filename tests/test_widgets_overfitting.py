"""OverfittingDemo, headless: two sessions from one start, early stopping, the confusion matrix's cells on
the map, the capacity sweep in background slices, controls bound to the sessions' traits, close()."""
import asyncio

import bqplot
import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.analysis import capacity_sweep, confusion_matrix
from nnviz.core import Dropout, Network, parameters_to_vector
from nnviz.data import make_dataset, train_test_split
from nnviz.widgets import OverfittingDemo

#: A quick sweep for the tests (the demo's own default trains every width to convergence).
QUICK_SWEEP = {"max_epochs": 200, "patience": 20}


def params(session):
    return parameters_to_vector(session.network)


def frame_loops():
    return sum(1 for t in asyncio.all_tasks() if not t.done() and "FrameLoop._run" in repr(t.get_coro()))


@pytest.fixture
def demo():
    d = OverfittingDemo(sweep_options=QUICK_SWEEP)
    yield d
    d.close()


def test_the_defaults_overfit_and_both_networks_start_from_the_same_weights(demo):
    assert np.array_equal(params(demo.overfit), params(demo.regularised))
    assert not any(isinstance(l, Dropout) for l in demo.overfit.network.layers)
    assert demo.overfit.network.l1 == demo.overfit.network.l2 == 0
    assert demo.regularised.network.l2 == 0.01 and demo.regularised.regularization == "l2"
    assert demo.overfit.network.units_per_level() == [2, 32, 32, 1] and len(demo.data[0]) == 50
    demo.early_stopping = False
    demo.step(300)
    h = demo.overfit.network.history
    val, train = np.array(h["val_loss"]), np.array(h["loss"])
    # the over-fitted network: the test loss climbs far above its lowest while the training loss falls
    assert train[-1] < 0.2 and val[-1] > 2.5 * val.min() and int(np.argmin(val)) < 100
    # the regularised one (L2 0.01) ends far lower
    assert demo.regularised.network.history["val_loss"][-1] < 0.6 * val[-1]
    # and the chart draws exactly those numbers (float32), both series
    line = demo.loss_chart.lines["overfit_test"]
    assert np.array_equal(np.asarray(line.y), val.astype(np.float32))
    assert np.array_equal(np.asarray(demo.loss_chart.lines["regularised_train"].y),
                          np.array(demo.regularised.network.history["loss"], dtype=np.float32))
    assert "<b>" in demo.accuracy.value and "over-fitted" in demo.accuracy.value


@pytest.mark.usefixtures("numpy_path")
def test_early_stopping_restores_exactly_the_best_epochs_weights_and_marks_it():
    demo = OverfittingDemo(patience=10, reg_rate=0.003)
    saved = {}
    demo.regularised.on_epoch(lambda s, logs: saved.__setitem__(logs["epoch"], params(s)))
    for _ in range(60):
        demo.step(10)
        if demo.stopper.stopped:
            break
    s, h = demo.stopper, demo.regularised.network.history
    assert s.stopped
    val = np.array(h["val_loss"])
    best = int(np.argmin(val)) + 1
    assert s.best_epoch == best and s.stopped_epoch == best + 10 == demo.regularised.network.epoch_
    assert np.array_equal(params(demo.regularised), saved[best])  # bit for bit
    assert not np.array_equal(params(demo.regularised), saved[s.stopped_epoch - 1])
    X_tr, y_tr, X_te, y_te = demo.data
    assert demo.regularised.network.evaluate(X_te, y_te)[0] == val[best - 1]
    # marked on the chart: the rule at the best epoch, the dot on the test curve
    chart = demo.loss_chart
    assert chart.best_epoch == best and chart.best_rule.visible and chart.best_dot.visible
    assert np.array_equal(np.asarray(chart.best_rule.x), [best, best])
    assert np.asarray(chart.best_dot.y)[0] == np.float32(val[best - 1])
    assert demo.status.kind == "success" and f"weights of epoch {best}" in demo.status.text
    # stopped: it stays where it is while the over-fitted one trains on
    e_reg, e_over = demo.regularised.network.epoch_, demo.overfit.network.epoch_
    demo.step(10)
    assert demo.regularised.network.epoch_ == e_reg and demo.overfit.network.epoch_ == e_over + 10
    assert "stopped early" in demo.epoch_label.value
    # a longer patience lets it train on
    demo.patience = 200
    demo.step(5)
    assert demo.regularised.network.epoch_ == e_reg + 5 and not demo.stopper.stopped
    # "restore best" puts the best weights back at any time
    assert not np.array_equal(params(demo.regularised), saved[demo.stopper.best_epoch])
    demo.restore_button.click()
    assert np.array_equal(params(demo.regularised), saved[demo.stopper.best_epoch])
    # off: the mark goes, the button is disabled
    demo.early_stopping_box.value = False
    assert demo.stopper.best_epoch is None and not demo.loss_chart.best_rule.visible
    assert demo.restore_button.disabled
    demo.close()


def test_a_confusion_matrix_cell_rings_exactly_its_points_on_the_map(demo):
    demo.step(60)
    X_tr, y_tr, X_te, y_te = demo.data
    pred = demo.overfit.network.predict(X_te)
    assert np.array_equal(demo.confusion.counts, confusion_matrix(y_te, pred, 2))
    assert [[b.description for b in row] for row in demo.confusion.cells] == \
        [[str(int(v)) for v in row] for row in confusion_matrix(y_te, pred, 2)]
    assert not demo.overfit_plot.show_test and not demo.show_test_box.value  # training points only at first
    demo.confusion.cells[1][0].click()  # true blue, predicted orange: the over-fitted network's test misses
    assert demo.show_test_box.value and demo.overfit_plot.show_test and demo.regularised_plot.show_test
    expected = np.flatnonzero((y_te == 1) & (pred == 0))
    assert len(expected) > 0
    assert set(demo.overfit_plot.map.highlighted) == {"test"}
    assert np.array_equal(demo.overfit_plot.map.highlighted["test"], expected)
    assert np.frombuffer(demo.overfit_plot.map.highlight_state["sets"]["test"], np.uint32).tolist() == expected.tolist()
    assert demo.confusion.selected == (1, 0) and f"{len(expected)} test points" in demo.status.text
    # the regularised network on the training set: its map, the first one cleared
    demo.confusion_network.value = "regularised"
    demo.confusion_split.value = "train"
    demo.confusion.cells[0][0].click()
    pred_tr = demo.regularised.network.predict(X_tr)
    assert np.array_equal(demo.regularised_plot.map.highlighted["train"], np.flatnonzero((y_tr == 0) & (pred_tr == 0)))
    assert demo.overfit_plot.map.highlighted == {}
    # the selected cell follows training: after more epochs it rings that cell's points then
    demo.step(30)
    pred_tr = demo.regularised.network.predict(X_tr)
    assert np.array_equal(demo.regularised_plot.map.highlighted["train"], np.flatnonzero((y_tr == 0) & (pred_tr == 0)))


@pytest.mark.usefixtures("numpy_path")
def test_the_capacity_sweep_runs_in_slices_while_the_loop_answers_and_equals_capacity_sweep(demo, monkeypatch):
    import sys

    # slices of 3 ms, so that the sweep takes several of them however fast this machine trains
    monkeypatch.setattr(sys.modules[OverfittingDemo.__module__], "SWEEP_SLICE", 0.003)
    ticks = []

    async def scenario():
        demo.start_sweep()
        assert demo.sweeping and demo.cancel_button.disabled is False and demo.sweep_button.disabled
        while demo.sweeping:  # another task on the same loop: runs between the sweep's slices
            ticks.append((len(demo.sweeper.points), demo.sweeper.epochs_done))
            await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(scenario())
    sweeper = demo.sweeper
    assert sweeper.done and demo.sweep_slices >= 4
    # the other task ran while widths were half done
    assert len(ticks) >= demo.sweep_slices // 2
    assert any(0 < n < len(sweeper.widths) for n, _e in ticks)
    assert len(set(ticks)) >= 4
    X_tr, y_tr, X_te, y_te = demo.data
    reference = capacity_sweep(X_tr, y_tr, X_te, y_te, demo.capacity_chart.widths, **QUICK_SWEEP)
    got = sweeper.result()
    for name in ("widths", "epochs", "train_error", "test_error", "train_loss", "test_loss"):
        assert np.array_equal(getattr(got, name), getattr(reference, name)), name
    assert len(got) >= 8
    assert np.array_equal(np.asarray(demo.capacity_chart.test_line.y), reference.test_error.astype(np.float32))
    assert np.array_equal(np.asarray(demo.capacity_chart.train_line.x), reference.widths.astype(np.float32))
    assert demo.sweep_progress.value == 1000 and "Done" in demo.sweep_label.value
    assert not demo.sweep_button.disabled and demo.cancel_button.disabled
    demo.sweep_metric.value = "loss"
    assert np.array_equal(np.asarray(demo.capacity_chart.test_line.y), reference.test_loss.astype(np.float32))


def test_the_sweep_can_be_cancelled_and_stops_when_the_demo_is_no_longer_shown():
    demo = OverfittingDemo(sweep_options={"max_epochs": 2000, "patience": 200})

    async def scenario():
        demo.start_sweep()
        await asyncio.sleep(0.15)
        demo.cancel_button.click()
        done = (len(demo.sweeper.points), demo.sweeper.epochs_done)
        await asyncio.sleep(0.1)
        assert not demo.sweeping and (len(demo.sweeper.points), demo.sweeper.epochs_done) == done
        assert "Cancelled after" in demo.sweep_label.value and not demo.sweep_button.disabled
        # shown, then gone: training pauses and the sweep stops
        demo._view_count = 1
        demo.play()
        demo.start_sweep()
        await asyncio.sleep(0.1)
        assert demo.playing and demo.sweeping
        demo._view_count = 0
        await asyncio.sleep(0.05)
        assert not demo.playing and not demo.sweeping
        assert frame_loops() == 0

    asyncio.run(scenario())
    demo.close()


def test_controls_set_the_sessions_traits_and_rebuild_as_the_playground_does(demo):
    r, o = demo.regularised, demo.overfit
    demo.reg_rate_slider.value = 0.03
    assert r.reg_rate == 0.03 and r.network.l2 == 0.03 and o.network.l2 == 0
    demo.regularization_buttons.value = "l1"
    assert r.regularization == "l1" and r.network.l1 == 0.03 and r.network.l2 == 0
    demo.dropout_slider.value = 0.3
    assert r.dropout == 0.3 and [l.p for l in r.network.layers if isinstance(l, Dropout)] == [0.3, 0.3]
    assert "L1 0.03 · dropout 0.30" in demo.regularised_title.value
    # from Python, the controls follow the traits
    r.reg_rate = 0.1
    assert demo.reg_rate_slider.value == 0.1
    demo.step(5)
    net_before = r.network
    # data: a new training set of that size, new networks for both at epoch 0, the same start
    demo.n_train_slider.value = 100
    assert len(o.X_train) == len(r.X_train) == 100 and o.epoch == r.epoch == 0
    assert r.network is not net_before and np.array_equal(params(o), params(r))
    assert r.regularization == "l1" and r.network.l1 == 0.1 and [l.p for l in r.network.layers if isinstance(l, Dropout)] == [0.3, 0.3]
    y_before = o.y_test.copy()
    demo.noise_slider.value = 0.2
    assert demo.noise == 0.2 and not np.array_equal(o.y_test, y_before)  # other label noise
    X, y = make_dataset("circle", n=600, noise=0.2, seed=2)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_ratio=100 / 600, seed=2)
    assert np.array_equal(o.X_train, X_tr) and np.array_equal(r.y_test, y_te)
    # capacity
    demo.layers_slider.value = 3
    demo.neurons_slider.value = 8
    assert o.network.units_per_level() == r.network.units_per_level() == [2, 8, 8, 8, 1]
    assert np.array_equal(params(o), params(r))
    first = params(o)
    demo.patience_slider.value = 77
    assert demo.stopper.patience == 77 and "patience 77" in demo.regularised_title.value
    demo.log_box.value = True
    assert demo.loss_chart.log and all(isinstance(l.scales["y"], bqplot.LogScale) for l in demo.loss_chart.lines.values())
    assert demo.loss_chart.y_axis.scale is demo.loss_chart.log_scale and demo.loss_chart.figure.axes[1] is demo.loss_chart.log_axis
    demo.step(3)
    assert min(np.asarray(demo.loss_chart.lines["overfit_train"].y)) > 0
    # reset: back to the same start
    demo.step(5)
    demo.reset_button.click()
    assert o.epoch == 0 and np.array_equal(params(o), first) and np.array_equal(params(r), first)


def test_play_trains_both_side_by_side_in_the_background(demo):
    demo.early_stopping = False  # (so that neither stops within the test)

    async def scenario():
        demo.play_button.click()
        assert demo.playing and demo.play_button.disabled and not demo.pause_button.disabled
        await asyncio.sleep(0.4)
        demo.pause_button.click()
        await asyncio.sleep(0.01)  # let the cancelled task finish
        assert not demo.playing and frame_loops() == 0

    asyncio.run(scenario())
    assert demo.overfit.epoch > 0 and demo.overfit.epoch == demo.regularised.epoch  # 5 epochs a frame each
    assert demo.overfit.epoch % 5 == 0


def test_your_network_and_data():
    X, y = make_dataset("xor", n=240, noise=0.3, seed=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_ratio=0.25, seed=0)
    net = Network.mlp(2, [16, 16], activation="relu", seed=3)
    demo = OverfittingDemo(net, (X_tr, y_tr, X_te, y_te), early_stopping=False)
    assert demo.overfit.network is net and np.array_equal(params(demo.regularised), parameters_to_vector(net))
    assert demo.n_train_slider.disabled and demo.noise_slider.disabled
    assert np.array_equal(demo.overfit.X_train, X_tr) and demo.layers == 2 and demo.neurons == 16
    assert demo.overfit.lr == demo.regularised.lr == net.optimizer.lr == 0.03  # its own optimiser's
    demo.step(3)
    assert net.epoch_ == 3
    demo.close()
    with pytest.raises(TypeError, match=r"data must be \(X_train, y_train, X_test, y_test\) or None"):
        OverfittingDemo(data=(X_tr, y_tr))
    with pytest.raises(ValueError, match="X_train must be of shape"):
        OverfittingDemo(data=(X_tr[:, :1], y_tr, X_te, y_te))
    with pytest.raises(TypeError, match="y_test must hold class labels"):
        OverfittingDemo(data=(X_tr, y_tr, X_te, y_te + 0.5))
    with pytest.raises(ValueError, match="network must classify the data's 2 classes"):
        OverfittingDemo(Network.mlp(2, [4], loss="mse", seed=0))
    with pytest.raises(ValueError, match="network must have at least one hidden layer"):
        OverfittingDemo(Network.mlp(2, [], seed=0))
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network or None"):
        OverfittingDemo("net")
    with pytest.raises(ValueError, match="noise"):
        OverfittingDemo(noise=0.7)


def test_close_closes_every_model_it_made_and_stops_its_work():
    before = set(_instances)
    demo = OverfittingDemo(sweep_options=QUICK_SWEEP)
    assert len(set(_instances) - before) > 40
    demo.step(2)
    demo.confusion.cells[0][1].click()

    async def scenario():
        demo.play()
        demo.start_sweep()
        await asyncio.sleep(0.1)
        demo.close()
        await asyncio.sleep(0.02)
        assert frame_loops() == 0 and not demo.sweeping

    asyncio.run(scenario())
    assert set(_instances) - before == set()
    assert demo.overfit.closed and demo.regularised.closed
    assert repr(demo) == "OverfittingDemo(closed)"
    with pytest.raises(RuntimeError, match="closed"):
        demo.step(1)


def test_repr_and_callback_errors_show_in_the_widget(demo):
    assert repr(demo).startswith("OverfittingDemo(50 training points; 2 → 32 → 32 → 1; regularised: l2 0.01")
    assert "PairLossChart(0 and 0 epochs" in repr(demo.loss_chart)
    assert repr(demo.capacity_chart) == "CapacityChart(0 of 8 widths, error)"
    assert repr(demo.confusion) == "ConfusionMatrixView(2 classes, 500 samples)"
    demo._on_cell(5, 5)  # a bad cell from a callback: shown, not raised
    assert demo.status.kind == "error"
