"""Headless tests of the BatchEpochExplorer: the highlighted points are the batch the core trained on,
steps and epochs are counted as the core counts them, batch-by-batch epochs equal the session's, and the
full batch's loss curve is smoother than batch 1's."""
import asyncio
import math

import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.analysis import step_variance
from nnviz.core import Network, parameters_to_vector
from nnviz.data import make_dataset
from nnviz.widgets import BatchEpochExplorer


@pytest.fixture
def bx():
    explorer = BatchEpochExplorer()
    yield explorer
    explorer.close()


def test_defaults_count_steps_per_epoch_as_ceil_n_over_b(bx):
    assert bx.n_train == 100 and bx.batch_size == 10 and bx.steps_per_epoch == 10 and bx.batch is None
    assert "→ <b>10</b> steps per epoch" in bx.counters.value and "<b>0</b> epochs done" in bx.counters.value
    assert len(bx.plot.map.points["train"]) == 100 and bx.plot.map.frames >= 1  # data and boundary drawn
    assert repr(bx) == ("BatchEpochExplorer(100 points, batch 10: 10 steps/epoch; epoch 0, step 0 in epoch, "
                        "0 updates, paused)")
    for b in (1, 3, 7, 10, 33, 100):
        bx.batch_size = b
        assert bx.session.batch_size == b and bx.steps_per_epoch == math.ceil(100 / b)
        assert f"<b>{math.ceil(100 / b)}</b> step" in bx.counters.value


def test_the_highlighted_points_are_the_batch_the_core_trained_on(bx):
    seen = []
    bx.session.on_batch(lambda event: seen.append(event.samples.copy()))
    net = bx.session.network
    for k in range(3):
        before = parameters_to_vector(net).copy()
        samples = bx.step_batch()
        assert net.step_ == k + 1 and bx.step_in_epoch == k + 1
        np.testing.assert_array_equal(bx.plot.map.highlighted["train"], np.unique(samples))
        np.testing.assert_array_equal(samples, seen[-1])  # what session.on_batch reported
        assert not np.array_equal(parameters_to_vector(net), before)  # an update was made
    assert f"step <b>3</b> of 10 of epoch <b>1</b>" in bx.counters.value
    assert "the <b>10</b> points of the batch just trained on" in bx.counters.value
    # a whole epoch through the session: the last batch of it is highlighted
    bx.step_epoch()  # finishes epoch 1 batch by batch
    assert bx.session.epoch == 1 and net.step_ == 10 and bx.step_in_epoch == 0
    bx.step_epoch()  # one whole epoch by the session
    assert bx.session.epoch == 2 and net.step_ == 20
    np.testing.assert_array_equal(bx.plot.map.highlighted["train"], np.unique(seen[-1]))
    # every sample once per epoch
    np.testing.assert_array_equal(np.sort(np.concatenate(seen[-10:])), np.arange(100))


def test_an_epoch_batch_by_batch_equals_the_sessions_epoch_bit_for_bit():
    a, b = BatchEpochExplorer(batch_size=7), BatchEpochExplorer(batch_size=7)
    for _ in range(a.steps_per_epoch):  # 15 batches of 7 (the last one of 2)
        a.step_batch()
    b.step_epoch()
    np.testing.assert_array_equal(parameters_to_vector(a.session.network), parameters_to_vector(b.session.network))
    assert a.session.history.as_dict() == b.session.history.as_dict()
    assert a.session.network.step_ == b.session.network.step_ == 15 and a.session.epoch == 1
    assert len(a.batch) == 100 - 14 * 7
    assert a.session.network.rng.bit_generator.state == b.session.network.rng.bit_generator.state
    a.close()
    b.close()


def test_batch_size_and_learning_rate_act_mid_epoch(bx):
    bx.step_batch()
    bx.batch_slider.value = 25
    assert bx.session.batch_size == 25 and bx.steps_per_epoch == 4
    samples = bx.step_batch()
    assert len(samples) == 25 and bx.step_in_epoch == 2
    bx.lr_slider.value = 0.3
    assert bx.session.network.optimizer.lr == 0.3
    bx.step_epoch()  # the rest of the shuffled order: 100 - 10 - 25 = 65 points in 3 batches
    assert bx.session.epoch == 1 and bx.session.network.step_ == 5


def test_the_full_batch_curve_is_smoother_than_batch_1s(bx):
    starts = [parameters_to_vector(c.network) for c in bx.compare.sessions]
    for v in starts:
        np.testing.assert_array_equal(v, parameters_to_vector(bx.session.network))  # the same start
    bx.compare_step_button.click()  # 5 epochs each
    one, ten, full = (np.asarray(l.y, dtype=np.float64) for l in bx.compare_lines)
    assert [len(l.x) for l in bx.compare_lines] == [1 + 500, 1 + 50, 1 + 5]  # a point after every update
    for line in bx.compare_lines:
        assert line.x[-1] == pytest.approx(5.0)  # the same epochs (samples seen / n) for every curve
    assert step_variance(full) < step_variance(ten) < step_variance(one)
    assert "batch 1: 100 steps/epoch" in bx.compare_lines[0].labels[0]
    assert "full batch: 1 step/epoch" in bx.compare_lines[2].labels[0] and "full batch: 1 step/epoch" in \
        bx.compare_legend.value
    assert "samples seen" in bx.compare_chart.axes[0].label
    bx.compare_reset_button.click()
    assert all(len(l.x) == 1 for l in bx.compare_lines) and all(c.epoch == 0 for c in bx.compare.sessions)
    np.testing.assert_array_equal(parameters_to_vector(bx.compare.sessions[0].network), starts[0])


def test_play_highlights_per_frame_and_finishes_a_partial_epoch_first(bx):
    seen = []
    bx.session.on_batch(lambda event: seen.append(event.samples.copy()))

    async def scenario():
        bx.step_batch()
        bx.play_button.click()
        assert bx.session.epoch == 1 and bx.step_in_epoch == 0  # the epoch in progress was finished first
        await asyncio.sleep(0.4)
        assert bx.session.playing and bx.play_button.description == "Pause"
        bx.play_button.click()
        await asyncio.sleep(0.05)
        assert not bx.session.playing and bx.session.epoch > 2
        np.testing.assert_array_equal(bx.plot.map.highlighted["train"], np.unique(seen[-1]))

    asyncio.run(scenario())


def test_a_divergence_batch_by_batch_is_shown_not_raised():
    X, y = make_dataset("reg_plane", n=200, seed=0)
    net = Network.mlp(2, [4, 2], loss="mse", seed=0)
    bx = BatchEpochExplorer(net, X[:100], y[:100], lr=10.0)
    for _ in range(200):
        if bx.step_batch() is None:
            break
    assert bx.session.status == "diverged" and bx.status.kind == "error" and "too high" in bx.status.text
    assert np.isfinite(parameters_to_vector(net)).all()  # rolled back by the core
    assert "too high" in bx.counters.value
    bx.close()


def test_bad_arguments_and_close():
    with pytest.raises(TypeError, match="pass the training data with the network"):
        BatchEpochExplorer(Network.mlp(2, [3]))
    with pytest.raises(TypeError, match="takes data together with a network"):
        BatchEpochExplorer(X_train=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="batch_size must be"):
        BatchEpochExplorer(batch_size=0)
    before = set(_instances)
    bx = BatchEpochExplorer()
    bx.step_batch()
    bx.compare_step(1)
    with pytest.raises(ValueError, match="batch_size must be"):
        bx.batch_size = 500
    bx.close()
    assert set(_instances) - before == set()
    assert bx.session.closed and all(c.closed for c in bx.compare.sessions)
    with pytest.raises(RuntimeError, match="closed"):
        bx.step_batch()


def test_an_explorer_shown_nowhere_any_more_stops_both_loops(bx):
    async def scenario():
        bx._view_count = 1
        bx.play()
        bx.compare_play_button.click()
        await asyncio.sleep(0.2)
        assert bx.session.playing and bx.compare.playing
        bx._view_count = 0
        await asyncio.sleep(0.05)
        assert not bx.session.playing and not bx.compare.playing
        assert bx.compare_play_button.description == "Play"

    asyncio.run(scenario())
