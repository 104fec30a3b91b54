"""confusion_cells / confusion_cell_indices: every cell's samples, consistent with confusion_matrix."""
import numpy as np
import pytest

from nnviz.analysis import confusion_cell_indices, confusion_cells, confusion_matrix


def test_cells_hold_exactly_their_samples_and_add_up_to_the_matrix():
    rng = np.random.default_rng(0)
    for k in (2, 3, 5):
        t, p = rng.integers(0, k, 200), rng.integers(0, k, 200)
        cells = confusion_cells(t, p, k)
        assert set(cells) == {(i, j) for i in range(k) for j in range(k)}
        C = confusion_matrix(t, p, k)
        seen = np.concatenate(list(cells.values()))
        assert np.array_equal(np.sort(seen), np.arange(200))  # every sample in exactly one cell
        for (i, j), idx in cells.items():
            assert len(idx) == C[i, j] and np.all(np.diff(idx) > 0)
            assert np.all(t[idx] == i) and np.all(p[idx] == j)


def test_hand_worked_cell_and_empty_cells():
    t = [0, 1, 1, 0, 1]
    p = [0, 0, 1, 1, 0]
    assert confusion_cell_indices(t, p, 2, 1, 0).tolist() == [1, 4]
    assert confusion_cell_indices(t, p, 3, 2, 2).tolist() == []  # a class absent from both
    assert confusion_cells(t, p, 2)[0, 1].dtype == np.int64


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="true_class"):
        confusion_cell_indices([0, 1], [0, 1], 2, 2, 0)
    with pytest.raises(ValueError, match="y_pred must hold class labels in 0..1, got 3"):
        confusion_cells([0, 1], [0, 3], 2)
    with pytest.raises(ValueError, match="same number of samples"):
        confusion_cells([0, 1], [0], 2)
    with pytest.raises(ValueError, match="n_classes"):
        confusion_cells([0, 1], [0, 1], 1)
