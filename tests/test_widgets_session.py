"""Headless tests of the training session and of what the Playground builds on it (issue 7).

The session alone: play / pause / step / reset in a real asyncio loop, events (frame, epoch, batch,
network replaced), divergence and the instability warning, several sessions side by side. The
Playground on it: settings as traits bound to the controls, a replaced network reaching every view,
the life-cycle (views appearing and disappearing through ``_view_count``, ``close()`` closing every
model it made, nothing trained after close) and each bug the issue lists, with a test that failed
on the code before.
"""
import asyncio
import json
import math

import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.core import Adam, Network
from nnviz.data import make_dataset, train_test_split
from nnviz.widgets import ArchitectureBuilder, LearningRateControl, Playground, TrainingSession
from nnviz.widgets.session import BatchEvent, FrameEvent, SessionGroup


def xor_session(**kwargs):
    X, y = make_dataset("xor", seed=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, seed=0)
    net = kwargs.pop("network", None) or Network.mlp(2, [4], seed=0)
    return TrainingSession(net, X_tr, y_tr, X_te, y_te, features=["x1", "x2"], **kwargs)


def make(**config):
    return Playground(config={"seed": 1, "net_seed": 2, **config})


def playing_loops() -> int:
    """Training loops running now: asyncio tasks of FrameLoop._run."""
    return sum(1 for t in asyncio.all_tasks() if not t.done() and "FrameLoop._run" in repr(t.get_coro()))


# ------------------------------------------------------------------------------- the session alone
def test_session_steps_headless_and_reports_events():
    session = xor_session(lr=0.1)
    frames, epochs, changes = [], [], []
    session.on_frame(frames.append)
    session.on_epoch(lambda s, logs: epochs.append(logs["epoch"]))
    session.observe(lambda change: changes.append(change["new"]), "epoch")
    assert session.network.optimizer.lr == 0.1  # the setting is what trains
    assert session.step(4) == 4
    assert session.epoch == 4 == session.network.epoch_ and len(session.history) == 4
    assert epochs == [1, 2, 3, 4] and changes == [4]
    assert len(frames) == 1 and isinstance(frames[0], FrameEvent)
    assert frames[0].epochs == 4 and not frames[0].playing and frames[0].session is session
    assert session.status == "paused" and session.warning == "" and session.diverged is None
    assert repr(session).startswith("TrainingSession(2 → 4 tanh → 1 sigmoid; lr=0.1, batch 10, sgd; epoch 4, paused")
    session.on_frame(frames.append, remove=True)
    session.reset(seed=3)
    assert session.epoch == 0 and len(session.history) == 0 and len(frames) == 1
    with pytest.raises(ValueError, match="n must be"):
        session.step(0)


def test_session_settings_are_validated_traits_that_reach_the_network():
    session = xor_session()
    net = session.network
    session.lr = 0.3
    session.optimizer = "momentum"
    session.momentum = 0.5
    assert net.optimizer.lr == 0.3 and net.optimizer.momentum == 0.5
    session.regularization, session.reg_rate = "l2", 0.01
    assert net.l2 == 0.01 and net.l1 == 0.0
    session.optimizer = "adam"
    assert isinstance(net.optimizer, Adam) and net.optimizer.lr == 0.3
    assert json.loads(json.dumps(session.config())) == session.config()
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0.0"):
        session.lr = 0.0
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'momentum', 'adam'; got 'rmsprop'"):
        session.optimizer = "rmsprop"
    with pytest.raises(ValueError, match="speed must be one of 'auto', 1, 2"):
        session.speed = 3
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        xor_session(network="net")


@pytest.mark.usefixtures("numpy_path")
def test_batch_events_say_which_samples_formed_each_batch_and_train_as_fit_does():
    plain = xor_session(lr=0.1, batch_size=7)
    watched = xor_session(lr=0.1, batch_size=7)
    batches = []
    watched.on_batch(batches.append)
    plain.step(3)
    watched.step(3)
    n = len(watched.X_train)
    assert len(batches) == 3 * math.ceil(n / 7) and isinstance(batches[0], BatchEvent)
    for epoch in (1, 2, 3):
        samples = np.concatenate([b.samples for b in batches if b.epoch == epoch])
        assert sorted(samples.tolist()) == list(range(n))  # each sample once per epoch
    assert [b.batch for b in batches if b.epoch == 2][:3] == [0, 1, 2]
    assert all(np.isfinite(b.loss) for b in batches)
    # the same shuffling and updates as fit: the same weights and history, bit for bit
    for a, b in zip(plain.network.get_weights(), watched.network.get_weights()):
        np.testing.assert_array_equal(a["W"], b["W"])
    assert plain.history["loss"] == watched.history["loss"] and watched.epoch == 3


def test_a_network_replaced_while_playing_trains_on():
    async def scenario():
        session = xor_session(lr=0.1)
        replaced = []
        session.observe(lambda change: replaced.append(change["new"]), "network")
        session.play()
        await asyncio.sleep(0.15)
        other = Network.mlp(2, [6, 3], seed=4, optimizer=Adam(0.01))
        session.network = other
        assert replaced == [other] and session.playing and session.epoch == 0
        assert session.optimizer == "adam" and session.lr == 0.01  # the settings show the new network's
        await asyncio.sleep(0.25)
        session.pause()
        return session, other

    session, other = asyncio.run(scenario())
    assert other.epoch_ > 0 and session.epoch == other.epoch_
    with pytest.raises(ValueError, match=r"network must have one input per input feature \(2: x1, x2\)"):
        session.network = Network.mlp(3, [2], seed=0)


def test_session_play_pause_in_a_running_loop():
    async def scenario():
        session = xor_session(lr=0.1)
        frames = []
        session.on_frame(frames.append)
        session.play()
        assert session.playing and session.status == "playing"
        await asyncio.sleep(0.4)
        assert session.epoch > 3 and any(f.playing for f in frames)
        session.pause()
        paused_at = session.epoch
        assert not frames[-1].playing  # the pause redraws everything once
        await asyncio.sleep(0.2)
        assert session.epoch == paused_at and session.status == "paused" and not session.playing
        return session

    asyncio.run(scenario())


def test_divergence_stops_the_session_and_says_why():
    X, y = make_dataset("reg_plane", seed=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, seed=0)
    diverging = TrainingSession(Network.mlp(2, [4], n_outputs=1, loss="mse", seed=0), X_tr, y_tr, X_te, y_te,
                                features=["x1", "x2"], lr=10.0)
    diverging.step(50)
    assert diverging.status == "diverged" and "lower the learning rate" in diverging.diverged
    assert diverging.message.startswith("Diverged in epoch 1: learning rate 10 is too high")
    assert all(np.isfinite(w["W"]).all() for w in diverging.network.get_weights())


def test_an_unstable_loss_warns_while_training_goes_on_and_the_warning_clears():
    # the playground's top rate on the circle: the loss climbs and swings, nothing becomes NaN
    unstable = make(lr=10.0)
    for _ in range(30):
        unstable.step(1)
        if unstable.status.kind == "warning":
            break
    assert unstable.status.text.startswith("unstable: the loss is")
    assert unstable.session.warning.startswith("unstable: the loss is")
    assert unstable.session.warning.endswith("the learning rate may be too high")
    assert unstable.status.kind == "warning" and unstable.status.text == unstable.session.warning
    assert unstable.diverged is None and unstable.session.status == "paused"
    epoch = unstable.network.epoch_
    unstable.step(2)  # training goes on
    assert unstable.network.epoch_ == epoch + 2
    unstable.lr_control.slider.value = 0.03
    for _ in range(60):
        unstable.step(1)
        if not unstable.session.warning:
            break
    assert unstable.session.warning == ""  # it settled: the warning is gone


def test_sessions_side_by_side_share_one_loop():
    slow, fast = xor_session(lr=0.01), xor_session(lr=1.0)
    group = SessionGroup([slow, fast])
    group.step(5)
    assert slow.epoch == fast.epoch == 5 and slow.history["loss"] != fast.history["loss"]

    async def scenario():
        group.play()
        assert slow.playing and fast.playing and playing_loops() == 1
        await asyncio.sleep(0.3)
        group.pause()
        return slow.epoch, fast.epoch

    a, b = asyncio.run(scenario())
    assert a > 5 and b > 5 and not slow.playing and "2 sessions" in repr(group)

    async def shown_then_gone():
        from ipywidgets import VBox

        explorer = VBox()
        group.track_views(explorer)
        explorer._view_count = 1
        group.play()
        await asyncio.sleep(0.1)
        explorer._view_count = 0  # the explorer's cell was re-run
        await asyncio.sleep(0.01)
        assert not group.playing and not fast.playing and playing_loops() == 0
        explorer.close()

    asyncio.run(shown_then_gone())
    with pytest.raises(TypeError, match=r"sessions\[1\] must be a TrainingSession"):
        SessionGroup([slow, "fast"])


def test_an_explorer_is_a_few_views_on_one_session():
    from nnviz.widgets import DecisionBoundaryPlot, LossChart, NetworkGraph

    session = xor_session(lr=0.1)
    X_tr, y_tr, X_te, y_te = session.X_train, session.y_train, session.X_test, session.y_test
    plot = DecisionBoundaryPlot(session.network, X_tr, y_tr, X_te, y_te, ["x1", "x2"])
    chart = LossChart(session.network)
    graph = NetworkGraph(session.network, ["x1", "x2"])
    session.add_view(plot)
    session.add_view(chart, every=0.2)
    session.add_view(graph, every=0.1)
    png = plot.png
    session.step(3)
    assert plot.png != png and len(chart.train_line.x) == 3  # redrawn after the step
    other = Network.mlp(2, [6], seed=5)
    session.network = other
    assert chart.network is other and graph.network is other and len(chart.train_line.x) == 0
    assert len(graph.nodes) == 2 + 6 + 1
    session.remove_view(chart)
    session.step(2)
    assert len(chart.train_line.x) == 0 and other.epoch_ == 2  # a removed view is left alone
    X, y = make_dataset("circle", seed=1)
    before = plot.png
    session.set_data(X[:100], y[:100], X[100:200], y[100:200])  # new data, same network: shown at once
    session.step(1)
    assert plot.png != before and len(session.X_train) == 100
    with pytest.raises(TypeError, match="view must have set_network"):
        session.add_view("chart")
    with pytest.raises(ValueError, match="features must name one input per network input"):
        session.set_data(X, y, features=["x1", "x2", "x1^2"])


# ------------------------------------------------------------------------------- settings as traits
def test_controls_are_bound_to_the_traits_both_ways():
    pg = make()
    tc, dc = pg.training_controls, pg.data_controls
    tc.batch_size.value = 5
    assert pg.session.batch_size == 5 and pg.config["batch_size"] == 5
    pg.session.batch_size = 20
    assert tc.batch_size.value == 20
    pg.session.lr = 0.3
    assert pg.lr_control.value == 0.3 and pg.network.optimizer.lr == 0.3
    dc.noise.value = 25  # percent on the slider, a fraction in the config
    assert pg.settings.noise == 0.25 and pg.config["noise"] == 0.25
    pg.settings.train_ratio = 0.7
    assert dc.train_ratio.value == 70 and len(pg.data[0]) == 350
    old = pg.network
    pg.settings.hidden = [3]
    assert pg.network is not old and pg.builder.hidden == [3] and pg._units() == [2, 3, 1]
    with pytest.raises(ValueError, match=r"config\['noise'\] must be"):
        pg.settings.noise = 0.9
    with pytest.raises(ValueError, match=r"config\['lr'\] must be one of 0.00001, 0.0001"):
        pg.session.lr = 0.02
    assert pg.session.lr == 0.3 and pg.lr_control.value == 0.3
    again = Playground(config=pg.config)
    assert again.config == pg.config
    # every config key that names a control is a trait linked to it
    from nnviz.widgets._config import DEFAULTS

    controls = {**dc.controls, **tc.controls, "lr": [pg.lr_control.slider]}
    linked = {lnk.source[1]: lnk.target[0] for lnk in pg._links}
    assert set(linked) == set(DEFAULTS) & set(controls)
    assert all(linked[key] is controls[key][0] for key in linked)


# ------------------------------------------------------------------------------- replacing the network
def test_a_replaced_network_reaches_every_view(tmp_path):
    pg = make()
    pg.step(3)
    net = Network.mlp(2, [5, 3], activation="relu", seed=0, optimizer={"type": "sgd", "lr": 0.3})
    net.fit(pg.data[0], pg.data[1], epochs=2)  # features x1, x2: the points themselves
    map_before, previous = pg.decision_plot.png, pg.network
    pg.network = Network.load(net.save(tmp_path / "net.npz"))
    assert previous.optimizer.lr == 0.03  # the old network is left as it was (not given the new rate)
    new = pg.network
    assert pg.graph.network is new and pg.loss_chart.network is new
    assert pg.decision_plot.png != map_before  # the map shows the new network's boundary
    assert pg.lr_control.value == 0.3 and new.epoch_ == 2
    assert new is pg.session.network and pg.session.lr == 0.3
    assert len(pg.graph.nodes) == 2 + 5 + 3 + 1  # the graph draws the new architecture
    assert len(pg.loss_chart.train_line.x) == 2  # and the chart its history
    assert pg.builder.hidden == [5, 3] and pg.config["hidden"] == [5, 3] and pg.config["activations"] == ["relu"] * 2
    assert "epoch 000,002" in pg.training_controls.epoch.value.replace("'>", " ").lower() or "000,002" in \
        pg.training_controls.epoch.value
    png = pg.decision_plot.png
    pg.step(2)
    assert new.epoch_ == 4 and pg.decision_plot.png != png
    with pytest.raises(ValueError, match="network must fit the data, a binary problem; got a regression network"):
        pg.network = Network.mlp(2, [3], loss="mse", seed=0)
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        pg.network = "net"
    # a rate the slider does not offer: the network trains at the session's, and the slider says so
    odd = Network.mlp(2, [3], seed=0, optimizer={"type": "sgd", "lr": 0.05})
    pg.network = odd
    assert odd.optimizer.lr == pg.session.lr == pg.lr_control.value == 0.3
    assert "lr=0.05 is not offered here; it trains with lr=0.3" in pg.session.message


# ------------------------------------------------------------------------------- life-cycle
def test_a_loop_stops_when_its_views_are_gone_and_a_rerun_leaves_one_loop():
    async def scenario():
        old = make()
        old._view_count = 1  # the front end shows it
        old.play()
        await asyncio.sleep(0.2)
        # the cell is re-run: a new playground is shown, the old output is cleared
        new = make()
        new._view_count = 1
        new.play()
        old._view_count = 0
        await asyncio.sleep(0.01)  # let the cancelled task finish
        assert not old.playing and new.playing and playing_loops() == 1
        assert "no longer shown" in old.status.text
        epoch = old.network.epoch_
        await asyncio.sleep(0.3)
        assert old.network.epoch_ == epoch and new.network.epoch_ > 0
        # a view coming and going while paused does nothing; a second view keeps it playing
        new._view_count = 2
        new._view_count = 1
        assert new.playing
        new.close()
        await asyncio.sleep(0.01)
        assert playing_loops() == 0

    asyncio.run(scenario())


def test_a_shown_loop_that_no_front_end_answers_stops():
    async def scenario():
        pg = make()
        pg.session.loop.gone_after = 0.3
        pg._repr_mimebundle_()  # displayed in a kernel with no browser
        pg.play()
        await asyncio.sleep(0.8)
        assert not pg.playing and "no browser has drawn this playground" in pg.status.text
        # a front end that counts views but whose echo does not come back is still a front end
        pg._view_count = 1
        pg.play()
        await asyncio.sleep(0.8)
        assert pg.playing
        pg.close()

    asyncio.run(scenario())


def test_close_closes_every_model_it_made_and_no_other():
    other = make()  # another playground in the same kernel keeps working
    before = set(_instances)
    pg = make()
    made = set(_instances) - before
    assert len(made) > 300  # the playground's widgets, layouts, styles, marks, scales...
    pg.step(2)
    pg.builder.add_layer_button.click()  # a rebuild
    pg.close()
    assert set(_instances) - before == set()  # every model the playground made is closed
    assert before <= set(_instances)  # and none it did not make
    assert pg.closed and pg.session.status == "closed" and repr(pg) == "Playground(closed)"
    pg.close()  # twice is fine
    other.step(1)
    assert other.network.epoch_ == 1 and other.decision_plot.model_id in _instances and other.graph.model_id in _instances


def test_a_closed_playground_refuses_to_train():
    pg = make()
    pg.close()
    for call in (pg.play, pg.step, pg.reset):
        with pytest.raises(RuntimeError, match="this Playground is closed: create a new one"):
            call()
    with pytest.raises(RuntimeError, match="this playground is closed: create a new one"):
        pg.session.play()
    assert pg.network.epoch_ == 0


def test_closing_a_playing_playground_stops_its_loop():
    async def scenario():
        pg = make()
        pg.play()
        await asyncio.sleep(0.1)
        pg.close()
        epoch = pg.network.epoch_
        await asyncio.sleep(0.2)
        assert pg.network.epoch_ == epoch and playing_loops() == 0

    asyncio.run(scenario())


# ------------------------------------------------------------------------------- the bugs
def test_your_data_win_over_the_configs_data_set():
    lesson = make(dataset="xor", hidden=[3], lr=0.1)
    X, y = make_dataset("moons", n=100, noise=0.1, seed=3)
    mine = Playground(data=(X, y), config=lesson.config)
    assert mine.config["dataset"] == "custom" and len(mine.data[0]) + len(mine.data[2]) == 100
    np.testing.assert_array_equal(np.sort(np.concatenate([mine.data[0], mine.data[2]]), axis=0), np.sort(X, axis=0))
    assert mine.config["hidden"] == [3] and mine.config["lr"] == 0.1  # the config's other settings


def test_float_labels_are_classes_and_task_overrides():
    X, y = make_dataset("moons", n=100, noise=0.1, seed=3)
    from_csv = Playground(data=(X, y.astype(float)))  # 0.0 / 1.0, as read from a CSV file
    assert from_csv.network.task == "binary" and from_csv.network.loss.name == "bce"
    three = Playground(data=(X, (np.arange(100) % 3).astype(float)))
    assert three.network.task == "multiclass" and three.network.n_outputs == 3
    regression = Playground(data=(X, y.astype(float)), task="regression")
    assert regression.network.loss.name == "mse"
    assert Playground(data=(X, y.astype(float) / 2)).network.loss.name == "mse"  # 0 and 0.5: targets
    with pytest.raises(ValueError, match="task must be one of 'binary', 'multiclass', 'regression' or None"):
        Playground(data=(X, y), task="classification")


def test_learning_rate_control_trains_at_what_it_shows():
    net = Network.mlp(2, [3], seed=0)
    control = LearningRateControl(net, value=0.3)
    assert control.value == 0.3 and net.optimizer.lr == 0.3


def test_builder_spec_has_the_buttons_limits():
    builder = ArchitectureBuilder(hidden=[4, 2])
    with pytest.raises(ValueError, match="hidden must have at most max_layers=8 layers, got 20"):
        builder.spec = {"hidden": [50] * 20}
    with pytest.raises(ValueError, match=r"hidden\[0\] must be an integer in \[1, 8\], got 50"):
        builder.spec = {"hidden": [50]}
    with pytest.raises(ValueError, match="unknown spec key 'layers'"):
        builder.spec = {"layers": [3]}
    assert builder.hidden == [4, 2]
    builder.spec = {"hidden": [3, 3, 3]}  # a part of the spec: the rest is kept, the controls follow
    assert builder.spec["activations"] == ["tanh"] * 3 and builder.layer_cells[2].layout.display is None
    assert "3 hidden layers" in builder.layers_label.value


@pytest.mark.parametrize("dataset", ["circle", "xor", "gauss", "spiral", "reg_plane", "reg_gauss", "moons", "spirals"])
def test_no_instability_warning_at_the_default_learning_rate(dataset):
    pg = make(dataset=dataset)
    for _ in range(60):
        pg.session.train(1)  # one epoch at a time, every epoch checked (no redraw)
        assert pg.session.warning == "", (dataset, pg.network.epoch_, pg.history["loss"][-8:])
    pg.close()


# ------------------------------------------------------------------------------- batch by batch
@pytest.mark.usefixtures("numpy_path")
def test_step_batch_walks_the_cores_epoch_and_equals_step_1_bit_for_bit():
    whole, stepped = xor_session(lr=0.1, batch_size=7), xor_session(lr=0.1, batch_size=7)
    n = len(stepped.X_train)
    spe = math.ceil(n / 7)
    logs_whole, logs_stepped, batches, frames, epochs_seen = [], [], [], [], []
    whole.on_epoch(lambda s, logs: logs_whole.append(logs))
    stepped.on_epoch(lambda s, logs: logs_stepped.append(logs))
    stepped.on_batch(batches.append)
    stepped.on_frame(frames.append)
    stepped.observe(lambda change: epochs_seen.append(change["new"]), "epoch")
    assert stepped.batch_in_epoch == 0 and stepped.epoch_order is None
    for k in range(spe):
        event = stepped.step_batch()
        assert isinstance(event, BatchEvent) and event is batches[-1] and event.epoch == 1 and event.batch == k
        assert len(frames) == k + 1 and not frames[-1].playing  # the views redraw after every batch
        if k < spe - 1:
            assert stepped.batch_in_epoch == k + 1 and stepped.epoch == 0 and len(stepped.history) == 0
            order = stepped.epoch_order
            np.testing.assert_array_equal(event.samples, order[7 * k:7 * (k + 1)])  # consecutive slices
    assert stepped.batch_in_epoch == 0 and stepped.epoch_order is None  # the epoch ended...
    assert stepped.epoch == 1 and epochs_seen == [1] and frames[-1].epochs == 1 and logs_stepped[0]["epoch"] == 1
    assert sorted(np.concatenate([b.samples for b in batches]).tolist()) == list(range(n))
    whole.step(1)  # ...exactly as one epoch of fit
    assert whole.network.state_dict().keys() == stepped.network.state_dict().keys()
    for key, value in whole.network.state_dict().items():
        np.testing.assert_array_equal(value, stepped.network.state_dict()[key])
    assert whole.history.as_dict() == stepped.history.as_dict() and logs_whole == logs_stepped
    assert stepped.history["val_loss"][0] is not None  # evaluated on the test data too
    assert stepped.warning == whole.warning and stepped.status == "paused"


@pytest.mark.usefixtures("numpy_path")
def test_step_epoch_after_a_few_batches_finishes_that_epoch():
    session, reference = xor_session(lr=0.1), xor_session(lr=0.1)
    spe = math.ceil(len(session.X_train) / 10)
    batches = []
    session.on_batch(batches.append)
    session.step_batch()
    session.step_batch()
    assert session.batch_in_epoch == 2 and session.network.step_ == 2
    assert session.step(1) == 1  # the epoch in progress is completed: it counts as the one epoch
    assert session.epoch == 1 and session.network.step_ == spe and session.batch_in_epoch == 0
    assert [b.batch for b in batches] == list(range(spe)) and {b.epoch for b in batches} == {1}
    reference.step(1)
    np.testing.assert_array_equal(session.network.state_dict()["params"], reference.network.state_dict()["params"])
    session.step_batch()
    assert session.train(0) == 0 and session.batch_in_epoch == 1  # nothing to train: the epoch stays open
    assert session.step(3) == 3 and session.epoch == 4 and session.network.step_ == 4 * spe
    reference.step(3)
    assert session.history.as_dict() == reference.history.as_dict()


def test_a_batch_size_changed_mid_epoch_acts_at_the_next_batch():
    session = xor_session(lr=0.1)
    n = len(session.X_train)
    first = session.step_batch()
    order = session.epoch_order
    session.batch_size = 25
    second = session.step_batch()
    assert len(first.samples) == 10 and len(second.samples) == 25
    np.testing.assert_array_equal(second.samples, order[10:35])  # the epoch keeps its order
    session.step(1)
    assert session.epoch == 1 and session.network.step_ == 2 + math.ceil((n - 35) / 25)


def test_reset_new_data_or_a_new_network_drop_the_epoch_in_progress():
    session = xor_session(lr=0.1)
    session.step_batch()
    session.reset(seed=5)
    assert session.batch_in_epoch == 0 and session.epoch_order is None and session.network.step_ == 0
    session.step_batch()
    session.set_data(session.X_train[:50], session.y_train[:50])
    assert session.batch_in_epoch == 0  # its updates stay, the epoch is not counted
    assert session.network.step_ == 1 and session.epoch == 0 and len(session.history) == 0
    session.step_batch()
    old = session.network
    session.network = Network.mlp(2, [3], seed=1)
    assert session.batch_in_epoch == 0 and old.epoch_ == 0
    event = session.step_batch()
    assert session.network.step_ == 1 and event.epoch == 1 and len(event.samples) == 10


def test_step_batch_divergence_stops_and_says_why_as_train_does():
    X, y = make_dataset("reg_plane", n=200, seed=0)
    session = TrainingSession(Network.mlp(2, [8, 8], activation="relu", loss="mse", seed=0), X, y, lr=100.0,
                              batch_size=1)
    events = []
    for _ in range(400):
        event = session.step_batch()
        if event is None:
            break
        events.append(event)
    assert event is None and len(events) < 200  # a parameter overflowed in the first epoch
    assert session.status == "diverged" and "lower the learning rate" in session.diverged
    assert session.message.startswith("Diverged in epoch 1: learning rate 100 is too high")
    assert session.batch_in_epoch == 0 and session.epoch == 0 == session.network.step_  # rolled back to the start
    assert np.isfinite(session.network.state_dict()["params"]).all()
    session.lr = 0.01
    assert session.step_batch() is not None and session.status == "paused" and session.diverged is None
    assert session.message == "" and session.batch_in_epoch == 1


def test_play_finishes_the_epoch_in_progress_first():
    async def scenario():
        session = xor_session(lr=0.1)
        session.step_batch()
        session.play()
        assert session.epoch == 1 and session.batch_in_epoch == 0 and session.playing
        await asyncio.sleep(0.15)
        session.pause()
        assert session.epoch > 1 and session.history["epoch"] == list(range(1, session.epoch + 1))
        with pytest.raises(RuntimeError, match="closed"):
            session.close()
            session.step_batch()

    asyncio.run(scenario())
