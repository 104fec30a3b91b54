"""nnviz.core imports NumPy only, and quickly."""
import subprocess
import sys
import textwrap


def test_core_imports_without_ui_or_plotting_libraries():
    code = textwrap.dedent(
        """
        import sys
        class Block:
            blocked = ("ipywidgets", "bqplot", "matplotlib", "traitlets", "IPython")
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in self.blocked:
                    raise ImportError(f"{name} is blocked in this test")
                return None
        sys.meta_path.insert(0, Block())
        import nnviz.core, nnviz.data
        from nnviz.core import Network
        net = Network.mlp(2, [3], seed=0)
        net.fit([[0.0, 1.0], [1.0, 0.0]], [0, 1], epochs=2)
        loaded = [m for m in sys.modules if m.split(".")[0] in Block.blocked]
        assert not loaded, loaded
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_importing_nnviz_does_not_import_widgets():
    code = "import sys, nnviz, nnviz.core; print(sorted(m for m in ('ipywidgets', 'bqplot', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
