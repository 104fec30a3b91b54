"""Headless tests of the LearningRateExplorer: runs side by side from one start, the log-scale slider,
divergence of one run, the loss landscape with its optimiser paths, the LR finder; plus the pure
functions of nnviz.analysis.lr_regime it draws with."""
import asyncio

import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.analysis import (
    OptimizerPath,
    clip_path,
    loss_bands,
    optimizer_path,
    path_regime,
    sharpness,
    step_variance,
    steps_per_epoch,
    two_parameter_model,
)
from nnviz.core import Network, parameters_to_vector, vector_to_parameters
from nnviz.data import make_dataset
from nnviz.widgets import LearningRateExplorer
from nnviz.widgets.landscape_view import TWO_WEIGHT_START


@pytest.fixture
def lrx():
    explorer = LearningRateExplorer()
    yield explorer
    explorer.close()


def regression_explorer(rates=(0.01, 0.03, 0.1, 10.0)):
    X, y = make_dataset("reg_plane", n=200, seed=0)
    return LearningRateExplorer(Network.mlp(2, [4, 2], loss="mse", seed=0), X, y, rates=rates)


# ------------------------------------------------------------------------------ analysis.lr_regime
def test_sharpness_is_the_largest_hessian_eigenvalue_and_2_over_L_separates_convergence():
    net, X, y = two_parameter_model()
    Xb = np.c_[X, np.ones(len(X))]
    exact = np.linalg.eigvalsh(Xb.T @ Xb / len(X)).max()  # Hessian of ½ mean((w x + b − y)²)
    L = sharpness(net, X, y)
    assert L == pytest.approx(exact, rel=1e-6)
    vector_to_parameters(np.array(TWO_WEIGHT_START), net)
    below = optimizer_path(net, X, y, {"type": "sgd", "lr": 0.95 * 2 / L}, steps=200)
    above = optimizer_path(net, X, y, {"type": "sgd", "lr": 1.05 * 2 / L}, steps=200)
    assert path_regime(below) == "oscillates" and below.losses[-1] < 0.06
    assert path_regime(above) == "diverges" and above.losses[-1] > above.losses[0]
    np.testing.assert_array_equal(parameters_to_vector(net), TWO_WEIGHT_START)  # left unchanged


def test_path_regimes_on_the_quadratic_bowl():
    net, X, y = two_parameter_model()
    vector_to_parameters(np.array(TWO_WEIGHT_START), net)
    verdicts = {lr: path_regime(optimizer_path(net, X, y, {"type": "sgd", "lr": lr}, steps=50), floor=0.0519)
                for lr in (0.03, 0.5, 1.8, 2.5)}
    assert verdicts == {0.03: "crawls", 0.5: "good", 1.8: "oscillates", 2.5: "diverges"}
    cut = OptimizerPath(np.zeros((3, 2)), np.array([1.0, 0.5, 0.4]), "SGD", diverged=True)
    assert path_regime(cut) == "diverges"
    with pytest.raises(TypeError, match="path must be an OptimizerPath"):
        path_regime([1, 2, 3])
    with pytest.raises(ValueError, match="within must be"):
        path_regime(cut, within=0)


def test_clip_path_ends_a_path_on_the_border_where_it_left():
    inside = clip_path([[0, 0], [0.5, 0.5]], (-1, 1, -1, 1))
    assert not inside.left and inside.steps_inside == 1
    out = clip_path([[0, 0], [0.5, 0], [3.0, 0], [np.inf, 0]], (-1, 1, -1, 1))
    assert out.left and out.steps_inside == 1
    np.testing.assert_allclose(out.xy, [[0, 0], [0.5, 0], [1.0, 0]])
    nan = clip_path([[0, 0], [np.nan, 1]], (-1, 1, -1, 1))
    assert nan.left and np.isfinite(nan.xy).all() and len(nan.xy) == 2
    with pytest.raises(ValueError, match=r"xy must have shape \(n, 2\)"):
        clip_path(np.zeros(3), (-1, 1, -1, 1))
    with pytest.raises(ValueError, match="min < max"):
        clip_path([[0, 0]], (1, -1, -1, 1))


def test_loss_bands_steps_and_noise():
    bands = loss_bands(np.array([[1e-3, 1e-2], [1e0, np.inf]]), levels=4)
    assert bands[0, 0] == 0.0 and bands[1, 1] == 1.0 and 0 < bands[0, 1] < bands[1, 0] <= 1
    assert steps_per_epoch(150, 32) == 5 and steps_per_epoch(10, 10) == 1 and steps_per_epoch(1, 7) == 1
    with pytest.raises(ValueError, match="batch_size must be"):
        steps_per_epoch(10, 0)
    rng = np.random.default_rng(0)
    smooth = np.linspace(1, 0, 50)
    assert step_variance(smooth) < 1e-20 < step_variance(smooth + 0.05 * rng.standard_normal(50))
    assert step_variance([1.0, np.nan]) == 0.0


# ------------------------------------------------------------------------------ the runs
def test_every_run_starts_from_the_same_weights_with_its_own_rate(lrx):
    vectors = [parameters_to_vector(s.network) for s in lrx.sessions]
    for v in vectors[1:]:
        np.testing.assert_array_equal(v, vectors[0])  # bit-exact
    states = [s.network.rng.bit_generator.state for s in lrx.sessions]
    assert all(state == states[0] for state in states)  # the same shuffles too
    assert [s.network.optimizer.lr for s in lrx.sessions] == [0.003, 0.03, 0.3, 3.0] == lrx.rates
    assert len({id(s.network) for s in lrx.sessions}) == 4
    assert [l.labels for l in lrx.lines] == [["lr 0.003"], ["lr 0.03"], ["lr 0.3"], ["lr 3"]]
    assert type(lrx.y_scale).__name__ == "LogScale"
    assert all(f"lr {r}" in lrx.legend.value for r in ("0.003", "0.03", "0.3", "3"))  # the legend under the chart
    assert lrx.highlighted == 2 and lrx.lr_slider.value == pytest.approx(0.3)
    assert repr(lrx) == ("LearningRateExplorer(4 runs at lr 0.003, 0.03, 0.3, 3; epoch 0, highlighted lr 0.3, "
                         "paused)")


def test_runs_at_the_same_rate_stay_identical_and_the_curves_are_their_histories():
    lrx = LearningRateExplorer(rates=(0.1, 0.1, 1.0))
    lrx.step(4)
    a, b, c = (s.network for s in lrx.sessions)
    np.testing.assert_array_equal(parameters_to_vector(a), parameters_to_vector(b))
    assert not np.array_equal(parameters_to_vector(a), parameters_to_vector(c))
    for k, s in enumerate(lrx.sessions):
        assert s.epoch == 4
        np.testing.assert_array_equal(lrx.lines[k].x, [0, 1, 2, 3, 4])
        np.testing.assert_allclose(lrx.lines[k].y[1:], np.float32(s.history["loss"]), rtol=1e-6)
    assert lrx.lines[2].stroke_width > lrx.lines[0].stroke_width  # the highlighted run is drawn bold
    assert lrx.y_scale.min < float(np.min(lrx.lines[2].y)) and lrx.y_scale.max >= float(np.max(lrx.lines[0].y))
    lrx.close()


def test_the_log_slider_sets_the_highlighted_runs_rate_from_its_next_step(lrx):
    lrx.highlight(1)
    assert lrx.lr_slider.value == pytest.approx(0.03)
    before = parameters_to_vector(lrx.sessions[1].network).copy()
    lrx.lr_slider.value = 0.1
    assert lrx.sessions[1].lr == pytest.approx(0.1) and lrx.sessions[1].network.optimizer.lr == pytest.approx(0.1)
    assert lrx.rates[0] == 0.003 and lrx.rates[2:] == [0.3, 3.0]  # the other runs keep theirs
    np.testing.assert_array_equal(parameters_to_vector(lrx.sessions[1].network), before)  # weights kept
    assert lrx.lines[1].labels == ["lr 0.1"] and lrx.highlight_buttons.options[1][0] == "lr 0.1"
    lrx.set_lr(0.5, index=3)
    assert lrx.sessions[3].network.optimizer.lr == 0.5 and lrx.lr_slider.value == pytest.approx(0.1)
    with pytest.raises(ValueError, match="lr must be"):
        lrx.set_lr(-1)


def test_a_divergent_run_stops_and_says_so_while_the_others_train_on():
    lrx = regression_explorer()
    lrx.step(5)
    diverged = lrx.sessions[3]
    assert diverged.status == "diverged" and [s.epoch for s in lrx.sessions[:3]] == [5, 5, 5]
    assert "diverged in epoch 1" in lrx.lines[3].labels[0] and "lr 10 · diverged in epoch 1" in lrx.legend.value
    assert "diverged" in lrx.runs.value and "learning rate 10 is too high" in lrx.runs.value
    assert all(np.isfinite(l.y).all() for l in lrx.lines)  # never NaN on the chart
    lrx.step(2)  # the divergent run stays stopped, the others go on
    assert [s.epoch for s in lrx.sessions] == [7, 7, 7, 0]
    lrx.close()


def test_reset_puts_every_run_on_one_new_start():
    lrx = LearningRateExplorer(rates=(0.01, 0.1))
    lrx.step(3)
    lrx.reset(seed=5)
    v0, v1 = (parameters_to_vector(s.network) for s in lrx.sessions)
    np.testing.assert_array_equal(v0, v1)
    np.testing.assert_array_equal(v0, parameters_to_vector(Network.mlp(2, [4, 2], seed=5)))
    assert [s.epoch for s in lrx.sessions] == [0, 0] and all(len(l.x) == 1 for l in lrx.lines)
    lrx.close()


def test_play_trains_every_run_in_one_loop_and_pause_recomputes_the_landscape(lrx):
    async def scenario():
        first = lrx.landscape.landscape
        lrx.play_button.click()
        assert lrx.playing and lrx.play_button.description == "Pause"
        await asyncio.sleep(0.6)
        assert all(s.epoch > 1 for s in lrx.sessions)
        lrx.play_button.click()
        await asyncio.sleep(0.05)
        assert not lrx.playing and lrx.play_button.description == "Play"
        assert lrx.landscape.landscape is not first
        np.testing.assert_array_equal(lrx.landscape.landscape.theta, parameters_to_vector(lrx.session.network))
        epochs = [s.epoch for s in lrx.sessions]
        assert len(set(epochs)) == 1  # trained together, frame by frame
        np.testing.assert_array_equal(lrx.lines[0].x[-1], epochs[0])

    asyncio.run(scenario())


# ------------------------------------------------------------------------------ the landscape
def test_the_landscape_goes_through_the_live_network_and_draws_its_path(lrx):
    view = lrx.landscape
    lrx.step(5)
    land = view.landscape
    np.testing.assert_array_equal(land.theta, parameters_to_vector(lrx.session.network))
    assert land.loss.shape == (40, 40)
    run = view.path_lines["run"]
    assert len(run.x) == 6  # the start and one point per epoch
    assert abs(run.x[-1]) < 1e-9 and abs(run.y[-1]) < 1e-9  # the live network is the slice's centre
    assert set(view.regimes) == {"SGD", "momentum 0.9", "Adam"}
    assert "training path (5 epochs)" in view.legend.value
    frames = view.feed.frames
    view.resolution = 30
    assert view.landscape.loss.shape == (30, 30) and view.feed.frames == frames + 1
    view.auto.value = False
    kept = view.landscape
    lrx.step(1)
    assert view.landscape is kept and len(view.path_lines["run"].x) == 7  # the path still follows
    view.recompute_button.click()
    assert view.landscape is not kept and "30×30" in view.info.value


def test_the_two_weight_surface_shows_crawl_good_oscillate_and_diverge(lrx):
    view = lrx.landscape
    view.mode = "two"
    assert view.landscape.kind == "parameters" and view.x_axis.label == "w (weight)"
    seen = {}
    for lr in (0.03, 0.5, 1.8, 2.5):
        lrx.set_lr(lr)
        seen[lr] = view.regimes["SGD"]
        line = view.path_lines["SGD"]
        assert np.isfinite(line.x).all() and np.isfinite(line.y).all()
        np.testing.assert_allclose([line.x[0], line.y[0]], TWO_WEIGHT_START)
    assert seen == {0.03: "crawls", 0.5: "good", 1.8: "oscillates", 2.5: "diverges"}
    assert "SGD: far too large: diverges" in view.path_lines["SGD"].labels[0]
    assert "SGD: far too large: diverges" in view.legend.value
    # above 2/L the path is drawn up to where it left the map, with a message
    x0, x1, y0, y1 = view.landscape.extent
    end = (view.path_lines["SGD"].x[-1], view.path_lines["SGD"].y[-1])
    assert view.clipped["SGD"].left and (np.isclose(end[0], [x0, x1]).any() or np.isclose(end[1], [y0, y1]).any())
    assert "left the map" in view.info.value and "2/L = <b>1.98</b>" in view.info.value
    lrx.set_lr(0.5)
    sgd = view.paths["SGD"]
    assert np.linalg.norm(sgd.vectors[-1] - [view.landscape.minimum[0], view.landscape.minimum[1]]) < 0.3


# ------------------------------------------------------------------------------ the LR finder
def test_the_lr_finder_leaves_the_network_bit_exact_and_its_suggestion_sets_the_lr(lrx):
    lrx.step(2)
    net = lrx.session.network
    state = {k: v.copy() for k, v in net.state_dict().items()}
    history = net.history.as_dict()
    lrx.finder.run_button.click()
    result = lrx.finder.result
    assert result is not None and "lr 1e-07" in lrx.finder.info.value
    after = net.state_dict()
    assert set(after) == set(state) and all(np.array_equal(after[k], state[k]) for k in state)
    assert net.history.as_dict() == history and net.optimizer.lr == 0.3
    np.testing.assert_array_equal(lrx.finder.smooth_line.x, result.lrs)
    np.testing.assert_allclose(sorted(lrx.finder.marks.x), sorted(result.suggestions.values()))
    assert list(lrx.finder.mark_labels.text) == ["steepest", "minimum/10", "valley"]
    assert not lrx.finder.use_button.disabled
    lrx.finder.use_button.click()
    assert lrx.session.lr == result.suggestions["valley"] == net.optimizer.lr
    assert lrx.lr_slider.value == pytest.approx(result.suggestion, rel=0.07)
    lrx.finder.rule.value = "minimum/10"
    lrx.finder.use_button.click()
    assert net.optimizer.lr == result.suggestions["minimum/10"]
    assert lrx.landscape.lr == net.optimizer.lr  # the landscape's paths use it too


def test_errors_in_callbacks_show_in_the_widget(lrx):
    lrx.finder._on_use(None)  # a press before any sweep
    assert lrx.status.kind == "error" and "run the LR finder first" in lrx.status.text


# ------------------------------------------------------------------------------ checks and life-cycle
def test_bad_arguments_are_refused_with_clear_messages():
    with pytest.raises(ValueError, match=r"rates must hold 2 to 8 learning rates, got 1"):
        LearningRateExplorer(rates=[0.1])
    with pytest.raises(ValueError, match=r"rates\[1\] must be a learning rate > 0"):
        LearningRateExplorer(rates=[0.1, -1])
    with pytest.raises(TypeError, match="rates must be a sequence"):
        LearningRateExplorer(rates="0.1")
    with pytest.raises(TypeError, match="pass the training data with the network"):
        LearningRateExplorer(Network.mlp(2, [3]))
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        LearningRateExplorer("net", np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="highlight must be"):
        LearningRateExplorer(highlight=9)


def test_close_closes_every_model_it_made_and_stops_the_runs():
    before = set(_instances)
    lrx = LearningRateExplorer()
    lrx.step(1)
    lrx.run_finder()
    assert len(set(_instances) - before) > 50
    lrx.close()
    assert set(_instances) - before == set()
    assert all(s.closed for s in lrx.sessions)
    with pytest.raises(RuntimeError, match="closed"):
        lrx.step(1)
    lrx.close()  # twice is fine


def test_an_explorer_shown_nowhere_any_more_stops_training(lrx):
    async def scenario():
        lrx._view_count = 1  # the front end shows it
        lrx.play()
        await asyncio.sleep(0.2)
        assert lrx.playing
        lrx._view_count = 0  # its output was cleared
        await asyncio.sleep(0.05)
        assert not lrx.playing and all(not s.playing for s in lrx.sessions)

    asyncio.run(scenario())
