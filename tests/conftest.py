"""Test-session settings shared by every test directory."""
import os

import pytest

# The suite tests the NumPy path, the reference, whatever numba's background compilation is doing;
# tests/test_core_fused.py runs the compiled path explicitly (NNVIZ_BACKEND=numba runs it everywhere).
os.environ.setdefault("NNVIZ_BACKEND", "numpy")


def pytest_collection_modifyitems(config, items):
    """Run the real-browser tests last: they are the slowest, and the fast tests report first."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
