"""The package's public names are imported on first use, and the command line starts without the numerical stack."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import powerplay
import powerplay.figures

# Modules that take most of a start-up (numba, scipy, pydantic, matplotlib) and that a
# command which computes nothing should not load.
HEAVY = ("numba", "scipy", "pydantic", "matplotlib", "pandas", "bokeh")

# Each lazy package, and the names it imports eagerly (cheap ones).
LAZY_PACKAGES = [
    (powerplay, {"ConvergenceWarning", "PowerplayError", "__version__"}),
    (powerplay.figures, {"FigureWarning"}),
]


def _type_checking_imports(package) -> dict[str, tuple[str, ...]]:
    """``{module: names}`` imported under ``if TYPE_CHECKING:`` in the package's __init__.py."""
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    (block,) = [
        node for node in tree.body if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    ]
    return {
        "." * statement.level + (statement.module or ""): tuple(alias.name for alias in statement.names)
        for statement in block.body
        if isinstance(statement, ast.ImportFrom)
    }


@pytest.mark.parametrize(("package", "eager"), LAZY_PACKAGES, ids=lambda p: getattr(p, "__name__", ""))
def test_every_public_name_resolves_to_the_object_of_its_module(package, eager):
    exports = package._EXPORTS
    assert _type_checking_imports(package) == exports  # the lists for type checkers and for run time agree
    names = {name for names in exports.values() for name in names}
    assert set(package.__all__) == names | eager
    for module, defined in exports.items():
        for name in defined:
            assert getattr(package, name) is getattr(importlib.import_module(module, package.__name__), name), name
    assert set(package.__all__) <= set(dir(package))


def test_unknown_names_say_so_and_point_at_compat():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        powerplay.nonsense  # noqa: B018
    with pytest.raises(AttributeError, match=r"powerplay\.compat\.viz"):
        powerplay.viz  # noqa: B018


def _loaded_after(code: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_powerplay_loads_no_numerical_stack_until_asked():
    assert _loaded_after("import powerplay") == []
    assert "numba" in _loaded_after("import powerplay; powerplay.run_experiment")
    assert _loaded_after("import powerplay.figures") == []
    # The per-run figures need matplotlib, not the other figure modules (animations, report, ...).
    others = ("imageio", "powerplay.figures.published", "powerplay.figures.sweeps", "powerplay.figures.report")
    assert _loaded_after("import powerplay.figures.run_figures", others) == []


@pytest.mark.parametrize(
    "argv", [["--help"], ["--version"], ["run", "--help"], ["plot", "--help"], ["plot", "view", "--help"]]
)
def test_commands_that_compute_nothing_start_without_the_numerical_stack(argv, tmp_path):
    code = (
        "import sys, os\n"
        f"os.chdir({str(tmp_path)!r})\n"
        f"sys.argv = ['powerplay', *{argv!r}]\n"
        "from powerplay.interfaces.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
    )
    # (typer itself imports pydantic to build a command's parameters)
    assert [m for m in _loaded_after(code) if m != "pydantic"] == []
