"""Test-session settings shared by every test directory."""
import os

import pytest

# The suite tests the NumPy path, the reference, whatever numba's background compilation is doing;
# tests/test_core_fused.py runs the compiled path explicitly (NNVIZ_BACKEND=numba runs it everywhere).
os.environ.setdefault("NNVIZ_BACKEND", "numpy")


@pytest.fixture
def numpy_path():
    """The NumPy path for one test whatever NNVIZ_BACKEND says: for tests that compare runs bit for bit
    where one side must train on NumPy (batch callbacks, ``iter_epoch``) and the other is ``fit`` (which
    the compiled path runs to within ~1e-16 per step, not bit for bit)."""
    from nnviz.core import use_backend

    use_backend("numpy")
    yield
    use_backend(None)


def pytest_collection_modifyitems(config, items):
    """Run the real-browser tests last: they are the slowest, and the fast tests report first."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
