"""Test-session settings shared by every test directory."""
import pytest


def pytest_collection_modifyitems(config, items):
    """Run the real-browser tests last: they are the slowest, and the fast tests report first."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
