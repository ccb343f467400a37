"""The layering the README states, checked where import-linter cannot see (the package's own __init__)."""

from __future__ import annotations

import subprocess
import sys


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_core_package_never_loads_the_compat_layer_nor_plotting():
    loaded = _modules_loaded_by("import powerplay")
    assert not {m for m in loaded if m.startswith("powerplay.compat")}
    assert not {m for m in loaded if m.startswith("powerplay.figures")}
    assert "matplotlib" not in loaded


def test_the_command_line_help_loads_no_solver_or_plotting_library():
    # `powerplay --help` must stay fast: heavy libraries load when a command needs them.
    loaded = _modules_loaded_by("from powerplay.interfaces import cli")
    assert not loaded & {"matplotlib", "bokeh", "numba", "scipy", "pydantic"}
