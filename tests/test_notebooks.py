"""The lesson notebooks are stored the way the project promises: small, clean, listed and runnable.

Running them is nbval's job (``pytest --nbval-lax notebooks/``); these checks read the files only, so
they take milliseconds and need nothing beyond the standard library.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CHECKED = "# NBVAL_CHECK_OUTPUT"
MAX_BYTES = 60_000


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def test_the_lessons_exist_in_order():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1)), [p.name for p in LESSONS]
    assert len(LESSONS) >= 6


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_saved_without_outputs(path):
    """Only cells marked ``# NBVAL_CHECK_OUTPUT`` keep their (text) output, which nbval compares."""
    nb = load(path)
    assert nb["nbformat"] == 4
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if source(cell).startswith(CHECKED):
            assert cell["outputs"], f"cell {i} is marked {CHECKED} but has no saved output"
            assert cell["execution_count"] is not None, f"cell {i}: nbval skips checked cells that look unrun"
            for output in cell["outputs"]:
                assert output["output_type"] in {"stream", "execute_result"}, f"cell {i}: {output['output_type']}"
                assert "image/png" not in output.get("data", {}), f"cell {i} embeds an image"
        else:
            assert cell["outputs"] == [], f"cell {i} has saved outputs"
            assert cell["execution_count"] is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_small_and_titled(path):
    assert path.stat().st_size < MAX_BYTES
    first = load(path)["cells"][0]
    assert first["cell_type"] == "markdown"
    number = int(path.name[:2])
    assert re.match(rf"# {number} · \S", source(first)), source(first)[:80]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_exercises(path):
    text = "\n".join(source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")
    assert "**Try it" in text


def test_readme_lists_every_lesson():
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\((\d\d_[^)]+\.ipynb)\)", readme)
    assert linked == [p.name for p in LESSONS]
